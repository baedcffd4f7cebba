package pipeline

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// UninjectObjectResult is what the pipeline did with one object of `uninject`'s input.
type UninjectObjectResult struct {
	// Object names the object ("Deployment.apps default/x"); Outcome is package workload's.
	Object  string
	Outcome finding.Code
	// Message says the outcome in one sentence.
	Message string
	// Pod is the engine's result for the pod (template); nil for objects without one.
	Pod *sidecarset.UninjectResult
	// Findings are the pod's, graded by Options.Strict.
	Findings finding.List
}

// Changed reports whether the object was modified.
func (r *UninjectObjectResult) Changed() bool { return r.Outcome == finding.Mutated }

// UninjectPod removes what the SidecarSets the pod records injected (sidecarset.Uninject),
// checked against every SidecarSet of the state, including those whose injection Kruise's
// own webhook does (Options.SkipSidecarSets). Profiles' app-container parts, which are not a
// SidecarSet's, stay.
func (s *State) UninjectPod(in *corev1.Pod) (*sidecarset.UninjectResult, error) {
	res, err := sidecarset.Uninject(s.sets, in)
	if err != nil {
		return nil, err
	}
	for i := range res.Findings {
		res.Findings[i] = s.opts.grade(res.Findings[i])
	}
	return res, nil
}

// UninjectObject runs UninjectPod on the pod (template) of obj, any kind package workload
// knows, and writes the result back losslessly; obj is replaced only when that succeeded.
// Other kinds pass through untouched.
func (s *State) UninjectObject(obj *unstructured.Unstructured) (*UninjectObjectResult, error) {
	out := &UninjectObjectResult{}
	outcome, err := workload.Mutate(obj, func(pod *corev1.Pod) error {
		r, err := s.UninjectPod(pod)
		if err != nil {
			return err
		}
		out.Pod, out.Findings = r, r.Findings
		// Mutate lent the object's name and namespace to a template's pod; they stay.
		*pod = *r.Pod
		return nil
	})
	out.Object, out.Outcome, out.Message = outcome.Object, outcome.Reason, outcome.Message
	return out, err
}

// ForInjectedWorkloads is ForWorkloads for an injected manifest: the profiles' platform comes
// from the workloads that were given profiles, which carry their selection labels
// (translate.Options.ForStampedWorkloads), so the profiles compile as they did for injection.
func (o Options) ForInjectedWorkloads(objs ...*unstructured.Unstructured) (Options, error) {
	t, err := o.translateOptions().ForStampedWorkloads(objs...)
	if err != nil {
		return o, err
	}
	o.Translate = t
	return o, nil
}
