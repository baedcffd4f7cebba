package sidecarset_test

// Engine benchmarks (issue "Performance"): Inject on the benchmark pods for N SidecarSets of
// which three match, through the label index (MatchedOnly, what the webhook needs) and through
// the full walk that explains every SidecarSet (what explain and the CLI report need).

import (
	"fmt"
	"runtime"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// benchState stores n benchmark SidecarSets the way `serve` does with sets read from a
// cluster: defaulted, hashed, stored without re-validation.
func benchState(b *testing.B, n int) *sidecarset.State {
	b.Helper()
	sets, err := sidecarsettest.BenchSidecarSets(n)
	if err != nil {
		b.Fatal(err)
	}
	st := sidecarset.NewState(sidecarset.Options{})
	for _, ss := range sets {
		sidecarset.Default(ss, sidecarset.KruiseV18)
		if err := sidecarset.SetHashAnnotations(ss, sidecarset.KruiseV18); err != nil {
			b.Fatal(err)
		}
		st.Store(ss)
	}
	return st
}

func BenchmarkInject(b *testing.B) {
	pods := []struct {
		name string
		pod  *corev1.Pod
	}{{"pod", sidecarsettest.BenchPod()}, {"large", sidecarsettest.LargePod()}}
	for _, n := range []int{10, 100, 1000, 10000} {
		st := benchState(b, n)
		for _, p := range pods {
			for _, walk := range []struct {
				name        string
				matchedOnly bool
			}{{"index", true}, {"full", false}} {
				b.Run(fmt.Sprintf("%s/n=%d/%s", p.name, n, walk.name), func(b *testing.B) {
					req := sidecarset.Request{Namespace: p.pod.Namespace, MatchedOnly: walk.matchedOnly}
					res, err := sidecarset.Inject(st, p.pod, req)
					if err != nil {
						b.Fatal(err)
					}
					if got := len(res.Matched()); got != sidecarsettest.BenchMatching {
						b.Fatalf("matched %d SidecarSets, want %d", got, sidecarsettest.BenchMatching)
					}
					b.ReportAllocs()
					runtime.GC()
					b.ResetTimer()
					for b.Loop() {
						if _, err := sidecarset.Inject(st, p.pod, req); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
