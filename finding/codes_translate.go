package finding

// Compiling profiles into SidecarSets and app patches (package translate).
const (
	AppPatchEmitted        Code = "app_patch_emitted"
	AppPatchApplied        Code = "app_patch_applied"
	AppVolumeInAppPatch    Code = "app_volume_in_app_patch"
	MainMountPodVolume     Code = "main_mount_pod_volume"
	MainContainerNotFirst  Code = "main_container_not_first"
	NoSidecars             Code = "no_sidecars"
	InitOrderSorted        Code = "init_order_sorted"
	VolumeUnused           Code = "volume_unused"
	VolumeMountUnknown     Code = "volume_mount_unknown_volume"
	VolumeConflict         Code = "volume_conflict"
	ResourceIgnoreNoEffect Code = "resource_ignore_no_effect"
	ResourceIgnoreShares   Code = "resource_ignore_shares_resources"
	RegionMismatch         Code = "region_mismatch"
	FieldDroppedByKruise13 Code = "field_dropped_by_kruise_v13"
)

func translateCodes() []Description {
	return []Description{
		{AppPatchEmitted, AreaTranslate, "the profile's app-container part was written to the AppPatch ConfigMap"},
		{AppPatchApplied, AreaTranslate, "the profile's app-container part was applied to a pod or pod template"},
		{AppVolumeInAppPatch, AreaTranslate, "a volume only the main container mounts travels in the AppPatch (Kruise injects only volumes a sidecar mounts)"},
		{MainMountPodVolume, AreaTranslate, "the main container mounts a volume the profile does not declare; the pod must bring it"},
		{MainContainerNotFirst, AreaTranslate, "sidecars precede the app container, so containers[0] is no longer the main container"},
		{NoSidecars, AreaTranslate, "the profile has no sidecars, so it compiles to no SidecarSet"},
		{InitOrderSorted, AreaTranslate, "Kruise injects init containers sorted by name, not in profile order"},
		{VolumeUnused, AreaTranslate, "a volume no container mounts; Kruise does not inject it"},
		{VolumeMountUnknown, AreaTranslate, "a sidecar mounts a volume the profile does not declare; Kruise refuses the SidecarSet"},
		{VolumeConflict, AreaTranslate, "two profiles declare same-named volumes that differ; Kruise refuses overlapping SidecarSets that do"},
		{ResourceIgnoreNoEffect, AreaTranslate, "a virtual-node resource-ignore env on a regular node, whose kubelet ignores it"},
		{ResourceIgnoreShares, AreaTranslate, "the platform ignores the sidecars' requests, which then share the other containers' resources"},
		{RegionMismatch, AreaTranslate, "REGION_ID differs from the region the profiles were rendered for; kept as written"},
		{FieldDroppedByKruise13, AreaTranslate, "a field newer than Kruise v1.3 knows, which virtual nodes would drop silently"},
	}
}
