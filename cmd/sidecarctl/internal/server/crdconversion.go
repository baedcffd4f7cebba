package server

import (
	"context"
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// SidecarSetCRDName names the SidecarSet CustomResourceDefinition.
const SidecarSetCRDName = "sidecarsets.apps.kruise.io"

// SyncSidecarSetConversion points the SidecarSet CRD's conversion webhook at this server and
// gives it the CA bundle, as Kruise v1.9's webhook controller does for its own /convert
// (sidecarset/BEHAVIOUR.md §8). Only a CRD that converts by webhook is touched: the two-version
// CRD of `install --without-kruise`; a v1alpha1-only CRD, or none, is left as it is. Without a
// CA bundle in opts (cert-manager injects it) the CRD's own bundle is kept.
//
// It runs before the manager's cache starts: listing v1alpha1 SidecarSets stored as v1beta1
// needs the conversion webhook reachable, so the cache could never sync without it.
func SyncSidecarSetConversion(ctx context.Context, c client.Client, opts WebhookConfigOptions) error {
	var crd apiextensionsv1.CustomResourceDefinition
	err := c.Get(ctx, client.ObjectKey{Name: SidecarSetCRDName}, &crd)
	if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get CustomResourceDefinition %s: %w", SidecarSetCRDName, err)
	}
	conv := crd.Spec.Conversion
	if conv == nil || conv.Strategy != apiextensionsv1.WebhookConverter {
		return nil
	}
	if conv.Webhook == nil {
		conv.Webhook = &apiextensionsv1.WebhookConversion{ConversionReviewVersions: []string{"v1"}}
	}
	want := opts.conversionClientConfig()
	if want.CABundle == nil && conv.Webhook.ClientConfig != nil {
		want.CABundle = conv.Webhook.ClientConfig.CABundle
	}
	if equality.Semantic.DeepEqual(conv.Webhook.ClientConfig, want) {
		return nil
	}
	conv.Webhook.ClientConfig = want
	if err := c.Update(ctx, &crd); err != nil {
		return fmt.Errorf("update CustomResourceDefinition %s spec.conversion.webhook.clientConfig: %w", SidecarSetCRDName, err)
	}
	return nil
}

// conversionClientConfig is clientConfig's counterpart for the CRD's conversion webhook, whose
// type is apiextensions' own.
func (o WebhookConfigOptions) conversionClientConfig() *apiextensionsv1.WebhookClientConfig {
	admission := o.clientConfig(PathConvertSidecarSet)
	out := &apiextensionsv1.WebhookClientConfig{URL: admission.URL, CABundle: admission.CABundle}
	if s := admission.Service; s != nil {
		out.Service = &apiextensionsv1.ServiceReference{Namespace: s.Namespace, Name: s.Name, Path: s.Path, Port: s.Port}
	}
	return out
}
