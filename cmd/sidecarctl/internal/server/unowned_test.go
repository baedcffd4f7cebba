package server

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// unknownField is the key withUnknownFields adds: no Go type of a pod, a SidecarSet or a
// binding knows it.
const unknownField = "x-sidecarctl-unknown"

// withUnknownFields returns the JSON object raw with a field no Go type knows at every level
// a webhook may touch: the object, metadata, spec, every container and init container (and
// their env, volume mounts and ports), every volume and its source, the SidecarSet's selector
// and patchPodMetadata, a binding's subjects and resource refs.
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
	each(spec["subjects"], mark)
	each(spec["resourceRefs"], mark)
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

// unknownAt maps the identity path (see identify) of every unknownField in tree to its value.
func unknownAt(tree any) map[string]any {
	out := map[string]any{}
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				if k == unknownField {
					out[at+"/"+k] = child
					continue
				}
				walk(at+"/"+k, child)
			}
		case []any:
			for i, item := range x {
				walk(at+"/"+itemID(x, i), item)
			}
		}
	}
	walk("", tree)
	return out
}

// TestNoWebhookRemovesUnownedFields (issue 9 §3): for every webhook, a request carrying fields
// the Go types do not know at the object, metadata, spec, container (and its env, mounts,
// ports, resources), volume and SidecarSet spec levels gets a patch without a single remove
// and leaves each of those fields where it was, with its value; the mutating webhooks do patch
// these requests, so the patch is not trivially empty.
func TestNoWebhookRemovesUnownedFields(t *testing.T) {
	byName := map[string]*fuzzState{}
	for _, st := range fuzzStates(t) {
		byName[st.name] = st
	}
	type row struct {
		webhook, state, kind string
		handler              func(*fuzzState) admission.Handler
		res                  metav1.GroupVersionResource
		// minUnknown is how many levels the request must carry an unknown field at.
		minUnknown int
		wantPatch  bool
	}
	pod := func(st *fuzzState) admission.Handler { return &PodHandler{Snapshot: NewStaticSnapshot(st.view)} }
	defaulter := func(st *fuzzState) admission.Handler { return &SidecarSetDefaulter{Version: st.version} }
	defaulterV13 := func(*fuzzState) admission.Handler { return &SidecarSetDefaulter{Version: sidecarset.KruiseV13} }
	validator := func(st *fuzzState) admission.Handler {
		return &SidecarSetValidator{Snapshot: NewStaticSnapshot(st.view)}
	}
	bindings := func(*fuzzState) admission.Handler { return &BindingValidator{} }
	var rows []row
	for _, st := range []string{"001-selector-match", "032-native-sidecar-init-container", "040-volumes-injected",
		"060-transfer-env-source-container-name", "080-patch-metadata-retain", "110-hot-upgrade",
		"scenario/app-patch", "scenario/mirror-rewrite", "scenario/profiles", "scenario/stored-v13-native-sidecar-kept"} {
		rows = append(rows, row{webhook: "pod", state: st, kind: "pod", handler: pod, res: podResource, minUnknown: 4, wantPatch: true})
	}
	for _, st := range []string{"040-volumes-injected", "080-patch-metadata-retain", "110-hot-upgrade", "scenario/mirror-rewrite"} {
		rows = append(rows,
			row{webhook: "mutate-sidecarset", state: st, kind: "sidecarset", handler: defaulter, res: sidecarSetResource, minUnknown: 5, wantPatch: true},
			row{webhook: "mutate-sidecarset-v1.3", state: st, kind: "sidecarset", handler: defaulterV13, res: sidecarSetResource, minUnknown: 5, wantPatch: true},
			row{webhook: "validate-sidecarset", state: st, kind: "sidecarset", handler: validator, res: sidecarSetResource, minUnknown: 5})
	}
	rows = append(rows, row{webhook: "validate-binding", state: "scenario/mirror-rewrite", kind: "binding", handler: bindings,
		res: bindingResource, minUnknown: 4})
	for _, r := range rows {
		t.Run(r.webhook+"/"+r.state, func(t *testing.T) {
			st := byName[r.state]
			if st == nil {
				t.Fatalf("no state %s", r.state)
			}
			var seed *fuzzSeed
			for i := range st.seeds {
				if st.seeds[i].kind == r.kind {
					seed = &st.seeds[i]
					break
				}
			}
			if seed == nil {
				t.Fatalf("state %s has no %s", r.state, r.kind)
			}
			raw := withUnknownFields(t, seed.object)
			if r.webhook == "validate-sidecarset" {
				// The API server validates what the mutating webhooks made of the request.
				_, resp := serveReview(t, defaulter(st), reviewFor(t, "admission.k8s.io/v1", admissionv1.AdmissionRequest{UID: "0",
					Operation: admissionv1.Create, Resource: r.res, Object: runtime.RawExtension{Raw: raw}}))
				raw = applyResponse(t, raw, admission.Response{Patches: decodeOps(t, resp.Patch)})
			}
			want := unknownAt(rawTree(t, raw))
			if len(want) < r.minUnknown {
				t.Fatalf("the request carries unknown fields at %d levels, want %d: %s", len(want), r.minUnknown, raw)
			}
			_, resp := serveReview(t, r.handler(st), reviewFor(t, "admission.k8s.io/v1", admissionv1.AdmissionRequest{UID: "1",
				Operation: admissionv1.Create, Resource: r.res, Namespace: seed.namespace, Object: runtime.RawExtension{Raw: raw}}))
			if !resp.Allowed {
				t.Fatalf("denied: %+v", resp.Result)
			}
			if r.wantPatch != (len(resp.Patch) > 0) {
				t.Fatalf("patch %s, want one: %v", resp.Patch, r.wantPatch)
			}
			var ops []patchOp
			if len(resp.Patch) > 0 {
				if err := json.Unmarshal(resp.Patch, &ops); err != nil {
					t.Fatal(err)
				}
			}
			for _, op := range ops {
				if op.Op == "remove" || strings.Contains(op.Path, unknownField) {
					t.Errorf("%s %s: a field the webhook does not own", op.Op, op.Path)
				}
			}
			patched := raw
			if len(ops) > 0 {
				patched = applyResponse(t, raw, admission.Response{Patches: decodeOps(t, resp.Patch)})
			}
			got := unknownAt(rawTree(t, patched))
			for at, v := range want {
				if !reflect.DeepEqual(got[at], v) {
					t.Errorf("%s: %s after the patch, want %s", at, show(got[at], got[at] != nil), show(v, true))
				}
			}
		})
	}
}

func decodeOps(t *testing.T, patch []byte) []jsonpatch.JsonPatchOperation {
	t.Helper()
	var ops []jsonpatch.JsonPatchOperation
	if len(patch) == 0 {
		return nil
	}
	if err := json.Unmarshal(patch, &ops); err != nil {
		t.Fatal(err)
	}
	return ops
}
