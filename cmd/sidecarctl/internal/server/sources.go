package server

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

// sourceKey is one ConfigMap or Secret copies are made of.
type sourceKey struct {
	kind   bindingv1alpha1.ResourceKind
	source client.ObjectKey
}

// sourceWatches keeps one metadata watch per source of the mirror controller's copies, by
// field selector on the name: the controller hears of a change at once without caching any
// ConfigMap or Secret (a watch event of the metadata carries no data).
type sourceWatches struct {
	client  client.WithWatch
	changed func()

	mu      sync.Mutex
	running map[sourceKey]context.CancelFunc
	wg      sync.WaitGroup
}

func newSourceWatches(c client.WithWatch, changed func()) *sourceWatches {
	return &sourceWatches{client: c, changed: changed, running: map[sourceKey]context.CancelFunc{}}
}

// set watches the sources of keys, and stops watching any other.
func (w *sourceWatches) set(ctx context.Context, keys []mirrorKey) {
	want := map[sourceKey]bool{}
	for _, k := range keys {
		want[sourceKey{kind: k.kind, source: k.source}] = true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, cancel := range w.running {
		if !want[k] {
			cancel()
			delete(w.running, k)
		}
	}
	for k := range want {
		if _, ok := w.running[k]; ok {
			continue
		}
		wctx, cancel := context.WithCancel(ctx)
		w.running[k] = cancel
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.watch(wctx, k)
		}()
	}
}

// stop ends every watch and waits for them.
func (w *sourceWatches) stop() {
	w.mu.Lock()
	for k, cancel := range w.running {
		cancel()
		delete(w.running, k)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// watch follows one source until ctx is done. The API server ends a watch after a while; each
// new one costs one reconcile.
func (w *sourceWatches) watch(ctx context.Context, k sourceKey) {
	list := &metav1.PartialObjectMetadataList{}
	kind := "ConfigMapList"
	if k.kind == bindingv1alpha1.ResourceKindSecret {
		kind = "SecretList"
	}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(kind))
	var backoff time.Duration
	for ctx.Err() == nil {
		wi, err := w.client.Watch(ctx, list, client.InNamespace(k.source.Namespace),
			client.MatchingFields{"metadata.name": k.source.Name})
		if err != nil {
			backoff = min(max(2*backoff, 100*time.Millisecond), 30*time.Second)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		// The source may have changed between the copy's last read and this watch: reconcile
		// once (an API server also starts the watch with an ADDED event of the source).
		w.changed()
		w.follow(ctx, wi)
	}
}

func (w *sourceWatches) follow(ctx context.Context, wi watch.Interface) {
	defer wi.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-wi.ResultChan():
			if !ok {
				return
			}
			if ev.Type != watch.Bookmark {
				w.changed()
			}
		}
	}
}
