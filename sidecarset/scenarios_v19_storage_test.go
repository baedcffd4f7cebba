package sidecarset_test

import (
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// Kruise v1.9 stores SidecarSets as v1beta1 (sidecarset/BEHAVIOUR.md §8.2, §8.3).

// TestV19Namespace is §8.9 scenarios 7-9: spec.namespace is stored as a namespaceSelector, so
// it needs the Namespace object, may stand next to a namespaceSelector, and overlaps more.
func TestV19Namespace(t *testing.T) {
	t.Parallel()
	ns1 := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns1", Labels: map[string]string{"kubernetes.io/metadata.name": "ns1"}}}
	scoped := func() *appsv1alpha1.SidecarSet {
		ss := sidecarSet("ss-old", sc("shared-name", ""))
		ss.Spec.Namespace = "ns1"
		return ss
	}
	pod := appPod("app")
	pod.Namespace = "ns1"
	for _, tc := range []struct {
		name       string
		opts       sidecarset.Options
		namespaces []*corev1.Namespace
		injected   bool
	}{
		{"v1.8, Namespace cached", v18, []*corev1.Namespace{ns1}, true},
		{"v1.8, Namespace not cached", v18, nil, true},
		{"v1.9, Namespace cached", v19, []*corev1.Namespace{ns1}, true},
		{"v1.9, Namespace not cached", v19, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := cluster{opts: tc.opts, namespaces: tc.namespaces, create: []*appsv1alpha1.SidecarSet{scoped()}}
			st := c.state(t)
			if tc.opts.Version == sidecarset.KruiseV19 {
				stored, _ := st.SidecarSet("ss-old")
				if stored.Spec.Namespace != "" || stored.Spec.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "ns1" {
					t.Errorf("stored spec: namespace %q, selector %v; want the selector form", stored.Spec.Namespace, stored.Spec.NamespaceSelector)
				}
			}
			res, err := sidecarset.Inject(st, pod, sidecarset.Request{})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Pod.Spec.Containers) == 2; got != tc.injected {
				t.Errorf("injected = %v, want %v", got, tc.injected)
			}
		})
	}

	t.Run("namespace and namespaceSelector", func(t *testing.T) {
		t.Parallel()
		both := scoped()
		both.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}
		if _, err := sidecarset.NewState(v18).Create(both); err == nil {
			t.Error("v1.8 accepts namespace with namespaceSelector")
		}
		stored, err := sidecarset.NewState(v19).Create(both)
		if err != nil {
			t.Fatalf("v1.9: %v", err)
		}
		if got := stored.Spec.NamespaceSelector.MatchLabels; len(got) != 1 || got["kubernetes.io/metadata.name"] != "ns1" {
			t.Errorf("v1.9 selector = %v, want only kubernetes.io/metadata.name=ns1", got)
		}
	})

	t.Run("overlap", func(t *testing.T) {
		t.Parallel()
		prod := sidecarSet("ss-new", sc("shared-name", ""))
		prod.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}
		for _, opts := range []sidecarset.Options{v18, v19} {
			st := sidecarset.NewState(opts)
			st.AddNamespace(ns1)
			if _, err := st.Create(scoped()); err != nil {
				t.Fatal(err)
			}
			_, err := st.Create(prod)
			if refused := err != nil; refused != (opts.Version == sidecarset.KruiseV19) {
				t.Errorf("%s: err = %v", opts.Version, err)
			}
			if err != nil && !strings.Contains(err.Error(), "container shared-name already exist in ss-old") {
				t.Errorf("%s: err = %v", opts.Version, err)
			}
		}
	})
}

// TestV19CustomVersion: the custom-version label is spec.customVersion in v1beta1, so the
// revision is labelled with it, and an empty label, which has no v1beta1 form, is lost
// (sidecarset/BEHAVIOUR.md §8.2).
func TestV19CustomVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts      sidecarset.Options
		label     string
		wantLabel bool
	}{
		{v18, "", true}, {v19, "", false}, {v19, "v1", true},
	} {
		opts := tc.opts
		opts.RecordRevisions = true
		st := sidecarset.NewState(opts)
		ss := sidecarSet("ss", sc("proxy", ""))
		ss.Labels = map[string]string{kruisev1beta1.LabelCustomVersion: tc.label}
		stored, err := st.Create(ss)
		if err != nil {
			t.Fatal(err)
		}
		_, has := stored.Labels[kruisev1beta1.LabelCustomVersion]
		revLabel, revHas := st.ControllerRevisions()[0].Labels[kruisev1beta1.LabelCustomVersion]
		if has != tc.wantLabel || revHas != tc.wantLabel || (revHas && revLabel != tc.label) {
			t.Errorf("%s, label %q: stored %v, revision %v %q; want %v", opts.Version, tc.label, has, revHas, revLabel, tc.wantLabel)
		}
	}
}
