package finding

// Behaviour of an older Kruise than the one the input was written for (package sidecarset).
const (
	PostV13Feature     Code = "post_v1_3_feature"
	NewerKruiseFeature Code = "newer_kruise_feature"
)

func versionCodes() []Description {
	return []Description{
		{PostV13Feature, AreaVersion, "a feature Kruise v1.3.0 (virtual nodes) does not have; the message says what v1.3 does with it"},
		{NewerKruiseFeature, AreaVersion, "a SidecarSet feature newer than the emulated Kruise release (v1.4 to v1.7 modes), which that release prunes or ignores; the message names the release"},
	}
}
