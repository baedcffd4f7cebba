package pipeline

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"

	"github.com/sidecarctl/sidecarctl/binding"
	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// ErrNotIncremental is With's refusal: the state cannot take the change without being
// admitted again (Admit); the caller rebuilds it.
var ErrNotIncremental = errors.New("the state cannot be updated in place; admit it again")

// With returns the state Admit builds from the same input after the SidecarSets of changed
// were created or updated and those named in deleted were deleted, without admitting the
// others again: each changed SidecarSet is admitted as Admit admits it (Trust Stored: taken as
// stored, defaulted when it carries no hash) and takes its place in creation order; the
// others keep their compiled selectors. The bindings, namespaces, ConfigMaps and revisions are
// s's. s is not changed: its readers (admissions in flight) keep a consistent state.
//
// Only a Stored state without injection profiles is updated this way: with Trust Files each
// SidecarSet is validated against the ones created before it (a change may change every later
// verdict), and profiles' SidecarSets come from their ConfigMap. For those, and for a
// Creation that is not a SidecarSet, With returns ErrNotIncremental.
func (s *State) With(changed []Creation, deleted []string) (*State, error) {
	if s.opts.Trust != Stored || s.profiles != nil {
		return nil, ErrNotIncremental
	}
	gone := map[string]bool{}
	for _, name := range deleted {
		gone[name] = true
	}
	added := make([]Created, 0, len(changed))
	for _, c := range changed {
		if c.SidecarSet == nil {
			return nil, ErrNotIncremental
		}
		if gone[c.SidecarSet.Name] {
			return nil, fmt.Errorf("SidecarSet %s is both changed and deleted", c.SidecarSet.Name)
		}
		stored, err := s.opts.storedCopy(c.SidecarSet, c.Fields, c.Source)
		if err != nil {
			return nil, err
		}
		gone[stored.Name] = true
		added = append(added, Created{SidecarSet: stored, Source: c.Source, Fields: c.Fields})
	}
	kept := make([]Created, 0, len(s.created)+len(added))
	for _, c := range s.created {
		if !gone[c.SidecarSet.Name] {
			kept = append(kept, c)
		}
	}
	next := *s
	next.created = mergeByCreation(kept, added)
	order := make([]*appsv1alpha1.SidecarSet, len(next.created))
	fields := make([]*kruisev1beta1.Fields, len(next.created))
	for i, c := range next.created {
		order[i], fields[i] = c.SidecarSet, c.Fields
	}
	sets, err := s.sets.Derive(order, fields)
	if err != nil {
		if errors.Is(err, sidecarset.ErrNotDerivable) {
			return nil, ErrNotIncremental
		}
		return nil, err
	}
	next.sets = sets
	if s.injecting == s.sets {
		next.injecting = sets
	}
	next.unauthorized = maps.Clone(s.unauthorized)
	for name := range gone {
		delete(next.unauthorized, name)
	}
	for _, c := range added {
		if u := binding.Unauthorized(c.SidecarSet, s.bindings); len(u) > 0 {
			next.unauthorized[c.SidecarSet.Name] = u
		}
	}
	next.findings = slices.Clone(s.findings[:s.ownFindings])
	for _, f := range sets.Findings() {
		next.findings.Add(s.opts.grade(f))
	}
	return &next, nil
}

// mergeByCreation merges added into kept (in creation order, as Admit ordered it) the way
// orderByCreation orders them all: a SidecarSet that the order cannot tell from earlier ones
// comes after them, as appended.
func mergeByCreation(kept, added []Created) []Created {
	cmp := func(a, b Created) int {
		return compareCreation(Creation{SidecarSet: a.SidecarSet}, Creation{SidecarSet: b.SidecarSet})
	}
	slices.SortStableFunc(added, cmp)
	out := make([]Created, 0, len(kept)+len(added))
	i := 0
	for _, a := range added {
		// The first kept SidecarSet created after a: everything before it precedes a.
		j, _ := slices.BinarySearchFunc(kept[i:], a, func(k, a Created) int {
			if cmp(k, a) <= 0 {
				return -1
			}
			return 1
		})
		out = append(out, kept[i:i+j]...)
		out = append(out, a)
		i += j
	}
	return append(out, kept[i:]...)
}

// Warm builds the engine's indexes now, so that the first pod admitted with the state does not
// pay for them.
func (s *State) Warm() {
	s.sets.Warm()
	if s.injecting != s.sets {
		s.injecting.Warm()
	}
}
