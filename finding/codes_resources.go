package finding

// Kruise v1.9's new sidecar fields, resourcesPolicy and shareVolumeDevicePolicy, and its device
// volumes (package sidecarset, sidecarset/BEHAVIOUR.md §8).
const (
	// V19FieldDropped: an older Kruise removes a v1.9 sidecar field from the SidecarSet.
	V19FieldDropped Code = "v1_9_field_dropped"
	// RefusedResourcesPolicy: a sidecar's resourcesPolicy finds no target container or its
	// expression fails on the pod, and Kruise v1.9 refuses the pod.
	RefusedResourcesPolicy Code = "refused_resources_policy"
	// MissingVolumeSkipped: a sidecar mounts a volume spec.volumes lacks; Kruise v1.9 injects
	// the sidecar and adds no volume.
	MissingVolumeSkipped Code = "missing_volume_skipped"
)

func resourcesCodes() []Description {
	return []Description{
		{V19FieldDropped, AreaVersion, "a sidecar field of Kruise v1.9 (resourcesPolicy, shareVolumeDevicePolicy) that the emulated older Kruise removes from the SidecarSet: the sidecar is injected without it"},
		{RefusedResourcesPolicy, AreaRefusal, "a sidecar's resourcesPolicy matches no container of the pod, or its expression fails on the pod's resources: Kruise v1.9 refuses the pod"},
		{MissingVolumeSkipped, AreaInjection, "a sidecar mounts or attaches a volume its SidecarSet does not define: Kruise v1.9 injects it without adding a volume (the pod is valid only if it has that volume itself; v1.8 panics)"},
	}
}
