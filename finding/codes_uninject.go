package finding

// Undoing SidecarSet injection (package sidecarset, Uninject): what was left in place, and why.
const (
	// UninjectEdited: something a SidecarSet injected was changed after injection.
	UninjectEdited Code = "uninject_edited"
	// UninjectSidecarSetChanged: the SidecarSet no longer injects what the pod carries.
	UninjectSidecarSetChanged Code = "uninject_sidecarset_changed"
	// UninjectReplacedContainer: a sidecar took the place of the pod's own container.
	UninjectReplacedContainer Code = "uninject_replaced_container"
	// UninjectMetadataOverwritten: an annotation patchPodMetadata sets with Overwrite.
	UninjectMetadataOverwritten Code = "uninject_metadata_overwritten"
	// UninjectMetadataMerged: an annotation patchPodMetadata merged into.
	UninjectMetadataMerged Code = "uninject_metadata_merged"
	// UninjectPodVolume: the pod's own volume that won a name clash.
	UninjectPodVolume Code = "uninject_pod_volume"
	// UninjectUnchecked: a recorded SidecarSet the state does not hold.
	UninjectUnchecked Code = "uninject_unchecked"
	// UninjectUnrecorded: a container marked IS_INJECTED that no bookkeeping names.
	UninjectUnrecorded Code = "uninject_unrecorded"
)

func uninjectCodes() []Description {
	return []Description{
		{UninjectEdited, AreaUninject, "something a SidecarSet injected (a sidecar, the imagePullSecrets) was changed after injection: that SidecarSet's injection is left in place"},
		{UninjectSidecarSetChanged, AreaUninject, "the SidecarSet no longer injects what the pod carries, and no ControllerRevision of the state holds the version the pod records: its injection is left in place"},
		{UninjectReplacedContainer, AreaUninject, "a sidecar stands where Kruise never places one: it replaced the pod's own container of that name, whose definition is lost, so that SidecarSet's injection is left in place"},
		{UninjectMetadataOverwritten, AreaUninject, "a patchPodMetadata Overwrite annotation: the value the pod had before, if any, is lost; the annotation is left"},
		{UninjectMetadataMerged, AreaUninject, "a patchPodMetadata MergePatchJson annotation merged into a value the pod had: the merge cannot be undone; the annotation is left"},
		{UninjectPodVolume, AreaUninject, "a volume a removed SidecarSet defines differently, which the pod's containers no longer use: the pod's own, which won the name clash at injection (or one changed since); kept"},
		{UninjectUnchecked, AreaUninject, "the pod records a SidecarSet the state does not hold: its sidecars are removed by Kruise's annotations alone, unchecked for edits, and its volumes, imagePullSecrets and patchPodMetadata annotations are left"},
		{UninjectUnrecorded, AreaUninject, "a container carries IS_INJECTED=true but no SidecarSet the pod records injected it: left in place"},
	}
}
