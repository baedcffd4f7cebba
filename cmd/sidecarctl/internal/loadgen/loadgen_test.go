package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://127.0.0.1:9443/mutate", true},
		{"http://127.8.9.10/", true},
		{"https://[::1]:8443/", true},
		{"https://localhost:8443/", true},
		{"https://10.0.0.1:443/", false},
		{"https://192.168.1.10/", false},
		{"https://example.com/", false},
		{"https://0.0.0.0/", false},
	} {
		err := CheckLoopback(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
}

func TestRunRefusesNonLoopbackWithoutSending(t *testing.T) {
	t.Parallel()
	_, err := Run(context.Background(), Config{URL: "https://10.1.2.3/x", Client: http.DefaultClient, Rate: 1, Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("want a loopback refusal, got %v", err)
	}
}

func TestRunIsBoundedAndCountsErrors(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "content type", http.StatusBadRequest)
			return
		}
		if n%5 == 0 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Client: srv.Client(), Body: []byte("{}"),
		Rate: 200, Duration: 100 * time.Millisecond, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{20, 4, 16}, []int{rep.Sent, rep.Errors, len(rep.Latency)}); diff != "" {
		t.Errorf("sent, errors, answered (-want +got):\n%s", diff)
	}
	if rep.FirstError == nil || !strings.Contains(rep.FirstError.Error(), "status 500") {
		t.Errorf("first error = %v, want the 500", rep.FirstError)
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	got := []time.Duration{Percentile(s, 50), Percentile(s, 90), Percentile(s, 99), Percentile(s, 100), Percentile(nil, 99)}
	want := []time.Duration{50 * time.Millisecond, 90 * time.Millisecond, 99 * time.Millisecond, 100 * time.Millisecond, 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("percentiles (-want +got):\n%s", diff)
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	out := `goos: linux
BenchmarkFloor/pod-2            1000    100000 ns/op    6310 content_bytes
BenchmarkHandler/pod/n=10-2      1000    118000 ns/op    6310 content_bytes    6625.5 patch_bytes
BenchmarkHandler/pod/n=10-2      1000    118000 ns/op    6310 content_bytes    6625.5 patch_bytes
BenchmarkHandler/pod/n=10000-2   1000    159300 ns/op
BenchmarkOfflineInject-2         1    1000000000 ns/op
BenchmarkOfflineYAMLRoundTrip-2  1     820000000 ns/op
BenchmarkServeLoopback1000rps-2  1   10000000000 ns/op   0.4 p50_ms   0.9 p99_ms   0 errors
BenchmarkWebhookConfig10000-2    10    4000000 ns/op   23.94 config_kb
BenchmarkServeLoopbackChurn10000/static-2  1   10000000000 ns/op   0.4 p50_ms   1.1 p99_ms   0 errors
BenchmarkServeLoopbackChurn10000/churn-2   1   10000000000 ns/op   0.5 p50_ms   1.6 p99_ms   0 errors   5 rebuilds   900 updates
BenchmarkSnapshotStep10000/incremental-2   100    20000000 ns/op
BenchmarkSnapshotStep10000/rebuild-2       2    800000000 ns/op
BenchmarkInjectMemory-2          1   60000000000 ns/op   20000 pods_small   1.04 rss_large_vs_small   61.25 rss_mb_small
PASS
`
	res, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Summarize(res)
	if err != nil {
		t.Fatal(err)
	}
	want := "bench: handler_vs_floor_n10=1.18 scale_n10000_vs_n10=1.35 patch_vs_content=1.05 offline_vs_yaml=0.82 p99_ms_1000rps=0.90 errors=0 webhook_config_kb_n10000=23.9" +
		" p99_ms_static_n10000=1.10 p99_ms_churn=1.60 churn_errors=0 rebuild_vs_incremental_n10000=40.0 rss_mb_20000=61.2 rss_200000_vs_20000=1.04"
	if got != want {
		t.Errorf("summary:\n got %s\nwant %s", got, want)
	}
	if _, err := Summarize(Results{}); err == nil || !strings.Contains(err.Error(), "BenchmarkHandler/pod/n=10;") {
		t.Errorf("missing benchmarks: want an error naming them, got %v", err)
	}
	// A load whose admissions failed has no latency to report.
	failed, err := Parse(strings.NewReader(strings.Replace(out, "1.6 p99_ms   0 errors", "1.6 p99_ms   10000 errors", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Summarize(failed); err == nil || !strings.Contains(err.Error(), "BenchmarkServeLoopbackChurn10000/churn: 10000 admissions failed") {
		t.Errorf("failed churn admissions: want an error saying so, got %v", err)
	}
}
