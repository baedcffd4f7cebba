package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

var fixedTime = metav1.NewTime(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))

// caseSnapshot admits the case's state in its Kruise release; the other releases' cases
// (sidecarsettest.ReleaseCases) are run with KruiseExact, as their outputs are Kruise's exactly.
func caseSnapshot(t *testing.T, c *sidecarsettest.Case) (*Snapshot, bool) {
	t.Helper()
	opts := pipelinetest.Options(c)
	opts.Engine.KruiseExact = c.Kruise != ""
	st, err := pipeline.Admit(pipelinetest.Input(c), opts)
	if err != nil {
		return nil, false
	}
	return NewStaticSnapshot(&View{State: st}), true
}

func podRequest(raw []byte, namespace string) admission.Request {
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       "1",
		Operation: admissionv1.Create,
		Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Namespace: namespace,
		Object:    runtime.RawExtension{Raw: raw},
	}}
}

// applyResponse applies a webhook response's patch to raw, as the API server does.
func applyResponse(t *testing.T, raw []byte, resp admission.Response) []byte {
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
		t.Fatal(err)
	}
	return out
}

// TestPodHandlerConformance runs the Kruise corpus through the mutating webhook handler: the
// patch applied to the request pod must give the oracle's pod, and a second invocation
// (reinvocationPolicy IfNeeded) must return no patch.
func TestPodHandlerConformance(t *testing.T) {
	t.Parallel()
	sidecarsettest.ForEach(t, podHandlerCase)
}

// TestPodHandlerConformanceReleases is TestPodHandlerConformance in the other emulated Kruise
// releases, against their outputs.
func TestPodHandlerConformanceReleases(t *testing.T) {
	t.Parallel()
	sidecarsettest.ForEachRelease(t, podHandlerCase)
}

func podHandlerCase(t *testing.T, c *sidecarsettest.Case) {
	snap, ok := caseSnapshot(t, c)
	_, wantRefusal := c.ExpectsRefusal()
	if !ok {
		if !wantRefusal {
			t.Fatal("a SidecarSet was refused")
		}
		return
	}
	raw, err := json.Marshal(c.Pod)
	if err != nil {
		t.Fatal(err)
	}
	ns := c.Pod.Namespace
	if ns == "" {
		ns = "default"
	}
	metrics, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	h := &PodHandler{Snapshot: snap, Metrics: metrics}
	resp := h.Handle(context.Background(), podRequest(raw, ns))
	assertDecisionMetrics(t, snap, c, ns, metrics)
	if wantRefusal {
		if resp.Allowed {
			t.Fatal("want the pod refused, got allowed")
		}
		return
	}
	if !resp.Allowed {
		t.Fatalf("refused: %v", resp.Result)
	}
	got := applyResponse(t, raw, resp)
	c.AssertPod(t, got)
	again := h.Handle(context.Background(), podRequest(got, ns))
	if len(again.Patches) != 0 {
		t.Errorf("second invocation patched again: %v", again.Patches)
	}
}

// assertDecisionMetrics: the webhook's decision metrics count exactly the pipeline's decisions
// for the pod, by the same reason codes.
func assertDecisionMetrics(t *testing.T, snap *Snapshot, c *sidecarsettest.Case, ns string, m *Metrics) {
	t.Helper()
	view, err := snap.View(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, _ := view.State.InjectPod(c.Pod, sidecarset.Request{Namespace: ns, Operation: sidecarset.Create, MatchedOnly: true})
	if res == nil {
		t.Fatal("no pipeline result")
	}
	want := map[string]float64{}
	for _, d := range res.Decisions {
		want[string(d.Reason)]++
	}
	for reason, n := range res.Skipped {
		want[string(reason)] += float64(n)
	}
	for reason, n := range want {
		if got := testutil.ToFloat64(m.Decisions.WithLabelValues(reason)); got != n {
			t.Errorf("metric reason=%s: %v, the pipeline decided %v", reason, got, n)
		}
	}
	if got, total := testutil.CollectAndCount(m.Decisions), len(want); got != total {
		t.Errorf("metric has %d reasons, the pipeline decided %d", got, total)
	}
}

// TestPodHandlerKeepsUnknownFields: a pod with a native sidecar and fields this build's types
// do not know passes through intact; only the injected parts are added.
func TestPodHandlerKeepsUnknownFields(t *testing.T) {
	t.Parallel()
	cases, err := sidecarsettest.Cases()
	if err != nil {
		t.Fatal(err)
	}
	in := &pipeline.Input{}
	for _, c := range cases {
		if c.Name == "001-selector-match" {
			in.Creations = append(in.Creations, pipeline.Creation{SidecarSet: &c.SidecarSets[0], Source: c.Name})
		}
	}
	st, err := pipeline.Admit(in, pipeline.Options{Engine: sidecarset.Options{Now: fixedTime}})
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"default","labels":{"app":"web"},"futureMeta":1},
"spec":{"futureSpecField":{"a":[1,2]},"initContainers":[{"name":"proxy","image":"proxy:1","restartPolicy":"Always","futureContainerField":true}],
"containers":[{"name":"app","image":"nginx:1.25","futureContainerField":"x"}]}}`)
	h := &PodHandler{Snapshot: NewStaticSnapshot(&View{State: st})}
	resp := h.Handle(context.Background(), podRequest(raw, "default"))
	for _, op := range resp.Patches {
		if op.Operation == "remove" {
			t.Errorf("patch removes %s", op.Path)
		}
	}
	got := string(applyResponse(t, raw, resp))
	for _, want := range []string{`"futureMeta":1`, `"futureSpecField":{"a":[1,2]}`, `"futureContainerField":true`,
		`"futureContainerField":"x"`, `"restartPolicy":"Always"`, `"name":"log-agent"`} {
		if !strings.Contains(got, want) {
			t.Errorf("patched pod lacks %s:\n%s", want, got)
		}
	}
}
