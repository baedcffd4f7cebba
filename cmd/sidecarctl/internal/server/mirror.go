package server

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/sidecarctl/sidecarctl/binding"
	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/platform"
)

// Labels on mirrored objects: who owns them and what they copy.
const (
	LabelMirror          = "sidecarctl.dev/mirror"
	LabelMirrorNamespace = "sidecarctl.dev/mirror-of-namespace"
	LabelMirrorName      = "sidecarctl.dev/mirror-of-name"
	labelManagedBy       = "app.kubernetes.io/managed-by"
)

// mirrorKey identifies one wanted copy.
type mirrorKey struct {
	kind            bindingv1alpha1.ResourceKind
	targetNamespace string
	source          client.ObjectKey
}

// desiredMirrors lists the copies the SidecarSets need: every authorized cross-namespace
// reference, in every namespace the SidecarSet can inject into (as the engine's namespace
// filter says). Nothing is copied without a binding that authorizes it.
func desiredMirrors(st *pipeline.State, namespaces []*corev1.Namespace, excluded map[string]bool) map[mirrorKey]bool {
	out := map[mirrorKey]bool{}
	engine := st.SidecarSets()
	for _, ss := range engine.SidecarSets() {
		if platform.SelectorRequiresVirtualNode(ss.Spec.Selector) {
			continue // only virtual-node pods, which read namespace/name natively
		}
		unauthorized := map[string]bool{}
		for _, f := range st.Unauthorized(ss.Name) {
			unauthorized[f.Field] = true
		}
		for _, ref := range binding.References(ss) {
			if ref.Malformed() || unauthorized[ref.Path.String()] {
				continue
			}
			for _, ns := range namespaces {
				if excluded[ns.Name] || ns.Name == ref.Namespace || !engine.ReachesNamespace(ss, ns.Name) {
					continue
				}
				out[mirrorKey{kind: ref.Kind, targetNamespace: ns.Name, source: client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}}] = true
			}
		}
	}
	return out
}

// Mirrorer keeps the copies in step with their sources and deletes copies nothing needs. It
// runs on the leader; it reads Secrets with a direct client so no Secret is ever cached.
type Mirrorer struct {
	Client client.Client
	// Watcher, when set, watches the metadata of each source a copy is made of (one watch
	// per source, by name: nothing is cached), so that a changed source is copied at once;
	// without it a source's change reaches its copies at the next Resync.
	Watcher  client.WithWatch
	Snapshot *Snapshot
	Excluded map[string]bool
	// Resync is how often the copies are reconciled without any event (a copy deleted or
	// edited by hand); ten minutes when zero.
	Resync time.Duration

	sources *sourceWatches
}

// NeedLeaderElection: one replica writes the copies.
func (m *Mirrorer) NeedLeaderElection() bool { return true }

// Start reconciles once, then whenever the snapshot swaps in a new state or a source changes,
// and every Resync.
func (m *Mirrorer) Start(ctx context.Context) error {
	changed := make(chan struct{}, 1)
	notify := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	if m.Watcher != nil {
		m.sources = newSourceWatches(m.Watcher, notify)
		defer m.sources.stop()
	}
	swapped := m.Snapshot.Subscribe()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-swapped:
				notify()
			}
		}
	}()
	return runOnChange(ctx, changed, m.Resync, "mirror", "mirror cross-namespace references", m.Reconcile)
}

// Reconcile creates, updates and garbage-collects the copies once.
func (m *Mirrorer) Reconcile(ctx context.Context) error {
	view, err := m.Snapshot.View(ctx)
	if err != nil {
		return err
	}
	desired := desiredMirrors(view.State, view.Namespaces, m.Excluded)
	keys := make([]mirrorKey, 0, len(desired))
	for k := range desired {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	if m.sources != nil {
		m.sources.set(ctx, keys)
	}
	for _, k := range keys {
		if err := m.sync(ctx, k); err != nil {
			return err
		}
	}
	return m.collect(ctx, desired)
}

func mirrorLabels(k mirrorKey) map[string]string {
	return map[string]string{labelManagedBy: "sidecarctl", LabelMirror: "true",
		LabelMirrorNamespace: k.source.Namespace, LabelMirrorName: k.source.Name}
}

func (m *Mirrorer) sync(ctx context.Context, k mirrorKey) error {
	target := client.ObjectKey{Namespace: k.targetNamespace, Name: binding.MirrorName(k.source.Namespace, k.source.Name)}
	switch k.kind {
	case bindingv1alpha1.ResourceKindSecret:
		var src corev1.Secret
		if err := m.Client.Get(ctx, k.source, &src); err != nil {
			return client.IgnoreNotFound(err) // a missing source: pods fail to mount as they would anyway
		}
		want := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: target.Namespace, Name: target.Name, Labels: mirrorLabels(k)},
			Type: src.Type, Data: src.Data, Immutable: src.Immutable}
		return m.upsert(ctx, want, &corev1.Secret{}, func(cur client.Object) bool {
			s := cur.(*corev1.Secret)
			if equalBytesMap(s.Data, src.Data) && equalStrings(s.Labels, want.Labels) {
				return false
			}
			s.Data, s.Labels = src.Data, want.Labels
			return true
		})
	default:
		var src corev1.ConfigMap
		if err := m.Client.Get(ctx, k.source, &src); err != nil {
			return client.IgnoreNotFound(err)
		}
		want := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: target.Namespace, Name: target.Name, Labels: mirrorLabels(k)},
			Data: src.Data, BinaryData: src.BinaryData}
		return m.upsert(ctx, want, &corev1.ConfigMap{}, func(cur client.Object) bool {
			c := cur.(*corev1.ConfigMap)
			if equalStrings(c.Data, src.Data) && equalBytesMap(c.BinaryData, src.BinaryData) && equalStrings(c.Labels, want.Labels) {
				return false
			}
			c.Data, c.BinaryData, c.Labels = src.Data, src.BinaryData, want.Labels
			return true
		})
	}
}

func (m *Mirrorer) upsert(ctx context.Context, want, cur client.Object, update func(client.Object) bool) error {
	err := m.Client.Get(ctx, client.ObjectKeyFromObject(want), cur)
	if apierrors.IsNotFound(err) {
		return m.Client.Create(ctx, want)
	}
	if err != nil {
		return err
	}
	if cur.GetLabels()[LabelMirror] != "true" {
		return fmt.Errorf("%s/%s exists and is not a sidecarctl mirror; not overwriting it", want.GetNamespace(), want.GetName())
	}
	if !update(cur) {
		return nil
	}
	return m.Client.Update(ctx, cur)
}

// collect deletes mirrors that no authorized reference needs any more (binding removed,
// SidecarSet deleted or changed).
func (m *Mirrorer) collect(ctx context.Context, desired map[mirrorKey]bool) error {
	sel := client.MatchingLabels{LabelMirror: "true", labelManagedBy: "sidecarctl"}
	var cms corev1.ConfigMapList
	if err := m.Client.List(ctx, &cms, sel); err != nil {
		return err
	}
	for i := range cms.Items {
		if !desired[keyOf(bindingv1alpha1.ResourceKindConfigMap, &cms.Items[i])] {
			if err := client.IgnoreNotFound(m.Client.Delete(ctx, &cms.Items[i])); err != nil {
				return err
			}
		}
	}
	var secrets corev1.SecretList
	if err := m.Client.List(ctx, &secrets, sel); err != nil {
		return err
	}
	for i := range secrets.Items {
		if !desired[keyOf(bindingv1alpha1.ResourceKindSecret, &secrets.Items[i])] {
			if err := client.IgnoreNotFound(m.Client.Delete(ctx, &secrets.Items[i])); err != nil {
				return err
			}
		}
	}
	return nil
}

func keyOf(kind bindingv1alpha1.ResourceKind, obj client.Object) mirrorKey {
	l := obj.GetLabels()
	k := mirrorKey{kind: kind, targetNamespace: obj.GetNamespace(), source: client.ObjectKey{Namespace: l[LabelMirrorNamespace], Name: l[LabelMirrorName]}}
	if obj.GetName() != binding.MirrorName(k.source.Namespace, k.source.Name) {
		return mirrorKey{} // not a name this controller writes: never desired
	}
	return k
}

func equalStrings(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func equalBytesMap(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || string(w) != string(v) {
			return false
		}
	}
	return true
}
