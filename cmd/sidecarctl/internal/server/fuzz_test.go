package server

// The harness of the fuzz targets (fuzz_pod_test.go, fuzz_sidecarset_test.go): raw
// AdmissionReview bytes go through controller-runtime's webhook HTTP entry, as the server's
// webhook.Admission serves them, and the response is checked against the engine.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// fuzzState is one cluster state a fuzz input is admitted against: a conformance case's, a
// fuzz example's or a pipeline scenario's, admitted as its tests admit it.
type fuzzState struct {
	name    string
	view    *View
	version sidecarset.Version
	// seeds are the objects the state comes with (the case's or scenario's pod, SidecarSets,
	// bindings), as JSON, with the namespace and operation to admit them with.
	seeds []fuzzSeed
}

type fuzzSeed struct {
	kind      string // "pod", "sidecarset", "binding"
	namespace string
	operation admissionv1.Operation
	object    []byte
}

// fuzzStates builds every state of the conformance corpus, its fuzz examples and the pipeline
// scenarios, in a stable order (cases, examples, scenarios, each sorted by name, then the cases
// in older Kruise releases): a fuzz input
// names its state by index, so a kept crasher replays against the same state as long as no
// state is added before it. States the pipeline refuses to admit (cases whose SidecarSet
// Kruise refuses) are left out.
func fuzzStates(tb testing.TB) []*fuzzState {
	tb.Helper()
	cases, err := sidecarsettest.Cases()
	if err != nil {
		tb.Fatal(err)
	}
	// The fuzz examples (cases where sidecarctl once decided differently from Kruise) run in
	// their Kruise release; not with --kruise-exact, which serve does not offer (the webhook
	// keeps the fields Kruise would lose).
	examples, err := sidecarsettest.FuzzExamples()
	if err != nil {
		tb.Fatal(err)
	}
	var out []*fuzzState
	for _, c := range append(cases, examples...) {
		version := sidecarset.KruiseV18
		if c.Kruise != "" {
			if version, err = sidecarset.ParseVersion(c.Kruise); err != nil {
				tb.Fatal(err)
			}
		}
		if fs := caseState(tb, c, version, c.Name); fs != nil {
			out = append(out, fs)
		}
	}
	scenarios, err := pipelinetest.Scenarios()
	if err != nil {
		tb.Fatal(err)
	}
	for _, sc := range scenarios {
		opts, err := sc.Options()
		if err != nil {
			tb.Fatal(err)
		}
		st, err := sc.Admit()
		if err != nil {
			tb.Fatalf("scenario %s: %v", sc.Name, err)
		}
		fs := &fuzzState{name: "scenario/" + sc.Name, view: &View{State: st}, version: opts.Engine.Version}
		fs.addSeed(tb, "pod", sc.Pod.Namespace, admissionv1.Create, sc.Pod)
		for _, obj := range sc.State {
			switch obj["kind"] {
			case "SidecarSet":
				fs.addSeed(tb, "sidecarset", "", admissionv1.Create, obj)
			case "SidecarSetResourceBinding":
				ns, _ := obj["metadata"].(map[string]any)["namespace"].(string)
				fs.addSeed(tb, "binding", ns, admissionv1.Create, obj)
			}
		}
		out = append(out, fs)
	}
	// Then every case again in Kruise v1.3 (virtual nodes) and v1.7.0, whose injection and
	// defaulting differ from v1.8's.
	for _, v := range []sidecarset.Version{sidecarset.KruiseV13, sidecarset.KruiseV170} {
		for _, c := range cases {
			if fs := caseState(tb, c, v, c.Name+"@"+string(v)); fs != nil {
				out = append(out, fs)
			}
		}
	}
	if len(out) == 0 || len(out) > 256 {
		tb.Fatalf("%d fuzz states: a uint8 must name each", len(out))
	}
	return out
}

// caseState is the state of a corpus case admitted in Kruise version v, with the case's pod
// and SidecarSets as seeds; nil when the pipeline refuses the case's SidecarSets.
func caseState(tb testing.TB, c *sidecarsettest.Case, v sidecarset.Version, name string) *fuzzState {
	tb.Helper()
	opts := pipelinetest.Options(c)
	opts.Engine.Version = v
	st, err := pipeline.Admit(pipelinetest.Input(c), opts)
	if err != nil {
		return nil
	}
	fs := &fuzzState{name: name, view: &View{State: st}, version: v}
	op := admissionv1.Create
	if pipelinetest.Operation(c) == sidecarset.Update {
		op = admissionv1.Update
	}
	ns := c.Pod.Namespace
	if ns == "" {
		ns = "default"
	}
	fs.addSeed(tb, "pod", ns, op, c.Pod)
	for i := range c.SidecarSets {
		fs.addSeed(tb, "sidecarset", "", admissionv1.Create, &c.SidecarSets[i])
	}
	return fs
}

func (fs *fuzzState) addSeed(tb testing.TB, kind, ns string, op admissionv1.Operation, obj any) {
	tb.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		tb.Fatal(err)
	}
	fs.seeds = append(fs.seeds, fuzzSeed{kind: kind, namespace: ns, operation: op, object: raw})
}

// reviewFor is the AdmissionReview the API server sends for obj.
func reviewFor(tb testing.TB, apiVersion string, req admissionv1.AdmissionRequest) []byte {
	tb.Helper()
	b, err := json.Marshal(map[string]any{"apiVersion": apiVersion, "kind": "AdmissionReview", "request": req})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// recorder passes requests to the handler under test and keeps the last one: the request as
// controller-runtime decoded it from the review, which the patch is applied to.
type recorder struct {
	handler admission.Handler
	last    *admission.Request
}

func (r *recorder) Handle(ctx context.Context, req admission.Request) admission.Response {
	r.last = &req
	return r.handler.Handle(ctx, req)
}

// serveReview posts body to h through controller-runtime's webhook HTTP entry, with panics not
// recovered (a panic fails the fuzz target), and returns the request the handler saw (nil
// when the review did not decode) and the response.
func serveReview(t *testing.T, h admission.Handler, body []byte) (*admission.Request, *admissionv1.AdmissionResponse) {
	t.Helper()
	rec := &recorder{handler: h}
	wh := (&admission.Webhook{Handler: rec,
		LogConstructor: func(logr.Logger, *admission.Request) logr.Logger { return logr.Discard() }}).WithRecoverPanic(false)
	hr := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	wh.ServeHTTP(w, hr)
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Response == nil {
		t.Fatalf("response is no AdmissionReview (%v): %s", err, w.Body.String())
	}
	resp := out.Response
	if rec.last != nil && resp.UID != rec.last.UID {
		t.Errorf("response UID %q, request UID %q", resp.UID, rec.last.UID)
	}
	if resp.Allowed {
		if resp.Result != nil && resp.Result.Code != 0 && resp.Result.Code != http.StatusOK {
			t.Errorf("allowed with status %d", resp.Result.Code)
		}
		if len(resp.Patch) > 0 && (resp.PatchType == nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch) {
			t.Errorf("a patch of type %v", resp.PatchType)
		}
	} else {
		if resp.Result == nil || resp.Result.Code < 400 || resp.Result.Message == "" {
			t.Errorf("a denial without a status: %+v", resp.Result)
		}
		if len(resp.Patch) > 0 {
			t.Errorf("a denial with a patch: %s", resp.Patch)
		}
	}
	return rec.last, resp
}

// patchOp is one JSON patch operation as a webhook returns it.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
}

// applyOwned applies patch to raw one operation at a time, as the API server applies it, and
// fails t on an operation that does not apply or that removes a field the engine does not
// own: one the request's Go types do not know (absent from known, the request decoded and
// encoded again) or one the engine kept (present in engine, the engine's object encoded).
// Lists of named items are matched by name, so an index shifted by an insertion still finds
// its item.
func applyOwned(t *testing.T, raw, patch []byte, known, engine any) []byte {
	t.Helper()
	var ops []patchOp
	if err := json.Unmarshal(patch, &ops); err != nil {
		t.Fatalf("patch is not a JSON patch: %v: %s", err, patch)
	}
	doc := raw
	for _, op := range ops {
		if op.Op != "add" && op.Op != "replace" && op.Op != "remove" {
			t.Fatalf("patch operation %q at %s: the webhooks only add, replace and remove", op.Op, op.Path)
		}
		if op.Op == "remove" {
			var tree any
			if err := json.Unmarshal(doc, &tree); err != nil {
				t.Fatal(err)
			}
			id, ok := identify(tree, op.Path)
			if !ok {
				t.Fatalf("remove %s: no such field", op.Path)
			}
			if _, isKnown := lookup(known, id); !isKnown {
				t.Errorf("remove %s: a field the Go types do not know (%v)", op.Path, id)
			}
			if _, kept := lookup(engine, id); kept {
				t.Errorf("remove %s: a field the engine keeps (%v)", op.Path, id)
			}
		}
		one, err := json.Marshal([]patchOp{op})
		if err != nil {
			t.Fatal(err)
		}
		p, err := jsonpatch.DecodePatch(one)
		if err != nil {
			t.Fatalf("patch %s: %v", one, err)
		}
		if doc, err = p.Apply(doc); err != nil {
			t.Fatalf("patch %s does not apply: %v\nto %s", one, err, raw)
		}
	}
	return doc
}

// identify turns a JSON pointer into tree into an identity path: map keys as they are, list
// items as itemID names them.
func identify(tree any, pointer string) ([]string, bool) {
	if pointer == "" {
		return nil, true
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil, false
	}
	var id []string
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := tree.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				return nil, false
			}
			id, tree = append(id, tok), next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			id, tree = append(id, itemID(v, i)), v[i]
		default:
			return nil, false
		}
	}
	return id, true
}

// itemID identifies list[i]: "name=" its name and "#" how many items before it have that
// name (env and volume mounts may repeat one), or "#" its index when it has no name.
func itemID(list []any, i int) string {
	name := func(v any) (string, bool) {
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		n, ok := m["name"].(string)
		return n, ok
	}
	n, ok := name(list[i])
	if !ok {
		return "#" + strconv.Itoa(i)
	}
	seen := 0
	for _, prev := range list[:i] {
		if p, ok := name(prev); ok && p == n {
			seen++
		}
	}
	return "name=" + n + "#" + strconv.Itoa(seen)
}

// lookup resolves an identity path in tree.
func lookup(tree any, id []string) (any, bool) {
	for _, tok := range id {
		switch v := tree.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				return nil, false
			}
			tree = next
		case []any:
			found := false
			for i, item := range v {
				if itemID(v, i) == tok {
					tree, found = item, true
					break
				}
			}
			if !found {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return tree, true
}

// assertUnknownKept fails t unless every field of raw the Go types do not know (absent from
// known) and the engine does not set (absent from engine) is in patched with its value, at the
// same identity path, as long as the object holding it is still in the engine's result.
func assertUnknownKept(t *testing.T, raw, known, engine, patched any) {
	t.Helper()
	var walk func(id []string, r, k any)
	walk = func(id []string, r, k any) {
		switch rv := r.(type) {
		case map[string]any:
			km, _ := k.(map[string]any)
			for key, val := range rv {
				at := append(id[:len(id):len(id)], key)
				if kv, isKnown := km[key]; isKnown {
					walk(at, val, kv)
					continue
				}
				if _, set := lookup(engine, at); set {
					continue
				}
				if _, holder := lookup(engine, id); !holder {
					continue
				}
				if got, ok := lookup(patched, at); !ok || !reflect.DeepEqual(got, val) {
					t.Errorf("field %s the engine does not own: %s, want it kept: %s", strings.Join(at, "/"), show(got, ok), show(val, true))
				}
			}
		case []any:
			kl, _ := k.([]any)
			if len(kl) != len(rv) {
				return
			}
			for i, item := range rv {
				walk(append(id[:len(id):len(id)], itemID(rv, i)), item, kl[i])
			}
		}
	}
	walk(nil, raw, known)
}

func show(v any, ok bool) string {
	if !ok {
		return "absent"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// assertSameJSON fails t unless got and want encode to the same JSON tree.
func assertSameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := jsonTree(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := jsonTree(want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: the patched request differs from the engine's (-engine +patched):\n%s", what, cmp.Diff(w, g))
	}
}

// rawTree decodes JSON that is known to decode.
func rawTree(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return v
}

// mustTree is jsonTree for values that encode.
func mustTree(t *testing.T, v any) any {
	t.Helper()
	tree, err := jsonTree(v)
	if err != nil {
		t.Fatalf("fuzz harness: %v", err)
	}
	return tree
}
