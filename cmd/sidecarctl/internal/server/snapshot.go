package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/clusterstate"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// Snapshot is the cluster state the webhooks read. Informer events are recorded as they
// come; a background worker (Start) turns them into a new state and swaps it in atomically,
// so an admission never builds anything: it reads the current state, which is at worst the
// previous one while a new one is built. A changed, added or deleted SidecarSet updates the
// state incrementally (pipeline.State.With: only that SidecarSet is admitted again); a
// Namespace, ConfigMap, ControllerRevision or binding change, or a burst of SidecarSet
// changes, rebuilds it from the cache. The state is admitted by the pipeline, as stored
// (Kruise's webhooks, or sidecarctl's own, already ran on every object).
type Snapshot struct {
	// Metrics, if set, times the worker's updates.
	Metrics *Metrics

	reader client.Reader
	// opts are the pipeline options; Trust is always Stored.
	opts              pipeline.Options
	appPatchNamespace string

	current atomic.Pointer[published]

	mu sync.Mutex
	// changed names the SidecarSets whose stored version may differ from the state's; full
	// asks for a rebuild. received counts the events recorded, applied those the current
	// state reflects.
	changed  map[string]bool
	full     bool
	received uint64
	applied  uint64
	// wake tells the worker there is work (capacity 1: events coalesce).
	wake chan struct{}
	// swapped is closed, and replaced, whenever a state is swapped in.
	swapped chan struct{}
	subs    []chan struct{}
	// builds counts full rebuilds and updates incremental ones (tests, metrics of a run);
	// generation the states swapped in.
	builds, updates, generation uint64
}

// published is one swapped-in state, or the error of the build that should have made it.
type published struct {
	view *View
	err  error
}

// View is one consistent state: what the handlers, the mirror controller and the webhook
// configuration sync read.
type View struct {
	State      *pipeline.State
	Namespaces []*corev1.Namespace
	// Generation counts the states swapped in.
	Generation uint64
}

// NewSnapshot returns a snapshot over reader (the manager's cache). It holds no state until
// Start built the first one.
func NewSnapshot(reader client.Reader, opts pipeline.Options, appPatchNamespace string) *Snapshot {
	opts.Trust = pipeline.Stored
	return &Snapshot{reader: reader, opts: opts, appPatchNamespace: appPatchNamespace, changed: map[string]bool{},
		full: true, wake: make(chan struct{}, 1), swapped: make(chan struct{})}
}

// NewStaticSnapshot returns a snapshot that always serves v: for tests and for offline use
// of the handlers.
func NewStaticSnapshot(v *View) *Snapshot {
	s := &Snapshot{changed: map[string]bool{}, wake: make(chan struct{}, 1), swapped: make(chan struct{})}
	s.current.Store(&published{view: v})
	return s
}

// Invalidate records a change that needs a full rebuild.
func (s *Snapshot) Invalidate() {
	s.record(func() { s.full = true })
}

// SidecarSetChanged records that the stored SidecarSet name was created, updated or deleted.
func (s *Snapshot) SidecarSetChanged(name string) {
	s.record(func() { s.changed[name] = true })
}

func (s *Snapshot) record(change func()) {
	s.mu.Lock()
	change()
	s.received++
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Subscribe returns a channel that receives a value after states are swapped in (at most one
// is pending: a slow reader sees one notification for several swaps).
func (s *Snapshot) Subscribe() <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs = append(s.subs, ch)
	s.mu.Unlock()
	return ch
}

// Watch registers the snapshot on the informers of every kind it reads.
func (s *Snapshot) Watch(ctx context.Context, c cache.Cache) error {
	invalidate := toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { s.Invalidate() },
		UpdateFunc: func(any, any) { s.Invalidate() },
		DeleteFunc: func(any) { s.Invalidate() },
	}
	sidecarSet := toolscache.ResourceEventHandlerFuncs{
		AddFunc:    s.sidecarSetEvent,
		UpdateFunc: func(_, obj any) { s.sidecarSetEvent(obj) },
		DeleteFunc: s.sidecarSetEvent,
	}
	for _, w := range []struct {
		obj     client.Object
		handler toolscache.ResourceEventHandler
	}{{clusterstate.SidecarSetObject(), sidecarSet}, {&corev1.Namespace{}, invalidate}, {&corev1.ConfigMap{}, invalidate},
		{&appsv1.ControllerRevision{}, invalidate}, {&bindingv1alpha1.SidecarSetResourceBinding{}, invalidate}} {
		inf, err := c.GetInformer(ctx, w.obj)
		if err != nil {
			return fmt.Errorf("watch %T: %w", w.obj, err)
		}
		if _, err := inf.AddEventHandler(w.handler); err != nil {
			return fmt.Errorf("watch %T: %w", w.obj, err)
		}
	}
	return nil
}

func (s *Snapshot) sidecarSetEvent(obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if ss, ok := obj.(client.Object); ok {
		s.SidecarSetChanged(ss.GetName())
		return
	}
	s.Invalidate()
}

// View returns the current state without waiting for changes being applied; before the first
// state exists it waits for it. A failed build is returned as the error until a build succeeds.
func (s *Snapshot) View(ctx context.Context) (*View, error) {
	for {
		if p := s.current.Load(); p != nil {
			return p.view, p.err
		}
		s.mu.Lock()
		swapped := s.swapped
		s.mu.Unlock()
		if p := s.current.Load(); p != nil {
			return p.view, p.err
		}
		select {
		case <-swapped:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the first cluster state: %w", ctx.Err())
		}
	}
}

// Fresh returns a state that reflects every event recorded before the call, waiting for the
// worker if needed: for the SidecarSet validator, which must see a binding applied just before
// the SidecarSet it authorizes. Pod admissions use View and never wait.
func (s *Snapshot) Fresh(ctx context.Context) (*View, error) {
	s.mu.Lock()
	want := s.received
	s.mu.Unlock()
	for {
		s.mu.Lock()
		applied, swapped := s.applied, s.swapped
		s.mu.Unlock()
		if applied >= want {
			return s.View(ctx)
		}
		select {
		case <-swapped:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the cluster state: %w", ctx.Err())
		}
	}
}

// NeedLeaderElection: every replica serves admissions from its own state.
func (s *Snapshot) NeedLeaderElection() bool { return false }

// Start runs the worker until ctx is done: the manager starts it once the cache is synced.
func (s *Snapshot) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("snapshot")
	retry := time.Duration(0)
	for {
		if err := s.Step(ctx); err != nil {
			log.Error(err, "build the cluster state")
			// Try again later even without a new event: the cache may have been incomplete.
			retry = min(max(2*retry, 100*time.Millisecond), 30*time.Second)
			time.AfterFunc(retry, s.Invalidate)
		} else {
			retry = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		}
	}
}

// incrementalLimit is the number of changed SidecarSets past which a rebuild is cheaper than
// admitting them one by one into a copy of the state (it grows with the state's size).
func incrementalLimit(stored int) int { return max(64, stored/8) }

// Step applies the recorded events once: an incremental update when only SidecarSets
// changed, a rebuild otherwise. Start calls it on every wake-up; tests call it directly.
func (s *Snapshot) Step(ctx context.Context) error {
	s.mu.Lock()
	names, full, seq := s.changed, s.full, s.received
	s.changed, s.full = map[string]bool{}, false
	s.mu.Unlock()
	cur := s.current.Load()
	if !full && len(names) == 0 && cur != nil {
		s.publish(nil, nil, seq)
		return nil
	}
	start := time.Now()
	var v *View
	var err error
	kind := "rebuild"
	if cur == nil || cur.err != nil || full || len(names) > incrementalLimit(len(cur.view.State.Created())) {
		v, err = s.build(ctx)
	} else {
		kind = "incremental"
		v, err = s.update(ctx, cur.view, names)
		if errors.Is(err, pipeline.ErrNotIncremental) {
			kind = "rebuild"
			v, err = s.build(ctx)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil // shutting down: the state in place stays
		}
		// A state that cannot be built fails the admissions that need it, as before the
		// change: serving the previous one would hide the change it misses.
		s.publish(&published{err: err}, nil, seq)
		s.observe("failed", start)
		return err
	}
	if cur != nil && v == cur.view {
		s.publish(nil, nil, seq)
		return nil
	}
	v.State.Warm()
	s.publish(&published{view: v}, v, seq)
	s.observe(kind, start)
	return nil
}

func (s *Snapshot) observe(kind string, start time.Time) {
	if s.Metrics != nil {
		s.Metrics.StateUpdates.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	}
}

// publish swaps p in (nil: nothing changed) and wakes whoever waits.
func (s *Snapshot) publish(p *published, v *View, seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p != nil {
		if v != nil {
			s.generation++
			v.Generation = s.generation
		}
		s.current.Store(p)
	}
	s.applied = max(s.applied, seq)
	close(s.swapped)
	s.swapped = make(chan struct{})
	if p == nil {
		return
	}
	for _, ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// build reads what the cache holds, as the CLI's --from-cluster reads a cluster, and admits
// it through the pipeline.
func (s *Snapshot) build(ctx context.Context) (*View, error) {
	in, err := clusterstate.Read(ctx, s.reader, clusterstate.Options{AppPatchNamespace: s.appPatchNamespace})
	if err != nil {
		return nil, err
	}
	st, err := pipeline.Admit(in, s.opts)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.builds++
	s.mu.Unlock()
	return &View{State: st, Namespaces: in.Namespaces}, nil
}

// update admits the SidecarSets named into a copy of cur's state, as the cache now holds
// them; one the cache no longer holds is deleted, one it holds as the state does is left.
func (s *Snapshot) update(ctx context.Context, cur *View, names map[string]bool) (*View, error) {
	var changed []pipeline.Creation
	var deleted []string
	engine := cur.State.SidecarSets()
	for name := range names {
		c, err := clusterstate.ReadSidecarSet(ctx, s.reader, name)
		switch {
		case apierrors.IsNotFound(err):
			if _, ok := engine.SidecarSet(name); ok {
				deleted = append(deleted, name)
			}
			continue
		case err != nil:
			return nil, fmt.Errorf("get sidecarset %s: %w", name, err)
		}
		if old, ok := engine.SidecarSet(name); ok && old.UID == c.SidecarSet.UID && old.ResourceVersion == c.SidecarSet.ResourceVersion {
			continue
		}
		changed = append(changed, c)
	}
	if len(changed) == 0 && len(deleted) == 0 {
		return cur, nil // cur itself: nothing to swap
	}
	st, err := cur.State.With(changed, deleted)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.updates++
	s.mu.Unlock()
	return &View{State: st, Namespaces: cur.Namespaces}, nil
}

// Ready is a readyz check: the server is ready once it holds a state.
func (s *Snapshot) Ready(*http.Request) error {
	if p := s.current.Load(); p == nil || p.err != nil {
		return errors.New("no cluster state yet")
	}
	return nil
}

// Stats returns how many full rebuilds and incremental updates the snapshot made.
func (s *Snapshot) Stats() (builds, updates uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.builds, s.updates
}
