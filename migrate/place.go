package migrate

import (
	"fmt"
	"slices"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"

	"github.com/sidecarctl/sidecarctl/finding"
)

// side is where a sidecar stands in one template, against the containers that stay.
type side int

const (
	sideEither side = iota // no container stays in that list: either policy places it
	sideBefore
	sideAfter
	sideMiddle
)

func (s side) String() string {
	switch s {
	case sideBefore:
		return "before"
	case sideAfter:
		return "after"
	case sideMiddle:
		return "between"
	}
	return "with"
}

// sideOf says where the group's sidecar stands in t among the containers that stay.
func (p *planner) sideOf(g *group, t *template) side {
	moving := map[string]bool{}
	for _, o := range p.migrating(t) {
		if o.list == g.list {
			moving[o.name] = true
		}
	}
	at, _ := g.of(t)
	first, last := -1, -1
	for i, c := range t.list(g.list) {
		if moving[c.Name] {
			continue
		}
		if first < 0 {
			first = i
		}
		last = i
	}
	switch {
	case first < 0:
		return sideEither
	case at < first:
		return sideBefore
	case at > last:
		return sideAfter
	}
	return sideMiddle
}

// place chooses each SidecarSet's podInjectPolicy: the side most templates put the sidecar
// on (BeforeAppContainer on a tie, Kruise's default). A sidecar standing between the
// containers that stay, or on the other side, stays in its template. Keeping one can move
// another template's containers, so placement runs until nothing changes.
func (p *planner) place() map[*group]appsv1alpha1.PodInjectPolicyType {
	policies := map[*group]appsv1alpha1.PodInjectPolicyType{}
	for changed := true; changed; {
		changed = false
		for _, g := range p.groups {
			ms := p.members(g)
			sides := make([]side, len(ms))
			before, after := 0, 0
			for i, t := range ms {
				sides[i] = p.sideOf(g, t)
				switch sides[i] {
				case sideBefore:
					before++
				case sideAfter:
					after++
				}
			}
			policy, want, n := appsv1alpha1.BeforeAppContainerType, sideBefore, before
			if after > before {
				policy, want, n = appsv1alpha1.AfterAppContainerType, sideAfter, after
			}
			policies[g] = policy
			for i, t := range ms {
				if sides[i] == sideEither || sides[i] == want {
					continue
				}
				p.evict(member{g, t}, p.placementFinding(g, t, sides[i], policy, n))
				changed = true
			}
		}
	}
	return policies
}

func (p *planner) placementFinding(g *group, t *template, s side, policy appsv1alpha1.PodInjectPolicyType, others int) finding.Finding {
	var names []string
	for _, c := range t.list(g.list) {
		names = append(names, c.Name)
	}
	msg := fmt.Sprintf("%s stands between %s that stay (%s are %s); a SidecarSet puts its sidecars before or after them, so %s stays in this workload",
		g.name, g.list, g.list, strings.Join(names, ", "), g.name)
	if s != sideMiddle {
		msg = fmt.Sprintf("%s stands %s the %s that stay (%s are %s), and %s them in %d other workload(s): SidecarSet %s places it %s, so %s stays in this workload",
			g.name, s, g.list, g.list, strings.Join(names, ", "), map[side]string{sideBefore: "after", sideAfter: "before"}[s], others, p.names[g], policy, g.name)
	}
	return finding.Finding{Severity: finding.Warning, Code: finding.MigratePlacement, Object: t.name, SidecarSet: p.names[g], Field: g.path(t).String(), Message: msg}
}

// checkLabel refuses --label when the sidecars migrate from different templates: one label
// would make every SidecarSet select every stamped template.
func (p *planner) checkLabel() error {
	if p.opts.LabelKey == "" {
		return nil
	}
	var first *group
	var firstSet []*template
	for _, g := range p.groups {
		ms := p.members(g)
		if len(ms) == 0 {
			continue
		}
		if first == nil {
			first, firstSet = g, ms
			continue
		}
		if !slices.Equal(ms, firstSet) {
			return fmt.Errorf("--label %s=%s: every proposed SidecarSet would select it, but %s migrates from %s and %s from %s; migrate one sidecar at a time with --container",
				p.opts.LabelKey, p.opts.LabelValue, first.name, templateNames(firstSet), g.name, templateNames(ms))
		}
	}
	for _, t := range p.ts {
		v, ok := t.pod.Labels[p.opts.LabelKey]
		if ok && v != p.opts.LabelValue && slices.Contains(firstSet, t) {
			return fmt.Errorf("--label %s=%s: the template of %s has %s=%s, which stamping would change; choose another label",
				p.opts.LabelKey, p.opts.LabelValue, t.name, p.opts.LabelKey, v)
		}
		if ok && v == p.opts.LabelValue && !slices.Contains(firstSet, t) {
			return fmt.Errorf("--label %s=%s: %s carries it already, and no sidecar migrates from it: the SidecarSets would select it; choose another label",
				p.opts.LabelKey, p.opts.LabelValue, t.name)
		}
	}
	return nil
}

func templateNames(ts []*template) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.name
	}
	return strings.Join(names, ", ")
}
