package finding

// Behaviour of an older Kruise than the one the input was written for (package sidecarset).
const (
	PostV13Feature Code = "post_v1_3_feature"
)

var versionCodes = []Description{
	{PostV13Feature, AreaVersion, "a feature Kruise v1.3.0 (virtual nodes) does not have; the message says what v1.3 does with it"},
}
