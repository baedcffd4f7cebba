package migrate

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Objects returns the proposed objects in the order to apply them: the SidecarSets, then
// their bindings (the SidecarSetResourceBinding webhook checks nothing against the
// SidecarSet, and Kruise reads bindings at injection). Fields the typed objects always
// serialise and a user never writes (status, creationTimestamp, empty structs Kruise's
// defaulting fills in) are left out.
func (r *Result) Objects() ([]*unstructured.Unstructured, error) {
	pr := &proposal{bindings: r.Bindings}
	return pr.objectsOf(r)
}

func (pr *proposal) objects() ([]*unstructured.Unstructured, error) { return pr.objectsOf(nil) }

func (pr *proposal) objectsOf(r *Result) ([]*unstructured.Unstructured, error) {
	var objs []runtime.Object
	if r != nil {
		for _, ss := range r.SidecarSets {
			objs = append(objs, ss)
		}
	} else {
		for _, ss := range pr.order {
			objs = append(objs, ss)
		}
	}
	for i := range pr.bindings {
		objs = append(objs, &pr.bindings[i])
	}
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return nil, err
		}
		delete(m, "status")
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "creationTimestamp")
		}
		dropEmptyStructs(m)
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out, nil
}

// dropEmptyStructs removes the empty structs kruise-api's and core's types serialise when
// unset, which a user never writes: the SidecarSet's injectionStrategy and, per container,
// shareVolumePolicy, upgradeStrategy and resources. Kruise's defaulting fills them in.
func dropEmptyStructs(m map[string]any) {
	spec, ok := m["spec"].(map[string]any)
	if !ok || m["kind"] != "SidecarSet" {
		return
	}
	dropEmpty(spec, "injectionStrategy")
	for _, list := range []string{"containers", "initContainers"} {
		cs, _ := spec[list].([]any)
		for _, c := range cs {
			if cm, ok := c.(map[string]any); ok {
				dropEmpty(cm, "shareVolumePolicy", "upgradeStrategy", "resources")
			}
		}
	}
}

func dropEmpty(m map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := m[k].(map[string]any); ok && len(v) == 0 {
			delete(m, k)
		}
	}
}
