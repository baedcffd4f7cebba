package finding

// Platform conventions and limits of Alibaba Cloud ECI and ACS (package translate).
const (
	NativeSidecarToContainer    Code = "native_sidecar_to_container"
	PlatformEnvAdded            Code = "platform_env_added"
	PlatformEnvKept             Code = "platform_env_kept"
	ResourceIgnoreTranslated    Code = "resource_ignore_translated"
	StartOrderUnprobed          Code = "start_order_unprobed"
	ExitOrderUnverified         Code = "exit_order_unverified"
	ACSIsSidecarBug             Code = "acs_is_sidecar_bug"
	SelectorAfterScheduling     Code = "selector_after_scheduling"
	HostPathUnsupported         Code = "hostpath_unsupported"
	HostPathToEmptyDir          Code = "hostpath_to_emptydir"
	PrivilegedNotAllowed        Code = "privileged_not_allowed"
	PrivilegedNeedsExemption    Code = "privileged_needs_exemption"
	BidirectionalNeedsPrivilege Code = "bidirectional_requires_privileged"
	HostPort                    Code = "host_port"
	TooManyContainers           Code = "too_many_containers"
	TooManyVolumes              Code = "too_many_volumes"
	HostPathKeptOnACS           Code = "hostpath_kept_on_acs"
	PrivilegedKeptOnACS         Code = "privileged_kept_on_acs"
	PlatformLabelSelected       Code = "platform_label_selected"
)

func platformCodes() []Description {
	return []Description{
		{NativeSidecarToContainer, AreaPlatform, "a native sidecar becomes an ordinary container before the app, because Kruise v1.3 drops restartPolicy"},
		{PlatformEnvAdded, AreaPlatform, "the platform's sidecar env was added"},
		{PlatformEnvKept, AreaPlatform, "the platform's sidecar env was already set; the profile's value is kept"},
		{ResourceIgnoreTranslated, AreaPlatform, "the resource-ignore env was added in the platform's spelling"},
		{StartOrderUnprobed, AreaPlatform, "ECI starts a sidecar first only until it is ready, and without a probe it is ready at once"},
		{ExitOrderUnverified, AreaPlatform, "ECI's exit ordering is not set; sidecars may stop before the app"},
		{ACSIsSidecarBug, AreaPlatform, "ACS documents a bug for __IS_SIDECAR__ on Kubernetes >= 1.29"},
		{SelectorAfterScheduling, AreaPlatform, "the selector requires a label set only after scheduling; a create-time webhook never sees it"},
		{HostPathUnsupported, AreaPlatform, "a hostPath volume on a platform without a host filesystem"},
		{HostPathToEmptyDir, AreaPlatform, "a hostPath volume was replaced by an emptyDir, as asked"},
		{PrivilegedNotAllowed, AreaPlatform, "a privileged sidecar on a platform that grants privilege only by exemption"},
		{PrivilegedNeedsExemption, AreaPlatform, "a privileged sidecar accepted by option; pods fail without the platform's exemption"},
		{BidirectionalNeedsPrivilege, AreaPlatform, "Bidirectional mount propagation in a container that is not privileged; the API server refuses the pod"},
		{HostPort, AreaPlatform, "a hostPort on a platform without a host network"},
		{TooManyContainers, AreaPlatform, "more containers than ECI allows per pod"},
		{TooManyVolumes, AreaPlatform, "more volumes than ECI allows per pod"},
		{HostPathKeptOnACS, AreaPlatform, "a hostPath volume kept for ACS, which runs the Agent Sandbox csi sidecars' hostPath volumes (seed 000's injected pod)"},
		{PrivilegedKeptOnACS, AreaPlatform, "a privileged sidecar kept for ACS, which runs the Agent Sandbox csi sidecars privileged (seed 000's injected pod)"},
		{PlatformLabelSelected, AreaPlatform, "the Kruise-target SidecarSets also select the platform's create-time label, so Kruise injects at creation and only that platform's pods match"},
	}
}
