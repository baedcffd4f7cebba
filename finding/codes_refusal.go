package finding

// Why Kruise's webhooks refuse a pod or a SidecarSet. Each pod refusal has its own code and is
// attributed to the SidecarSet whose processing failed (package sidecarset).
const (
	// Refused is a refusal with no more specific code.
	Refused               Code = "refused"
	RefusedSelector       Code = "refused_selector"
	RefusedRevision       Code = "refused_revision"
	RefusedPodMetadata    Code = "refused_pod_metadata"
	RefusedHashAnnotation Code = "refused_hash_annotation"
	RefusedMissingVolume  Code = "refused_missing_volume"
	// RefusedByMutatingWebhook and RefusedByValidatingWebhook: Kruise's SidecarSet webhooks
	// refuse a SidecarSet; the message is Kruise's.
	RefusedByMutatingWebhook   Code = "refused_by_sidecarset-mutating-webhook"
	RefusedByValidatingWebhook Code = "refused_by_sidecarset-validating-webhook"
	RefusedByController        Code = "refused_by_sidecarset-controller"
)

func refusalCodes() []Description {
	return []Description{
		{Refused, AreaRefusal, "Kruise refuses the object; no more specific code applies"},
		{RefusedSelector, AreaRefusal, "the SidecarSet's spec.selector does not parse, so Kruise's pod webhook refuses the pod"},
		{RefusedRevision, AreaRefusal, "the pinned ControllerRevision is missing or unreadable, or the Partial policy's updateStrategy selector or partition does not parse"},
		{RefusedPodMetadata, AreaRefusal, "a MergePatchJson patchPodMetadata cannot merge into the pod's annotation value"},
		{RefusedHashAnnotation, AreaRefusal, "the pod's kruise.io/sidecarset-hash(-without-image) annotation is garbled or null"},
		{RefusedMissingVolume, AreaRefusal, "a sidecar mounts a volume spec.volumes does not define, and Kruise's webhook panics"},
		{RefusedByMutatingWebhook, AreaRefusal, "Kruise's SidecarSet mutating webhook refuses the SidecarSet"},
		{RefusedByValidatingWebhook, AreaRefusal, "Kruise's SidecarSet validating webhook refuses the SidecarSet (Kruise's message and field path)"},
		{RefusedByController, AreaRefusal, "Kruise's SidecarSet controller cannot record the SidecarSet's revision"},
	}
}
