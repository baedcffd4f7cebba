package sidecarset

import (
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// sidecar is a processed sidecar ready for placement.
type sidecar struct {
	container corev1.Container
	policy    appsv1alpha1.PodInjectPolicyType
}

// placeSidecars mirrors Kruise's mergeSidecarContainers (sidecarset/BEHAVIOUR.md §2.3;
// pkg/webhook/pod/mutating/sidecarset.go at v1.8.0): a sidecar whose name the pod already uses
// replaces that container in place; the others go before or after the pod's list by
// podInjectPolicy. emptyBefore says where an empty policy goes: before in v1.3's pod webhook,
// after since v1.7.
// replaced collects the names of the pod's containers a sidecar took the place of.
func placeSidecars(pod []corev1.Container, sidecars []sidecar, emptyBefore bool, replaced *[]string) []corev1.Container {
	if len(sidecars) == 0 {
		return pod
	}
	index := make(map[string]int, len(pod))
	for i := range pod {
		index[pod[i].Name] = i
	}
	middle := append([]corev1.Container(nil), pod...)
	var before, after []corev1.Container
	for _, s := range sidecars {
		if i, ok := index[s.container.Name]; ok {
			middle[i] = s.container
			*replaced = append(*replaced, s.container.Name)
			continue
		}
		switch {
		case s.policy == appsv1alpha1.BeforeAppContainerType:
			before = append(before, s.container)
		case s.policy == appsv1alpha1.AfterAppContainerType:
			after = append(after, s.container)
		case emptyBefore:
			before = append(before, s.container)
		default:
			after = append(after, s.container)
		}
	}
	out := make([]corev1.Container, 0, len(before)+len(middle)+len(after))
	out = append(out, before...)
	out = append(out, middle...)
	return append(out, after...)
}

// mergeSecrets mirrors Kruise's imagePullSecrets merge (sidecarset/BEHAVIOUR.md §2.10): the
// pod's secrets de-duplicated by name (first kept), then each SidecarSet secret not present
// yet.
func mergeSecrets(pod, sidecars []corev1.LocalObjectReference) []corev1.LocalObjectReference {
	seen := map[string]bool{}
	var out []corev1.LocalObjectReference
	for _, list := range [][]corev1.LocalObjectReference{pod, sidecars} {
		for _, s := range list {
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			out = append(out, s)
		}
	}
	return out
}

// duplicateNames lists container names used twice across init and regular containers: the
// API server refuses such a pod although Kruise's webhook lets it through.
func duplicateNames(spec *corev1.PodSpec) []string {
	seen := map[string]bool{}
	var dups []string
	for _, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range list {
			if seen[c.Name] {
				dups = append(dups, c.Name)
			}
			seen[c.Name] = true
		}
	}
	return dups
}
