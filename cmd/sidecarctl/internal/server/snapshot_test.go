package server

import (
	"context"
	"errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"maps"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

func fakeCluster(t *testing.T, objs ...client.Object) client.WithWatch {
	t.Helper()
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
}

func newTestSnapshot(c client.Reader) *Snapshot {
	return NewSnapshot(c, pipelinetest.StoredOptions(), "")
}

func stepped(ctx context.Context, t *testing.T, s *Snapshot) *View {
	t.Helper()
	if err := s.Step(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := s.View(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSnapshotIncrementalEqualsRebuild changes a cluster step by step, tells the snapshot what
// its informers would, and checks after each step that the state it swapped in decides every
// corpus pod as a state rebuilt from the cluster does; SidecarSet changes must be applied
// incrementally, Namespace changes by a rebuild.
func TestSnapshotIncrementalEqualsRebuild(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ch, err := pipelinetest.NewChurn()
	if err != nil {
		t.Fatal(err)
	}
	var objs []client.Object
	for _, ns := range ch.Namespaces {
		objs = append(objs, ns)
	}
	for i, ss := range ch.SidecarSets {
		if i%2 == 0 {
			ss := ss.DeepCopy()
			ss.ResourceVersion = ""
			objs = append(objs, ss)
		}
	}
	c := fakeCluster(t, objs...)
	snap := newTestSnapshot(c)
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	snap.Metrics = m
	stepped(ctx, t, snap)
	get := func(name string) *appsv1alpha1.SidecarSet {
		ss := &appsv1alpha1.SidecarSet{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, ss); err != nil {
			t.Fatal(err)
		}
		return ss
	}
	first, second := ch.SidecarSets[0].Name, ch.SidecarSets[2].Name
	steps := []struct {
		name        string
		change      func()
		incremental bool
	}{
		{"add a SidecarSet", func() {
			ss := ch.SidecarSets[1].DeepCopy()
			ss.ResourceVersion = ""
			must(t, c.Create(ctx, ss))
			snap.SidecarSetChanged(ss.Name)
		}, true},
		{"update a selector", func() {
			ss := get(first)
			ss.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpExists}}}
			must(t, c.Update(ctx, ss))
			snap.SidecarSetChanged(ss.Name)
		}, true},
		{"add a conflicting SidecarSet later", func() {
			ss := get(first)
			ss.ObjectMeta = metav1.ObjectMeta{Name: "zz-conflict", CreationTimestamp: metav1.NewTime(ss.CreationTimestamp.Add(time.Hour))}
			must(t, c.Create(ctx, ss))
			snap.SidecarSetChanged(ss.Name)
		}, true},
		{"delete a SidecarSet", func() {
			must(t, c.Delete(ctx, get(second)))
			snap.SidecarSetChanged(second)
		}, true},
		{"an event for an unchanged SidecarSet", func() { snap.SidecarSetChanged(first) }, true},
		{"change a namespace's labels", func() {
			for _, ns := range ch.Namespaces {
				got := &corev1.Namespace{}
				must(t, c.Get(ctx, client.ObjectKeyFromObject(ns), got))
				got.Labels = map[string]string{"changed": "true"}
				must(t, c.Update(ctx, got))
			}
			snap.Invalidate()
		}, false},
	}
	for _, step := range steps {
		builds, updates := snap.Stats()
		step.change()
		got := stepped(ctx, t, snap)
		nb, nu := snap.Stats()
		if step.incremental && nb != builds {
			t.Errorf("%s: the state was rebuilt (%d rebuilds, %d updates before; %d, %d after)", step.name, builds, updates, nb, nu)
		}
		if !step.incremental && nb != builds+1 {
			t.Errorf("%s: want one rebuild, got %d", step.name, nb-builds)
		}
		want := stepped(ctx, t, newTestSnapshot(c))
		gd, err := pipelinetest.Decisions(got.State, ch.Pods)
		if err != nil {
			t.Fatal(err)
		}
		wd, err := pipelinetest.Decisions(want.State, ch.Pods)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wd, gd); diff != "" {
			t.Fatalf("%s: the swapped-in state differs from a rebuild (-rebuild +swapped):\n%s", step.name, diff)
		}
		if NamespacesDigest(got.Namespaces) != NamespacesDigest(want.Namespaces) {
			t.Errorf("%s: namespaces differ from a rebuild's", step.name)
		}
	}
	// The metric counts what swapped a state in: the first build and the namespace change
	// rebuilt, four SidecarSet changes were incremental (the unchanged one swapped nothing).
	counts := map[string]uint64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "sidecarctl_state_update_duration_seconds" {
			continue
		}
		for _, metric := range f.GetMetric() {
			counts[metric.GetLabel()[0].GetValue()] = metric.GetHistogram().GetSampleCount()
		}
	}
	if want := map[string]uint64{"rebuild": 2, "incremental": 4}; !maps.Equal(counts, want) {
		t.Errorf("state updates by kind: got %v, want %v", counts, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// gatedReader blocks lists of SidecarSets while closed: a rebuild that takes its time.
type gatedReader struct {
	client.Reader
	closed  atomic.Bool
	entered chan struct{}
	gate    chan struct{}
}

func (r *gatedReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if isSidecarSetList(list) && r.closed.Load() {
		r.entered <- struct{}{}
		<-r.gate
	}
	return r.Reader.List(ctx, list, opts...)
}

// isSidecarSetList: clusterstate lists SidecarSets unstructured (for Kruise v1.9's fields).
func isSidecarSetList(list client.ObjectList) bool {
	switch l := list.(type) {
	case *appsv1alpha1.SidecarSetList:
		return true
	case *unstructured.UnstructuredList:
		return l.GetKind() == "SidecarSetList"
	}
	return false
}

// TestViewNeverWaitsForARebuild: while a rebuild runs, admissions read the previous state at
// once; the SidecarSet validator's Fresh waits for it.
func TestViewNeverWaitsForARebuild(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := &gatedReader{Reader: fakeCluster(t), entered: make(chan struct{}), gate: make(chan struct{})}
	snap := newTestSnapshot(r)
	before := stepped(ctx, t, snap)
	r.closed.Store(true)
	snap.Invalidate()
	done := make(chan error)
	go func() { done <- snap.Step(ctx) }()
	<-r.entered
	fresh := make(chan *View)
	go func() {
		v, _ := snap.Fresh(ctx)
		fresh <- v
	}()
	quick, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	v, err := snap.View(quick)
	if err != nil || v != before {
		t.Fatalf("View during a rebuild: got %v, %v; want the previous state at once", v, err)
	}
	select {
	case <-fresh:
		t.Fatal("Fresh returned before the rebuild was swapped in")
	case <-time.After(50 * time.Millisecond):
	}
	close(r.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := <-fresh; got == nil || got.Generation != before.Generation+1 {
		t.Fatalf("Fresh: got %+v, want the rebuilt state", got)
	}
}

// TestAdmissionsDuringUpdates admits pods from the current state while SidecarSets change
// and the state is updated, derived from the one being read (run with -race): admissions
// never fail and always see a whole state.
func TestAdmissionsDuringUpdates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ch, err := pipelinetest.NewChurn()
	if err != nil {
		t.Fatal(err)
	}
	var objs []client.Object
	for _, ns := range ch.Namespaces {
		objs = append(objs, ns)
	}
	for _, ss := range ch.SidecarSets {
		ss := ss.DeepCopy()
		ss.ResourceVersion = ""
		objs = append(objs, ss)
	}
	c := fakeCluster(t, objs...)
	snap := newTestSnapshot(c)
	stepped(ctx, t, snap)
	stop := make(chan struct{})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				v, err := snap.View(ctx)
				if err != nil {
					errs <- err
					return
				}
				for _, pod := range ch.Pods {
					if _, err := v.State.InjectPod(pod, sidecarset.Request{Namespace: pod.Namespace, Operation: sidecarset.Create, MatchedOnly: true}); err != nil && !isRefusal(err) {
						errs <- err
						return
					}
				}
			}
		}()
	}
	for i := range 20 {
		ss := &appsv1alpha1.SidecarSet{}
		name := ch.SidecarSets[i%len(ch.SidecarSets)].Name
		must(t, c.Get(ctx, client.ObjectKey{Name: name}, ss))
		ss.Spec.InjectionStrategy.Paused = !ss.Spec.InjectionStrategy.Paused
		must(t, c.Update(ctx, ss))
		snap.SidecarSetChanged(name)
		stepped(ctx, t, snap)
	}
	close(stop)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func isRefusal(err error) bool {
	var r *sidecarset.RefusalError
	return errors.As(err, &r)
}
