package migrate

import (
	"fmt"
	"slices"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// Options configure one migration.
type Options struct {
	// Containers names the sidecars to migrate (--container), even from a single workload;
	// empty: every container (by list and name) two workloads carry with the same image.
	Containers []string
	// LabelKey and LabelValue (--label) select the pods of every proposed SidecarSet and are
	// stamped on the templates that lose a sidecar. Empty: the labels the templates share, when
	// they select no other template of the input; otherwise sidecar.sidecarctl.dev/<container>:
	// "true", stamped.
	LabelKey, LabelValue string
	// Namespace is the namespace of objects that have none (kubectl's default).
	Namespace string
	// Only picks the objects sidecars migrate from (-l); nil picks every one. The others pass
	// through unchanged, and the round trip proves that the proposal injects nothing into them.
	Only func(*unstructured.Unstructured) bool
	// Pipeline configures the round trip's pipeline: the Kruise version and feature gates
	// injection reproduces. Trust is always Files: the proposal is admitted as a user's files.
	Pipeline pipeline.Options
}

// Result is a migration: the proposed objects, every input object (migrated or as it came)
// and the findings.
type Result struct {
	SidecarSets []*appsv1alpha1.SidecarSet
	Bindings    []bindingv1alpha1.SidecarSetResourceBinding
	// Workloads are the input objects in input order.
	Workloads []Workload
	// Findings are about the proposal as a whole: the SidecarSets found, and what admitting
	// them in the round trip reported.
	Findings finding.List
}

// Workload is one input object after the migration.
type Workload struct {
	// Object is the migrated object, or the input's own when Changed is false.
	Object *unstructured.Unstructured
	// Name is "Kind.group namespace/name"; Source says where the object came from.
	Name, Source string
	Changed      bool
	// Migrated are the sidecars the SidecarSets now inject; Kept those left in the template
	// because injection could not give it back (each with MigrateFieldDiffers, MigratePlacement,
	// MigrateRoundTrip or MigrateNoAppContainer findings).
	Migrated, Kept []string
	// Findings are this workload's, field paths in the object.
	Findings finding.List
}

// RoundTrips reports whether every sidecar found migrated: injecting the proposal gives back
// every template.
func (r *Result) RoundTrips() bool {
	for _, w := range r.Workloads {
		if len(w.Kept) > 0 {
			return false
		}
	}
	return true
}

// member is one sidecar in one template.
type member struct {
	g *group
	t *template
}

// planner holds one migration's working state.
type planner struct {
	opts    Options
	ts      []*template
	groups  []*group
	names   map[*group]string // SidecarSet names
	evicted map[member]bool
	// why holds, per template, the findings that kept sidecars in it.
	why map[*template]finding.List
}

// Plan proposes SidecarSets for the hand-written sidecars of items and proves them by the
// round trip (see the package comment). It fails only when the input cannot be read as
// workloads, or when Kruise refuses a proposed SidecarSet.
func Plan(items []pipeline.Item, opts Options) (*Result, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	ts, err := readTemplates(items, opts.Namespace)
	if err != nil {
		return nil, err
	}
	p := &planner{opts: opts, ts: ts, groups: findGroups(ts, opts.Containers, opts.Only), evicted: map[member]bool{}, why: map[*template]finding.List{}}
	p.nameSets()
	p.checkNoApp()
	if err := p.checkDefinitions(); err != nil {
		return nil, err
	}
	// Each round either proves the proposal or keeps at least one more sidecar in its
	// workload, so the loop ends.
	for {
		policies := p.place()
		if err := p.checkLabel(); err != nil {
			return nil, err
		}
		pr, err := p.propose(policies)
		if err != nil {
			return nil, err
		}
		rt, err := p.roundTrip(pr)
		if err != nil {
			return nil, err
		}
		if len(rt.failed) == 0 {
			return p.result(items, pr, rt), nil
		}
		before := len(p.evicted)
		for m, fs := range rt.failed {
			p.evict(m, fs...)
		}
		if len(p.evicted) == before {
			return nil, fmt.Errorf("the round trip fails for sidecars already kept in their workloads: %d finding(s)", len(rt.failed))
		}
	}
}

// nameSets names each group's SidecarSet "<container>-sidecarset" ("-init-sidecarset" for an
// init container whose name a container sidecar uses too).
func (p *planner) nameSets() {
	p.names = map[*group]string{}
	used := map[string]bool{}
	for _, g := range p.groups {
		name := g.name + "-sidecarset"
		if used[name] {
			name = g.name + "-init-sidecarset"
		}
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s-%d-sidecarset", g.name, i)
		}
		used[name] = true
		p.names[g] = name
	}
}

// members returns the templates the group's sidecar still migrates from.
func (p *planner) members(g *group) []*template {
	var out []*template
	for _, t := range g.carriers {
		if !p.evicted[member{g, t}] {
			out = append(out, t)
		}
	}
	return out
}

// migrating returns the groups whose sidecar migrates from t.
func (p *planner) migrating(t *template) []*group {
	var out []*group
	for _, g := range p.groups {
		if slices.Contains(g.carriers, t) && !p.evicted[member{g, t}] {
			out = append(out, g)
		}
	}
	return out
}

// evict keeps the group's sidecar in the template, for the reasons fs give.
func (p *planner) evict(m member, fs ...finding.Finding) {
	if p.evicted[m] {
		return
	}
	p.evicted[m] = true
	p.why[m.t] = append(p.why[m.t], fs...)
}

// checkNoApp keeps every sidecar in a template that they would leave without a container.
func (p *planner) checkNoApp() {
	for _, t := range p.ts {
		gs := p.migrating(t)
		var names []string
		for _, g := range gs {
			if g.list == listContainers {
				names = append(names, g.name)
			}
		}
		if len(names) == 0 || len(names) < len(t.pod.Spec.Containers) {
			continue
		}
		f := finding.Finding{Severity: finding.Warning, Code: finding.MigrateNoAppContainer, Object: t.name, Field: t.spec().Child(listContainers).String(),
			Message: fmt.Sprintf("every container of the template (%s) is a sidecar candidate; moving them out would leave no container of its own, so they stay (name the sidecars with --container)", strings.Join(names, ", "))}
		for i, g := range gs {
			if i == 0 {
				p.evict(member{g, t}, f)
			} else {
				p.evict(member{g, t})
			}
		}
	}
}

// result assembles the final proposal.
func (p *planner) result(items []pipeline.Item, pr *proposal, rt *roundTrip) *Result {
	res := &Result{Bindings: pr.bindings, Findings: append(pr.findings, rt.state...)}
	for _, g := range p.groups {
		if ss := pr.sets[g]; ss != nil {
			res.SidecarSets = append(res.SidecarSets, ss)
		}
	}
	if len(p.groups) == 0 {
		what := "no container is carried by two workloads with the same image"
		if len(p.opts.Containers) > 0 {
			what = fmt.Sprintf("no workload carries a container named %s that can migrate", strings.Join(p.opts.Containers, ", "))
		}
		res.Findings.Add(finding.Finding{Severity: finding.Info, Code: finding.MigrateNoSidecars, Message: what + ": nothing to migrate"})
	}
	byIndex := map[int]*template{}
	for _, t := range p.ts {
		byIndex[t.index] = t
	}
	for i, it := range items {
		w := Workload{Object: it.Object, Source: it.Source, Name: it.Source}
		if t := byIndex[i]; t != nil {
			w.Name = t.name
			if obj := pr.migrated[t]; obj != nil {
				w.Object, w.Changed = obj, true
			}
			for _, g := range p.groups {
				if !slices.Contains(g.carriers, t) {
					continue
				}
				if p.evicted[member{g, t}] {
					w.Kept = append(w.Kept, g.name)
				} else {
					w.Migrated = append(w.Migrated, g.name)
				}
			}
			w.Findings = append(append(append(w.Findings, p.why[t]...), pr.info[t]...), rt.info[t]...)
		}
		res.Workloads = append(res.Workloads, w)
	}
	return res
}
