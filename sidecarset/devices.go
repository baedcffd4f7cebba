package sidecarset

import (
	corev1 "k8s.io/api/core/v1"
)

// Kruise v1.9's device-aware merges (pkg/webhook/pod/mutating/sidecarset.go at v1.9.0, #2011;
// sidecarset/BEHAVIOUR.md §8.4).

// mergeMountsBesideDevices is mergeMounts where the sidecar's own devicePaths count as used
// mount paths too, so a shared app mount on one of them is left out.
func mergeMountsBesideDevices(own []corev1.VolumeMount, devices []corev1.VolumeDevice, additional []corev1.VolumeMount) []corev1.VolumeMount {
	used := make(map[string]bool, len(devices))
	for _, d := range devices {
		used[d.DevicePath] = true
	}
	var kept []corev1.VolumeMount
	for _, m := range additional {
		if !used[m.MountPath] {
			kept = append(kept, m)
		}
	}
	return mergeMounts(own, kept)
}

// sharedDevices is shareVolumeDevicePolicy enabled: the sidecar's own devices, then the
// volumeDevices of every pod container that is not an injected sidecar, in pod order, each
// unless its devicePath is already taken by a device before it or by any of the sidecar's
// mounts (own or shared). Init containers are never sources; the devices' volumes are the
// pod's and are not added.
func sharedDevices(own []corev1.VolumeDevice, mounts []corev1.VolumeMount, pod *corev1.Pod, bh behaviour) []corev1.VolumeDevice {
	used := make(map[string]bool, len(own)+len(mounts))
	for _, m := range mounts {
		used[m.MountPath] = true
	}
	for _, d := range own {
		used[d.DevicePath] = true
	}
	for i := range pod.Spec.Containers {
		app := &pod.Spec.Containers[i]
		if isInjectedContainer(app, bh) {
			continue
		}
		for _, d := range app.VolumeDevices {
			if used[d.DevicePath] {
				continue
			}
			used[d.DevicePath] = true
			own = append(own, d)
		}
	}
	return own
}
