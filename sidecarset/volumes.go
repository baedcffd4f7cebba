package sidecarset

import (
	"regexp"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// EnvIsInjected is the env var Kruise appends to every injected container; app containers
// that carry it are treated as sidecars and are not share sources.
const EnvIsInjected = "IS_INJECTED"

// subPathExprVar matches $(NAME) references in a subPathExpr, as Kruise does.
var subPathExprVar = regexp.MustCompile(`\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)`)

// isInjectedContainer reports whether Kruise takes app container c for an injected sidecar:
// v1.8 when any IS_INJECTED entry of its env is "true"; v1.3 reads only the first IS_INJECTED
// entry, so [IS_INJECTED="", IS_INJECTED=true] is an app container there
// (sidecarset/BEHAVIOUR.md §2.6).
func isInjectedContainer(c *corev1.Container, bh behaviour) bool {
	for _, e := range c.Env {
		if e.Name != EnvIsInjected {
			continue
		}
		if e.Value == "true" {
			return true
		}
		if !bh.IsInjectedAnyEntry {
			return false
		}
	}
	return false
}

// sharedMounts implements shareVolumePolicy (sidecarset/BEHAVIOUR.md §2.6): every mount of
// every pod container that is not an injected sidecar, in order, plus the env vars their
// subPathExpr references. Kruise shares only for the exact policy "enabled": an empty policy
// (defaulting skipped) or an init container's unvalidated "Enabled" shares nothing.
func sharedMounts(sc *appsv1alpha1.SidecarContainer, pod *corev1.Pod, bh behaviour) ([]corev1.VolumeMount, []corev1.EnvVar) {
	if sc.ShareVolumePolicy.Type != appsv1alpha1.ShareVolumePolicyEnabled {
		return nil, nil
	}
	var mounts []corev1.VolumeMount
	var envs []corev1.EnvVar
	for i := range pod.Spec.Containers {
		app := &pod.Spec.Containers[i]
		if isInjectedContainer(app, bh) {
			continue
		}
		for _, m := range app.VolumeMounts {
			mounts = append(mounts, m)
			if m.SubPathExpr == "" {
				continue
			}
			for _, ref := range subPathExprVar.FindAllStringSubmatch(m.SubPathExpr, -1) {
				for _, e := range app.Env {
					if e.Name == ref[1] {
						envs = append(envs, e)
						break
					}
				}
			}
		}
	}
	return mounts, envs
}

// mergeMounts appends the additional mounts whose mountPath is not used yet: the sidecar's
// own mount wins, then the first app container's.
func mergeMounts(own, additional []corev1.VolumeMount) []corev1.VolumeMount {
	used := make(map[string]bool, len(own)+len(additional))
	for _, m := range own {
		used[m.MountPath] = true
	}
	for _, m := range additional {
		if used[m.MountPath] {
			continue
		}
		used[m.MountPath] = true
		own = append(own, m)
	}
	return own
}

// mergeVolumes appends pending volumes whose name is not taken: the pod's volume wins a clash.
func mergeVolumes(pod, pending []corev1.Volume) []corev1.Volume {
	if len(pending) == 0 {
		return pod
	}
	used := make(map[string]bool, len(pod)+len(pending))
	for _, v := range pod {
		used[v.Name] = true
	}
	for _, v := range pending {
		if used[v.Name] {
			continue
		}
		used[v.Name] = true
		pod = append(pod, v)
	}
	return pod
}
