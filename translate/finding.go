package translate

import (
	"errors"
	"fmt"
	"sort"
)

// Severity grades a Finding.
type Severity string

const (
	// Info records a decision the output depends on, such as where the app part went.
	Info Severity = "info"
	// Warning flags something that compiles but may not behave as the profile intends.
	Warning Severity = "warning"
	// Rewrite means sidecarctl changed what the profile says, on purpose and visibly.
	Rewrite Severity = "rewrite"
	// Error means the profile cannot be compiled for the target; Compile fails.
	Error Severity = "error"
)

// Reason is a snake_case code for a Finding. The codes are stable: scripts and tests match
// on them, never on messages.
type Reason string

// Reasons Compile and Stamp report.
const (
	// The app-container part.
	ReasonAppPatchEmitted   Reason = "app_patch_emitted"
	ReasonAppPatchApplied   Reason = "app_patch_applied"
	ReasonAppVolume         Reason = "app_volume_in_app_patch"
	ReasonMainMountExternal Reason = "main_mount_pod_volume"
	ReasonMainNotFirst      Reason = "main_container_not_first"
	ReasonNoSidecars        Reason = "no_sidecars"

	// Kruise behaviour a profile author should know about.
	ReasonInitOrderSorted Reason = "init_order_sorted"
	ReasonVolumeUnused    Reason = "volume_unused"
	ReasonMountUnknown    Reason = "volume_mount_unknown_volume"
	ReasonVolumeConflict  Reason = "volume_conflict"
	ReasonNameConflict    Reason = "container_name_conflict"

	// Resources and regions.
	ReasonResourceIgnoreNoEffect   Reason = "resource_ignore_no_effect"
	ReasonResourceIgnoreTranslated Reason = "resource_ignore_translated"
	ReasonResourceIgnoreShares     Reason = "resource_ignore_shares_resources"
	ReasonRegionMismatch           Reason = "region_mismatch"

	// Virtual nodes.
	ReasonNativeToContainer    Reason = "native_sidecar_to_container"
	ReasonPlatformEnvAdded     Reason = "platform_env_added"
	ReasonPlatformEnvKept      Reason = "platform_env_kept"
	ReasonStartOrderUnprobed   Reason = "start_order_unprobed"
	ReasonExitOrderUnverified  Reason = "exit_order_unverified"
	ReasonACSSidecarEnvBug     Reason = "acs_is_sidecar_bug"
	ReasonSelectorAfterSched   Reason = "selector_after_scheduling"
	ReasonHostPathUnsupported  Reason = "hostpath_unsupported"
	ReasonHostPathToEmptyDir   Reason = "hostpath_to_emptydir"
	ReasonPrivilegedNotAllowed Reason = "privileged_not_allowed"
	ReasonPrivilegedExemption  Reason = "privileged_needs_exemption"
	ReasonBidirectional        Reason = "bidirectional_requires_privileged"
	ReasonHostPort             Reason = "host_port"
	ReasonTooManyContainers    Reason = "too_many_containers"
	ReasonTooManyVolumes       Reason = "too_many_volumes"
	ReasonDroppedByKruise13    Reason = "field_dropped_by_kruise_v13"

	// Stamping workloads.
	ReasonRuntimesStamped    Reason = "runtimes_stamped"
	ReasonRuntimeNotCompiled Reason = "runtime_not_in_profiles"
	ReasonNoRuntimes         Reason = "no_runtimes"
	ReasonNotRuntimeKind     Reason = "not_a_runtime_workload"
	ReasonNoInlineTemplate   Reason = "no_inline_template"
	ReasonVirtualNodeLabel   Reason = "virtual_node_label_missing"
	ReasonEnvKept            Reason = "env_kept_user_value"
	ReasonMountKept          Reason = "mount_kept_user_value"
	ReasonVolumeKept         Reason = "volume_kept_pod_value"
	ReasonProfilesStamped    Reason = "profiles_stamped"
	ReasonNotAWorkload       Reason = "not_a_workload"

	// What a profile cannot express, and the template keeps or lacks.
	ReasonPodFieldKept          Reason = "pod_level_field_kept"
	ReasonPodFieldRequired      Reason = "pod_level_field_required"
	ReasonMainCommandKept       Reason = "main_command_kept"
	ReasonMainCommandNotWrapped Reason = "main_command_not_wrapped"
)

// Finding is one decision or problem, as data: a code plus one human sentence.
type Finding struct {
	// Profile is the profile the finding is about; empty for set-wide findings.
	Profile string `json:"profile,omitempty"`
	// Object names a workload for Stamp findings ("SandboxSet.agents.kruise.io default/x").
	Object   string   `json:"object,omitempty"`
	Severity Severity `json:"severity"`
	Reason   Reason   `json:"reason"`
	// Field is the JSON path in the profile (or object) the finding points at.
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// String renders a finding as one report line.
func (f Finding) String() string {
	s := string(f.Severity) + " " + string(f.Reason) + ":"
	if f.Object != "" {
		s += " " + f.Object + ":"
	}
	if f.Profile != "" {
		s += " profile " + f.Profile + ":"
	}
	if f.Field != "" {
		s += " " + f.Field + ":"
	}
	return s + " " + f.Message
}

// findings collects findings for one compile or stamp run.
type findings struct {
	list []Finding
}

func (fs *findings) add(f Finding) { fs.list = append(fs.list, f) }

func (fs *findings) addf(sev Severity, reason Reason, profile, fieldPath, format string, args ...any) {
	fs.add(Finding{Profile: profile, Severity: sev, Reason: reason, Field: fieldPath, Message: fmt.Sprintf(format, args...)})
}

// sorted returns the findings ordered by profile, keeping the order within a profile, which
// follows the profile's own field order.
func (fs *findings) sorted() []Finding {
	out := append([]Finding(nil), fs.list...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Profile < out[j].Profile })
	return out
}

// err joins the error findings, each prefixed by where it is, or returns nil.
func (fs *findings) err(where func(profile string) string) error {
	var errs []error
	for _, f := range fs.sorted() {
		if f.Severity != Error {
			continue
		}
		msg := where(f.Profile)
		if f.Field != "" {
			msg += ": " + f.Field
		}
		errs = append(errs, fmt.Errorf("%s: %s (%s)", msg, f.Message, f.Reason))
	}
	return errors.Join(errs...)
}
