package server

// A measured proposal for PodHandler (pod.go, patch.go), kept in a test file so that it can be
// benchmarked next to the real handler without touching it. Profiling BenchmarkHandler at
// N=10 shows LosslessJSON (about 40% of the time: four extra JSON decodes and three encodes
// of the pod) and PatchResponse (about 18%: two more decodes) dominate, and at N=10,000 the
// per-SidecarSet Decisions of the full walk. The proposal:
//   - asks the engine for MatchedOnly decisions (label index, cost flat in N) and counts
//     res.Skipped into the decisions metric with Add(count);
//   - builds the patch from the typed pods when injection only inserted list items and set
//     metadata keys (insertOnlyPatch), which leaves every byte of the request it does not
//     insert untouched, unknown fields included; anything else (an app patch that edits the
//     main container, a sidecar replacing a container by name) falls back to the lossless
//     JSON path as today.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	gomodulespatch "gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/injector"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// proposedHandler is PodHandler.handle with the two changes above (metrics left out).
type proposedHandler struct{ inj *injector.Injector }

func (h *proposedHandler) Handle(_ context.Context, req admission.Request) admission.Response {
	pod := &corev1.Pod{}
	if err := json.Unmarshal(req.Object.Raw, pod); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	res, err := h.inj.Pod(pod, sidecarset.Request{Namespace: req.Namespace, Operation: sidecarset.Operation(req.Operation), MatchedOnly: true})
	if err != nil {
		return admission.Denied(err.Error())
	}
	if !res.Changed {
		return admission.Allowed("")
	}
	if ops, ok := insertOnlyPatch(pod, res.Pod); ok {
		return admission.Patched("", ops...)
	}
	patched, err := LosslessJSON(req.Object.Raw, res.Pod)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	return PatchResponse(req.Object.Raw, patched)
}

// insertOnlyPatch returns the JSON patch from before to after when after is before with list
// items inserted (containers, init containers, volumes, image pull secrets), annotation or
// label keys set, or the namespace set, and nothing else changed; ok is false otherwise.
func insertOnlyPatch(before, after *corev1.Pod) (ops []gomodulespatch.Operation, ok bool) {
	if before.TypeMeta != after.TypeMeta {
		return nil, false
	}
	bm, am := before.ObjectMeta, after.ObjectMeta
	bm.Annotations, am.Annotations, bm.Labels, am.Labels, bm.Namespace, am.Namespace = nil, nil, nil, nil, "", ""
	bs, as := before.Spec, after.Spec
	bs.Containers, as.Containers, bs.InitContainers, as.InitContainers = nil, nil, nil, nil
	bs.Volumes, as.Volumes, bs.ImagePullSecrets, as.ImagePullSecrets = nil, nil, nil, nil
	if !equality.Semantic.DeepEqual(bm, am) || !equality.Semantic.DeepEqual(bs, as) ||
		!equality.Semantic.DeepEqual(before.Status, after.Status) {
		return nil, false
	}
	if before.Namespace != after.Namespace {
		ops = append(ops, gomodulespatch.NewOperation("add", "/metadata/namespace", after.Namespace))
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
	if ops, ok = insertOps(ops, "/spec/initContainers", before.Spec.InitContainers, after.Spec.InitContainers, containerName); !ok {
		return nil, false
	}
	if ops, ok = insertOps(ops, "/spec/containers", before.Spec.Containers, after.Spec.Containers, containerName); !ok {
		return nil, false
	}
	if ops, ok = insertOps(ops, "/spec/volumes", before.Spec.Volumes, after.Spec.Volumes, func(v *corev1.Volume) string { return v.Name }); !ok {
		return nil, false
	}
	return insertOps(ops, "/spec/imagePullSecrets", before.Spec.ImagePullSecrets, after.Spec.ImagePullSecrets,
		func(s *corev1.LocalObjectReference) string { return s.Name })
}

func mapOps(ops []gomodulespatch.Operation, path string, before, after map[string]string) ([]gomodulespatch.Operation, bool) {
	for k := range before {
		if _, kept := after[k]; !kept {
			return nil, false
		}
	}
	if len(before) == 0 {
		if len(after) > 0 {
			ops = append(ops, gomodulespatch.NewOperation("add", path, after))
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
		ops = append(ops, gomodulespatch.NewOperation("add", path+"/"+escape(k), after[k]))
	}
	return ops, true
}

// insertOps emits one add per inserted item, at its final index, so that applying the ops in
// order yields after; items present in both lists must be equal and in the same order.
func insertOps[T any](ops []gomodulespatch.Operation, path string, before, after []T, name func(*T) string) ([]gomodulespatch.Operation, bool) {
	if len(before) == 0 {
		if len(after) > 0 {
			ops = append(ops, gomodulespatch.NewOperation("add", path, after))
		}
		return ops, true
	}
	i := 0
	for j := range after {
		if i < len(before) && name(&before[i]) == name(&after[j]) {
			if !equality.Semantic.DeepEqual(before[i], after[j]) {
				return nil, false
			}
			i++
			continue
		}
		ops = append(ops, gomodulespatch.NewOperation("add", path+"/"+strconv.Itoa(j), &after[j]))
	}
	return ops, i == len(before)
}

func (c *benchCase) proposedHandler() http.Handler {
	return &admission.Webhook{Handler: &proposedHandler{inj: &injector.Injector{State: c.state}}}
}

func BenchmarkProposedHandler(b *testing.B) {
	for _, p := range benchPods {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/n=%d", p.name, n), func(b *testing.B) {
				c := newBenchCase(b, n, p.pod())
				h := c.proposedHandler()
				patch := responsePatch(b, serve(h, c.body))
				b.SetBytes(int64(len(c.body)))
				b.ReportAllocs()
				runtime.GC()
				b.ResetTimer()
				for b.Loop() {
					serve(h, c.body)
				}
				b.ReportMetric(float64(len(patch)), "patch_bytes")
				b.ReportMetric(float64(c.contentBytes), "content_bytes")
			})
		}
	}
}

// TestProposedHandlerAgrees checks the proposal against the real handler: on the benchmark
// pods and on every conformance case the patched request pod is the same.
func TestProposedHandlerAgrees(t *testing.T) {
	t.Parallel()
	apply := func(t *testing.T, raw []byte, resp admission.Response) []byte {
		t.Helper()
		if len(resp.Patches) == 0 {
			return raw
		}
		ops, err := json.Marshal(resp.Patches)
		if err != nil {
			t.Fatal(err)
		}
		patch, err := jsonpatch.DecodePatch(ops)
		if err != nil {
			t.Fatal(err)
		}
		out, err := patch.Apply(raw)
		if err != nil {
			t.Fatalf("apply %s: %v", ops, err)
		}
		return out
	}
	check := func(t *testing.T, st *sidecarset.State, pod *corev1.Pod) {
		t.Helper()
		raw, err := json.Marshal(pod)
		if err != nil {
			t.Fatal(err)
		}
		req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{UID: "1", Operation: admissionv1.Create,
			Resource: metav1.GroupVersionResource{Version: "v1", Resource: "pods"}, Namespace: pod.Namespace,
			Object: k8sruntime.RawExtension{Raw: raw}}}
		real := (&PodHandler{Snapshot: NewStaticSnapshot(&View{Full: st, Injector: &injector.Injector{State: st}})}).Handle(context.Background(), req)
		prop := (&proposedHandler{inj: &injector.Injector{State: st}}).Handle(context.Background(), req)
		if real.Allowed != prop.Allowed {
			t.Fatalf("allowed: real %v, proposed %v (%v)", real.Allowed, prop.Allowed, prop.Result)
		}
		if !real.Allowed {
			return
		}
		if got, want := apply(t, raw, prop), apply(t, raw, real); !jsonpatch.Equal(got, want) {
			t.Errorf("patched pods differ:\nproposed %s\n    real %s", got, want)
		}
	}
	for _, p := range benchPods {
		check(t, cachedBenchState(t, 10), p.pod())
	}
	cases, err := sidecarsettest.Cases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Operation == "UPDATE" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			st := sidecarset.NewState(sidecarset.Options{FeatureGates: c.FeatureGates, Now: benchTime})
			if err := c.Admit(st); err != nil {
				t.Skip("state refused")
			}
			check(t, st, c.Pod)
		})
	}
}
