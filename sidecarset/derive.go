package sidecarset

import (
	"errors"
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
)

// ErrNotDerivable is Derive's refusal of a state that admitted SidecarSets with Create: each
// was validated against the ones created before it, so changing one may change the verdict
// on every later one, and only admitting them all again says what it is.
var ErrNotDerivable = errors.New("the state admitted SidecarSets through Kruise's validation; build it again instead")

// Derive returns a new State that holds exactly sets, in that order (creation order), each with
// its Kruise v1.9 sidecar fields (fields[i], nil for none), and
// the same Namespaces, ConfigMaps and ControllerRevisions as s, which it shares: neither
// state may be written to afterwards. A SidecarSet s already stores (the same pointer) keeps
// its compiled selectors, the fields injection puts back and its findings; any other is
// stored as Store stores it (it may be modified). The result equals the state Store builds
// from sets in that order, at the cost of one pass over the pointers plus the new
// SidecarSets: what a webhook needs when one of 10,000 SidecarSets changes. s is not changed
// and stays safe for its concurrent readers.
func (s *State) Derive(sets []*appsv1alpha1.SidecarSet, fields []*kruisev1beta1.Fields) (*State, error) {
	if len(fields) != len(sets) {
		return nil, fmt.Errorf("derive: %d SidecarSets and %d field records", len(sets), len(fields))
	}
	if s.created {
		return nil, ErrNotDerivable
	}
	out := &State{
		opts:           s.opts,
		sidecarSets:    make([]*appsv1alpha1.SidecarSet, 0, len(sets)),
		byName:         make(map[string]*appsv1alpha1.SidecarSet, len(sets)),
		namespaces:     s.namespaces,
		configMaps:     s.configMaps,
		revisions:      s.revisions,
		selectors:      make(map[*appsv1alpha1.SidecarSet]*compiledSelectors, len(sets)),
		kept:           map[*appsv1alpha1.SidecarSet]*keptFields{},
		storedFindings: map[*appsv1alpha1.SidecarSet]finding.List{},
		fields:         map[*appsv1alpha1.SidecarSet]*kruisev1beta1.Fields{},
	}
	for i, ss := range sets {
		if _, dup := out.byName[ss.Name]; dup {
			return nil, fmt.Errorf("derive: SidecarSet %s is given twice", ss.Name)
		}
		c, reused := s.selectors[ss]
		if !reused || s.byName[ss.Name] != ss {
			out.StoreWithFields(ss, fields[i])
			out.fresh = append(out.fresh, ss)
			continue
		}
		out.sidecarSets = append(out.sidecarSets, ss)
		out.byName[ss.Name] = ss
		out.selectors[ss] = c
		if k, ok := s.kept[ss]; ok {
			out.kept[ss] = k
		}
		if f, ok := s.storedFindings[ss]; ok {
			out.storedFindings[ss] = f
		}
		if f, ok := s.fields[ss]; ok {
			out.fields[ss] = f
		}
	}
	// Store appended the new SidecarSets' findings as it went; the findings of the whole
	// state are every SidecarSet's, in creation order, as a full Store pass reports them.
	out.findings = nil
	for _, ss := range out.sidecarSets {
		out.findings = append(out.findings, out.storedFindings[ss]...)
	}
	// The indexes are built from s's where the SidecarSets are the same.
	if idx := s.index.Load(); idx != nil {
		out.derivedFrom = idx
	} else {
		out.fresh = nil
	}
	return out, nil
}

// Warm builds the namespace and label indexes now, so that the first admission that reads the
// state does not: a webhook warms a state before it swaps it in.
func (s *State) Warm() {
	s.labelIndexFor(s.buildIndex())
}
