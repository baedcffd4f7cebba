package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/binding"
	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/translate"
)

// WebhookConfigOptions say where the webhook server is reachable.
type WebhookConfigOptions struct {
	// Name of both webhook configurations.
	Name string
	// Service that fronts the server; ignored when URL is set.
	ServiceNamespace, ServiceName string
	ServicePort                   int32
	// URL, for a server outside the cluster (tests).
	URL string
	// CABundle signs the serving certificate.
	CABundle []byte
	// ExcludeNamespaces are never sent to the pod webhook (the server's own, kube-system).
	ExcludeNamespaces []string
	Mode              Mode
}

// MutatingWebhookConfiguration builds the pod (and, standalone, SidecarSet) mutating webhooks.
//
// Pods get one webhook entry per distinct (selector, namespaces) of the SidecarSets and
// profiles that can inject, each with failurePolicy Fail: a pod that can match is refused
// while the server is down (as with Kruise), and a pod that cannot match never reaches the
// server, so an outage never blocks unrelated pods.
func MutatingWebhookConfiguration(sets []*appsv1alpha1.SidecarSet, patches []translate.AppPatch, o WebhookConfigOptions) *admissionregistrationv1.MutatingWebhookConfiguration {
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "MutatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Labels: map[string]string{"app.kubernetes.io/managed-by": "sidecarctl"}},
	}
	for _, scope := range podScopes(sets, patches, o) {
		cfg.Webhooks = append(cfg.Webhooks, admissionregistrationv1.MutatingWebhook{
			Name:                    scope.name + ".pods.sidecarctl.dev",
			ClientConfig:            o.clientConfig(PathMutatePod),
			Rules:                   rules("", "v1", "pods", admissionregistrationv1.Create),
			FailurePolicy:           ptr(admissionregistrationv1.Fail),
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			ReinvocationPolicy:      ptr(admissionregistrationv1.IfNeededReinvocationPolicy),
			ObjectSelector:          scope.objectSelector,
			NamespaceSelector:       scope.namespaceSelector,
			TimeoutSeconds:          ptr(int32(10)),
		})
	}
	if o.Mode != KruiseMode {
		cfg.Webhooks = append(cfg.Webhooks, admissionregistrationv1.MutatingWebhook{
			Name:                    "sidecarsets.sidecarctl.dev",
			ClientConfig:            o.clientConfig(PathMutateSidecarSet),
			Rules:                   rules("apps.kruise.io", "v1alpha1", "sidecarsets", admissionregistrationv1.Create, admissionregistrationv1.Update),
			FailurePolicy:           ptr(admissionregistrationv1.Fail),
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
		})
	}
	return cfg
}

// ValidatingWebhookConfiguration builds the SidecarSet and binding validating webhooks.
func ValidatingWebhookConfiguration(o WebhookConfigOptions) *admissionregistrationv1.ValidatingWebhookConfiguration {
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Labels: map[string]string{"app.kubernetes.io/managed-by": "sidecarctl"}},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{
			{
				Name:                    "sidecarsets.sidecarctl.dev",
				ClientConfig:            o.clientConfig(PathValidateSidecarSet),
				Rules:                   rules("apps.kruise.io", "v1alpha1", "sidecarsets", admissionregistrationv1.Create, admissionregistrationv1.Update),
				FailurePolicy:           ptr(admissionregistrationv1.Fail),
				SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
				AdmissionReviewVersions: []string{"v1"},
			},
			{
				Name:                    "sidecarsetresourcebindings.sidecarctl.dev",
				ClientConfig:            o.clientConfig(PathValidateBinding),
				Rules:                   rules(bindingv1alpha1.Group, bindingv1alpha1.Version, "sidecarsetresourcebindings", admissionregistrationv1.Create, admissionregistrationv1.Update),
				FailurePolicy:           ptr(admissionregistrationv1.Fail),
				SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
				AdmissionReviewVersions: []string{"v1"},
			},
		},
	}
}

type podScope struct {
	name              string
	objectSelector    *metav1.LabelSelector
	namespaceSelector *metav1.LabelSelector
}

// podScopes groups the SidecarSets and profiles by the pods they can select.
func podScopes(sets []*appsv1alpha1.SidecarSet, patches []translate.AppPatch, o WebhookConfigOptions) []podScope {
	byKey := map[string]podScope{}
	add := func(obj *metav1.LabelSelector, ns *metav1.LabelSelector) {
		if obj == nil || (len(obj.MatchLabels) == 0 && len(obj.MatchExpressions) == 0) {
			return // Kruise never matches an empty selector
		}
		nsSel := withExclusions(ns, o.ExcludeNamespaces)
		raw, _ := json.Marshal([]any{obj, nsSel})
		sum := sha256.Sum256(raw)
		key := hex.EncodeToString(sum[:])[:10]
		byKey[key] = podScope{name: key, objectSelector: obj.DeepCopy(), namespaceSelector: nsSel}
	}
	for _, ss := range sets {
		// In Kruise mode Kruise injects the SidecarSets; sidecarctl still needs the pods of
		// those with namespace/name references, to point them at the mirrors (it is
		// re-invoked after Kruise's webhook, reinvocationPolicy IfNeeded).
		if o.Mode == KruiseMode && len(binding.References(ss)) == 0 {
			continue
		}
		var ns *metav1.LabelSelector
		switch {
		case ss.Spec.Namespace != "":
			ns = &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: ss.Spec.Namespace}}
		case ss.Spec.NamespaceSelector != nil:
			ns = ss.Spec.NamespaceSelector
		}
		add(ss.Spec.Selector, ns)
	}
	for _, p := range patches {
		add(&metav1.LabelSelector{MatchLabels: p.Selector}, nil)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]podScope, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}

func withExclusions(ns *metav1.LabelSelector, exclude []string) *metav1.LabelSelector {
	out := &metav1.LabelSelector{}
	if ns != nil {
		out = ns.DeepCopy()
	}
	if len(exclude) > 0 {
		out.MatchExpressions = append(out.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpNotIn, Values: append([]string(nil), exclude...)})
	}
	return out
}

func (o WebhookConfigOptions) clientConfig(path string) admissionregistrationv1.WebhookClientConfig {
	if o.URL != "" {
		url := o.URL + path
		return admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: o.CABundle}
	}
	port := o.ServicePort
	if port == 0 {
		port = 443
	}
	return admissionregistrationv1.WebhookClientConfig{CABundle: o.CABundle, Service: &admissionregistrationv1.ServiceReference{
		Namespace: o.ServiceNamespace, Name: o.ServiceName, Path: &path, Port: &port}}
}

func rules(group, version, resource string, ops ...admissionregistrationv1.OperationType) []admissionregistrationv1.RuleWithOperations {
	return []admissionregistrationv1.RuleWithOperations{{Operations: ops, Rule: admissionregistrationv1.Rule{
		APIGroups: []string{group}, APIVersions: []string{version}, Resources: []string{resource}}}}
}

func ptr[T any](v T) *T { return &v }
