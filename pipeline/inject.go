package pipeline

import (
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/sidecarctl/sidecarctl/binding"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
	"github.com/sidecarctl/sidecarctl/translate"
)

// PodResult is what the pipeline did with one pod.
type PodResult struct {
	// Pod is the result (a copy; the input is never modified). On a refusal it is a copy of
	// the input as it came, before any step.
	Pod *corev1.Pod
	// Changed reports whether Pod differs from the input.
	Changed bool
	// Decisions holds Kruise's decision for every candidate SidecarSet, refusals included:
	// explain prints them, inject reports them, the webhook counts them.
	Decisions []sidecarset.Decision
	// Replaced, Skipped: see sidecarset.Result.
	Replaced []string
	Skipped  map[finding.Code]int
	// AppPatches names the profiles whose app-container part was applied to the pod.
	AppPatches []string
	// Mirrored is set when namespace/name references were pointed at mirrors.
	Mirrored bool
	// Findings are every step's findings, graded by Options.Strict.
	Findings finding.List
	// Unauthorized are the findings (also in Findings) of the ConfigMap and Secret references
	// injection gave the pod that a cluster must refuse: a namespace/name no binding
	// authorizes, or a malformed one. The webhook denies the pod with them; offline they are
	// warnings, and errors with Options.Strict (inject --strict refuses the pod).
	Unauthorized finding.List
	// Refusal is Kruise's refusal of the pod, attributed to a SidecarSet; nil if accepted.
	Refusal *sidecarset.RefusalError
}

// InjectPod runs the pod steps: the app-container part of the profiles whose selection
// labels the pod carries (as openkruise/agents applies runtimes when it builds the pod,
// before any webhook), Kruise's SidecarSet injection on that pod (so shareVolumePolicy and
// transferEnv see the patched app container), the binding check of what was injected, and
// the mirror rewrite. skipPatches names profiles whose part the caller already applied.
// The error is a *sidecarset.RefusalError when Kruise would refuse the pod; the PodResult
// is returned with it, decisions included.
func (s *State) InjectPod(in *corev1.Pod, req sidecarset.Request, skipPatches ...string) (*PodResult, error) {
	out := &PodResult{}
	pod := in
	for _, patch := range s.appPatches {
		if slices.Contains(skipPatches, patch.Profile) || len(patch.Selector) == 0 ||
			!labels.SelectorFromSet(patch.Selector).Matches(labels.Set(in.Labels)) {
			continue
		}
		if pod == in {
			pod = in.DeepCopy()
		}
		kept, err := translate.ApplyAppPatch(&pod.Spec, patch, s.opts.Translate.MainContainer)
		if err != nil {
			return nil, fmt.Errorf("app patch %s: %w", patch.Profile, err)
		}
		for _, f := range kept {
			out.Findings.Add(s.opts.grade(f))
		}
		translate.ApplyAppPatchMetadata(&pod.ObjectMeta, patch)
		out.AppPatches = append(out.AppPatches, patch.Profile)
	}
	res, err := sidecarset.Inject(s.injecting, pod, req)
	var refusal *sidecarset.RefusalError
	if err != nil && !errors.As(err, &refusal) {
		return nil, err
	}
	out.Pod, out.Decisions, out.Replaced, out.Skipped = res.Pod, res.Decisions, res.Replaced, res.Skipped
	for _, f := range res.Findings {
		out.Findings.Add(s.opts.grade(f))
	}
	if refusal != nil {
		out.Refusal = refusal
		return out, err
	}
	for _, d := range res.Decisions {
		if !d.Injected {
			continue
		}
		for _, f := range s.unauthorized[d.SidecarSet] {
			u := s.unauthorizedFinding(f)
			out.Unauthorized.Add(u)
			out.Findings.Add(u)
		}
	}
	for _, f := range s.jobFindings(out.Pod) {
		out.Findings.Add(s.opts.grade(f))
	}
	if s.opts.MirrorReferences {
		for _, rw := range binding.RewriteToMirrors(out.Pod, s.bindings) {
			out.Mirrored = true
			out.Findings.Add(rw.Finding())
		}
	}
	out.Changed = res.Changed || out.Mirrored
	if pod != in {
		out.Changed = !equality.Semantic.DeepEqual(in, out.Pod)
	}
	return out, nil
}

// unauthorizedFinding reports an injected SidecarSet's reference no binding authorizes, or a
// malformed one: a warning offline, an error with Strict, whatever its code, as a cluster
// refuses it (the webhooks deny the SidecarSet and the pod).
func (s *State) unauthorizedFinding(b binding.Finding) finding.Finding {
	f := b.Finding
	f.Severity = finding.Warning
	if s.opts.Strict {
		f.Severity = finding.Error
	}
	if bd := b.Binding; bd != nil {
		f.Message += fmt.Sprintf("; the SidecarSetResourceBinding %s/%s that `sidecarctl bindings` writes would allow it", bd.Namespace, bd.Name)
	}
	return f
}

// ObjectResult is what the pipeline did with one object of the input.
type ObjectResult struct {
	// Object names the object ("Deployment.apps default/x"); Outcome is package workload's.
	Object  string
	Outcome finding.Code
	// Message says the outcome in one sentence.
	Message string
	// Stamped are the profiles given to the object (spec.runtimes or Options.Profiles).
	Stamped []string
	// Pod is the pod step's result; nil for objects without a pod (template).
	Pod *PodResult
	// Findings are the stamping findings and the pod's.
	Findings finding.List
}

// Changed reports whether the object was modified.
func (r *ObjectResult) Changed() bool {
	return r.Outcome == finding.Mutated || len(r.Stamped) > 0
}

// InjectObject runs the pipeline on one object: profiles are given to the objects that
// declare them, then the pod (template) goes through InjectPod. obj is replaced in place by
// the result only when everything succeeded. namespace is the namespace of objects without
// one (the request's). A refusal returns the ObjectResult with the *sidecarset.RefusalError.
func (s *State) InjectObject(obj *unstructured.Unstructured, namespace string, op sidecarset.Operation) (*ObjectResult, error) {
	out := &ObjectResult{}
	work := obj
	if s.profiles != nil || len(s.opts.Profiles) > 0 || translate.DeclaresRuntimes(obj) {
		profiles := s.profiles
		if profiles == nil {
			profiles = &translate.Result{}
		}
		st, err := translate.StampProfiles(obj, profiles, s.opts.Profiles, translate.StampOptions{MainContainer: s.opts.Translate.MainContainer})
		if err != nil {
			return nil, err
		}
		out.Stamped = st.Profiles
		for _, f := range st.Findings {
			if f.Severity != finding.Info || st.Changed {
				out.Findings.Add(s.opts.grade(f))
			}
		}
		if st.Changed {
			work = st.Object
		}
	}
	var podErr error
	outcome, err := workload.Mutate(work, func(pod *corev1.Pod) error {
		ns := namespace
		if work.GetNamespace() != "" {
			ns = work.GetNamespace()
		}
		r, err := s.InjectPod(pod, sidecarset.Request{Namespace: ns, Operation: op}, out.Stamped...)
		out.Pod = r
		if err != nil {
			podErr = err
			return err
		}
		*pod = *r.Pod
		return nil
	})
	out.Object, out.Outcome, out.Message = outcome.Object, outcome.Reason, outcome.Message
	if out.Pod != nil {
		out.Findings = append(out.Findings, out.Pod.Findings...)
	}
	if err != nil {
		if podErr == nil {
			podErr = err
		}
		if out.Pod != nil && out.Pod.Refusal != nil {
			// Mutate leaves the outcome empty when the pod step fails: the refusal is it.
			out.Outcome = out.Pod.Refusal.Code
		}
		return out, podErr
	}
	if work != obj {
		// Stamping changed the object even when injection then changed nothing.
		obj.Object = work.Object
		if out.Outcome == finding.Unchanged {
			out.Outcome = finding.Mutated
		}
	}
	return out, nil
}
