package server

import (
	"encoding/json"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "sigs.k8s.io/json"

	"github.com/sidecarctl/sidecarctl/binding"
	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

var (
	sidecarSetResource = metav1.GroupVersionResource{Group: "apps.kruise.io", Version: "v1alpha1", Resource: "sidecarsets"}
	bindingResource    = metav1.GroupVersionResource{Group: bindingv1alpha1.GroupVersion.Group,
		Version: bindingv1alpha1.GroupVersion.Version, Resource: "sidecarsetresourcebindings"}
)

// FuzzSidecarSetAdmission sends raw AdmissionReview bytes to the SidecarSet webhooks as the
// API server calls them in standalone mode: the defaulting webhook, then the validating
// webhook with the defaulted object, against one of the corpus's states (state, by index;
// the defaulter runs at the state's Kruise version). No panic; a well-formed denial or an
// allowance; the defaulter's patch applies, gives sidecarset.Mutate's SidecarSet, keeps every
// field it does not own and removes none of them, and defaulting the result again patches
// nothing; the validator never patches and allows exactly what the pipeline's validation
// allows.
func FuzzSidecarSetAdmission(f *testing.F) {
	states := fuzzStates(f)
	for i, st := range states {
		for _, s := range st.seeds {
			if s.kind == "sidecarset" {
				for _, v := range objectSeedVariants(f, s, sidecarSetResource, "SidecarSet", i%8 == 0) {
					f.Add(uint8(i), v)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, state uint8, body []byte) {
		checkSidecarSetAdmission(t, states[int(state)%len(states)], body)
	})
}

// FuzzSidecarSetObject is FuzzSidecarSetAdmission with the fuzzer's mutations aimed at the
// SidecarSet: it mutates the object's JSON (and, for an UPDATE, the old object's), and the
// target wraps them in the AdmissionReview the API server would send.
func FuzzSidecarSetObject(f *testing.F) {
	states := fuzzStates(f)
	for i, st := range states {
		for _, s := range st.seeds {
			if s.kind == "sidecarset" {
				f.Add(uint8(i), s.object, []byte(nil))
				f.Add(uint8(i), withUnknownFields(f, s.object), s.object)
			}
		}
	}
	f.Fuzz(func(t *testing.T, state uint8, obj, old []byte) {
		if !json.Valid(obj) || (len(old) > 0 && !json.Valid(old)) {
			return // no AdmissionReview carries them: FuzzSidecarSetAdmission covers bytes that do not parse
		}
		op := admissionv1.Create
		if len(old) > 0 {
			op = admissionv1.Update
		} else {
			old = nil // no old object: the review carries none (an empty non-nil one is no JSON)
		}
		body := reviewFor(t, "admission.k8s.io/v1", admissionv1.AdmissionRequest{UID: "fuzz", Operation: op,
			Resource: sidecarSetResource, Object: runtime.RawExtension{Raw: obj}, OldObject: runtime.RawExtension{Raw: old}})
		checkSidecarSetAdmission(t, states[int(state)%len(states)], body)
	})
}

// FuzzBindingAdmission sends raw AdmissionReview bytes to the SidecarSetResourceBinding
// validating webhook: no panic, a well-formed denial or an allowance, never a patch, and
// allowed exactly when binding.ValidateBinding finds nothing. Its seeds are the scenarios'
// bindings and the minimal bindings the pipeline generates for every state's references.
func FuzzBindingAdmission(f *testing.F) {
	for _, st := range fuzzStates(f) {
		seeds := st.seeds
		_, minimal := st.view.State.Check()
		for _, b := range minimal {
			raw, err := json.Marshal(b)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, fuzzSeed{kind: "binding", namespace: b.Namespace, operation: admissionv1.Create, object: raw})
		}
		for _, s := range seeds {
			if s.kind == "binding" {
				for _, v := range objectSeedVariants(f, s, bindingResource, bindingv1alpha1.Kind, true) {
					f.Add(v)
				}
			}
		}
	}
	f.Fuzz(checkBindingAdmission)
}

// objectSeedVariants are the reviews of a seed object: as the API server sends it and with
// fields unknown to the Go types at every level; with all, also in a v1beta1 review, as an
// UPDATE of itself and without a namespace.
func objectSeedVariants(tb testing.TB, s fuzzSeed, res metav1.GroupVersionResource, kind string, all bool) [][]byte {
	req := func(op admissionv1.Operation, ns string, obj, old []byte) admissionv1.AdmissionRequest {
		return admissionv1.AdmissionRequest{UID: "fuzz", Operation: op, Resource: res, Namespace: ns,
			Kind:   metav1.GroupVersionKind{Group: res.Group, Version: res.Version, Kind: kind},
			Object: runtime.RawExtension{Raw: obj}, OldObject: runtime.RawExtension{Raw: old}}
	}
	out := [][]byte{
		reviewFor(tb, "admission.k8s.io/v1", req(s.operation, s.namespace, s.object, nil)),
		reviewFor(tb, "admission.k8s.io/v1", req(s.operation, s.namespace, withUnknownFields(tb, s.object), nil)),
	}
	if !all {
		return out
	}
	return append(out,
		reviewFor(tb, "admission.k8s.io/v1beta1", req(s.operation, s.namespace, s.object, nil)),
		reviewFor(tb, "admission.k8s.io/v1", req(admissionv1.Update, s.namespace, s.object, s.object)),
		reviewFor(tb, "admission.k8s.io/v1", req(s.operation, "", s.object, nil)),
	)
}

func checkSidecarSetAdmission(t *testing.T, st *fuzzState, body []byte) {
	def := &SidecarSetDefaulter{Version: st.version}
	req, resp := serveReview(t, def, body)
	if req == nil {
		if resp.Allowed {
			t.Fatal("a review that does not decode was allowed")
		}
		return
	}
	raw := req.Object.Raw
	before, fields, err := decodeSidecarSet(raw)
	if err != nil {
		if resp.Allowed {
			t.Fatalf("a SidecarSet that does not decode (%v) was allowed", err)
		}
		return
	}
	after := before.DeepCopy()
	if err := sidecarset.MutateWithFields(after, fields, st.version); err != nil {
		if resp.Allowed {
			t.Fatalf("allowed a SidecarSet defaulting refuses: %v", err)
		}
		return
	}
	if !resp.Allowed {
		t.Fatalf("denied a SidecarSet defaulting accepts: %+v", resp.Result)
	}
	known, engine := mustTree(t, before), mustTree(t, after)
	patched := raw
	if len(resp.Patch) > 0 {
		patched = applyOwned(t, raw, resp.Patch, known, engine)
	}
	got := &appsv1alpha1.SidecarSet{}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(patched, got); err != nil {
		t.Fatalf("the patched SidecarSet does not decode: %v", err)
	}
	assertSameJSON(t, "sidecarset", got, after)
	assertUnknownKept(t, rawTree(t, raw), known, engine, rawTree(t, patched))

	again := req.AdmissionRequest
	again.Object = runtime.RawExtension{Raw: patched}
	_, resp2 := serveReview(t, def, reviewFor(t, "admission.k8s.io/v1", again))
	if !resp2.Allowed || len(resp2.Patch) > 0 {
		t.Errorf("defaulting the defaulted SidecarSet is no no-op: allowed=%v patch=%s result=%+v", resp2.Allowed, resp2.Patch, resp2.Result)
	}

	// The validating webhook sees the object the mutating webhooks produced.
	val := &SidecarSetValidator{Snapshot: NewStaticSnapshot(st.view)}
	_, vresp := serveReview(t, val, reviewFor(t, "admission.k8s.io/v1", again))
	if len(vresp.Patch) > 0 {
		t.Fatalf("the validating webhook patched: %s", vresp.Patch)
	}
	var old *appsv1alpha1.SidecarSet
	if len(req.OldObject.Raw) > 0 {
		if old, _, err = decodeSidecarSet(req.OldObject.Raw); err != nil {
			if vresp.Allowed {
				t.Fatalf("an old SidecarSet that does not decode (%v) was allowed", err)
			}
			return
		}
	}
	errs, _ := st.view.State.ValidateSidecarSet(got, old, fields)
	if vresp.Allowed != (len(errs) == 0) {
		t.Fatalf("validating webhook allowed=%v, the pipeline's validation: %v", vresp.Allowed, errs)
	}
}

func checkBindingAdmission(t *testing.T, body []byte) {
	req, resp := serveReview(t, &BindingValidator{}, body)
	if len(resp.Patch) > 0 {
		t.Fatalf("the binding webhook patched: %s", resp.Patch)
	}
	if req == nil {
		if resp.Allowed {
			t.Fatal("a review that does not decode was allowed")
		}
		return
	}
	b := &bindingv1alpha1.SidecarSetResourceBinding{}
	if err := decodeObject(req.Object.Raw, b); err != nil {
		if resp.Allowed {
			t.Fatalf("a binding that does not decode (%v) was allowed", err)
		}
		return
	}
	if b.Namespace == "" {
		b.Namespace = req.Namespace
	}
	errs := binding.ValidateBinding(b)
	if resp.Allowed != (len(errs) == 0) {
		t.Fatalf("binding webhook allowed=%v, binding.ValidateBinding: %v", resp.Allowed, errs)
	}
}
