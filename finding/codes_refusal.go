package finding

// Why Kruise's webhooks refuse a pod or a SidecarSet. Each pod refusal is attributed to the
// SidecarSet that causes it (package sidecarset).
const (
	// Refused is a pod refusal with no more specific code.
	Refused Code = "refused"
	// RefusedByMutatingWebhook and RefusedByValidatingWebhook: Kruise's SidecarSet webhooks
	// refuse a SidecarSet; the message is Kruise's.
	RefusedByMutatingWebhook   Code = "refused_by_sidecarset-mutating-webhook"
	RefusedByValidatingWebhook Code = "refused_by_sidecarset-validating-webhook"
	RefusedByController        Code = "refused_by_sidecarset-controller"
)

var refusalCodes = []Description{
	{Refused, AreaRefusal, "Kruise's pod webhook refuses the pod because of this SidecarSet"},
	{RefusedByMutatingWebhook, AreaRefusal, "Kruise's SidecarSet mutating webhook refuses the SidecarSet"},
	{RefusedByValidatingWebhook, AreaRefusal, "Kruise's SidecarSet validating webhook refuses the SidecarSet (Kruise's message and field path)"},
	{RefusedByController, AreaRefusal, "Kruise's SidecarSet controller cannot record the SidecarSet's revision"},
}
