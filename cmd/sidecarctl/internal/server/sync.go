package server

import (
	"context"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
	// Resync is how often the configurations are written without a change of state (to renew
	// the certificate, and to repair an edit by hand); ten minutes when zero.
	Resync time.Duration
}

// NeedLeaderElection: one replica writes the configurations.
func (w *WebhookSync) NeedLeaderElection() bool { return true }

// Start syncs once, then whenever the snapshot swaps in a new state, and every Resync; a
// failed sync is retried with backoff.
func (w *WebhookSync) Start(ctx context.Context) error {
	return runOnChange(ctx, w.Snapshot.Subscribe(), w.Resync, "webhook-sync", "sync webhook configurations", w.Sync)
}

// runOnChange runs do once, then after every notification on changed and every resync
// (ten minutes when zero), retrying a failure with backoff (100 ms doubling to 30 s) until it
// succeeds or something newer arrives.
func runOnChange(ctx context.Context, changed <-chan struct{}, resync time.Duration, name, what string, do func(context.Context) error) error {
	log := logf.FromContext(ctx).WithName(name)
	if resync == 0 {
		resync = 10 * time.Minute
	}
	tick := time.NewTicker(resync)
	defer tick.Stop()
	var backoff time.Duration
	for {
		var retry <-chan time.Time
		if err := do(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			log.Error(err, what)
			backoff = min(max(2*backoff, 100*time.Millisecond), 30*time.Second)
			retry = time.After(backoff)
		} else {
			backoff = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-tick.C:
		case <-retry:
		}
	}
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
	// Both digests come from the state the pod webhook serves, so a client that finds them
	// equal to its own lists knows that state covers what it listed.
	mutating := MutatingWebhookConfiguration(view.State.SidecarSets().SidecarSets(), view.State.AppPatches(), opts)
	mutating.Annotations[ObservedNamespacesAnnotation] = NamespacesDigest(view.Namespaces)
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
		cur.Annotations[ObservedNamespacesAnnotation] = mutating.Annotations[ObservedNamespacesAnnotation]
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
	before := existing.DeepCopyObject()
	merge(existing)
	if equality.Semantic.DeepEqual(before, existing) {
		return nil // nothing changed: no write, no watch event for the API server's clients
	}
	if err := w.Client.Update(ctx, existing); err != nil {
		return fmt.Errorf("update %T %s: %w", existing, existing.GetName(), err)
	}
	return nil
}
