package sidecarset

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// isActivePod mirrors Kubernetes' controller.IsPodActive, which Kruise uses to skip pods.
func isActivePod(pod *corev1.Pod) bool {
	return pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed &&
		pod.DeletionTimestamp == nil
}

// matchResult is the outcome of Kruise's per-SidecarSet filter (kruise-sidecarset.md 1.5).
type matchResult struct {
	matched bool
	reason  Reason
	message string
}

// match applies the filter in Kruise's order: paused, namespace, namespaceSelector (v1.4+),
// label selector. A selector that does not parse is an error: Kruise rejects the pod.
func (s *State) match(ss *appsv1alpha1.SidecarSet, pod *corev1.Pod) (matchResult, error) {
	if ss.Spec.InjectionStrategy.Paused {
		return matchResult{reason: ReasonPaused, message: "spec.injectionStrategy.paused is true"}, nil
	}
	if ns := ss.Spec.Namespace; ns != "" && ns != pod.Namespace {
		return matchResult{reason: ReasonNamespaceMismatch,
			message: fmt.Sprintf("spec.namespace is %q, the pod is in %q", ns, pod.Namespace)}, nil
	}
	if sel := ss.Spec.NamespaceSelector; sel != nil && s.opts.version() != KruiseV13 {
		ns, ok := s.namespaces[pod.Namespace]
		if !ok {
			return matchResult{reason: ReasonNamespaceNotFound,
				message: fmt.Sprintf("spec.namespaceSelector is set and Namespace %q is unknown", pod.Namespace)}, nil
		}
		selector, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil || !selector.Matches(labels.Set(ns.Labels)) {
			return matchResult{reason: ReasonNamespaceSelectorMismatch,
				message: fmt.Sprintf("Namespace %q labels %v do not match spec.namespaceSelector", pod.Namespace, labels.Set(ns.Labels))}, nil
		}
	}
	if ss.Spec.Selector == nil {
		return matchResult{reason: ReasonSelectorEmpty, message: "spec.selector is not set, which matches no pod"}, nil
	}
	selector, err := metav1.LabelSelectorAsSelector(ss.Spec.Selector)
	if err != nil {
		return matchResult{}, &RefusalError{SidecarSet: ss.Name, Message: err.Error()}
	}
	if selector.Empty() {
		return matchResult{reason: ReasonSelectorEmpty, message: "spec.selector is empty, which matches no pod"}, nil
	}
	if !selector.Matches(labels.Set(pod.Labels)) {
		return matchResult{reason: ReasonSelectorMismatch, message: selectorMismatch(selector, pod.Labels)}, nil
	}
	return matchResult{matched: true}, nil
}

// selectorMismatch names the first requirement of the selector the pod labels fail, which is
// what a user needs to fix, instead of dumping every label.
func selectorMismatch(selector labels.Selector, podLabels map[string]string) string {
	reqs, _ := selector.Requirements()
	for _, r := range reqs {
		if r.Matches(labels.Set(podLabels)) {
			continue
		}
		if v, ok := podLabels[r.Key()]; ok {
			return fmt.Sprintf("selector requires %s; the pod has %s=%s", r.String(), r.Key(), v)
		}
		return fmt.Sprintf("selector requires %s; the pod has no label %s", r.String(), r.Key())
	}
	return fmt.Sprintf("pod labels do not match selector %s", selector)
}
