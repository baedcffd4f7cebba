package sidecarset

import (
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// transferEnvs implements transferEnv (sidecarset/BEHAVIOUR.md §2.8): for each entry, in
// order, the env names (envName plus envNames) in ascending order are copied from the source
// container among the pod's regular containers. Missing sources are skipped, never errors.
func transferEnvs(sc *appsv1alpha1.SidecarContainer, pod *corev1.Pod) []corev1.EnvVar {
	if len(sc.TransferEnv) == 0 {
		return nil
	}
	// container/env -> env; a later duplicate overwrites, as Kruise's map does.
	inPod := map[string]corev1.EnvVar{}
	for _, c := range pod.Spec.Containers {
		for _, e := range c.Env {
			inPod[c.Name+"/"+e.Name] = e
		}
	}
	var out []corev1.EnvVar
	for _, t := range sc.TransferEnv {
		names := map[string]bool{}
		if t.EnvName != "" {
			names[t.EnvName] = true
		}
		for _, n := range t.EnvNames {
			names[n] = true
		}
		source := t.SourceContainerName
		if t.SourceContainerNameFrom != nil && t.SourceContainerNameFrom.FieldRef != nil {
			name, ok := containerNameFromFieldPath(t.SourceContainerNameFrom.FieldRef.FieldPath, pod)
			if !ok {
				continue
			}
			source = name
		}
		sorted := make([]string, 0, len(names))
		for n := range names {
			sorted = append(sorted, n)
		}
		sort.Strings(sorted)
		for _, n := range sorted {
			if e, ok := inPod[source+"/"+n]; ok {
				out = append(out, e)
			}
		}
	}
	return out
}

// containerNameFromFieldPath resolves metadata.labels['k'] and metadata.annotations['k'] (a
// missing key gives ""); every other path is unsupported and the entry is skipped.
func containerNameFromFieldPath(path string, pod *corev1.Pod) (string, bool) {
	for prefix, values := range map[string]map[string]string{
		"metadata.labels":      pod.Labels,
		"metadata.annotations": pod.Annotations,
	} {
		rest, ok := strings.CutPrefix(path, prefix)
		if !ok {
			continue
		}
		if !strings.HasPrefix(rest, "['") || !strings.HasSuffix(rest, "']") || len(rest) < 4 {
			return "", false
		}
		return values[rest[2:len(rest)-2]], true
	}
	return "", false
}

// mergeEnv appends the additional vars whose name is not present yet: the SidecarSet's own
// definition wins over transferred values.
func mergeEnv(own, additional []corev1.EnvVar) []corev1.EnvVar {
	used := make(map[string]bool, len(own)+len(additional))
	for _, e := range own {
		used[e.Name] = true
	}
	for _, e := range additional {
		if used[e.Name] {
			continue
		}
		used[e.Name] = true
		own = append(own, e)
	}
	return own
}
