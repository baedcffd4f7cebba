package sidecarset

import (
	"encoding/json"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// podFieldsNewerThan lists the fields of spec (at "spec") that the Kubernetes types of Kruise
// version v lack, each with the list and index of the container or volume it is in (list ""
// for the pod's own fields); with drop it also clears them.
func podFieldsNewerThan(v Version, spec *corev1.PodSpec, drop bool) []droppedField {
	kube := behaviourOf(v).KubernetesTypes
	containers, volumes := containerRules(), volumeRules()
	p := field.NewPath("spec")
	var out []droppedField
	for _, nf := range newerFields(podRules(), spec, p, kube, drop) {
		out = append(out, droppedField{NewerField: nf})
	}
	for _, l := range []struct {
		name string
		cs   []corev1.Container
	}{{"initContainers", spec.InitContainers}, {"containers", spec.Containers}} {
		for i := range l.cs {
			for _, nf := range newerFields(containers, &l.cs[i], p.Child(l.name).Index(i), kube, drop) {
				out = append(out, droppedField{NewerField: nf, list: l.name, index: i})
			}
		}
	}
	for i := range spec.Volumes {
		for _, nf := range newerFields(volumes, &spec.Volumes[i], p.Child("volumes").Index(i), kube, drop) {
			out = append(out, droppedField{NewerField: nf, list: "volumes", index: i})
		}
	}
	return out
}

// kruisePatch reproduces what Kruise's pod webhook does to the fields of the incoming pod its
// Kubernetes types lack, once injection changed the pod (sidecarset/BEHAVIOUR.md §7.3, §7.4):
// the positional patch of v1.5 and later loses them from the containers injection moved and
// leaves them on the containers now at their old index; v1.3 and v1.4 remove them all. in is the pod as received,
// injected the names of the containers injection produced. Each field Kruise loses or moves
// is a finding in res; with Options.KruiseExact res.Pod becomes Kruise's pod.
func (s *State) kruisePatch(in *corev1.Pod, res *Result, injected map[string]bool) error {
	received := in
	if in.Namespace != res.Pod.Namespace {
		// Kruise fills the namespace before it keeps its copy of the original.
		received = in.DeepCopy()
		received.Namespace = res.Pod.Namespace
	}
	if !podChanged(received, res.Pod) {
		return nil // Kruise changed nothing, so it sends no patch
	}
	var err error
	if s.opts.behaviour().PositionalPodPatch {
		err = s.positionalPatch(received, res)
	} else {
		s.reencodedPatch(received, res, injected)
	}
	if err == nil && s.opts.KruiseExact {
		res.Changed = podChanged(in, res.Pod)
	}
	return err
}

// reencodedPatch is v1.3 and v1.4: the patch goes from the raw request to the re-encoded pod, so every
// field the types lack is gone, the pod's own and any other (§7.4).
func (s *State) reencodedPatch(in *corev1.Pod, res *Result, injected map[string]bool) {
	v := s.opts.version()
	own := map[string]bool{}
	for _, vol := range in.Spec.Volumes {
		own[vol.Name] = true
	}
	for _, d := range podFieldsNewerThan(v, res.Pod.Spec.DeepCopy(), false) {
		var where string
		switch d.list {
		case "initContainers", "containers":
			name := containerList(&res.Pod.Spec, d.list)[d.index].Name
			if injected[name] {
				continue // a sidecar's field: sidecar_field_dropped says what Kruise does
			}
			where = "from container " + name
		case "volumes":
			if !own[res.Pod.Spec.Volumes[d.index].Name] {
				continue
			}
			where = "from volume " + res.Pod.Spec.Volumes[d.index].Name
		default:
			where = "from the pod"
		}
		res.Findings.Add(finding.Finding{Severity: finding.Warning, Code: finding.PodFieldDropped, Field: d.Path.String(),
			Message: fmt.Sprintf("%s answers with a patch from the pod as sent to the pod re-encoded with its Kubernetes 1.%d API types, which lack %s (Kubernetes %s), so it removes the field %s; %s",
				v.kruise(), behaviourOf(v).KubernetesTypes, d.What, d.Since, where, s.keptClause("removes"))})
	}
	if s.opts.KruiseExact {
		podFieldsNewerThan(v, &res.Pod.Spec, true)
	}
}

// keptClause says what sidecarctl does with a field Kruise loses: verb is what Kruise does.
func (s *State) keptClause(verb string) string {
	if s.opts.KruiseExact {
		return "--kruise-exact: as Kruise does"
	}
	return "sidecarctl keeps it where it was written (--kruise-exact " + verb + " it as Kruise does)"
}

func containerList(spec *corev1.PodSpec, list string) []corev1.Container {
	if list == "initContainers" {
		return spec.InitContainers
	}
	return spec.Containers
}

// positionalPatch is v1.5 and later: the patch goes from the re-encoded original pod to
// the re-encoded result and is applied to the pod as sent, so a field the types lack stays at
// its list index (§7.3). Only containers can move, so only their fields are looked at.
func (s *State) positionalPatch(in *corev1.Pod, res *Result) error {
	v := s.opts.version()
	newer := false
	for _, l := range []string{"initContainers", "containers"} {
		for i := range containerList(&in.Spec, l) {
			if len(ContainerFieldsNewerThan(v, &containerList(&in.Spec, l)[i], nil, false)) > 0 {
				newer = true
			}
		}
	}
	if !newer {
		return nil
	}
	exact, err := positionalResult(in, res.Pod, v)
	if err != nil {
		return err
	}
	for _, l := range []string{"initContainers", "containers"} {
		if err := s.reportShifted(l, in, res, exact); err != nil {
			return err
		}
	}
	if s.opts.KruiseExact {
		res.Pod = exact
	}
	return nil
}

// positionalResult is the pod Kruise's positional patch makes of in.
func positionalResult(in, out *corev1.Pod, v Version) (*corev1.Pod, error) {
	typed := func(p *corev1.Pod) (any, error) {
		p = p.DeepCopy()
		podFieldsNewerThan(v, &p.Spec, true)
		return toJSONValue(p)
	}
	raw, err := toJSONValue(in)
	if err != nil {
		return nil, err
	}
	before, err := typed(in)
	if err != nil {
		return nil, err
	}
	after, err := typed(out)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(positionalMerge(raw, before, after))
	if err != nil {
		return nil, err
	}
	pod := &corev1.Pod{}
	return pod, json.Unmarshal(doc, pod)
}

// positionalMerge applies to raw the JSON patch that turns before into after, computed as
// Kruise's patch library computes it: objects key by key (a key after lacks is removed, a new
// key added, a changed scalar replaced, a shared key compared inside), lists index by index
// (items past before's length added whole). raw is before plus the fields before lacks, which
// no operation names, so they stay where they are.
func positionalMerge(raw, before, after any) any {
	switch a := after.(type) {
	case map[string]any:
		b, ok := before.(map[string]any)
		if !ok {
			return after
		}
		r, _ := raw.(map[string]any)
		out := make(map[string]any, len(r)+len(a))
		for k, val := range r {
			if _, typed := b[k]; !typed {
				out[k] = val
			}
		}
		for k, val := range a {
			old, ok := b[k]
			if !ok {
				out[k] = val
				continue
			}
			rv, inRaw := r[k]
			if !inRaw {
				rv = old
			}
			out[k] = positionalMerge(rv, old, val)
		}
		return out
	case []any:
		b, ok := before.([]any)
		if !ok {
			return after
		}
		r, _ := raw.([]any)
		out := make([]any, len(a))
		for i := range a {
			switch {
			case i >= len(b):
				out[i] = a[i]
			case i < len(r):
				out[i] = positionalMerge(r[i], b[i], a[i])
			default:
				out[i] = positionalMerge(b[i], b[i], a[i])
			}
		}
		return out
	}
	if reflect.DeepEqual(before, after) && raw != nil {
		return raw
	}
	return after
}

// reportShifted compares, for each field of the received pod's list l (containers or init
// containers) that Kruise's types lack, where sidecarctl's pod (res.Pod) and Kruise's (exact)
// have it, and reports where they differ: the field is lost from a container injection moved,
// moved onto the container now at its old index, or left on the sidecar that replaced the
// container in place.
func (s *State) reportShifted(l string, in *corev1.Pod, res *Result, exact *corev1.Pod) error {
	v := s.opts.version()
	received, kept, kruise := containerList(&in.Spec, l), containerList(&res.Pod.Spec, l), containerList(&exact.Spec, l)
	valueIn := func(list []corev1.Container, name string, keys []any) (any, int, error) {
		for i := range list {
			if list[i].Name != name {
				continue
			}
			doc, err := toJSONValue(&list[i])
			if err != nil {
				return nil, i, err
			}
			val, _ := valueAt(doc, keys)
			return val, i, nil
		}
		return nil, -1, nil
	}
	types := fmt.Sprintf("its Kubernetes 1.%d API types", behaviourOf(v).KubernetesTypes)
	for i := range received {
		app := received[i].DeepCopy()
		for _, f := range ContainerFieldsNewerThan(v, app, nil, false) {
			want, _, err := valueIn(received, app.Name, f.keys)
			if err != nil {
				return err
			}
			here, at, err := valueIn(kept, app.Name, f.keys)
			if err != nil {
				return err
			}
			there, moved, err := valueIn(kruise, app.Name, f.keys)
			if err != nil {
				return err
			}
			keptHere, kruiseKeeps := reflect.DeepEqual(here, want), reflect.DeepEqual(there, want)
			if keptHere == kruiseKeeps || at < 0 {
				continue
			}
			path := field.NewPath("spec", l).Index(at)
			what := fmt.Sprintf("%s (Kubernetes %s, which %s lack)", f.What, f.Since, types)
			if !keptHere {
				// The pod's container was replaced in place by a sidecar of its name.
				res.Findings.Add(finding.Finding{Severity: finding.Warning, Code: finding.PodFieldMoved, Field: extendPath(path, f.keys).String(),
					Message: fmt.Sprintf("%s's patch leaves %s of the pod's container %s on the sidecar that replaces it; %s",
						v.kruise(), what, app.Name, s.movedClause("injects the sidecar as its SidecarSet defines it"))})
				continue
			}
			code, outcome := finding.PodFieldDropped, "it loses the field"
			if i < len(kruise) && kruise[i].Name != app.Name {
				if got, _, err := valueIn(kruise, kruise[i].Name, f.keys); err == nil && reflect.DeepEqual(got, want) {
					code, outcome = finding.PodFieldMoved, fmt.Sprintf("the field stays at index %d, on container %s, now there", i, kruise[i].Name)
				}
			}
			container := "container " + app.Name
			if moved != i {
				container += fmt.Sprintf(", which injection moved from index %d to %d,", i, moved)
			}
			res.Findings.Add(finding.Finding{Severity: finding.Warning, Code: code, Field: extendPath(path, f.keys).String(),
				Message: fmt.Sprintf("%s's positional patch rewrites %s from %s, which lack %s (Kubernetes %s): %s; %s",
					v.kruise(), container, types, f.What, f.Since, outcome, s.keptClause(verbFor(code)))})
		}
	}
	return nil
}

func verbFor(code finding.Code) string {
	if code == finding.PodFieldMoved {
		return "moves"
	}
	return "loses"
}

// movedClause says what sidecarctl does instead of what Kruise does to a field it moves.
func (s *State) movedClause(instead string) string {
	if s.opts.KruiseExact {
		return "--kruise-exact: as Kruise does"
	}
	return "sidecarctl " + instead + " (--kruise-exact keeps the field there, as Kruise does)"
}
