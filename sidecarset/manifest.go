package sidecarset

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Manifest returns a typed object as a user would write it in a manifest: without status and
// creationTimestamp, which the API server owns, and, for a SidecarSet, without the empty
// structs kruise-api's and core's types serialise when unset and no user writes
// (injectionStrategy, and per container shareVolumePolicy, upgradeStrategy and resources):
// Kruise's defaulting fills them in. translate and migrate write what they propose with it.
func Manifest(obj any) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	if spec, ok := m["spec"].(map[string]any); ok && m["kind"] == "SidecarSet" {
		dropEmpty(spec, "injectionStrategy")
		for _, list := range []string{"initContainers", "containers"} {
			items, _ := spec[list].([]any)
			for _, it := range items {
				if c, ok := it.(map[string]any); ok {
					dropEmpty(c, "shareVolumePolicy", "upgradeStrategy", "resources")
				}
			}
		}
	}
	return &unstructured.Unstructured{Object: m}, nil
}

func dropEmpty(obj map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := obj[k].(map[string]any); ok && len(v) == 0 {
			delete(obj, k)
		}
	}
}
