package sidecarset

import (
	corev1 "k8s.io/api/core/v1"
)

// Reason is a stable, snake_case code for an engine decision. The same codes appear in
// explain output, CLI reports, admission warnings, Events and metric labels.
type Reason string

const (
	// ReasonInjected: the SidecarSet matched and its sidecars were injected.
	ReasonInjected Reason = "injected"
	// ReasonMatchedNothingToInject: the SidecarSet matched but produced no container (for
	// example an UPDATE, where Kruise injects nothing); only its metadata patches applied.
	ReasonMatchedNothingToInject Reason = "matched_nothing_to_inject"
	// ReasonPaused: spec.injectionStrategy.paused is true.
	ReasonPaused Reason = "injection_paused"
	// ReasonNamespaceMismatch: spec.namespace names another namespace.
	ReasonNamespaceMismatch Reason = "namespace_mismatch"
	// ReasonNamespaceSelectorMismatch: the pod's Namespace labels do not match spec.namespaceSelector.
	ReasonNamespaceSelectorMismatch Reason = "namespace_selector_mismatch"
	// ReasonNamespaceNotFound: spec.namespaceSelector is set and the pod's Namespace object is unknown.
	ReasonNamespaceNotFound Reason = "namespace_not_found"
	// ReasonSelectorMismatch: the pod labels do not match spec.selector.
	ReasonSelectorMismatch Reason = "selector_mismatch"
	// ReasonSelectorEmpty: spec.selector is nil or empty, which Kruise never matches.
	ReasonSelectorEmpty Reason = "selector_empty"
	// ReasonPodInactive: the pod is Succeeded, Failed or being deleted.
	ReasonPodInactive Reason = "pod_inactive"
	// ReasonNotPodCreate: the request is not a pod CREATE/UPDATE Kruise acts on.
	ReasonNotPodCreate Reason = "not_pod_request"
	// ReasonRefused: Kruise's webhook would refuse the pod because of this SidecarSet.
	ReasonRefused Reason = "refused"
	// ReasonNameConflict: a sidecar of this SidecarSet shares a name with another injected
	// sidecar, so the API server would reject the pod for a duplicate name.
	ReasonNameConflict Reason = "container_name_conflict"
	// ReasonPinnedRevision: a pinned ControllerRevision was injected instead of the live spec.
	ReasonPinnedRevision Reason = "pinned_revision"
	// ReasonPost13Feature: a feature Kruise v1.3.0 (virtual nodes) does not have; in v1.3
	// mode the engine reports what v1.3 does with it.
	ReasonPost13Feature Reason = "post_v1_3_feature"
)

// Decision records what the engine decided for one SidecarSet and why.
type Decision struct {
	SidecarSet string `json:"sidecarSet"`
	Injected   bool   `json:"injected"`
	Reason     Reason `json:"reason"`
	Message    string `json:"message"`
}

// Note is an observation that does not change the outcome: v1.3 hazards, conflicts the API
// server will refuse, silently tolerated inputs. Severity is "warning" or "info".
type Note struct {
	SidecarSet string `json:"sidecarSet,omitempty"`
	Reason     Reason `json:"reason"`
	Severity   string `json:"severity"`
	Message    string `json:"message"`
}

// Result is the outcome of Inject.
type Result struct {
	// Pod is the mutated pod (a copy; the input is never modified).
	Pod *corev1.Pod
	// Changed reports whether Pod differs from the input.
	Changed bool
	// Decisions holds one entry per candidate SidecarSet, in Kruise's candidate order (with
	// Request.MatchedOnly, one per matched SidecarSet, in the same order).
	Decisions []Decision
	// Replaced names the pod's own (init) containers a sidecar of the same name replaced in
	// place. Apart from those, injection only inserts list items (containers, init
	// containers, volumes, image pull secrets), sets annotations and fills an empty
	// namespace, so an adapter can build its patch from insertions alone.
	Replaced []string
	// Skipped counts, by reason, the SidecarSets that Request.MatchedOnly left out of
	// Decisions; nil without MatchedOnly.
	Skipped map[Reason]int
	// Notes are warnings about the result.
	Notes []Note
}

// Matched returns the names of the SidecarSets that matched the pod.
func (r *Result) Matched() []string {
	var names []string
	for _, d := range r.Decisions {
		if d.Reason == ReasonInjected || d.Reason == ReasonMatchedNothingToInject || d.Reason == ReasonPinnedRevision {
			names = append(names, d.SidecarSet)
		}
	}
	return names
}

// RefusalError is returned by Inject when Kruise's webhook would refuse the pod. The pod
// creation fails in the cluster (failurePolicy Fail), so callers must not write a pod.
type RefusalError struct {
	SidecarSet string
	Message    string
}

func (e *RefusalError) Error() string {
	if e.SidecarSet == "" {
		return e.Message
	}
	return "sidecarset " + e.SidecarSet + ": " + e.Message
}

// AdmissionError is returned by State.Create when Kruise's SidecarSet webhooks would refuse
// the SidecarSet. Stage is "sidecarset-mutating-webhook" or "sidecarset-validating-webhook".
type AdmissionError struct {
	SidecarSet string
	Stage      string
	Message    string
}

func (e *AdmissionError) Error() string {
	return "sidecarset " + e.SidecarSet + " refused by Kruise's " + e.Stage + ": " + e.Message
}
