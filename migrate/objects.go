package migrate

import (
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

// Objects returns the proposed objects: the SidecarSets, in the order they are created in the
// round trip, then their bindings. Fields the typed objects always
// serialise and a user never writes (status, creationTimestamp, empty structs Kruise's
// defaulting fills in) are left out.
func (r *Result) Objects() ([]*unstructured.Unstructured, error) {
	return objectsOf(r.SidecarSets, r.Bindings)
}

// objects are the proposal's objects, as Result.Objects gives them.
func (pr *proposal) objects() ([]*unstructured.Unstructured, error) {
	return objectsOf(pr.order, pr.bindings)
}

func objectsOf(sets []*appsv1alpha1.SidecarSet, bindings []bindingv1alpha1.SidecarSetResourceBinding) ([]*unstructured.Unstructured, error) {
	objs := make([]runtime.Object, 0, len(sets)+len(bindings))
	for _, ss := range sets {
		objs = append(objs, ss)
	}
	for i := range bindings {
		objs = append(objs, &bindings[i])
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
