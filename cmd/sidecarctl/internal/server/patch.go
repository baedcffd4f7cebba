package server

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// PatchResponse answers with the JSON patch that turns original into current. Unlike a
// generic diff it treats lists of named objects (containers, volumes, env, mounts) as keyed:
// an injected container is one "add" at its index, and the containers it shifts are not
// rewritten field by field, which keeps the patch about as large as what was injected.
func PatchResponse(original, current []byte) admission.Response {
	var a, b any
	if err := json.Unmarshal(original, &a); err != nil {
		return admission.Errored(500, err)
	}
	if err := json.Unmarshal(current, &b); err != nil {
		return admission.Errored(500, err)
	}
	ops := diff(nil, "", a, b)
	resp := admission.Allowed("")
	if len(ops) > 0 {
		pt := admissionv1.PatchTypeJSONPatch
		resp.Patches = ops
		resp.PatchType = &pt
	}
	return resp
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func diff(ops []jsonpatch.Operation, path string, a, b any) []jsonpatch.Operation {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		for _, k := range sortedKeys(av) {
			if _, keep := bv[k]; !keep {
				ops = append(ops, jsonpatch.NewOperation("remove", path+"/"+escape(k), nil))
			}
		}
		for _, k := range sortedKeys(bv) {
			if old, had := av[k]; had {
				ops = diff(ops, path+"/"+escape(k), old, bv[k])
			} else {
				ops = append(ops, jsonpatch.NewOperation("add", path+"/"+escape(k), bv[k]))
			}
		}
		return ops
	case []any:
		bv, ok := b.([]any)
		if !ok {
			break
		}
		if keyed, ok := diffNamedList(path, av, bv); ok {
			return append(ops, keyed...)
		}
	}
	if reflect.DeepEqual(a, b) {
		return ops
	}
	return append(ops, jsonpatch.NewOperation("replace", path, b))
}

// diffNamedList handles a list whose items all have a "name" when the new list is the old one
// with items inserted or changed in place (the only edits injection makes); otherwise it
// reports false and the caller replaces the list.
func diffNamedList(path string, a, b []any) ([]jsonpatch.Operation, bool) {
	nameOf := func(v any) (string, bool) {
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		n, ok := m["name"].(string)
		return n, ok
	}
	remaining := map[string]int{}
	for _, v := range a {
		n, ok := nameOf(v)
		if !ok {
			return nil, false
		}
		remaining[n]++
	}
	var ops []jsonpatch.Operation
	i := 0
	for j, v := range b {
		n, ok := nameOf(v)
		if !ok {
			return nil, false
		}
		p := path + "/" + strconv.Itoa(j)
		if i < len(a) {
			if an, _ := nameOf(a[i]); an == n {
				ops = diff(ops, p, a[i], v)
				remaining[n]--
				i++
				continue
			}
		}
		if remaining[n] > 0 {
			return nil, false // reordered: not an insertion
		}
		ops = append(ops, jsonpatch.NewOperation("add", p, v))
	}
	if i != len(a) {
		return nil, false // removals: let the caller replace the list
	}
	return ops, true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
