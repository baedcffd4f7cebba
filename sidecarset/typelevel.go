package sidecarset

import (
	"encoding/json"
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// droppedField is a SidecarSet field newer than the Kruise version's Kubernetes types: where
// it was (spec.<list>[index]) and its place in that container or volume.
type droppedField struct {
	NewerField
	list  string // "initContainers", "containers" or "volumes"
	index int
}

// dropNewerFields removes from ss's containers, init containers and volumes every field the
// Kubernetes types of Kruise version v lack, as Kruise's SidecarSet mutating webhook does when
// it decodes the object (sidecarset/BEHAVIOUR.md §7.2), and returns them.
func dropNewerFields(ss *appsv1alpha1.SidecarSet, v Version) []droppedField {
	var out []droppedField
	spec := field.NewPath("spec")
	for _, l := range []struct {
		name string
		cs   []appsv1alpha1.SidecarContainer
	}{{"initContainers", ss.Spec.InitContainers}, {"containers", ss.Spec.Containers}} {
		for i := range l.cs {
			for _, nf := range ContainerFieldsNewerThan(v, &l.cs[i].Container, spec.Child(l.name).Index(i), true) {
				out = append(out, droppedField{NewerField: nf, list: l.name, index: i})
			}
		}
	}
	for i := range ss.Spec.Volumes {
		for _, nf := range VolumeFieldsNewerThan(v, &ss.Spec.Volumes[i], spec.Child("volumes").Index(i), true) {
			out = append(out, droppedField{NewerField: nf, list: "volumes", index: i})
		}
	}
	return out
}

// nativeMarker reports whether d is an init container's restartPolicy: without it a native
// sidecar is a plain init container that blocks the pod's start.
func nativeMarker(d droppedField) bool {
	return d.list == "initContainers" && len(d.keys) == 1 && d.keys[0] == "restartPolicy"
}

// keptFields are the fields of one stored SidecarSet that Kruise dropped and sidecarctl puts
// back into what it injects (unless Options.KruiseExact): the values, from the defaulted
// SidecarSet as written, by sidecar ("containers/<name>", "initContainers/<name>"), and the
// volumes as written, by name.
type keptFields struct {
	containers map[string][]keptValue
	volumes    map[string]*corev1.Volume
}

type keptValue struct {
	keys  []any
	value any // decoded JSON
}

// keepDropped returns the values of dropped in full, the defaulted SidecarSet before the
// fields were dropped; nil when nothing was dropped.
func keepDropped(full *appsv1alpha1.SidecarSet, dropped []droppedField) (*keptFields, error) {
	if len(dropped) == 0 {
		return nil, nil
	}
	k := &keptFields{containers: map[string][]keptValue{}, volumes: map[string]*corev1.Volume{}}
	for _, d := range dropped {
		if d.list == "volumes" {
			k.volumes[full.Spec.Volumes[d.index].Name] = full.Spec.Volumes[d.index].DeepCopy()
			continue
		}
		c := &full.Spec.Containers
		if d.list == "initContainers" {
			c = &full.Spec.InitContainers
		}
		sc := &(*c)[d.index]
		doc, err := toJSONValue(&sc.Container)
		if err != nil {
			return nil, err
		}
		if value, ok := valueAt(doc, d.keys); ok {
			key := d.list + "/" + sc.Name
			k.containers[key] = append(k.containers[key], keptValue{keys: d.keys, value: value})
		}
	}
	return k, nil
}

// container puts the kept fields of the sidecar list/name back into c, the container built
// from it (its own env and mounts come first, so list indexes still hold).
func (k *keptFields) container(list, name string, c *corev1.Container) error {
	if k == nil {
		return nil
	}
	values := k.containers[list+"/"+name]
	if len(values) == 0 {
		return nil
	}
	doc, err := toJSONValue(c)
	if err != nil {
		return err
	}
	for _, kv := range values {
		setAt(doc, kv.keys, kv.value)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	restored := corev1.Container{}
	if err := json.Unmarshal(raw, &restored); err != nil {
		return err
	}
	*c = restored
	return nil
}

// volume returns the volume name as written, when Kruise dropped a field of it.
func (k *keptFields) volume(name string) (*corev1.Volume, bool) {
	if k == nil {
		return nil, false
	}
	v, ok := k.volumes[name]
	return v, ok
}

func toJSONValue(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc any
	err = json.Unmarshal(raw, &doc)
	return doc, err
}

// valueAt returns the value at keys (object keys and list indexes) in a decoded JSON value.
func valueAt(doc any, keys []any) (any, bool) {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := doc.(map[string]any)
			if !ok {
				return nil, false
			}
			if doc, ok = m[k]; !ok {
				return nil, false
			}
		case int:
			l, ok := doc.([]any)
			if !ok || k >= len(l) {
				return nil, false
			}
			doc = l[k]
		}
	}
	return doc, true
}

// setAt sets the value at keys, creating the objects on the way; it gives up on a list
// index that does not exist.
func setAt(doc any, keys []any, value any) {
	for i, k := range keys {
		last := i == len(keys)-1
		switch k := k.(type) {
		case string:
			m, ok := doc.(map[string]any)
			if !ok {
				return
			}
			if last {
				m[k] = value
				return
			}
			next, ok := m[k]
			if !ok || next == nil {
				next = map[string]any{}
				m[k] = next
			}
			doc = next
		case int:
			l, ok := doc.([]any)
			if !ok || k >= len(l) {
				return
			}
			if last {
				l[k] = value
				return
			}
			doc = l[k]
		}
	}
}

// droppedFindings reports each field Kruise drops from SidecarSet ss: a warning naming the
// field, the Kruise version and its Kubernetes types, and what sidecarctl does with it.
func droppedFindings(ss *appsv1alpha1.SidecarSet, dropped []droppedField, v Version, exact bool) finding.List {
	var out finding.List
	bh := behaviourOf(v)
	for _, d := range dropped {
		effect := "injected pods lack it and both hashes are computed without it"
		if d.list == "volumes" {
			effect = "injected pods get the volume without it"
		}
		if nativeMarker(d) && !bh.NativeSidecars {
			effect = fmt.Sprintf("native sidecar %s is injected as a plain init container that never exits and the pod never leaves its init phase", ss.Spec.InitContainers[d.index].Name)
		}
		kept := "sidecarctl keeps it in what it injects (--kruise-exact drops it as Kruise does)"
		if exact {
			kept = "--kruise-exact drops it as Kruise does"
		}
		out.Add(finding.Finding{Severity: finding.Warning, Code: finding.SidecarFieldDropped, SidecarSet: ss.Name, Field: d.Path.String(),
			Message: fmt.Sprintf("%s is built with the Kubernetes 1.%d API types, which lack %s (Kubernetes %s): it drops the field from the SidecarSet, so %s; %s",
				v.kruise(), bh.KubernetesTypes, d.What, d.Since, effect, kept)})
	}
	return out
}

// kruiseTypedContainers returns cs as Kruise version v sees them: without the fields its
// Kubernetes types lack. cs itself when it has none, else a copy.
func kruiseTypedContainers(cs []appsv1alpha1.SidecarContainer, v Version) []appsv1alpha1.SidecarContainer {
	for i := range cs {
		if len(ContainerFieldsNewerThan(v, &cs[i].Container, nil, false)) == 0 {
			continue
		}
		out := make([]appsv1alpha1.SidecarContainer, len(cs))
		for j := range cs {
			out[j] = *cs[j].DeepCopy()
			ContainerFieldsNewerThan(v, &out[j].Container, nil, true)
		}
		return out
	}
	return cs
}
