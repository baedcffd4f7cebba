package server

import (
	"context"
	"fmt"
	"sync"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/clusterstate"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// Snapshot is the cluster state the webhooks read, rebuilt from the cache after a change.
// Building the state once per change, not per request, keeps the admission path free of
// lists. The state is admitted by the pipeline, as stored (Kruise's webhooks, or sidecarctl's
// own, already ran on every object).
type Snapshot struct {
	reader client.Reader
	// opts are the pipeline options; Trust is always Stored.
	opts              pipeline.Options
	appPatchNamespace string

	mu         sync.Mutex
	dirty      bool
	current    *View
	generation uint64
}

// View is one consistent state: what the handlers, the mirror controller and the webhook
// configuration sync read.
type View struct {
	State      *pipeline.State
	Namespaces []*corev1.Namespace
}

// NewSnapshot returns a snapshot over reader (the manager's cache).
func NewSnapshot(reader client.Reader, opts pipeline.Options, appPatchNamespace string) *Snapshot {
	opts.Trust = pipeline.Stored
	return &Snapshot{reader: reader, opts: opts, appPatchNamespace: appPatchNamespace, dirty: true}
}

// Invalidate marks the snapshot stale; the next View rebuilds it.
func (s *Snapshot) Invalidate() {
	s.mu.Lock()
	s.dirty = true
	s.generation++
	s.mu.Unlock()
}

// Generation counts changes, so a poller can tell whether anything happened since it looked.
func (s *Snapshot) Generation() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.generation
}

// Watch registers Invalidate on the informers of every kind the snapshot reads.
func (s *Snapshot) Watch(ctx context.Context, c cache.Cache) error {
	handler := toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { s.Invalidate() },
		UpdateFunc: func(any, any) { s.Invalidate() },
		DeleteFunc: func(any) { s.Invalidate() },
	}
	for _, obj := range []client.Object{&appsv1alpha1.SidecarSet{}, &corev1.Namespace{}, &corev1.ConfigMap{},
		&appsv1.ControllerRevision{}, &bindingv1alpha1.SidecarSetResourceBinding{}} {
		inf, err := c.GetInformer(ctx, obj)
		if err != nil {
			return fmt.Errorf("watch %T: %w", obj, err)
		}
		if _, err := inf.AddEventHandler(handler); err != nil {
			return fmt.Errorf("watch %T: %w", obj, err)
		}
	}
	return nil
}

// View returns the current state, rebuilding it first if something changed.
func (s *Snapshot) View(ctx context.Context) (*View, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty && s.current != nil {
		return s.current, nil
	}
	// Clear dirty before listing: a change during the build marks it again.
	s.dirty = false
	v, err := s.build(ctx)
	if err != nil {
		s.dirty = true
		return nil, err
	}
	s.current = v
	return v, nil
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
	return &View{State: st, Namespaces: in.Namespaces}, nil
}

// NewStaticSnapshot returns a snapshot that always serves v: for tests and for offline use
// of the handlers.
func NewStaticSnapshot(v *View) *Snapshot {
	return &Snapshot{current: v}
}
