package sidecarset

import (
	"fmt"
	"sort"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// validateConflicts refuses a SidecarSet that shares a container name, a different
// same-named volume, or an Overwrite-patched annotation with another SidecarSet whose
// namespaces and selectors may overlap by Kruise's own tests (sidecarset/BEHAVIOUR.md §4.8).
// When several others clash, Kruise names the last one it listed; sidecarctl lists by name.
func validateConflicts(ss *appsv1alpha1.SidecarSet, env ValidationEnv) field.ErrorList {
	return conflicts(ss, env.Others, func(other *appsv1alpha1.SidecarSet) bool {
		return kruiseNamespacesOverlap(ss, other, env) && KruiseSelectorsOverlap(ss.Spec.Selector, other.Spec.Selector)
	})
}

// ConflictsKruiseAccepts reports the clashes of ss (a SidecarSet Kruise's validating webhook
// accepts) with SidecarSets that can select the same pods although Kruise's overlap tests say
// they cannot: Kruise lets them through, so pods both select get two containers of one name
// (the API server refuses the pod), only one of two volumes, or two patches fighting over an
// annotation (sidecarset/BEHAVIOUR.md §4.8). One warning per clash.
func ConflictsKruiseAccepts(ss *appsv1alpha1.SidecarSet, env ValidationEnv) finding.List {
	var out finding.List
	for _, other := range env.Others {
		if other.Name == ss.Name || !namespacesOverlap(ss, other, env) || !SelectorsOverlap(ss.Spec.Selector, other.Spec.Selector) {
			continue
		}
		missed := missedOverlap(ss, other, env)
		if missed == "" {
			continue // Kruise sees this overlap: a clash would have refused ss
		}
		only := func(*appsv1alpha1.SidecarSet) bool { return true }
		for _, err := range conflicts(ss, []*appsv1alpha1.SidecarSet{other}, only) {
			out.Add(finding.Finding{Severity: finding.Warning, Code: finding.SidecarSetConflictAccepted, SidecarSet: ss.Name,
				Field: err.Field, Message: fmt.Sprintf("%s accepts the SidecarSet although %s: %s; pods both select get %s",
					env.Version.kruise(), err.Detail, missed, clashOutcome(err.Field, fmt.Sprint(err.BadValue), other.Name))})
		}
	}
	return out
}

// missedOverlap says which of Kruise's overlap tests wrongly separates ss from other, or ""
// when Kruise sees the overlap.
func missedOverlap(ss, other *appsv1alpha1.SidecarSet, env ValidationEnv) string {
	switch {
	case kruiseNamespacesOverlap(ss, other, env) && KruiseSelectorsOverlap(ss.Spec.Selector, other.Spec.Selector):
		return ""
	case other.Spec.Namespace != "" && ss.Spec.NamespaceSelector != nil && env.behaviour().NamespaceSelector:
		return fmt.Sprintf("it never finds a new namespaceSelector overlapping an earlier SidecarSet's spec.namespace, yet namespace %s (%s's) matches this spec.namespaceSelector",
			other.Spec.Namespace, other.Name)
	case !kruiseNamespacesOverlap(ss, other, env):
		return "its selector-overlap test calls spec.namespaceSelector disjoint from " + other.Name + "'s, yet a namespace can match both"
	}
	return "its selector-overlap test calls spec.selector disjoint from " + other.Name + "'s, yet a pod can match both"
}

func clashOutcome(fieldPath, name, other string) string {
	switch fieldPath {
	case "spec.volumes":
		return "the volume " + name + " of whichever SidecarSet comes first"
	case "spec.patchPodMetadata":
		return "annotation " + name + " from whichever SidecarSet patches last"
	}
	return "two containers named " + name + " (this SidecarSet's and " + other + "'s), and the API server refuses them"
}

// conflicts lists the clashes of ss with each of others that overlaps reports true for.
func conflicts(ss *appsv1alpha1.SidecarSet, others []*appsv1alpha1.SidecarSet, overlaps func(other *appsv1alpha1.SidecarSet) bool) field.ErrorList {
	initIn, containerIn, volumeIn, annotationIn := map[string]*appsv1alpha1.SidecarSet{}, map[string]*appsv1alpha1.SidecarSet{}, map[string]*appsv1alpha1.SidecarSet{}, map[string]*appsv1alpha1.SidecarSet{}
	for _, other := range others {
		if other.Name == ss.Name || !overlaps(other) {
			continue
		}
		for _, c := range other.Spec.InitContainers {
			initIn[c.Name] = other
		}
		for _, c := range other.Spec.Containers {
			containerIn[c.Name] = other
		}
		for _, v := range other.Spec.Volumes {
			volumeIn[v.Name] = other
		}
		for _, patch := range other.Spec.PatchPodMetadata {
			for k := range patch.Annotations {
				annotationIn[k] = other
			}
		}
	}
	p := field.NewPath("spec")
	var errs field.ErrorList
	for _, c := range ss.Spec.InitContainers {
		if other, ok := initIn[c.Name]; ok {
			errs = append(errs, field.Invalid(p.Child("initContainers"), c.Name, fmt.Sprintf("container %v already exist in %v", c.Name, other.Name)))
		}
	}
	for _, c := range ss.Spec.Containers {
		if other, ok := containerIn[c.Name]; ok {
			errs = append(errs, field.Invalid(p.Child("containers"), c.Name, fmt.Sprintf("container %v already exist in %v", c.Name, other.Name)))
		}
	}
	for _, v := range ss.Spec.Volumes {
		other, ok := volumeIn[v.Name]
		if !ok {
			continue
		}
		for _, ov := range other.Spec.Volumes {
			if ov.Name == v.Name && !equality.Semantic.DeepEqual(ov, v) {
				errs = append(errs, field.Invalid(p.Child("volumes"), v.Name, fmt.Sprintf("volume %s is in conflict with sidecarset %s", v.Name, other.Name)))
			}
		}
	}
	for _, patch := range ss.Spec.PatchPodMetadata {
		keys := make([]string, 0, len(patch.Annotations))
		for k := range patch.Annotations {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			other, ok := annotationIn[key]
			if !ok {
				continue
			}
			if policy := otherPolicy(other, key); patchesConflict(patch.PatchPolicy, policy) {
				errs = append(errs, field.Invalid(p.Child("patchPodMetadata"), key, fmt.Sprintf("annotation %s is in conflict with sidecarset %s", key, other.Name)))
			}
		}
	}
	return errs
}

func otherPolicy(ss *appsv1alpha1.SidecarSet, key string) appsv1alpha1.SidecarSetPatchPolicyType {
	for _, patch := range ss.Spec.PatchPodMetadata {
		if _, ok := patch.Annotations[key]; ok {
			return patch.PatchPolicy
		}
	}
	return ""
}

// patchesConflict: Retain never conflicts; two MergePatchJson patches compose; any other pair
// (one side Overwrite) would fight over the value.
func patchesConflict(a, b appsv1alpha1.SidecarSetPatchPolicyType) bool {
	retain := func(p appsv1alpha1.SidecarSetPatchPolicyType) bool {
		return p == "" || p == appsv1alpha1.SidecarSetRetainPatchPolicy
	}
	if retain(a) || retain(b) {
		return false
	}
	return !(a == appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy && b == appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy)
}

// namespacesOverlap reports, soundly, whether the two SidecarSets can reach one namespace:
// not when both name different namespaces, when both namespace selectors are provably
// disjoint, or when one's namespace fails the other's selector (v1.4+).
func namespacesOverlap(a, b *appsv1alpha1.SidecarSet, env ValidationEnv) bool {
	if a.Spec.Namespace != "" && b.Spec.Namespace != "" && a.Spec.Namespace != b.Spec.Namespace {
		return false
	}
	if !env.behaviour().NamespaceSelector {
		return true
	}
	as, bs := a.Spec.NamespaceSelector, b.Spec.NamespaceSelector
	if as != nil && bs != nil && !SelectorsOverlap(as, bs) {
		return false
	}
	if a.Spec.Namespace != "" && bs != nil && !namespaceMatches(a.Spec.Namespace, bs, env) {
		return false
	}
	if b.Spec.Namespace != "" && as != nil && !namespaceMatches(b.Spec.Namespace, as, env) {
		return false
	}
	return true
}

// kruiseNamespacesOverlap is Kruise's namespace test for the SidecarSet being validated (ss)
// against one already stored (other): as namespacesOverlap, with Kruise's selector test, and
// with its slip (v1.4 to v1.8): when other has spec.namespace and ss a namespaceSelector, it
// checks other's namespace against other's own (absent) selector, which matches nothing, so
// the two never overlap (sidecarset/BEHAVIOUR.md §4.8).
func kruiseNamespacesOverlap(ss, other *appsv1alpha1.SidecarSet, env ValidationEnv) bool {
	if ss.Spec.Namespace != "" && other.Spec.Namespace != "" && ss.Spec.Namespace != other.Spec.Namespace {
		return false
	}
	if !env.behaviour().NamespaceSelector {
		return true
	}
	mine, theirs := ss.Spec.NamespaceSelector, other.Spec.NamespaceSelector
	if mine != nil && theirs != nil && !KruiseSelectorsOverlap(mine, theirs) {
		return false
	}
	if ss.Spec.Namespace != "" && theirs != nil && !namespaceMatches(ss.Spec.Namespace, theirs, env) {
		return false
	}
	if other.Spec.Namespace != "" && mine != nil {
		return false
	}
	return true
}

func namespaceMatches(name string, sel *metav1.LabelSelector, env ValidationEnv) bool {
	if env.Namespace == nil {
		return false
	}
	ns, ok := env.Namespace(name)
	if !ok {
		return false
	}
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	return selector.Matches(labels.Set(ns.Labels))
}
