package loadgen

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Results holds `go test -bench` figures by benchmark name (without the -GOMAXPROCS
// suffix) and unit ("ns/op", "B/op", custom metrics). Repeated runs (-count) are averaged.
type Results map[string]map[string]float64

var procSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads `go test -bench` output; lines that are not benchmark results are ignored.
func Parse(r io.Reader) (Results, error) {
	sums := map[string]map[string]float64{}
	counts := map[string]map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		if sums[name] == nil {
			sums[name], counts[name] = map[string]float64{}, map[string]int{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("benchmark output: %s: value %q: %w", name, f[i], err)
			}
			sums[name][f[i+1]] += v
			counts[name][f[i+1]]++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	out := Results{}
	for name, units := range sums {
		out[name] = map[string]float64{}
		for unit, sum := range units {
			out[name][unit] = sum / float64(counts[name][unit])
		}
	}
	return out, nil
}

func (r Results) get(name, unit string) (float64, error) {
	v, ok := r[name][unit]
	if !ok {
		return 0, fmt.Errorf("benchmark output has no %s for %s", unit, name)
	}
	return v, nil
}

func (r Results) ratio(num, numUnit, den, denUnit string) (float64, error) {
	n, err := r.get(num, numUnit)
	if err != nil {
		return 0, err
	}
	d, err := r.get(den, denUnit)
	if err != nil {
		return 0, err
	}
	if d == 0 {
		return 0, fmt.Errorf("%s %s is zero", den, denUnit)
	}
	return n / d, nil
}

// The benchmarks the goals are computed from.
const (
	BenchFloor      = "BenchmarkFloor/pod"
	BenchHandler10  = "BenchmarkHandler/pod/n=10"
	BenchHandler1e4 = "BenchmarkHandler/pod/n=10000"
	BenchOffline    = "BenchmarkOfflineInject"
	BenchYAML       = "BenchmarkOfflineYAMLRoundTrip"
	BenchLoad       = "BenchmarkServeLoopback1000rps"
	BenchConfig     = "BenchmarkWebhookConfig10000"
	// The state kept off the request path: admissions at 10,000 SidecarSets with a static
	// state and during a burst of changes, and one change applied incrementally or by a
	// full rebuild.
	BenchChurn       = "BenchmarkServeLoopbackChurn10000/churn"
	BenchChurnStatic = "BenchmarkServeLoopbackChurn10000/static"
	BenchStepInc     = "BenchmarkSnapshotStep10000/incremental"
	BenchStepFull    = "BenchmarkSnapshotStep10000/rebuild"
	// Peak RSS of inject streaming pods.
	BenchMemory = "BenchmarkInjectMemory"
)

// Summarize computes every goal's figure from one run's results and returns the summary
// line `make bench` ends with.
func Summarize(r Results) (string, error) {
	var errs []string
	pick := func(v float64, err error) float64 {
		if err != nil {
			errs = append(errs, err.Error())
		}
		return v
	}
	handlerVsFloor := pick(r.ratio(BenchHandler10, "ns/op", BenchFloor, "ns/op"))
	scale := pick(r.ratio(BenchHandler1e4, "ns/op", BenchHandler10, "ns/op"))
	patch := pick(r.ratio(BenchHandler10, "patch_bytes", BenchHandler10, "content_bytes"))
	// Throughput is the inverse of time per stream: offline/yaml = yaml ns / offline ns.
	offline := pick(r.ratio(BenchYAML, "ns/op", BenchOffline, "ns/op"))
	p99 := pick(r.get(BenchLoad, "p99_ms"))
	errCount := pick(r.get(BenchLoad, "errors"))
	configKB := pick(r.get(BenchConfig, "config_kb"))
	p99Churn := pick(r.get(BenchChurn, "p99_ms"))
	p99Static := pick(r.get(BenchChurnStatic, "p99_ms"))
	churnErrs := pick(r.get(BenchChurn, "errors"))
	fullVsInc := pick(r.ratio(BenchStepFull, "ns/op", BenchStepInc, "ns/op"))
	// Peak RSS of `inject` streaming pods, and how many times that ten times the pods need.
	pods := pick(r.get(BenchMemory, "pods_small"))
	rss := pick(r.get(BenchMemory, "rss_mb_small"))
	rssGrowth := pick(r.get(BenchMemory, "rss_large_vs_small"))
	// A latency measured over failed admissions measures the failures: such a run has no
	// figures (the churn benchmark once reported a p99 with every admission failing).
	for _, load := range []struct {
		name   string
		errors float64
	}{{BenchLoad, errCount}, {BenchChurnStatic, pick(r.get(BenchChurnStatic, "errors"))}, {BenchChurn, churnErrs}} {
		if load.errors > 0 {
			errs = append(errs, fmt.Sprintf("%s: %d admissions failed", load.name, int(load.errors)))
		}
	}
	if len(errs) > 0 {
		return "", fmt.Errorf("bench summary: %s", strings.Join(errs, "; "))
	}
	return fmt.Sprintf("bench: handler_vs_floor_n10=%.2f scale_n10000_vs_n10=%.2f patch_vs_content=%.2f offline_vs_yaml=%.2f p99_ms_1000rps=%.2f errors=%d webhook_config_kb_n10000=%.1f"+
		" p99_ms_static_n10000=%.2f p99_ms_churn=%.2f churn_errors=%d rebuild_vs_incremental_n10000=%.1f rss_mb_%d=%.1f rss_%d_vs_%d=%.2f",
		handlerVsFloor, scale, patch, offline, p99, int(errCount), configKB, p99Static, p99Churn, int(churnErrs), fullVsInc,
		int(pods), rss, 10*int(pods), int(pods), rssGrowth), nil
}
