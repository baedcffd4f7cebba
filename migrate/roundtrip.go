package migrate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// bookkeeping returns the annotations Kruise writes on every pod it injects (README, "uninject").
func bookkeeping() []string {
	return []string{sidecarset.AnnotationHash, sidecarset.AnnotationHashWithoutImage,
		sidecarset.AnnotationInjectedList, sidecarset.AnnotationWorkingHotUpgrade}
}

// roundTrip is one round trip's outcome.
type roundTrip struct {
	// failed are the sidecars injection did not give back, with a finding per field.
	failed map[member]finding.List
	// info are per-template notes (volume order) and the injection's own warnings.
	info map[*template]finding.List
	// state are what admitting the proposal reported.
	state finding.List
}

// roundTrip admits the proposal through the pipeline, as a user's files, injects every
// template of the input (migrated or not: a SidecarSet must change no other) and compares
// each with the original.
func (p *planner) roundTrip(pr *proposal) (*roundTrip, error) {
	objs, err := pr.objects()
	if err != nil {
		return nil, err
	}
	items := make([]pipeline.Item, len(objs))
	for i, o := range objs {
		items[i] = pipeline.Item{Object: o, Source: "proposed " + o.GetKind() + " " + o.GetName()}
	}
	in, err := pipeline.Decode(items)
	if err != nil {
		return nil, err
	}
	opts := p.opts.Pipeline
	opts.Trust = pipeline.Files
	// The workloads will get what Kruise injects, fields it loses lost (sidecarset/BEHAVIOUR.md §7).
	opts.Engine.KruiseExact = true
	rt := &roundTrip{failed: map[member]finding.List{}, info: map[*template]finding.List{}}
	st, err := pipeline.Admit(in, opts)
	if err != nil {
		return p.refused(rt, err)
	}
	for _, f := range st.Findings() {
		if f.Severity != finding.Info {
			rt.state.Add(f)
		}
	}
	for _, t := range p.ts {
		obj := t.item.Object
		if m := pr.migrated[t]; m != nil {
			obj = m
		}
		work := obj.DeepCopy()
		res, err := st.InjectObject(work, p.opts.Namespace, sidecarset.Create)
		if err != nil {
			p.fail(rt, t, nil, finding.Finding{Severity: finding.Warning, Code: finding.MigrateRoundTrip, Object: t.name, Field: t.spec().String(),
				Message: fmt.Sprintf("Kruise's pod webhook would refuse the migrated template: %v", err)})
			continue
		}
		for _, f := range res.Findings {
			if f.Severity == finding.Info {
				continue
			}
			// The pipeline names fields of the pod; the report names them in the workload.
			if t.prefix != nil && strings.HasPrefix(f.Field, "spec.") {
				f.Field = t.prefix.String() + "." + f.Field
			}
			if f.Object == "" {
				f.Object = t.name
			}
			rt.info[t] = append(rt.info[t], f)
		}
		got, err := templatePod(work, p.opts.Namespace)
		if err != nil {
			return nil, err
		}
		if err := p.compare(rt, t, got, pr); err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// refused keeps the sidecar of a proposed SidecarSet Kruise's webhooks refuse in every
// workload, each with Kruise's reason at the sidecar's field.
func (p *planner) refused(rt *roundTrip, err error) (*roundTrip, error) {
	var se *pipeline.StateError
	if !errors.As(err, &se) {
		return nil, fmt.Errorf("the proposal: %w", err)
	}
	for _, g := range p.groups {
		if se.Source != "proposed SidecarSet "+p.names[g] {
			continue
		}
		for _, t := range p.members(g) {
			rt.failed[member{g, t}] = finding.List{{Severity: finding.Warning, Code: finding.MigrateRoundTrip, Object: t.name, SidecarSet: p.names[g],
				Field: g.path(t).String(), Message: fmt.Sprintf("Kruise refuses SidecarSet %s: %v; %s stays in this workload", p.names[g], se.Err, g.name)}}
		}
		return rt, nil
	}
	return nil, fmt.Errorf("the proposal: %w", err)
}

// fail records a field injection did not give back, against the sidecars of gs (all that
// migrate from t when gs is empty). A template none migrates from cannot fail: the
// selectors select no such template, so a difference there is a bug, reported as one.
func (p *planner) fail(rt *roundTrip, t *template, gs []*group, f finding.Finding) {
	if len(gs) == 0 {
		gs = p.migrating(t)
	}
	var names []string
	for _, g := range gs {
		names = append(names, g.name)
	}
	if len(gs) == 0 {
		f.Severity = finding.Error
		f.Message += "; the template keeps its sidecars, yet a proposed SidecarSet changes it"
		rt.state.Add(f)
		return
	}
	f.Message += fmt.Sprintf("; %s stays in this workload", strings.Join(names, ", "))
	for i, g := range gs {
		m := member{g, t}
		if i == 0 {
			rt.failed[m] = append(rt.failed[m], f)
		} else if _, ok := rt.failed[m]; !ok {
			rt.failed[m] = finding.List{}
		}
	}
}

// compare checks the injected template got against t's original, field by field, apart from
// Kruise's bookkeeping, the stamped labels and the order of volumes.
func (p *planner) compare(rt *roundTrip, t *template, got *corev1.Pod, pr *proposal) error {
	want := t.pod.DeepCopy()
	got = got.DeepCopy()
	withDefaults(want, p.opts.Pipeline.Engine.Version)
	withDefaults(got, p.opts.Pipeline.Engine.Version)
	for _, k := range bookkeeping() {
		if _, ok := want.Annotations[k]; !ok {
			delete(got.Annotations, k)
		}
	}
	for k := range pr.stamped[t] {
		if _, ok := want.Labels[k]; !ok {
			delete(got.Labels, k)
		}
	}
	for _, list := range []string{listInitContainers, listContainers} {
		for i := range podList(got, list) {
			c := &podList(got, list)[i]
			if j := slices.IndexFunc(podList(want, list), func(o corev1.Container) bool { return o.Name == c.Name }); j >= 0 && hasInjectedMark(&podList(want, list)[j]) {
				continue
			}
			c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == sidecarset.EnvIsInjected && e.Value == "true" })
			if len(c.Env) == 0 {
				c.Env = nil
			}
		}
	}
	p.compareVolumeOrder(rt, t, got)
	var errs []error
	report := func(path *field.Path, a, b any, gs []*group) {
		diffs, err := diffObjects(path, a, b)
		if err != nil {
			errs = append(errs, err)
		}
		for _, d := range diffs {
			p.fail(rt, t, gs, finding.Finding{Severity: finding.Warning, Code: finding.MigrateRoundTrip, Object: t.name, Field: d.Path.String(),
				Message: fmt.Sprintf("injecting the proposal gives %s, the template has %s", show(d.Got), show(d.Want))})
		}
	}
	spec := t.spec()
	for _, list := range []string{listInitContainers, listContainers} {
		wl, gl := podList(want, list), podList(got, list)
		inList := p.migratingIn(t, list)
		if !slices.Equal(names(wl), names(gl)) {
			victim := p.orderVictim(t, list, inList)
			p.fail(rt, t, victim, finding.Finding{Severity: finding.Warning, Code: finding.MigrateRoundTrip, Object: t.name, Field: spec.Child(list).String(),
				Message: fmt.Sprintf("injecting the proposal gives %s in the order [%s], the template has [%s] (Kruise places the sidecars of several SidecarSets on one side in candidate order: those of the pod's namespace, then the cluster-wide ones, each by name; sidecarset/BEHAVIOUR.md §2.4)",
					list, strings.Join(names(gl), ", "), strings.Join(names(wl), ", "))})
			continue
		}
		for i := range wl {
			var gs []*group
			for _, g := range inList {
				if g.name == wl[i].Name {
					gs = []*group{g}
				}
			}
			report(spec.Child(list).Index(i), &wl[i], &gl[i], gs)
		}
	}
	report(spec.Child("volumes"), want.Spec.Volumes, got.Spec.Volumes, nil)
	ws, gsp := want.Spec.DeepCopy(), got.Spec.DeepCopy()
	for _, s := range []*corev1.PodSpec{ws, gsp} {
		s.InitContainers, s.Containers, s.Volumes = nil, nil, nil
	}
	report(spec, ws, gsp, nil)
	meta := t.metadataPath()
	report(meta.Child("labels"), want.Labels, got.Labels, nil)
	report(meta.Child("annotations"), want.Annotations, got.Annotations, nil)
	if len(errs) > 0 {
		return fmt.Errorf("%s: %w", t.item.Source, errs[0])
	}
	return nil
}

// compareVolumeOrder puts got's volumes in the original order when they are the same set,
// and says so: injection appends a SidecarSet's volumes after the pod's.
func (p *planner) compareVolumeOrder(rt *roundTrip, t *template, got *corev1.Pod) {
	wn := volumeNames(t.pod.Spec.Volumes)
	gn := volumeNames(got.Spec.Volumes)
	if slices.Equal(wn, gn) || len(wn) != len(gn) {
		return
	}
	sorted := make([]corev1.Volume, 0, len(gn))
	for _, n := range wn {
		v := volumeOf(got, n)
		if v == nil {
			return
		}
		sorted = append(sorted, *v)
	}
	got.Spec.Volumes = sorted
	rt.info[t] = append(rt.info[t], finding.Finding{Severity: finding.Info, Code: finding.MigrateVolumeOrder, Object: t.name, Field: t.spec().Child("volumes").String(),
		Message: fmt.Sprintf("injection gives the volumes in the order [%s], the template has [%s]: the same volumes, keyed by name", strings.Join(gn, ", "), strings.Join(wn, ", "))})
}

// orderVictim chooses the one sidecar to keep in t when injection gives the list in another
// order: the one nearest the containers that stay, which then stays between them and the
// sidecars further out, as written. Keeping one per round lets the next round find out
// whether that was enough.
func (p *planner) orderVictim(t *template, list string, gs []*group) []*group {
	if len(gs) == 0 {
		return nil
	}
	moving := map[string]bool{}
	for _, g := range gs {
		moving[g.name] = true
	}
	var staying []int
	for i, c := range t.list(list) {
		if !moving[c.Name] {
			staying = append(staying, i)
		}
	}
	best, bestDist := gs[0], -1
	for _, g := range gs {
		at, _ := g.of(t)
		dist := len(t.list(list))
		for _, s := range staying {
			dist = min(dist, max(at-s, s-at))
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = g, dist
		}
	}
	return []*group{best}
}

// migratingIn returns the groups migrating from t in one list.
func (p *planner) migratingIn(t *template, list string) []*group {
	var out []*group
	for _, g := range p.migrating(t) {
		if g.list == list {
			out = append(out, g)
		}
	}
	return out
}

func hasInjectedMark(c *corev1.Container) bool {
	return slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == sidecarset.EnvIsInjected })
}

func names(cs []corev1.Container) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func volumeNames(vs []corev1.Volume) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Name
	}
	return out
}

// templatePod returns the pod template of obj as its controller's pod.
func templatePod(obj *unstructured.Unstructured, namespace string) (*corev1.Pod, error) {
	ts, err := readTemplates([]pipeline.Item{{Object: obj, Source: obj.GetName()}}, namespace)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("%s: the injected object has no pod template", obj.GetName())
	}
	return ts[0].pod, nil
}
