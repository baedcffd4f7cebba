package server

// Benchmarks of the pod webhook (issue "Performance"): the floor (decode the AdmissionReview
// into a typed Pod, encode a response whose patch carries only the injected content), the
// engine (match + inject + patch) and the whole handler, for N SidecarSets of which three
// match, on the realistic pod and on a 64 KB pod. `make bench` turns the figures into ratios.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	gomodulespatch "gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// benchSizes are the numbers of SidecarSets the benchmarks run with.
func benchSizes() []int { return []int{10, 100, 1000, 10000} }

var benchTime = metav1.NewTime(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))

// benchPod is one request pod of the issue.
type benchPod struct {
	name string
	pod  func() *corev1.Pod
}

// benchPods returns the two request pods of the issue.
func benchPods() []benchPod {
	return []benchPod{{"pod", sidecarsettest.BenchPod}, {"large", sidecarsettest.LargePod}}
}

// BenchState builds the state `serve` holds for n benchmark SidecarSets: defaulted and hashed
// the way Snapshot.build does for sets read from the cluster, then stored.
func benchState(tb testing.TB, n int) *pipeline.State {
	tb.Helper()
	sets, err := sidecarsettest.BenchSidecarSets(n)
	if err != nil {
		tb.Fatal(err)
	}
	// A fixed injection time keeps the hash annotations of two runs comparable.
	st, err := pipelinetest.Stored(sets, []*corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: sidecarsettest.BenchNamespace,
		Labels: map[string]string{corev1.LabelMetadataName: sidecarsettest.BenchNamespace}}}}, benchTime)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

var benchStates sync.Map // n -> *pipeline.State

func cachedBenchState(tb testing.TB, n int) *pipeline.State {
	if st, ok := benchStates.Load(n); ok {
		return st.(*pipeline.State)
	}
	st := benchState(tb, n)
	benchStates.Store(n, st)
	return st
}

// admissionBody is the AdmissionReview the API server sends for pod.
func admissionBody(tb testing.TB, pod *corev1.Pod) (body, raw []byte) {
	tb.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		tb.Fatal(err)
	}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "705ab4f5-6393-11e8-b7cc-42010a800002",
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: pod.Namespace,
			Operation: admissionv1.Create,
			Object:    k8sruntime.RawExtension{Raw: raw},
		},
	}
	body, err = json.Marshal(review)
	if err != nil {
		tb.Fatal(err)
	}
	return body, raw
}

// contentOps is the injected content as JSON patch add operations with typed values: what
// any injector must at least encode. It is derived from the engine's pod once, outside the
// timed loop.
func contentOps(before, after *corev1.Pod) []gomodulespatch.Operation {
	var ops []gomodulespatch.Operation
	added := func(path string, oldNames map[string]bool, names []string, value func(i int) any) {
		for i, n := range names {
			if !oldNames[n] {
				ops = append(ops, gomodulespatch.NewOperation("add", path+"/"+strconv.Itoa(i), value(i)))
			}
		}
	}
	containerNames := func(cs []corev1.Container) (set map[string]bool, list []string) {
		set = map[string]bool{}
		for _, c := range cs {
			set[c.Name] = true
			list = append(list, c.Name)
		}
		return set, list
	}
	oldC, _ := containerNames(before.Spec.Containers)
	_, newC := containerNames(after.Spec.Containers)
	added("/spec/containers", oldC, newC, func(i int) any { return after.Spec.Containers[i] })
	oldI, _ := containerNames(before.Spec.InitContainers)
	_, newI := containerNames(after.Spec.InitContainers)
	if len(before.Spec.InitContainers) == 0 && len(newI) > 0 {
		ops = append(ops, gomodulespatch.NewOperation("add", "/spec/initContainers", after.Spec.InitContainers))
	} else {
		added("/spec/initContainers", oldI, newI, func(i int) any { return after.Spec.InitContainers[i] })
	}
	oldV := map[string]bool{}
	for _, v := range before.Spec.Volumes {
		oldV[v.Name] = true
	}
	var newV []string
	for _, v := range after.Spec.Volumes {
		newV = append(newV, v.Name)
	}
	added("/spec/volumes", oldV, newV, func(i int) any { return after.Spec.Volumes[i] })
	for k, v := range after.Annotations {
		if old, ok := before.Annotations[k]; !ok || old != v {
			ops = append(ops, gomodulespatch.NewOperation("add", "/metadata/annotations/"+escape(k), v))
		}
	}
	return ops
}

// benchCase is one pod against one state, with everything precomputed outside the loop.
type benchCase struct {
	state   *pipeline.State
	body    []byte
	raw     []byte
	pod     *corev1.Pod
	content []gomodulespatch.Operation
	// contentBytes is the size of the injected content encoded as a JSON patch.
	contentBytes int
}

func newBenchCase(tb testing.TB, n int, pod *corev1.Pod) *benchCase {
	tb.Helper()
	c := &benchCase{state: cachedBenchState(tb, n), pod: pod}
	c.body, c.raw = admissionBody(tb, pod)
	res, err := sidecarset.Inject(c.state.SidecarSets(), pod, sidecarset.Request{Namespace: pod.Namespace, MatchedOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	if got := res.Matched(); len(got) != sidecarsettest.BenchMatching {
		tb.Fatalf("n=%d: the pod matched %v, want %d SidecarSets", n, got, sidecarsettest.BenchMatching)
	}
	c.content = contentOps(pod, res.Pod)
	b, err := json.Marshal(c.content)
	if err != nil {
		tb.Fatal(err)
	}
	c.contentBytes = len(b)
	return c
}

func (c *benchCase) handler() http.Handler {
	return &admission.Webhook{Handler: &PodHandler{Snapshot: NewStaticSnapshot(&View{State: c.state})}}
}

// floorHandler does no engine work: it decodes the pod and answers with the content patch.
func (c *benchCase) floorHandler() http.Handler {
	return &admission.Webhook{Handler: admission.HandlerFunc(func(_ context.Context, req admission.Request) admission.Response {
		pod := &corev1.Pod{}
		if err := json.Unmarshal(req.Object.Raw, pod); err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
		return admission.Patched("", c.content...)
	})}
}

// serve posts the AdmissionReview to h in-process and returns the response review.
func serve(h http.Handler, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/mutate-pods", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// responsePatch decodes the patch out of a response review.
func responsePatch(tb testing.TB, rec *httptest.ResponseRecorder) []byte {
	tb.Helper()
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil {
		tb.Fatalf("response: %v: %s", err, rec.Body.String())
	}
	if review.Response == nil || !review.Response.Allowed {
		tb.Fatalf("response not allowed: %s", rec.Body.String())
	}
	return review.Response.Patch
}

func BenchmarkFloor(b *testing.B) {
	for _, p := range benchPods() {
		b.Run(p.name, func(b *testing.B) {
			c := newBenchCase(b, 10, p.pod())
			h := c.floorHandler()
			responsePatch(b, serve(h, c.body))
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			runtime.GC()
			b.ResetTimer()
			for b.Loop() {
				serve(h, c.body)
			}
			b.ReportMetric(float64(c.contentBytes), "content_bytes")
		})
	}
}

// BenchmarkEngine is match + inject + patch: what the handler adds to the floor.
func BenchmarkEngine(b *testing.B) {
	for _, p := range benchPods() {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("%s/n=%d", p.name, n), func(b *testing.B) {
				c := newBenchCase(b, n, p.pod())
				b.ReportAllocs()
				runtime.GC()
				b.ResetTimer()
				for b.Loop() {
					res, err := c.state.InjectPod(c.pod, sidecarset.Request{Namespace: c.pod.Namespace, Operation: sidecarset.Create})
					if err != nil {
						b.Fatal(err)
					}
					if resp := losslessResponse(c.raw, c.pod, res.Pod); len(resp.Patches) == 0 {
						b.Fatal("no patch")
					}
				}
			})
		}
	}
}

func BenchmarkHandler(b *testing.B) {
	for _, p := range benchPods() {
		for _, n := range benchSizes() {
			b.Run(fmt.Sprintf("%s/n=%d", p.name, n), func(b *testing.B) {
				c := newBenchCase(b, n, p.pod())
				h := c.handler()
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

// TestBenchPatchYieldsEnginePod checks the benchmarked path is the real one: the handler's
// patch applied to the request pod gives exactly the engine's pod, for both benchmark pods.
func TestBenchPatchYieldsEnginePod(t *testing.T) {
	t.Parallel()
	for _, p := range benchPods() {
		c := newBenchCase(t, 10, p.pod())
		patch := responsePatch(t, serve(c.handler(), c.body))
		ops, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ops.Apply(c.raw)
		if err != nil {
			t.Fatal(err)
		}
		res, err := sidecarset.Inject(c.state.SidecarSets(), c.pod, sidecarset.Request{Namespace: c.pod.Namespace})
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(res.Pod)
		if err != nil {
			t.Fatal(err)
		}
		if !jsonpatch.Equal(got, want) {
			t.Errorf("%s: patched request pod differs from the engine's pod:\n got %s\nwant %s", p.name, got, want)
		}
		// The floor's patch must carry the same injected content, or the ratio means nothing.
		floor := responsePatch(t, serve(c.floorHandler(), c.body))
		fops, err := jsonpatch.DecodePatch(floor)
		if err != nil {
			t.Fatal(err)
		}
		fgot, err := fops.Apply(c.raw)
		if err != nil {
			t.Fatal(err)
		}
		if !jsonpatch.Equal(fgot, want) {
			t.Errorf("%s: the floor's content patch does not yield the engine's pod:\n got %s\nwant %s", p.name, fgot, want)
		}
	}
}

// BenchmarkResidentSidecarSets10000 measures what `serve` holds for 10,000 SidecarSets: the
// informer cache's objects plus the snapshot's State (its own copies, compiled selectors and
// both indexes, built by one admission).
func BenchmarkResidentSidecarSets10000(b *testing.B) {
	var heap, rss float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		sets, err := sidecarsettest.BenchSidecarSets(10000)
		if err != nil {
			b.Fatal(err)
		}
		cache := make([]*appsv1alpha1.SidecarSet, len(sets))
		for i, ss := range sets {
			cache[i] = ss.DeepCopy()
		}
		st := benchState(b, 10000)
		pod := sidecarsettest.BenchPod()
		if _, err := st.InjectPod(pod, sidecarset.Request{MatchedOnly: true}); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		rss = residentMB()
		runtime.KeepAlive(cache)
		runtime.KeepAlive(st)
	}
	b.ReportMetric(heap, "heap_MB")
	b.ReportMetric(rss, "rss_MB")
}

// residentMB is the process's VmRSS (Linux); 0 elsewhere.
func residentMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
