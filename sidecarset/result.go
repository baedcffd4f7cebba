package sidecarset

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
)

// Decision records what the engine decided for one SidecarSet and why. Reason is a code of
// package finding, so explain output, CLI reports, admission warnings, Events and metric
// labels all use the same words.
type Decision struct {
	SidecarSet string       `json:"sidecarSet"`
	Injected   bool         `json:"injected"`
	Reason     finding.Code `json:"reason"`
	Message    string       `json:"message"`
	// Field is the field path a refusal points at (in the SidecarSet, or in the pod for
	// refused_hash_annotation); empty for the other decisions.
	Field string `json:"field,omitempty"`
}

// Result is the outcome of Inject.
type Result struct {
	// Pod is the mutated pod (a copy; the input is never modified). When Kruise refuses the
	// pod it is an unmodified copy of the input.
	Pod *corev1.Pod
	// Changed reports whether Pod differs from the input.
	Changed bool
	// Decisions holds one entry per candidate SidecarSet, in Kruise's candidate order (with
	// Request.MatchedOnly, one per SidecarSet that matched or refused the pod, in the same
	// order). On a refusal the refusing SidecarSet carries its refusal code and the other
	// matched ones finding.PodRefused.
	Decisions []Decision
	// Replaced names the pod's own (init) containers a sidecar of the same name replaced in
	// place. Apart from those, injection only inserts list items (containers, init
	// containers, volumes, image pull secrets), sets annotations and fills an empty
	// namespace, so an adapter can build its patch from insertions alone; except with
	// Options.KruiseExact, which also removes or moves the pod's fields Kruise's types lack
	// (sidecarset/BEHAVIOUR.md §7).
	Replaced []string
	// Skipped counts, by code, the SidecarSets that Request.MatchedOnly left out of
	// Decisions; nil without MatchedOnly.
	Skipped map[finding.Code]int
	// Findings are observations that do not change the outcome: conflicts the API server
	// will refuse, fields of the pod Kruise's patch loses or moves. Object is left empty: the
	// caller knows which pod it passed.
	Findings finding.List
}

// Matched returns the names of the SidecarSets that matched the pod, including those that
// matched a pod Kruise refused.
func (r *Result) Matched() []string {
	var names []string
	for _, d := range r.Decisions {
		switch d.Reason {
		case finding.Injected, finding.MatchedNothingToInject, finding.PinnedRevision, finding.PodRefused,
			finding.RefusedRevision, finding.RefusedPodMetadata, finding.RefusedHashAnnotation, finding.RefusedMissingVolume:
			names = append(names, d.SidecarSet)
		}
	}
	return names
}
