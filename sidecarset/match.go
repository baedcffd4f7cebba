package sidecarset

import (
	"fmt"
	"slices"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/sidecarctl/sidecarctl/finding"
)

// isActivePod mirrors Kubernetes' controller.IsPodActive, which Kruise uses to skip pods.
func isActivePod(pod *corev1.Pod) bool {
	return pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed &&
		pod.DeletionTimestamp == nil
}

// matchResult is the outcome of Kruise's per-SidecarSet filter (sidecarset/BEHAVIOUR.md §1.5).
type matchResult struct {
	matched bool
	reason  finding.Code
	message string
}

// compiledSelectors are a SidecarSet's selectors parsed once, when the set is stored: Kruise
// parses them for every SidecarSet on every pod, which is most of its per-pod cost.
type compiledSelectors struct {
	selector    labels.Selector // nil when spec.selector is nil
	selectorErr error
	namespace   labels.Selector // nil when spec.namespaceSelector is nil
	namespaceOK bool            // spec.namespaceSelector parsed
}

func compileSelectors(ss *appsv1alpha1.SidecarSet) *compiledSelectors {
	c := &compiledSelectors{}
	if ss.Spec.Selector != nil {
		c.selector, c.selectorErr = metav1.LabelSelectorAsSelector(ss.Spec.Selector)
	}
	if sel := ss.Spec.NamespaceSelector; sel != nil {
		var err error
		c.namespace, err = metav1.LabelSelectorAsSelector(sel)
		c.namespaceOK = err == nil
	}
	return c
}

// selectorsOf returns the compiled selectors of a stored SidecarSet. Sets that reach the
// engine without Store (pinned revisions restored from history) are compiled on the spot.
func (s *State) selectorsOf(ss *appsv1alpha1.SidecarSet) *compiledSelectors {
	if c, ok := s.selectors[ss]; ok {
		return c
	}
	return compileSelectors(ss)
}

// match applies the filter in Kruise's order: paused, namespace, namespaceSelector (v1.4+),
// label selector. A selector that does not parse is an error: Kruise rejects the pod.
func (s *State) match(ss *appsv1alpha1.SidecarSet, pod *corev1.Pod) (matchResult, error) {
	return s.matchCompiled(ss, s.selectorsOf(ss), pod, true)
}

// matchCompiled is match with the selectors given; without withMessage it leaves the
// human sentence out, for callers that only count reasons.
func (s *State) matchCompiled(ss *appsv1alpha1.SidecarSet, c *compiledSelectors, pod *corev1.Pod, withMessage bool) (matchResult, error) {
	if ss.Spec.InjectionStrategy.Paused {
		return matchResult{reason: finding.InjectionPaused, message: "spec.injectionStrategy.paused is true"}, nil
	}
	if ns := ss.Spec.Namespace; ns != "" && ns != pod.Namespace {
		r := matchResult{reason: finding.NamespaceMismatch}
		if withMessage {
			r.message = fmt.Sprintf("spec.namespace is %q, the pod is in %q", ns, pod.Namespace)
		}
		return r, nil
	}
	if ss.Spec.NamespaceSelector != nil && s.opts.behaviour().NamespaceSelector {
		ns, ok := s.namespaces[pod.Namespace]
		if !ok {
			r := matchResult{reason: finding.NamespaceNotFound}
			if withMessage {
				r.message = fmt.Sprintf("spec.namespaceSelector is set and Namespace %q is unknown", pod.Namespace)
				if s.opts.behaviour().StoresV1Beta1 {
					// sidecarset/BEHAVIOUR.md §8.3
					r.message += " (Kruise v1.9 stores a spec.namespace as this selector, so it needs the Namespace too)"
				}
			}
			return r, nil
		}
		if !c.namespaceOK || !c.namespace.Matches(labels.Set(ns.Labels)) {
			r := matchResult{reason: finding.NamespaceSelectorMismatch}
			if withMessage {
				r.message = fmt.Sprintf("Namespace %q labels %v do not match spec.namespaceSelector", pod.Namespace, labels.Set(ns.Labels))
			}
			return r, nil
		}
	}
	if ss.Spec.Selector == nil {
		return matchResult{reason: finding.SelectorEmpty, message: "spec.selector is not set, which matches no pod"}, nil
	}
	if c.selectorErr != nil {
		return matchResult{}, &RefusalError{Code: finding.RefusedSelector, SidecarSet: ss.Name, Field: "spec.selector",
			Message: c.selectorErr.Error(), Err: c.selectorErr}
	}
	if c.selector.Empty() {
		return matchResult{reason: finding.SelectorEmpty, message: "spec.selector is empty, which matches no pod"}, nil
	}
	if !c.selector.Matches(labels.Set(pod.Labels)) {
		r := matchResult{reason: finding.SelectorMismatch}
		if withMessage {
			r.message = selectorMismatch(c.selector, pod.Labels)
		}
		return r, nil
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

// ReachesNamespace reports whether the stored SidecarSet ss can inject into pods of namespace
// ns as far as namespaces decide, the way the pod webhook filters: the namespace index (from
// v1.7) lists it for ns, and spec.namespace and spec.namespaceSelector (from v1.4) admit ns.
// The pods' labels decide the rest. The mirror controller asks it to know where copies of
// namespace/name references are needed.
func (s *State) ReachesNamespace(ss *appsv1alpha1.SidecarSet, ns string) bool {
	if s.opts.behaviour().NamespaceIndex {
		keys := indexKeys(ss)
		if !slices.Contains(keys, ns) && !slices.Contains(keys, clusterScope) {
			return false
		}
	}
	probe := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns}}
	m, _ := s.matchCompiled(ss, s.selectorsOf(ss), probe, false)
	switch m.reason {
	case finding.NamespaceMismatch, finding.NamespaceNotFound, finding.NamespaceSelectorMismatch:
		return false
	}
	return true
}
