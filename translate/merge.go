package translate

import (
	"fmt"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/finding"
)

// ApplyAppPatch merges patch into the main container and volumes of spec, in place.
//
// The main container is the one named mainContainer, else the one named
// patch.MainContainer, else the first container whose name is not in patch.SkipContainers
// (openkruise/agents uses containers[0]; on virtual nodes sidecars come first).
//
// The merge follows openkruise/agents' csi rules, made idempotent (translate/PLATFORMS.md
// §2.4): applying a patch twice gives the same spec as applying it once.
//
//	env            by name: a variable the container already has keeps its value
//	volumeMounts   same mountPath and volume: nothing to do
//	               same mountPath, other volume: error (the pod would be invalid)
//	               same volume at another path: the container's mount is kept
//	               otherwise: appended
//	postStart      container has none: the patch's handler is set
//	               both exec: command = patch command, "--", container command
//	               (already merged that way: nothing to do)
//	               either is not exec: error (agents keeps the user's hook and logs; then
//	               the runtime never starts, so sidecarctl refuses instead)
//	volumes        by name: a volume the pod already has wins (as in Kruise)
//
// The findings say what the pod already had and kept (env_kept_user_value,
// mount_kept_user_value, volume_kept_pod_value).
func ApplyAppPatch(spec *corev1.PodSpec, patch AppPatch, mainContainer string) ([]finding.Finding, error) {
	return applyAppPatch(spec, &patch, mainContainer)
}

// ApplyAppPatchMetadata adds the patch's labels and annotations to meta where the key is
// not set yet: the pod's own values win, as in openkruise/agents' generic path.
func ApplyAppPatchMetadata(meta *metav1.ObjectMeta, patch AppPatch) {
	applyMetadata(meta, &patch)
}

// mainContainerIndex picks the container an AppPatch goes to.
func mainContainerIndex(spec *corev1.PodSpec, patch *AppPatch, name string) (int, error) {
	if name == "" {
		name = patch.MainContainer
	}
	for i, c := range spec.Containers {
		if name != "" && c.Name == name {
			return i, nil
		}
		if name == "" && !slices.Contains(patch.SkipContainers, c.Name) {
			return i, nil
		}
	}
	if name != "" {
		return -1, fmt.Errorf("main container %q not found", name)
	}
	return -1, fmt.Errorf("no main container: the pod has no container that is not a sidecar")
}

// applyAppPatch is ApplyAppPatch with findings for what it kept instead of applying.
func applyAppPatch(spec *corev1.PodSpec, patch *AppPatch, mainContainer string) ([]finding.Finding, error) {
	i, err := mainContainerIndex(spec, patch, mainContainer)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", patch.Profile, err)
	}
	c := &spec.Containers[i]
	fp := fmt.Sprintf("spec.containers[%d]", i)
	var notes []finding.Finding
	note := func(code finding.Code, field, format string, args ...any) {
		notes = append(notes, workloadFinding(finding.Warning, code, patch.Profile, field, fmt.Sprintf(format, args...)))
	}

	// Check everything that can fail before changing anything.
	if err := checkPostStart(c, patch); err != nil {
		return nil, fmt.Errorf("profile %s: %s.lifecycle.postStart: %w", patch.Profile, fp, err)
	}
	for _, m := range patch.VolumeMounts {
		for _, have := range c.VolumeMounts {
			if have.MountPath == m.MountPath && have.Name != m.Name {
				return nil, fmt.Errorf("profile %s: %s.volumeMounts: %s is already the mount path of volume %q, the profile mounts %q there",
					patch.Profile, fp, m.MountPath, have.Name, m.Name)
			}
		}
	}

	for _, e := range patch.Env {
		j := envIndex(c.Env, e.Name)
		if j < 0 {
			c.Env = append(c.Env, *e.DeepCopy())
			continue
		}
		if !reflect.DeepEqual(c.Env[j], e) {
			note(finding.EnvKeptUserValue, fmt.Sprintf("%s.env[%d]", fp, j), "container %q already sets %s; its value is kept", c.Name, e.Name)
		}
	}
	for _, m := range patch.VolumeMounts {
		j := mountIndex(c.VolumeMounts, m)
		switch {
		case j < 0:
			c.VolumeMounts = append(c.VolumeMounts, *m.DeepCopy())
		case !reflect.DeepEqual(c.VolumeMounts[j], m):
			note(finding.MountKeptUserValue, fmt.Sprintf("%s.volumeMounts[%d]", fp, j), "container %q already mounts volume %q at %s; the profile's mount at %s is not added",
				c.Name, m.Name, c.VolumeMounts[j].MountPath, m.MountPath)
		}
	}
	mergePostStart(c, patch)
	for _, v := range patch.Volumes {
		j := volumeIndex(spec.Volumes, v.Name)
		switch {
		case j < 0:
			spec.Volumes = append(spec.Volumes, *v.DeepCopy())
		case !reflect.DeepEqual(spec.Volumes[j], v):
			note(finding.VolumeKeptPodValue, fmt.Sprintf("spec.volumes[%d]", j), "the pod already has a volume %q; the pod's definition wins", v.Name)
		}
	}
	return notes, nil
}

// mountIndex finds a mount the patch's mount merges with: the same volume at the same path
// first, else the same volume anywhere.
func mountIndex(mounts []corev1.VolumeMount, m corev1.VolumeMount) int {
	for i, have := range mounts {
		if have.Name == m.Name && have.MountPath == m.MountPath {
			return i
		}
	}
	for i, have := range mounts {
		if have.Name == m.Name {
			return i
		}
	}
	return -1
}

func volumeIndex(vs []corev1.Volume, name string) int {
	for i, v := range vs {
		if v.Name == name {
			return i
		}
	}
	return -1
}

func checkPostStart(c *corev1.Container, patch *AppPatch) error {
	if patch.PostStart == nil || c.Lifecycle == nil || c.Lifecycle.PostStart == nil {
		return nil
	}
	if reflect.DeepEqual(*c.Lifecycle.PostStart, *patch.PostStart) {
		return nil
	}
	if patch.PostStart.Exec == nil || c.Lifecycle.PostStart.Exec == nil {
		return fmt.Errorf("container %q has a postStart handler that cannot be merged with the profile's (only two exec handlers merge)", c.Name)
	}
	return nil
}

// mergePostStart applies the postStart rule; checkPostStart has ruled out the error cases.
func mergePostStart(c *corev1.Container, patch *AppPatch) {
	if patch.PostStart == nil {
		return
	}
	if c.Lifecycle == nil {
		c.Lifecycle = &corev1.Lifecycle{}
	}
	user := c.Lifecycle.PostStart
	if user == nil {
		c.Lifecycle.PostStart = patch.PostStart.DeepCopy()
		return
	}
	if reflect.DeepEqual(*user, *patch.PostStart) {
		return
	}
	injected := patch.PostStart.Exec.Command
	merged := append(append([]string(nil), injected...), "--")
	if len(user.Exec.Command) >= len(merged) && slices.Equal(user.Exec.Command[:len(merged)], merged) {
		return // already merged
	}
	user.Exec.Command = append(merged, user.Exec.Command...)
}

func applyMetadata(meta *metav1.ObjectMeta, patch *AppPatch) {
	for k, v := range patch.Labels {
		if _, ok := meta.Labels[k]; !ok {
			if meta.Labels == nil {
				meta.Labels = map[string]string{}
			}
			meta.Labels[k] = v
		}
	}
	for k, v := range patch.Annotations {
		if _, ok := meta.Annotations[k]; !ok {
			if meta.Annotations == nil {
				meta.Annotations = map[string]string{}
			}
			meta.Annotations[k] = v
		}
	}
}
