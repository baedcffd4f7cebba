package server

import (
	"context"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// WebhookSync keeps the webhook configurations in step with the SidecarSets and profiles
// (the pod webhook's scopes) and with the CA bundle. It runs on the leader only.
type WebhookSync struct {
	Client   client.Client
	Snapshot *Snapshot
	Options  WebhookConfigOptions
	// Certs, when set, manages the serving certificate; otherwise the CA bundle is left to
	// whoever manages it (cert-manager's CA injector).
	Certs *CertSource
	// Poll is how often the snapshot generation is checked.
	Poll time.Duration
}

// NeedLeaderElection: one replica writes the configurations.
func (w *WebhookSync) NeedLeaderElection() bool { return true }

// Start syncs once, then whenever the snapshot changes, and at least every ten minutes (to
// renew the certificate).
func (w *WebhookSync) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("webhook-sync")
	poll := w.Poll
	if poll == 0 {
		poll = time.Second
	}
	var seen uint64
	last := time.Time{}
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		gen := w.Snapshot.Generation()
		if gen == seen && time.Since(last) < 10*time.Minute {
			return
		}
		if err := w.Sync(ctx); err != nil {
			log.Error(err, "sync webhook configurations")
			return
		}
		seen, last = gen, time.Now()
	}, poll)
	return nil
}

// Sync writes both configurations once.
func (w *WebhookSync) Sync(ctx context.Context) error {
	opts := w.Options
	if w.Certs != nil {
		ca, err := w.Certs.Sync(ctx)
		if err != nil {
			return err
		}
		opts.CABundle = ca
	}
	view, err := w.Snapshot.View(ctx)
	if err != nil {
		return err
	}
	mutating := MutatingWebhookConfiguration(view.State.SidecarSets().SidecarSets(), view.State.AppPatches(), opts)
	validating := ValidatingWebhookConfiguration(opts)
	keepBundle := w.Certs == nil && opts.CABundle == nil
	if err := w.apply(ctx, mutating, func(existing client.Object) {
		cur := existing.(*admissionregistrationv1.MutatingWebhookConfiguration)
		if keepBundle && len(cur.Webhooks) > 0 {
			for i := range mutating.Webhooks {
				mutating.Webhooks[i].ClientConfig.CABundle = cur.Webhooks[0].ClientConfig.CABundle
			}
		}
		cur.Webhooks = mutating.Webhooks
		if cur.Annotations == nil {
			cur.Annotations = map[string]string{}
		}
		cur.Annotations[ObservedSidecarSetsAnnotation] = mutating.Annotations[ObservedSidecarSetsAnnotation]
	}, &admissionregistrationv1.MutatingWebhookConfiguration{}); err != nil {
		return err
	}
	return w.apply(ctx, validating, func(existing client.Object) {
		cur := existing.(*admissionregistrationv1.ValidatingWebhookConfiguration)
		if keepBundle && len(cur.Webhooks) > 0 {
			for i := range validating.Webhooks {
				validating.Webhooks[i].ClientConfig.CABundle = cur.Webhooks[0].ClientConfig.CABundle
			}
		}
		cur.Webhooks = validating.Webhooks
	}, &admissionregistrationv1.ValidatingWebhookConfiguration{})
}

func (w *WebhookSync) apply(ctx context.Context, desired client.Object, merge func(existing client.Object), existing client.Object) error {
	err := w.Client.Get(ctx, client.ObjectKeyFromObject(desired), existing)
	if apierrors.IsNotFound(err) {
		if err := w.Client.Create(ctx, desired); err != nil {
			return fmt.Errorf("create %T %s: %w", desired, desired.GetName(), err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	merge(existing)
	if err := w.Client.Update(ctx, existing); err != nil {
		return fmt.Errorf("update %T %s: %w", existing, existing.GetName(), err)
	}
	return nil
}
