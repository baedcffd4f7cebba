package migrate

import (
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/sidecarset"
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
		u, err := sidecarset.Manifest(o)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}
