package server

import (
	"context"
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// eventually polls cond (the test's own wait; the code under test is event-driven).
func eventually(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	}); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// run starts a runnable for the test's lifetime.
func run(ctx context.Context, t *testing.T, start func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := start(ctx); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// TestWebhookSyncFollowsEvents: with an hour's resync, the configuration follows a new
// SidecarSet and a Namespace's labels as soon as the snapshot swaps in the state that has
// them, and its digests are that state's.
func TestWebhookSyncFollowsEvents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := fakeCluster(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}})
	snap := newTestSnapshot(c)
	sync := &WebhookSync{Client: c, Snapshot: snap, Resync: time.Hour,
		Options: WebhookConfigOptions{Name: "sidecarctl", URL: "https://127.0.0.1:9443", Mode: Standalone}}
	run(ctx, t, snap.Start)
	run(ctx, t, sync.Start)
	config := func() *admissionregistrationv1.MutatingWebhookConfiguration {
		m := &admissionregistrationv1.MutatingWebhookConfiguration{}
		if err := c.Get(ctx, client.ObjectKey{Name: "sidecarctl"}, m); err != nil {
			return nil
		}
		return m
	}
	digestOf := func(sets ...*appsv1alpha1.SidecarSet) string { return SidecarSetsDigest(sets) }
	eventually(ctx, t, "the first configuration", func() bool {
		m := config()
		return m != nil && m.Annotations[ObservedSidecarSetsAnnotation] == digestOf()
	})

	ss := filebeatSet(map[string]string{"app": "web"})
	ss.Spec.Volumes = nil
	must(t, c.Create(ctx, ss))
	snap.SidecarSetChanged(ss.Name)
	eventually(ctx, t, "the configuration to cover the SidecarSet", func() bool {
		m := config()
		return m != nil && m.Annotations[ObservedSidecarSetsAnnotation] == digestOf(ss) && len(m.Webhooks) == 2
	})
	v, err := snap.View(ctx)
	must(t, err)
	if _, ok := v.State.SidecarSets().SidecarSet(ss.Name); !ok {
		t.Error("the configuration covers a SidecarSet the served state lacks")
	}

	ns := &corev1.Namespace{}
	must(t, c.Get(ctx, client.ObjectKey{Name: "shop"}, ns))
	ns.Labels = map[string]string{"team": "shop"}
	must(t, c.Update(ctx, ns))
	snap.Invalidate()
	eventually(ctx, t, "the namespaces digest", func() bool {
		m := config()
		return m != nil && m.Annotations[ObservedNamespacesAnnotation] == NamespacesDigest([]*corev1.Namespace{ns})
	})
}

// TestMirrorFollowsEvents: with an hour's resync, a copy is made when the state authorizes
// it, follows its source through the source's watch, and goes with its binding.
func TestMirrorFollowsEvents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	source := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "filebeat-config"}, Data: map[string]string{"k": "v1"}}
	b := filebeatBinding.DeepCopy()
	c := fakeCluster(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}}, source, b, filebeatSet(map[string]string{"app": "web"}))
	snap := newTestSnapshot(c)
	m := &Mirrorer{Client: c, Watcher: c, Snapshot: snap, Resync: time.Hour}
	run(ctx, t, snap.Start)
	run(ctx, t, m.Start)
	copyKey := client.ObjectKey{Namespace: "shop", Name: "sidecarctl-kube-system.filebeat-config"}
	data := func() string {
		cm := &corev1.ConfigMap{}
		if err := c.Get(ctx, copyKey, cm); err != nil {
			if apierrors.IsNotFound(err) {
				return "<none>"
			}
			return err.Error()
		}
		return cm.Data["k"]
	}
	eventually(ctx, t, "the copy", func() bool { return data() == "v1" })

	source.Data["k"] = "v2"
	must(t, c.Update(ctx, source))
	eventually(ctx, t, "the copy to follow its source", func() bool { return data() == "v2" })

	must(t, c.Delete(ctx, b))
	snap.Invalidate()
	eventually(ctx, t, "the copy to go with its binding", func() bool { return data() == "<none>" })
}
