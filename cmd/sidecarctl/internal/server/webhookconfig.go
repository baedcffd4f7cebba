package server

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

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

// ObservedSidecarSetsAnnotation, on the MutatingWebhookConfiguration, digests the
// SidecarSets (name and UID) the pod webhook's scope was computed from: a client that lists
// the SidecarSets and finds the same digest knows the server has seen them (the e2e suite).
const ObservedSidecarSetsAnnotation = "sidecarctl.dev/observed-sidecarsets"

// ObservedNamespacesAnnotation, on the MutatingWebhookConfiguration, digests the Namespaces
// (name and labels) of the state the pod webhook serves: namespaceSelector reads the labels,
// so a client that changed a Namespace's labels and finds the digest of its own list knows
// the pod webhook sees them (the e2e suite).
const ObservedNamespacesAnnotation = "sidecarctl.dev/observed-namespaces"

// PodWebhookName names the single pod webhook entry.
const PodWebhookName = "pods.sidecarctl.dev"

// MutatingWebhookConfiguration builds the pod (and, standalone, SidecarSet) mutating webhooks.
//
// Pods get one webhook entry, with failurePolicy Fail, whatever the number of SidecarSets and
// profiles: each pod is sent at most once per admission (plus the reinvocation). Its CEL
// matchCondition admits the pods that carry one of the label keys the selectors require
// (matchConditions), so a pod that cannot match never reaches the server and an outage never
// blocks it, while a pod that can match is refused while the server is down (as with Kruise).
// Namespace scoping is left to the handler; the excluded namespaces stay out through the
// entry's namespaceSelector.
func MutatingWebhookConfiguration(sets []*appsv1alpha1.SidecarSet, patches []translate.AppPatch, o WebhookConfigOptions) *admissionregistrationv1.MutatingWebhookConfiguration {
	cfg := &admissionregistrationv1.MutatingWebhookConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "MutatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Labels: map[string]string{"app.kubernetes.io/managed-by": "sidecarctl"},
			Annotations: map[string]string{ObservedSidecarSetsAnnotation: SidecarSetsDigest(sets)}},
	}
	if scope := podScopeOf(sets, patches, o.Mode); scope.selectors > 0 {
		cfg.Webhooks = append(cfg.Webhooks, admissionregistrationv1.MutatingWebhook{
			Name:                    PodWebhookName,
			ClientConfig:            o.clientConfig(PathMutatePod),
			Rules:                   rules("", "v1", "pods", admissionregistrationv1.Create),
			FailurePolicy:           ptr(admissionregistrationv1.Fail),
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			ReinvocationPolicy:      ptr(admissionregistrationv1.IfNeededReinvocationPolicy),
			NamespaceSelector:       withExclusions(nil, o.ExcludeNamespaces),
			ObjectSelector:          &metav1.LabelSelector{},
			MatchConditions:         matchConditions(scope),
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

// SidecarSetsDigest digests the names and UIDs of sets, in any order: the first 16 hex digits
// of the SHA-256 of the sorted "name/uid" lines.
func SidecarSetsDigest(sets []*appsv1alpha1.SidecarSet) string {
	lines := make([]string, len(sets))
	for i, ss := range sets {
		lines[i] = ss.Name + "/" + string(ss.UID) + "\n"
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	return hex.EncodeToString(sum[:])[:16]
}

// NamespacesDigest digests the names and labels of namespaces, in any order: the first 16 hex
// digits of the SHA-256 of the sorted lines "name key=value,key=value" (labels sorted by key).
func NamespacesDigest(namespaces []*corev1.Namespace) string {
	lines := make([]string, len(namespaces))
	for i, ns := range namespaces {
		labels := make([]string, 0, len(ns.Labels))
		for k, v := range ns.Labels {
			labels = append(labels, k+"="+v)
		}
		sort.Strings(labels)
		lines[i] = ns.Name + " " + strings.Join(labels, ",") + "\n"
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	return hex.EncodeToString(sum[:])[:16]
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

// podScopeOf collects the selectors of the SidecarSets and profiles that can inject.
func podScopeOf(sets []*appsv1alpha1.SidecarSet, patches []translate.AppPatch, mode Mode) podScope {
	var selectors []*metav1.LabelSelector
	add := func(sel *metav1.LabelSelector) {
		if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
			return // Kruise never matches an empty selector
		}
		selectors = append(selectors, sel)
	}
	for _, ss := range sets {
		// In Kruise mode Kruise injects the SidecarSets; sidecarctl still needs the pods of
		// those with namespace/name references, to point them at the mirrors (it is
		// re-invoked after Kruise's webhook, reinvocationPolicy IfNeeded).
		if mode == KruiseMode && len(binding.References(ss)) == 0 {
			continue
		}
		add(ss.Spec.Selector)
	}
	for _, p := range patches {
		add(&metav1.LabelSelector{MatchLabels: p.Selector})
	}
	return scopeOf(selectors)
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
