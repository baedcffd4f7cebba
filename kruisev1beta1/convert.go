package kruisev1beta1

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Convert returns a copy of the unstructured SidecarSet obj in apiVersion (APIVersion or
// V1Alpha1), as Kruise v1.9's conversion webhook converts it. An object already in that
// version comes back as a plain copy.
func Convert(obj map[string]any, apiVersion string) (map[string]any, error) {
	from, _ := obj["apiVersion"].(string)
	switch {
	case from == apiVersion && (from == APIVersion || from == V1Alpha1):
		return runtime.DeepCopyJSON(obj), nil
	case from == V1Alpha1 && apiVersion == APIVersion:
		return ToV1Beta1(obj)
	case from == APIVersion && apiVersion == V1Alpha1:
		return ToV1Alpha1(obj)
	}
	return nil, fmt.Errorf("convert SidecarSet from %q to %q: want %s or %s", from, apiVersion, V1Alpha1, APIVersion)
}

// ToV1Beta1 converts an apps.kruise.io/v1alpha1 SidecarSet to v1beta1 (Kruise v1.9.0,
// apis/apps/v1alpha1/sidecarset_conversion.go; sidecarset/BEHAVIOUR.md §8.2):
//   - a non-empty spec.namespace becomes namespaceSelector {matchLabels:
//     {kubernetes.io/metadata.name: <namespace>}} and replaces any namespaceSelector; an empty
//     one is dropped and the selector kept;
//   - a present label apps.kruise.io/sidecarset-custom-version (even empty) becomes
//     spec.customVersion and is deleted.
//
// Every other field, known or not, is copied as it is.
func ToV1Beta1(obj map[string]any) (map[string]any, error) {
	out := runtime.DeepCopyJSON(obj)
	out["apiVersion"] = APIVersion
	spec, err := specOf(out)
	if err != nil {
		return nil, err
	}
	if raw, ok := spec["namespace"]; ok {
		ns, isString := raw.(string)
		if !isString && raw != nil {
			return nil, fmt.Errorf("SidecarSet %s: spec.namespace: want a string, got %T", nameOf(out), raw)
		}
		delete(spec, "namespace")
		if ns != "" {
			spec["namespaceSelector"] = NamespaceSelectorJSON(ns)
		}
	}
	meta, _ := out["metadata"].(map[string]any)
	labels, _ := meta["labels"].(map[string]any)
	if v, ok := labels[LabelCustomVersion]; ok {
		delete(labels, LabelCustomVersion)
		if len(labels) == 0 {
			delete(meta, "labels")
		}
		if spec == nil {
			spec = map[string]any{}
			out["spec"] = spec
		}
		spec["customVersion"] = v
		if v == "" {
			// customVersion is omitempty in Kruise's type: an empty label disappears.
			delete(spec, "customVersion")
		}
	}
	return out, nil
}

// ToV1Alpha1 converts an apps.kruise.io/v1beta1 SidecarSet to v1alpha1 (Kruise v1.9.0,
// apis/apps/v1alpha1/sidecarset_conversion.go): namespaceSelector is kept and no
// spec.namespace is produced; a non-empty spec.customVersion becomes the label
// apps.kruise.io/sidecarset-custom-version, overwriting its value. A spec.namespace, which
// the v1beta1 schema prunes, is dropped. Every other field is copied as it is.
func ToV1Alpha1(obj map[string]any) (map[string]any, error) {
	out := runtime.DeepCopyJSON(obj)
	out["apiVersion"] = V1Alpha1
	spec, err := specOf(out)
	if err != nil {
		return nil, err
	}
	delete(spec, "namespace")
	raw, ok := spec["customVersion"]
	if !ok {
		return out, nil
	}
	delete(spec, "customVersion")
	cv, isString := raw.(string)
	if !isString && raw != nil {
		return nil, fmt.Errorf("SidecarSet %s: spec.customVersion: want a string, got %T", nameOf(out), raw)
	}
	if cv == "" {
		return out, nil
	}
	meta, _ := out["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		out["metadata"] = meta
	}
	labels, _ := meta["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
		meta["labels"] = labels
	}
	labels[LabelCustomVersion] = cv
	return out, nil
}

// NamespaceSelectorJSON is the namespaceSelector v1.9 gives a v1alpha1 spec.namespace, as
// unstructured JSON.
func NamespaceSelectorJSON(ns string) map[string]any {
	return map[string]any{"matchLabels": map[string]any{LabelNamespaceName: ns}}
}

func specOf(obj map[string]any) (map[string]any, error) {
	raw, ok := obj["spec"]
	if !ok || raw == nil {
		return nil, nil
	}
	spec, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("SidecarSet %s: spec: want an object, got %T", nameOf(obj), raw)
	}
	return spec, nil
}

func nameOf(obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	return name
}

// NamespaceSelector is NamespaceSelectorJSON as a typed selector.
func NamespaceSelector(ns string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{LabelNamespaceName: ns}}
}
