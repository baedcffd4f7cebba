package finding

// Decisions of Kruise's pod webhook about one SidecarSet (package sidecarset, Inject).
const (
	Injected                  Code = "injected"
	MatchedNothingToInject    Code = "matched_nothing_to_inject"
	InjectionPaused           Code = "injection_paused"
	NamespaceMismatch         Code = "namespace_mismatch"
	NamespaceSelectorMismatch Code = "namespace_selector_mismatch"
	NamespaceNotFound         Code = "namespace_not_found"
	SelectorMismatch          Code = "selector_mismatch"
	SelectorEmpty             Code = "selector_empty"
	PodInactive               Code = "pod_inactive"
	NotPodRequest             Code = "not_pod_request"
	PinnedRevision            Code = "pinned_revision"
	ContainerNameConflict     Code = "container_name_conflict"
	// PodRefused: the SidecarSet matched, but Kruise refused the pod because of another
	// SidecarSet (or the pod itself), so it injected nothing.
	PodRefused Code = "pod_refused"
)

func injectionCodes() []Description {
	return []Description{
		{Injected, AreaInjection, "the SidecarSet matched and its sidecars were injected"},
		{MatchedNothingToInject, AreaInjection, "the SidecarSet matched but injected no container (a pod UPDATE, or every sidecar already there); only its metadata applied"},
		{InjectionPaused, AreaInjection, "spec.injectionStrategy.paused is true"},
		{NamespaceMismatch, AreaInjection, "spec.namespace (or the namespace index) names another namespace"},
		{NamespaceSelectorMismatch, AreaInjection, "the labels of the pod's Namespace do not match spec.namespaceSelector"},
		{NamespaceNotFound, AreaInjection, "spec.namespaceSelector is set and the pod's Namespace object is unknown"},
		{SelectorMismatch, AreaInjection, "the pod's labels do not match spec.selector"},
		{SelectorEmpty, AreaInjection, "spec.selector is nil or empty, which Kruise never matches"},
		{PodInactive, AreaInjection, "the pod is Succeeded, Failed or being deleted"},
		{NotPodRequest, AreaInjection, "the request is not a pod CREATE or UPDATE that Kruise acts on"},
		{PinnedRevision, AreaInjection, "a pinned ControllerRevision was injected instead of the live spec"},
		{ContainerNameConflict, AreaInjection, "two containers of the pod would share a name, which the API server rejects"},
		{PodRefused, AreaInjection, "the SidecarSet matched, but Kruise refused the pod because of another SidecarSet or the pod, so nothing was injected"},
	}
}
