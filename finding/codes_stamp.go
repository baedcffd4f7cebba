package finding

// Giving profiles to workloads (package translate, Stamp and StampProfiles).
const (
	RuntimesStamped          Code = "runtimes_stamped"
	RuntimeNotInProfiles     Code = "runtime_not_in_profiles"
	NoRuntimes               Code = "no_runtimes"
	NotARuntimeWorkload      Code = "not_a_runtime_workload"
	NoInlineTemplate         Code = "no_inline_template"
	VirtualNodeLabelMissing  Code = "virtual_node_label_missing"
	EnvKeptUserValue         Code = "env_kept_user_value"
	MountKeptUserValue       Code = "mount_kept_user_value"
	VolumeKeptPodValue       Code = "volume_kept_pod_value"
	ProfilesStamped          Code = "profiles_stamped"
	NotAWorkload             Code = "not_a_workload"
	PodLevelFieldKept        Code = "pod_level_field_kept"
	PodLevelFieldRequired    Code = "pod_level_field_required"
	MainCommandKept          Code = "main_command_kept"
	MainCommandNotWrapped    Code = "main_command_not_wrapped"
	PlatformContradictsLabel Code = "platform_contradicts_label"
	KruiseInjectionMarks     Code = "kruise_injection_marks"
)

func stampCodes() []Description {
	return []Description{
		{RuntimesStamped, AreaStamp, "the runtimes an object declares were handed over to the compiled profiles"},
		{RuntimeNotInProfiles, AreaStamp, "an object declares a runtime no profile defines; it stays in spec.runtimes"},
		{NoRuntimes, AreaStamp, "an openkruise/agents object declares no runtimes"},
		{NotARuntimeWorkload, AreaStamp, "the kind does not declare runtimes"},
		{NoInlineTemplate, AreaStamp, "the object has no inline pod template to stamp"},
		{VirtualNodeLabelMissing, AreaStamp, "the template lacks the virtual-node label the SidecarSets select"},
		{EnvKeptUserValue, AreaStamp, "the app container already sets the env var; its value is kept"},
		{MountKeptUserValue, AreaStamp, "the app container already mounts the path; its mount is kept"},
		{VolumeKeptPodValue, AreaStamp, "the pod already has the volume; its definition is kept"},
		{ProfilesStamped, AreaStamp, "the named profiles were given to the workload"},
		{NotAWorkload, AreaStamp, "the object is not a workload with a pod template"},
		{PodLevelFieldKept, AreaStamp, "a pod-level field the sidecars need is in the template and kept"},
		{PodLevelFieldRequired, AreaStamp, "a pod-level field the sidecars need is missing; a profile cannot set it"},
		{MainCommandKept, AreaStamp, "the app's command starts what an init container installs; kept"},
		{MainCommandNotWrapped, AreaStamp, "an init container installs a program nothing starts; a profile cannot change the command"},
		{PlatformContradictsLabel, AreaStamp, "the template's platform label asks for another platform than the profiles were compiled for (by option, virtual-node label or default)"},
		{KruiseInjectionMarks, AreaStamp, "runtimes handed over to Kruise get Kruise's marks, which the agents controller does not write: IS_INJECTED env and kruise.io/sidecarset-* annotations"},
	}
}
