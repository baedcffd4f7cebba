package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"

	"github.com/sidecarctl/sidecarctl/binding"
	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/translate"
)

// State is the admitted cluster state: what every injection of one run reads. Build it with
// Admit, then share it read-only (the webhook shares one State between requests).
type State struct {
	opts Options
	// sets holds every stored SidecarSet (validation, bindings, mirrors); injecting is the
	// same State, or one without SidecarSets when Kruise's own webhook injects them.
	sets      *sidecarset.State
	injecting *sidecarset.State
	created   []Created
	bindings  []bindingv1alpha1.SidecarSetResourceBinding
	// profiles are the compiled injection profiles, nil without a sandbox-injection-config.
	profiles *translate.Result
	// appPatches are the app-container parts applied by pod label: those of
	// sidecarctl-app-patches ConfigMaps and of the compiled profiles.
	appPatches []translate.AppPatch
	// unauthorized holds, per SidecarSet name, its references no binding authorizes.
	unauthorized map[string][]binding.Finding
	findings     finding.List
}

// Created is one stored SidecarSet with where it came from.
type Created struct {
	SidecarSet *appsv1alpha1.SidecarSet
	Source     string
}

// StateError is a SidecarSet Kruise's webhooks refuse while the state is admitted.
type StateError struct {
	Source string
	Err    error
}

func (e *StateError) Error() string { return fmt.Sprintf("%s: %v", e.Source, e.Err) }
func (e *StateError) Unwrap() error { return e.Err }

// Admit builds the state from in. With Trust Files, SidecarSets (and the SidecarSets of
// injection profiles, where their ConfigMap stands) are created in order through Kruise's
// defaulting and validation; a refusal fails Admit unless Options.KeepGoing, which records it
// as a finding. With Trust Stored they are taken as stored.
func Admit(in *Input, opts Options) (*State, error) {
	s := &State{opts: opts, sets: sidecarset.NewState(opts.Engine), unauthorized: map[string][]binding.Finding{}}
	s.injecting = s.sets
	if opts.SkipSidecarSets {
		s.injecting = sidecarset.NewState(opts.Engine)
	}
	for _, f := range in.Findings {
		s.findings.Add(opts.grade(f))
	}
	s.checkFeatureGates()
	for _, ns := range in.Namespaces {
		s.sets.AddNamespace(ns)
		if s.injecting != s.sets {
			s.injecting.AddNamespace(ns)
		}
	}
	for _, cm := range in.ConfigMaps {
		s.sets.AddConfigMap(cm.Object)
		if isAppPatches(cm.Object) {
			patches, err := translate.LoadAppPatches(cm.Object)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", cm.Source, err)
			}
			s.appPatches = append(s.appPatches, patches...)
		}
	}
	for _, cr := range in.ControllerRevisions {
		s.sets.AddControllerRevision(cr)
	}
	for _, b := range in.Bindings {
		// A stored binding passed the binding webhook, or predates it: taken as stored.
		if errs := binding.ValidateBinding(b.Object); len(errs) > 0 && opts.Trust == Files {
			return nil, fmt.Errorf("%s: %w", b.Source, errs.ToAggregate())
		}
		s.bindings = append(s.bindings, *b.Object)
	}
	creations := slices.Clone(in.Creations)
	orderByCreation(creations)
	for _, c := range creations {
		if c.Profiles != nil {
			if err := s.compileProfiles(c); err != nil {
				return nil, err
			}
			continue
		}
		if err := s.admit(c.SidecarSet, c.Source); err != nil {
			return nil, err
		}
	}
	if err := s.checkGivenProfiles(); err != nil {
		return nil, err
	}
	for _, f := range s.sets.Findings() {
		s.findings.Add(opts.grade(f))
	}
	for _, c := range s.created {
		if u := binding.Unauthorized(c.SidecarSet, s.bindings); len(u) > 0 {
			s.unauthorized[c.SidecarSet.Name] = u
		}
	}
	return s, nil
}

// admit stores one SidecarSet the way the trust mode says.
func (s *State) admit(ss *appsv1alpha1.SidecarSet, source string) error {
	if s.opts.Trust == Stored {
		stored := ss.DeepCopy()
		// Without Kruise nobody else defaults a SidecarSet that predates sidecarctl's own
		// mutating webhook; default it here so injection sees what Kruise would.
		if _, ok := stored.Annotations[sidecarset.AnnotationHash]; !ok && !s.opts.Engine.SkipDefaulting {
			if err := sidecarset.Mutate(stored, s.opts.Engine.Version); err != nil {
				return &StateError{Source: source, Err: err}
			}
		}
		s.sets.Store(stored)
		s.created = append(s.created, Created{SidecarSet: stored, Source: source})
		return nil
	}
	stored, err := s.sets.Create(ss)
	if err != nil {
		if !s.opts.KeepGoing {
			return &StateError{Source: source, Err: err}
		}
		s.findings = append(s.findings, refusalFindings(source, err)...)
		return nil
	}
	s.created = append(s.created, Created{SidecarSet: stored, Source: source})
	return nil
}

// refusalFindings report a refused SidecarSet (check keeps going past it): one finding per
// field Kruise's validating webhook names, with its path, or one with Kruise's message.
func refusalFindings(source string, err error) finding.List {
	f := finding.Finding{Severity: finding.Error, Code: finding.Refused, Object: source, Message: err.Error()}
	var adm *sidecarset.AdmissionError
	if !errors.As(err, &adm) {
		return finding.List{f}
	}
	f.Code, f.SidecarSet, f.Message = adm.Code, adm.SidecarSet, adm.Message
	if len(adm.Errs) == 0 {
		return finding.List{f}
	}
	out := make(finding.List, 0, len(adm.Errs))
	for _, e := range adm.Errs {
		fe := f
		fe.Field, fe.Message = e.Field, e.ErrorBody()
		out = append(out, fe)
	}
	return out
}

// compileProfiles renders and compiles a sandbox-injection-config and creates its
// SidecarSets; their app-container parts apply by pod label.
func (s *State) compileProfiles(c Creation) error {
	raw, err := json.Marshal(c.Profiles)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Source, err)
	}
	res, err := translate.CompileConfigMap(c.Source, raw, s.opts.Region, s.opts.translateOptions())
	if err != nil {
		return err
	}
	s.profiles = res
	// What the profiles cannot do as written is worth a line; the info findings (where each
	// part went) belong to translate's report.
	for _, f := range res.Findings {
		if f.Severity != finding.Info {
			s.findings.Add(s.opts.grade(f))
		}
	}
	for _, ss := range res.SidecarSets() {
		if err := s.admit(ss, c.Source); err != nil {
			return err
		}
	}
	for _, p := range res.Profiles {
		if p.AppPatch != nil {
			s.appPatches = append(s.appPatches, *p.AppPatch)
		}
	}
	return nil
}

// checkGivenProfiles refuses a profile given to every workload that no profile set defines:
// the user asked for it by name.
func (s *State) checkGivenProfiles() error {
	var names []string
	if s.profiles != nil {
		for _, p := range s.profiles.Profiles {
			names = append(names, p.Name)
		}
	}
	for _, p := range s.opts.Profiles {
		if slices.Contains(names, p) {
			continue
		}
		if len(names) == 0 {
			return fmt.Errorf("--profile %s: the state (--from, or -f without it) has no sandbox-injection-config ConfigMap that defines profiles", p)
		}
		msg := fmt.Sprintf("--profile %s: no sandbox-injection-config defines it (profiles: %s)", p, strings.Join(names, ", "))
		if near := finding.Closest(p, names); near != "" {
			msg += fmt.Sprintf("; did you mean %s?", near)
		}
		return errors.New(msg)
	}
	return nil
}

// checkFeatureGates reports gates kruise-manager does not have, with the nearest one.
func (s *State) checkFeatureGates() {
	known := sidecarset.KnownFeatureGates()
	names := make([]string, 0, len(s.opts.Engine.FeatureGates))
	for name := range s.opts.Engine.FeatureGates {
		names = append(names, name)
	}
	slices.Sort(names) // the report is deterministic
	for _, name := range names {
		if slices.Contains(known, name) {
			continue
		}
		msg := fmt.Sprintf("%s is not a feature gate of Kruise (kruise-manager refuses to start with it); it has no effect here", name)
		if near := finding.Closest(name, known); near != "" {
			msg += fmt.Sprintf("; did you mean %s?", near)
		}
		s.findings.Add(s.opts.grade(finding.Finding{Severity: finding.Warning, Code: finding.UnknownFeatureGate, Field: "--feature-gates", Message: msg}))
	}
	s.findings.SortByObject()
}

// Findings are what admitting the state reported: unknown fields, unknown feature gates,
// what Kruise v1.3 drops, and (with KeepGoing) refused SidecarSets.
func (s *State) Findings() finding.List { return s.findings }

// Created returns the stored SidecarSets in creation order.
func (s *State) Created() []Created { return s.created }

// SidecarSets is the engine state holding every stored SidecarSet.
func (s *State) SidecarSets() *sidecarset.State { return s.sets }

// Bindings returns the SidecarSetResourceBindings of the state.
func (s *State) Bindings() []bindingv1alpha1.SidecarSetResourceBinding { return s.bindings }

// Unauthorized returns the namespace/name references of a stored SidecarSet that no binding
// authorizes (malformed ones included).
func (s *State) Unauthorized(sidecarSet string) []binding.Finding { return s.unauthorized[sidecarSet] }

// AppPatches returns the app-container parts applied by pod label.
func (s *State) AppPatches() []translate.AppPatch { return s.appPatches }
