package server

import (
	"encoding/json"
	kjson "sigs.k8s.io/json"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

var podResource = metav1.GroupVersionResource{Version: "v1", Resource: "pods"}

// FuzzPodAdmission sends raw AdmissionReview bytes to the pod mutating webhook against one of
// the corpus's states (state, by index). Whatever the bytes, the webhook must not panic and
// must answer with a well-formed denial or an allowance whose JSON patch applies to the
// request; the patched pod must be the pipeline's pod for the request's pod, every field the
// engine does not own must survive, no remove may touch one, and admitting the patched pod
// again (reinvocationPolicy IfNeeded) must patch nothing.
func FuzzPodAdmission(f *testing.F) {
	states := fuzzStates(f)
	for i, st := range states {
		for _, s := range st.seeds {
			if s.kind != "pod" {
				continue
			}
			for _, v := range podSeedVariants(f, s, i%8 == 0) {
				f.Add(uint8(i), v)
			}
		}
	}
	f.Fuzz(func(t *testing.T, state uint8, body []byte) {
		st := states[int(state)%len(states)]
		checkPodAdmission(t, st, body)
	})
}

// FuzzPodObject is FuzzPodAdmission with the fuzzer's mutations aimed at the pod: it
// mutates the pod's JSON, the namespace and the operation, and the target wraps them in the
// AdmissionReview the API server would send; the checks are FuzzPodAdmission's.
func FuzzPodObject(f *testing.F) {
	states := fuzzStates(f)
	for i, st := range states {
		for _, s := range st.seeds {
			if s.kind == "pod" {
				f.Add(uint8(i), s.operation == admissionv1.Update, s.namespace, s.object)
				f.Add(uint8(i), s.operation == admissionv1.Update, s.namespace, withUnknownFields(f, s.object))
			}
		}
	}
	f.Fuzz(func(t *testing.T, state uint8, update bool, namespace string, pod []byte) {
		if !json.Valid(pod) {
			return // no AdmissionReview carries it: FuzzPodAdmission covers bytes that do not parse
		}
		op := admissionv1.Create
		if update {
			op = admissionv1.Update
		}
		body := reviewFor(t, "admission.k8s.io/v1", admissionv1.AdmissionRequest{UID: "fuzz", Operation: op,
			Resource: podResource, Namespace: namespace, Object: runtime.RawExtension{Raw: pod}})
		checkPodAdmission(t, states[int(state)%len(states)], body)
	})
}

// podSeedVariants are the reviews of a seed pod: as the API server sends it and with fields
// unknown to the Go types at every level; with all, also in a v1beta1 review, as an UPDATE, a
// DELETE and a subresource, and without a namespace (every eighth state gets those: they
// take the same few paths whatever the state, and each seed lengthens the fuzzer's start).
func podSeedVariants(tb testing.TB, s fuzzSeed, all bool) [][]byte {
	req := func(op admissionv1.Operation, ns, sub string, obj []byte) admissionv1.AdmissionRequest {
		return admissionv1.AdmissionRequest{UID: "fuzz", Operation: op, Resource: podResource, SubResource: sub,
			Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}, Namespace: ns, Object: runtime.RawExtension{Raw: obj}}
	}
	unknown := withUnknownFields(tb, s.object)
	out := [][]byte{
		reviewFor(tb, "admission.k8s.io/v1", req(s.operation, s.namespace, "", s.object)),
		reviewFor(tb, "admission.k8s.io/v1", req(s.operation, s.namespace, "", unknown)),
	}
	if !all {
		return out
	}
	return append(out,
		reviewFor(tb, "admission.k8s.io/v1beta1", req(s.operation, s.namespace, "", s.object)),
		reviewFor(tb, "admission.k8s.io/v1", req(admissionv1.Update, s.namespace, "", s.object)),
		reviewFor(tb, "admission.k8s.io/v1", req(admissionv1.Delete, s.namespace, "", nil)),
		reviewFor(tb, "admission.k8s.io/v1", req(admissionv1.Create, s.namespace, "binding", s.object)),
		reviewFor(tb, "admission.k8s.io/v1", req(s.operation, "", "", s.object)),
	)
}

// checkPodAdmission is the fuzz target's body: body admitted against st, then checked.
func checkPodAdmission(t *testing.T, st *fuzzState, body []byte) {
	h := &PodHandler{Snapshot: NewStaticSnapshot(st.view)}
	req, resp := serveReview(t, h, body)
	if req == nil {
		if resp.Allowed {
			t.Fatal("a review that does not decode was allowed")
		}
		return
	}
	op := sidecarset.Operation(req.Operation)
	if req.Resource.Resource != "pods" || req.SubResource != "" || (op != sidecarset.Create && op != sidecarset.Update) {
		if !resp.Allowed || len(resp.Patch) > 0 {
			t.Fatalf("not a pod create or update, answered allowed=%v patch=%s", resp.Allowed, resp.Patch)
		}
		return
	}
	raw := req.Object.Raw
	pod := &corev1.Pod{}
	if err := decodeObject(raw, pod); err != nil {
		if resp.Allowed {
			t.Fatalf("a pod that does not decode (%v) was allowed", err)
		}
		return
	}
	res, err := st.view.State.InjectPod(pod.DeepCopy(), sidecarset.Request{Namespace: req.Namespace, Operation: op, MatchedOnly: true})
	if res == nil || res.Refusal != nil {
		if resp.Allowed {
			t.Fatalf("allowed a pod the pipeline refuses: %v", err)
		}
		return
	}
	if len(res.Unauthorized) > 0 {
		// The pipeline's decision: references a cluster must refuse (pipeline.PodResult).
		if resp.Allowed {
			t.Fatalf("allowed a pod whose references the pipeline says a cluster refuses: %v", res.Unauthorized)
		}
		return
	}
	if !resp.Allowed {
		t.Fatalf("denied a pod the pipeline admits: %+v", resp.Result)
	}
	if !res.Changed && len(resp.Patch) > 0 {
		t.Fatalf("patched a pod the pipeline leaves unchanged: %s", resp.Patch)
	}
	known := mustTree(t, pod)
	engine := mustTree(t, res.Pod)
	patched := raw
	if len(resp.Patch) > 0 {
		patched = applyOwned(t, raw, resp.Patch, known, engine)
	}
	got := &corev1.Pod{}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(patched, got); err != nil {
		t.Fatalf("the patched pod does not decode: %v", err)
	}
	assertSameJSON(t, "pod", got, res.Pod)
	assertUnknownKept(t, rawTree(t, raw), known, engine, rawTree(t, patched))

	again := req.AdmissionRequest
	again.Object = runtime.RawExtension{Raw: patched}
	_, resp2 := serveReview(t, h, reviewFor(t, "admission.k8s.io/v1", again))
	if !resp2.Allowed || len(resp2.Patch) > 0 {
		t.Errorf("the second admission is no no-op: allowed=%v patch=%s result=%+v", resp2.Allowed, resp2.Patch, resp2.Result)
	}
}
