package finding

// Where Kruise loses a user's field or accepts something risky, sidecarctl makes Kruise's
// decision and says so (package sidecarset; sidecarset/BEHAVIOUR.md §4.8 and §7).
const (
	// SidecarSetConflictAccepted: Kruise's overlap tests miss that two SidecarSets can
	// select one pod, so it accepts a clash it would otherwise refuse.
	SidecarSetConflictAccepted Code = "sidecarset_conflict_accepted"
)

var quirkCodes = []Description{
	{SidecarSetConflictAccepted, AreaQuirk, "Kruise accepts a SidecarSet whose container name, volume or annotation patch clashes with another SidecarSet's, because its overlap test misses that both can select one pod"},
}
