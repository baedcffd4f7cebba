package sidecarset

import (
	"fmt"
	"sort"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateConflicts refuses a SidecarSet that shares a container name, a different
// same-named volume, or an Overwrite-patched annotation with another SidecarSet whose
// namespaces and selectors may overlap (sidecarset/BEHAVIOUR.md §4.8).
// When several others clash, Kruise names the last one it listed; sidecarctl lists by name.
func validateConflicts(ss *appsv1alpha1.SidecarSet, env ValidationEnv) field.ErrorList {
	initIn, containerIn, volumeIn, annotationIn := map[string]*appsv1alpha1.SidecarSet{}, map[string]*appsv1alpha1.SidecarSet{}, map[string]*appsv1alpha1.SidecarSet{}, map[string]*appsv1alpha1.SidecarSet{}
	for _, other := range env.Others {
		if other.Name == ss.Name || !namespacesOverlap(ss, other, env) || !SelectorsOverlap(ss.Spec.Selector, other.Spec.Selector) {
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

// namespacesOverlap: disjoint only when both name different namespaces, both namespace
// selectors are provably disjoint, or one's namespace fails the other's selector (v1.4+).
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
