package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/sidecarctl/sidecarctl/binding"
	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

// faultBindingDeleted deletes, mid-run, the binding that authorizes a SidecarSet's
// reference to a ConfigMap of another namespace: the mirrors are removed, and the pods
// created afterwards are refused instead of being given a reference that no longer resolves.
// The pods created before it mount the mirror.
func faultBindingDeleted(ctx context.Context, t *testing.T, fc *faultCluster) {
	const (
		ns     = "fault-binding"
		source = "fault-binding-source"
	)
	ensureNamespace(ctx, t, fc.c, ns, nil)
	ensureNamespace(ctx, t, fc.c, source, nil)
	if err := fc.c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: source, Name: "shared"},
		Data: map[string]string{"agent.conf": "level=info"}}); err != nil {
		t.Fatal(err)
	}
	b := &bindingv1alpha1.SidecarSetResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: source, Name: "agent"},
		Spec: bindingv1alpha1.SidecarSetResourceBindingSpec{
			Subjects:     []bindingv1alpha1.Subject{{Kind: bindingv1alpha1.SubjectKindSidecarSet, Name: ns}},
			ResourceRefs: []bindingv1alpha1.ResourceRef{{Kind: bindingv1alpha1.ResourceKindConfigMap, Name: "shared"}}}}
	if err := fc.c.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	c := agent("agent", "agent:1")
	c.VolumeMounts = []corev1.VolumeMount{{Name: "shared", MountPath: "/etc/agent"}}
	ss := newFaultSidecarSet(ns, ns, c)
	ss.Spec.Volumes = []corev1.Volume{{Name: "shared", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: source + "/shared"}}}}}
	fc.createFaultSidecarSet(ctx, t, ss)
	mirror := client.ObjectKey{Namespace: ns, Name: binding.MirrorName(source, "shared")}
	waitFor(ctx, t, "the mirror "+mirror.String(), func() (bool, error) {
		return fc.c.Get(ctx, mirror, &corev1.ConfigMap{}) == nil, nil
	})

	calls := fc.mustWebhookCalls(ctx, t)
	start := time.Now()
	l := startLoad(ctx, t, fc.c, faultLoad(ns, ns, 400))
	l.waitMore(ctx, t, 60)
	deleted := time.Now()
	if err := fc.c.Delete(ctx, b); err != nil {
		t.Fatalf("delete binding: %v", err)
	}
	waitFor(ctx, t, "the mirror to be removed", func() (bool, error) {
		return apierrors.IsNotFound(fc.c.Get(ctx, mirror, &corev1.ConfigMap{})), nil
	})
	fc.waitReplicas(ctx, t, "every replica to refuse the SidecarSet's pods", probePod(ss), func(allowed, _ bool) bool {
		return !allowed
	})
	refusing := time.Now()
	l.endAfter(60)
	l.wait()

	n, problems, err := l.tally(ctx, func(pod *corev1.Pod) error {
		if _, err := injectedOnce(pod, ns, "agent"); err != nil {
			return err
		}
		for _, v := range pod.Spec.Volumes {
			if v.Name == "shared" && v.ConfigMap != nil && v.ConfigMap.Name != mirror.Name {
				return fmt.Errorf("volume shared mounts ConfigMap %q, want the mirror %q", v.ConfigMap.Name, mirror.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n.calls = fc.mustWebhookCalls(ctx, t) - calls
	problems = append(problems, refusedUnrelated(l)...)
	before, after := 0, 0
	for _, run := range l.runs {
		if !run.matching || len(run.attempts) == 0 {
			continue
		}
		a := run.last()
		switch {
		case a.start.Before(deleted) && a.outcome != created:
			problems = append(problems, fmt.Sprintf("%s: refused before the binding was deleted: %s", run.name, a.err))
		case a.start.Before(deleted):
			before++
		case a.start.After(refusing) && a.outcome != denied:
			problems = append(problems, fmt.Sprintf("%s: created after every replica refused the SidecarSet's pods", run.name))
		case a.start.After(refusing):
			after++
		}
	}
	report(t, "binding deleted", n, problems)
	t.Logf("binding deleted: %d matching pods created before the deletion, %d refused after every replica saw it", before, after)
	if n.errors != 0 || n.refused != n.denied {
		t.Errorf("want no API errors and no failed webhook call: %s", n)
	}
	if want := sent(l, start); int(n.calls) != want {
		t.Errorf("the API server called the pod webhook %.0f times, want %d", n.calls, want)
	}
	if before == 0 || after == 0 {
		t.Errorf("%d matching pods before the deletion, %d after: want some of each", before, after)
	}
}
