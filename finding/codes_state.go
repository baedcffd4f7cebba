package finding

// Admitting the cluster state and the options: files or a cluster (package pipeline).
const (
	UnknownField          Code = "unknown_field"
	UnknownFeatureGate    Code = "unknown_feature_gate"
	KruiseVersionDetected Code = "kruise_version_detected"
	StateFromInput        Code = "state_from_input"
)

func stateCodes() []Description {
	return []Description{
		{UnknownField, AreaState, "a field the object's type does not have: kubectl rejects it by default, the API server drops it"},
		{UnknownFeatureGate, AreaState, "a feature gate Kruise does not have; Kruise refuses to start with it"},
		{StateFromInput, AreaState, "no --from was given: the SidecarSets, bindings and other state objects of the input are the cluster state"},
		{KruiseVersionDetected, AreaState, "the Kruise release reproduced was read from the cluster's kruise-manager image"},
	}
}
