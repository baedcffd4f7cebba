package server

import (
	"encoding/json"
	"testing"
)

// unknownField is the key withUnknownFields adds: no Go type of a pod, a SidecarSet or a
// binding knows it.
const unknownField = "x-sidecarctl-unknown"

// withUnknownFields returns the JSON object raw with a field no Go type knows at every level
// a webhook may touch: the object, metadata, spec, every container and init container (and
// their env, volume mounts and ports), every volume and its source, the SidecarSet's selector
// and patchPodMetadata, a binding's references.
func withUnknownFields(tb testing.TB, raw []byte) []byte {
	tb.Helper()
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		tb.Fatal(err)
	}
	n := 0
	mark := func(v any) {
		if m, ok := v.(map[string]any); ok {
			n++
			m[unknownField] = map[string]any{"level": n, "list": []any{"a", 1.5, nil}}
		}
	}
	each := func(v any, f func(any)) {
		if l, ok := v.([]any); ok {
			for _, item := range l {
				f(item)
			}
		}
	}
	mark(obj)
	if obj["metadata"] == nil {
		obj["metadata"] = map[string]any{}
	}
	mark(obj["metadata"])
	spec, _ := obj["spec"].(map[string]any)
	if spec == nil {
		b, err := json.Marshal(obj)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	mark(spec)
	mark(spec["selector"])
	mark(spec["securityContext"])
	each(spec["patchPodMetadata"], mark)
	each(spec["references"], mark)
	container := func(c any) {
		mark(c)
		m, _ := c.(map[string]any)
		for _, list := range []string{"env", "volumeMounts", "ports"} {
			each(m[list], mark)
		}
		mark(m["resources"])
	}
	for _, list := range []string{"containers", "initContainers"} {
		each(spec[list], container)
	}
	each(spec["volumes"], func(v any) {
		mark(v)
		for k, src := range v.(map[string]any) {
			if k != "name" && k != unknownField {
				mark(src)
			}
		}
	})
	b, err := json.Marshal(obj)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
