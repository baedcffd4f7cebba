package loadgen

import (
	"context"
	"fmt"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/server"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// memCluster is what an informer cache holds for the snapshot: SidecarSets and Namespaces,
// handed out as deep copies (as the cache's List and Get do), changed by the churn.
type memCluster struct {
	mu         sync.Mutex
	sets       map[string]*appsv1alpha1.SidecarSet
	namespaces []*corev1.Namespace
	rv         int
}

func newMemCluster(tb testing.TB, n int) *memCluster {
	tb.Helper()
	sets, err := sidecarsettest.BenchSidecarSets(n)
	if err != nil {
		tb.Fatal(err)
	}
	m := &memCluster{sets: map[string]*appsv1alpha1.SidecarSet{}, namespaces: []*corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{
		Name: sidecarsettest.BenchNamespace, Labels: map[string]string{corev1.LabelMetadataName: sidecarsettest.BenchNamespace}}}}}
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, ss := range sets {
		// Stored as a cluster holds them: defaulted and hashed by the mutating webhook.
		if err := sidecarset.Mutate(ss, sidecarset.KruiseV18); err != nil {
			tb.Fatal(err)
		}
		ss.UID = types.UID("uid-" + ss.Name)
		ss.CreationTimestamp = metav1.NewTime(base.Add(time.Duration(i) * time.Second))
		m.rv++
		ss.ResourceVersion = strconv.Itoa(m.rv)
		m.sets[ss.Name] = ss
	}
	return m
}

func (m *memCluster) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	stored, ok := m.sets[key.Name]
	switch out := obj.(type) {
	case *unstructured.Unstructured:
		// The server reads SidecarSets unstructured (clusterstate.SidecarSetObject), as the
		// cache of a real server holds them.
		if !ok || out.GetKind() != "SidecarSet" {
			break
		}
		u, err := k8sruntime.DefaultUnstructuredConverter.ToUnstructured(stored)
		if err != nil {
			return err
		}
		out.Object = u
		return nil
	case *appsv1alpha1.SidecarSet:
		if ok {
			stored.DeepCopyInto(out)
			return nil
		}
	}
	return apierrors.NewNotFound(schema.GroupResource{Group: "apps.kruise.io", Resource: "sidecarsets"}, key.Name)
}

func (m *memCluster) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch l := list.(type) {
	case *unstructured.UnstructuredList:
		if l.GetKind() != "SidecarSetList" {
			return nil
		}
		for _, ss := range m.sets {
			u, err := k8sruntime.DefaultUnstructuredConverter.ToUnstructured(ss)
			if err != nil {
				return err
			}
			l.Items = append(l.Items, unstructured.Unstructured{Object: u})
		}
	case *appsv1alpha1.SidecarSetList:
		l.Items = make([]appsv1alpha1.SidecarSet, 0, len(m.sets))
		for _, ss := range m.sets {
			l.Items = append(l.Items, *ss.DeepCopy())
		}
	case *corev1.NamespaceList:
		for _, ns := range m.namespaces {
			l.Items = append(l.Items, *ns.DeepCopy())
		}
	}
	return nil
}

// update changes one SidecarSet's image, as `kubectl set image` would, and returns its name.
func (m *memCluster) update(i int) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	name := fmt.Sprintf("team-%05d", i%(len(m.sets)-sidecarsettest.BenchMatching))
	ss := m.sets[name].DeepCopy()
	ss.Spec.Containers[0].Image = fmt.Sprintf("docker.elastic.co/beats/filebeat:8.15.%d", i)
	if err := sidecarset.Mutate(ss, sidecarset.KruiseV18); err != nil {
		panic(err)
	}
	m.rv++
	ss.ResourceVersion = strconv.Itoa(m.rv)
	m.sets[name] = ss
	return name
}

// relabel changes the benchmark namespace's labels: a full rebuild.
func (m *memCluster) relabel(i int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ns := m.namespaces[0].DeepCopy()
	ns.Labels["churn"] = strconv.Itoa(i)
	m.namespaces[0] = ns
}

func liveSnapshot(ctx context.Context, tb testing.TB, m *memCluster) *server.Snapshot {
	tb.Helper()
	snap := server.NewSnapshot(m, pipeline.Options{}, "")
	if err := snap.Step(ctx); err != nil {
		tb.Fatal(err)
	}
	return snap
}

// BenchmarkSnapshotStep10000 is the background work one change costs at 10,000 SidecarSets:
// one SidecarSet updated (read from the cache, admitted into a copy of the state, indexes
// built again) against the full rebuild a Namespace change causes (every SidecarSet read and
// admitted again). Both end with the state warmed and swapped in.
func BenchmarkSnapshotStep10000(b *testing.B) {
	ctx := b.Context()
	m := newMemCluster(b, 10000)
	snap := liveSnapshot(ctx, b, m)
	b.Run("incremental", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			snap.SidecarSetChanged(m.update(i))
			if err := snap.Step(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rebuild", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			m.relabel(i)
			snap.Invalidate()
			if err := snap.Step(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkServeLoopbackChurn10000 sends 1,000 admissions/s (as BenchmarkServeLoopback1000rps)
// to the handler over 10,000 SidecarSets, against a static state (the baseline, in the same
// run) and against a live snapshot whose worker applies a burst of changes meanwhile: 100
// SidecarSet updates/s (applied incrementally, coalesced while the worker is busy) and a
// Namespace relabel every 5 s (a full rebuild).
// Latency is measured server-side.
func BenchmarkServeLoopbackChurn10000(b *testing.B) {
	d := *loadDuration
	if testing.Short() {
		d = time.Second
	}
	ctx := b.Context()
	m := newMemCluster(b, 10000)
	for _, churn := range []bool{false, true} {
		name := "static"
		if churn {
			name = "churn"
		}
		b.Run(name, func(b *testing.B) {
			snap := liveSnapshot(ctx, b, m)
			if !churn {
				v, err := snap.View(ctx)
				if err != nil {
					b.Fatal(err)
				}
				snap = server.NewStaticSnapshot(v)
			}
			var rep Report
			var server []time.Duration
			var applied [3]uint64
			for b.Loop() {
				rep, server, applied = loadWithChurn(ctx, b, snap, m, d, churn)
			}
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(Percentile(server, 50)), "p50_ms")
			b.ReportMetric(ms(Percentile(server, 99)), "p99_ms")
			b.ReportMetric(ms(Percentile(server, 100)), "max_ms")
			b.ReportMetric(rep.Rate(), "rps")
			b.ReportMetric(float64(rep.Errors), "errors")
			b.ReportMetric(float64(applied[0]), "rebuilds")
			b.ReportMetric(float64(applied[1]), "updates")
			b.ReportMetric(float64(applied[2]), "sets_changed")
			if rep.FirstError != nil {
				b.Logf("first error: %v", rep.FirstError)
			}
		})
	}
}

// loadWithChurn runs the load for d against snap, with the churn when asked, and returns the
// client report, the server-side samples, and the rebuilds, incremental updates and SidecarSet
// changes made.
func loadWithChurn(ctx context.Context, b *testing.B, snap *server.Snapshot, m *memCluster, d time.Duration, churn bool) (Report, []time.Duration, [3]uint64) {
	rec := &Recorder{}
	mux := http.NewServeMux()
	mux.Handle("/mutate-pods", rec.Wrap(&admission.Webhook{Handler: &server.PodHandler{Snapshot: snap}}))
	srv := httptest.NewUnstartedServer(mux)
	srv.StartTLS()
	defer srv.Close()
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	client.Timeout = 10 * time.Second
	cfg := Config{URL: srv.URL + "/mutate-pods", Client: client, Body: reviewBody(b, sidecarsettest.BenchPod()),
		Rate: 1000, Concurrency: 64, Check: checkPatched}
	warm := cfg
	warm.Duration = 300 * time.Millisecond
	if _, err := Run(ctx, warm); err != nil {
		b.Fatal(err)
	}
	rec.Reset()
	runtime.GC()
	cctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	b0, u0 := snap.Stats()
	var changes atomic.Uint64
	if churn {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_ = snap.Start(cctx)
		}()
		go func() {
			defer wg.Done()
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for i := 1; ; i++ {
				select {
				case <-cctx.Done():
					return
				case <-tick.C:
				}
				snap.SidecarSetChanged(m.update(i))
				changes.Add(1)
				if i%500 == 0 {
					m.relabel(i)
					snap.Invalidate()
				}
			}
		}()
	}
	cfg.Duration = d
	rep, err := Run(ctx, cfg)
	stop()
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	b1, u1 := snap.Stats()
	return rep, rec.Samples(), [3]uint64{b1 - b0, u1 - u0, changes.Load()}
}
