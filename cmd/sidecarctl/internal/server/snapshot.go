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
	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/injector"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/translate"
)

// Snapshot is the cluster state the webhooks read, rebuilt from the cache after a change.
// Building a State once per change, not per request, keeps the admission path free of lists.
type Snapshot struct {
	reader client.Reader
	opts   sidecarset.Options
	// injectSidecarSets is false in Kruise mode, where Kruise's own webhook injects them.
	injectSidecarSets bool
	appPatchNamespace string

	mu         sync.Mutex
	dirty      bool
	current    *View
	generation uint64
}

// View is one consistent state: what Injector and the validators read.
type View struct {
	Injector *injector.Injector
	// Full holds every SidecarSet even in Kruise mode (for validation and binding checks).
	Full       *sidecarset.State
	Bindings   []bindingv1alpha1.SidecarSetResourceBinding
	Namespaces []*corev1.Namespace
}

// NewSnapshot returns a snapshot over reader (the manager's cache).
func NewSnapshot(reader client.Reader, opts sidecarset.Options, injectSidecarSets bool, appPatchNamespace string) *Snapshot {
	return &Snapshot{reader: reader, opts: opts, injectSidecarSets: injectSidecarSets, appPatchNamespace: appPatchNamespace, dirty: true}
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

func (s *Snapshot) build(ctx context.Context) (*View, error) {
	full := sidecarset.NewState(s.opts)
	inject := full
	if !s.injectSidecarSets {
		inject = sidecarset.NewState(s.opts)
	}
	var namespaces corev1.NamespaceList
	if err := s.reader.List(ctx, &namespaces); err != nil {
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	var nsList []*corev1.Namespace
	for i := range namespaces.Items {
		nsList = append(nsList, &namespaces.Items[i])
		full.AddNamespace(&namespaces.Items[i])
		if inject != full {
			inject.AddNamespace(&namespaces.Items[i])
		}
	}
	var revisions appsv1.ControllerRevisionList
	if err := s.reader.List(ctx, &revisions, client.InNamespace(sidecarset.KruiseNamespace)); err != nil {
		return nil, fmt.Errorf("list controllerrevisions: %w", err)
	}
	for i := range revisions.Items {
		full.AddControllerRevision(&revisions.Items[i])
	}
	v := &View{Full: full, Injector: &injector.Injector{State: inject}, Namespaces: nsList}
	var kruiseConfig corev1.ConfigMap
	if err := s.reader.Get(ctx, client.ObjectKey{Namespace: sidecarset.KruiseNamespace, Name: sidecarset.KruiseConfigurationName}, &kruiseConfig); err == nil {
		full.AddConfigMap(&kruiseConfig)
	} else if client.IgnoreNotFound(err) != nil {
		return nil, fmt.Errorf("get kruise-configuration: %w", err)
	}
	var patches corev1.ConfigMap
	if err := s.reader.Get(ctx, client.ObjectKey{Namespace: s.appPatchNamespace, Name: translate.AppPatchConfigMapName}, &patches); err == nil {
		loaded, err := translate.LoadAppPatches(&patches)
		if err != nil {
			return nil, fmt.Errorf("configmap %s/%s: %w", s.appPatchNamespace, translate.AppPatchConfigMapName, err)
		}
		v.Injector.AppPatches = loaded
	} else if client.IgnoreNotFound(err) != nil {
		return nil, fmt.Errorf("get app patches: %w", err)
	}
	var sets appsv1alpha1.SidecarSetList
	if err := s.reader.List(ctx, &sets); err != nil {
		return nil, fmt.Errorf("list sidecarsets: %w", err)
	}
	for i := range sets.Items {
		ss := sets.Items[i].DeepCopy()
		// Without Kruise nobody else defaults a SidecarSet that predates sidecarctl's own
		// mutating webhook; default it here so injection sees what Kruise would.
		if _, ok := ss.Annotations[sidecarset.AnnotationHash]; !ok && !s.opts.SkipDefaulting {
			sidecarset.Default(ss, s.opts.Version)
			if err := sidecarset.SetHashAnnotations(ss, s.opts.Version); err != nil {
				return nil, err
			}
		}
		full.Store(ss)
	}
	var bindings bindingv1alpha1.SidecarSetResourceBindingList
	if err := s.reader.List(ctx, &bindings); err != nil {
		return nil, fmt.Errorf("list sidecarsetresourcebindings: %w", err)
	}
	v.Bindings = bindings.Items
	return v, nil
}

// NewStaticSnapshot returns a snapshot that always serves v: for tests and for offline use
// of the handlers.
func NewStaticSnapshot(v *View) *Snapshot {
	return &Snapshot{current: v}
}
