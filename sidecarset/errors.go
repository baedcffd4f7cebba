package sidecarset

import (
	"errors"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// RefusalError is returned by Inject when Kruise's webhook would refuse the pod. The pod
// creation fails in the cluster (failurePolicy Fail), so callers must not write a pod.
type RefusalError struct {
	// Code says which check refused: finding.RefusedSelector, RefusedRevision,
	// RefusedPodMetadata, RefusedHashAnnotation or RefusedMissingVolume.
	Code finding.Code
	// SidecarSet is the SidecarSet whose processing refused the pod. For a garbled hash
	// annotation, which is the pod's, it is the first matched SidecarSet: Kruise reads the
	// annotation only because a SidecarSet matched.
	SidecarSet string
	// Field is the field path of the cause: in the SidecarSet (spec.selector), or for
	// refused_hash_annotation in the pod (metadata.annotations[...]). Empty when none.
	Field string
	// Message is the reason as Kruise words it.
	Message string
	// Err is the cause, when an error value is behind Message.
	Err error
}

func (e *RefusalError) Error() string {
	// The hash annotation belongs to the pod and the message names it; callers and golden
	// outputs have always read that refusal without a SidecarSet prefix.
	if e.SidecarSet == "" || e.Code == finding.RefusedHashAnnotation {
		return e.Message
	}
	return "sidecarset " + e.SidecarSet + ": " + e.Message
}

// Unwrap returns the cause.
func (e *RefusalError) Unwrap() error { return e.Err }

// IsRefusal reports whether err means Kruise would refuse the pod.
func IsRefusal(err error) bool {
	var r *RefusalError
	return errors.As(err, &r)
}

// Stages of Kruise that refuse a SidecarSet in State.Create.
const (
	StageMutatingWebhook   = "sidecarset-mutating-webhook"
	StageValidatingWebhook = "sidecarset-validating-webhook"
	StageController        = "sidecarset-controller"
)

// AdmissionError is returned by State.Create when Kruise's SidecarSet webhooks (or its
// controller) would refuse the SidecarSet.
type AdmissionError struct {
	SidecarSet string
	// Stage is StageMutatingWebhook, StageValidatingWebhook or StageController.
	Stage string
	// Code is finding.RefusedByMutatingWebhook, RefusedByValidatingWebhook or
	// RefusedByController, matching Stage.
	Code finding.Code
	// Message is Kruise's message, as its webhook returns it.
	Message string
	// Errs are the validating webhook's field errors, each with its field path; nil at the
	// other stages.
	Errs field.ErrorList
	// Err is the cause (at the validating webhook, Errs as one aggregate error).
	Err error
}

func (e *AdmissionError) Error() string {
	name := e.SidecarSet
	if name == "" {
		name = "without a name"
	}
	return "sidecarset " + name + " refused by Kruise's " + e.Stage + ": " + e.Message
}

// Unwrap returns the cause.
func (e *AdmissionError) Unwrap() error { return e.Err }
