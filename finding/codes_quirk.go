package finding

// Where Kruise loses a user's field or accepts something risky, sidecarctl makes Kruise's
// decision and says so (package sidecarset; sidecarset/BEHAVIOUR.md §4.8 and §7).
const (
	// SidecarSetConflictAccepted: Kruise's overlap tests miss that two SidecarSets can
	// select one pod, so it accepts a clash it would otherwise refuse.
	SidecarSetConflictAccepted Code = "sidecarset_conflict_accepted"
	// SidecarFieldDropped: a SidecarSet field Kruise's Kubernetes types lack; Kruise drops
	// it, sidecarctl keeps it in what it injects unless --kruise-exact.
	SidecarFieldDropped Code = "sidecar_field_dropped"
	// PodFieldDropped and PodFieldMoved: a field of the pod Kruise's Kubernetes types lack,
	// which its patch removes, or leaves on another container; sidecarctl keeps it where it
	// was unless --kruise-exact.
	PodFieldDropped Code = "pod_field_dropped"
	PodFieldMoved   Code = "pod_field_moved"
)

func quirkCodes() []Description {
	return []Description{
		{SidecarSetConflictAccepted, AreaQuirk, "Kruise accepts a SidecarSet whose container name, volume or annotation patch clashes with another SidecarSet's, because its overlap test misses that both can select one pod"},
		{SidecarFieldDropped, AreaQuirk, "a SidecarSet container or volume field newer than the Kubernetes API types of the emulated Kruise: Kruise drops it from the SidecarSet, its hashes and the pods it injects; sidecarctl's hashes are Kruise's, and its pods keep the field unless --kruise-exact"},
		{PodFieldDropped, AreaQuirk, "a pod field newer than the Kubernetes API types of the emulated Kruise that its patch removes (v1.3: from every pod it changes; v1.8: from a container injection moved); sidecarctl keeps it unless --kruise-exact"},
		{PodFieldMoved, AreaQuirk, "a pod container field newer than the Kubernetes API types of the emulated Kruise that its positional patch (v1.8) leaves at its list index, on the container injection put there; sidecarctl keeps it where it was unless --kruise-exact"},
	}
}
