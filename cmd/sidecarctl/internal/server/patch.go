package server

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"net/http"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// losslessResponse is the patch builder of every webhook that answers with an edited object
// (the pod webhook's general path, the SidecarSet defaulter): it merges after into the raw
// request with workload.MergeLossless, so every field the engine does not own, known to its
// types or not, keeps its raw value, and answers with the JSON patch from the request to that
// merge. before is the request decoded into after's type, as the handler has it already; raw
// is decoded once, here.
func losslessResponse(raw []byte, before, after any) admission.Response {
	var rawTree any
	if err := json.Unmarshal(raw, &rawTree); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	beforeTree, err := jsonTree(before)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	afterTree, err := jsonTree(after)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	// The diff treats lists of named objects (containers, volumes, env, mounts) as keyed: an
	// injected container is one "add" at its index, and the containers it shifts are not
	// rewritten field by field, which keeps the patch about as large as what was injected.
	ops := diff(nil, "", rawTree, workload.MergeLossless(rawTree, beforeTree, afterTree))
	resp := admission.Allowed("")
	if len(ops) > 0 {
		pt := admissionv1.PatchTypeJSONPatch
		resp.Patches = ops
		resp.PatchType = &pt
	}
	return resp
}

// jsonTree is v as decoded JSON (maps, slices, float64 ...), the form MergeLossless compares.
func jsonTree(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var tree any
	return tree, json.Unmarshal(b, &tree)
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

// insertOnlyPatch returns the JSON patch from before to after when after is before with list
// items inserted (containers, init containers, volumes, image pull secrets), annotation or
// label keys set, or the namespace set, and nothing else changed; ok is false otherwise.
//
// trusted says after came from the engine alone with nothing replaced in place
// (sidecarset.Result.Replaced empty, no app patch, no reference rewrite): then the engine's
// contract guarantees everything else is unchanged, and only list names are compared, which
// saves the reflective comparisons of every untouched container.
func insertOnlyPatch(before, after *corev1.Pod, trusted bool) (ops []jsonpatch.Operation, ok bool) {
	if before.TypeMeta != after.TypeMeta {
		return nil, false
	}
	// The ops go below /metadata and /spec: a request whose metadata or spec decodes to
	// nothing may lack the key, and an add below it would not apply.
	if reflect.DeepEqual(before.ObjectMeta, metav1.ObjectMeta{}) || reflect.DeepEqual(before.Spec, corev1.PodSpec{}) {
		return nil, false
	}
	if !trusted {
		bm, am := before.ObjectMeta, after.ObjectMeta
		bm.Annotations, am.Annotations, bm.Labels, am.Labels, bm.Namespace, am.Namespace = nil, nil, nil, nil, "", ""
		bs, as := before.Spec, after.Spec
		bs.Containers, as.Containers, bs.InitContainers, as.InitContainers = nil, nil, nil, nil
		bs.Volumes, as.Volumes, bs.ImagePullSecrets, as.ImagePullSecrets = nil, nil, nil, nil
		if !equality.Semantic.DeepEqual(bm, am) || !equality.Semantic.DeepEqual(bs, as) ||
			!equality.Semantic.DeepEqual(before.Status, after.Status) {
			return nil, false
		}
	}
	if before.Namespace != after.Namespace {
		ops = append(ops, jsonpatch.NewOperation("add", "/metadata/namespace", after.Namespace))
	}
	for _, m := range []struct {
		path          string
		before, after map[string]string
	}{{"/metadata/labels", before.Labels, after.Labels}, {"/metadata/annotations", before.Annotations, after.Annotations}} {
		if ops, ok = mapOps(ops, m.path, m.before, m.after); !ok {
			return nil, false
		}
	}
	containerName := func(c *corev1.Container) string { return c.Name }
	if ops, ok = insertOps(ops, "/spec/initContainers", before.Spec.InitContainers, after.Spec.InitContainers, containerName, trusted); !ok {
		return nil, false
	}
	if ops, ok = insertOps(ops, "/spec/containers", before.Spec.Containers, after.Spec.Containers, containerName, trusted); !ok {
		return nil, false
	}
	if ops, ok = insertOps(ops, "/spec/volumes", before.Spec.Volumes, after.Spec.Volumes, func(v *corev1.Volume) string { return v.Name }, trusted); !ok {
		return nil, false
	}
	return insertOps(ops, "/spec/imagePullSecrets", before.Spec.ImagePullSecrets, after.Spec.ImagePullSecrets,
		func(s *corev1.LocalObjectReference) string { return s.Name }, trusted)
}

func mapOps(ops []jsonpatch.Operation, path string, before, after map[string]string) ([]jsonpatch.Operation, bool) {
	for k := range before {
		if _, kept := after[k]; !kept {
			return nil, false
		}
	}
	if len(before) == 0 {
		if len(after) > 0 {
			ops = append(ops, jsonpatch.NewOperation("add", path, after))
		}
		return ops, true
	}
	keys := make([]string, 0, len(after))
	for k, v := range after {
		if old, had := before[k]; !had || old != v {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		ops = append(ops, jsonpatch.NewOperation("add", path+"/"+escape(k), after[k]))
	}
	return ops, true
}

// insertOps emits one add per inserted item, at its final index, so that applying the ops in
// order yields after; items present in both lists must be equal and in the same order.
func insertOps[T any](ops []jsonpatch.Operation, path string, before, after []T, name func(*T) string, trusted bool) ([]jsonpatch.Operation, bool) {
	if len(before) == 0 {
		if len(after) > 0 {
			ops = append(ops, jsonpatch.NewOperation("add", path, after))
		}
		return ops, true
	}
	i := 0
	for j := range after {
		if i < len(before) && name(&before[i]) == name(&after[j]) {
			if !trusted && !equality.Semantic.DeepEqual(before[i], after[j]) {
				return nil, false
			}
			i++
			continue
		}
		ops = append(ops, jsonpatch.NewOperation("add", path+"/"+strconv.Itoa(j), &after[j]))
	}
	return ops, i == len(before)
}
