package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/server"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

var loadDuration = flag.Duration("loadgen.duration", 10*time.Second, "how long BenchmarkServeLoopback1000rps sends (1s with -short)")

// BenchmarkServeLoopback1000rps runs the pod webhook handler (server.PodHandler behind
// controller-runtime's admission.Webhook, the handler `sidecarctl serve` registers) in an
// httptest TLS server on 127.0.0.1 with 1,000 benchmark SidecarSets, and sends it 1,000
// admissions/s from this process. Latency is measured server-side, around the handler.
func BenchmarkServeLoopback1000rps(b *testing.B) {
	d := *loadDuration
	if testing.Short() {
		d = time.Second
	}
	st := loadState(b, 1000)
	h := &admission.Webhook{Handler: &server.PodHandler{Snapshot: server.NewStaticSnapshot(
		&server.View{State: st})}}
	rec := &Recorder{}
	mux := http.NewServeMux()
	mux.Handle("/mutate-pods", rec.Wrap(h))
	srv := httptest.NewUnstartedServer(mux)
	srv.StartTLS()
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	client.Timeout = 10 * time.Second

	body := reviewBody(b, sidecarsettest.BenchPod())
	cfg := Config{URL: srv.URL + "/mutate-pods", Client: client, Body: body, Rate: 1000, Concurrency: 64, Check: checkPatched}
	// Warm up connections and caches, then measure.
	warm := cfg
	warm.Duration = 300 * time.Millisecond
	if _, err := Run(context.Background(), warm); err != nil {
		b.Fatal(err)
	}
	var rep Report
	var cpu time.Duration
	for b.Loop() {
		rec.Reset()
		runtime.GC()
		cfg.Duration = d
		cpu0 := CPUTime()
		var err error
		rep, err = Run(context.Background(), cfg)
		cpu = CPUTime() - cpu0
		if err != nil {
			b.Fatal(err)
		}
	}
	server := rec.Samples()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(Percentile(server, 50)), "p50_ms")
	b.ReportMetric(ms(Percentile(server, 90)), "p90_ms")
	b.ReportMetric(ms(Percentile(server, 99)), "p99_ms")
	b.ReportMetric(ms(Percentile(rep.Latency, 99)), "client_p99_ms")
	b.ReportMetric(rep.Rate(), "rps")
	b.ReportMetric(float64(rep.Errors), "errors")
	b.ReportMetric(float64(rep.Late), "late")
	b.ReportMetric(cpu.Seconds()/rep.Elapsed.Seconds(), "cpu_cores")
	if rep.FirstError != nil {
		b.Logf("first error: %v", rep.FirstError)
	}
}

func loadState(tb testing.TB, n int) *pipeline.State {
	tb.Helper()
	sets, err := sidecarsettest.BenchSidecarSets(n)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := pipelinetest.Stored(sets, nil, metav1.Time{})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

func reviewBody(tb testing.TB, pod *corev1.Pod) []byte {
	tb.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		tb.Fatal(err)
	}
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{UID: "1", Operation: admissionv1.Create, Namespace: pod.Namespace,
			Kind:     metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource: metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Object:   k8sruntime.RawExtension{Raw: raw}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// checkPatched accepts only an allowed response that carries a patch: the benchmark pod
// matches three SidecarSets, so anything else is an error.
func checkPatched(body []byte) error {
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil {
		return err
	}
	if review.Response == nil || !review.Response.Allowed || len(review.Response.Patch) == 0 {
		return errors.New("response is not an allowed, patched admission")
	}
	return nil
}
