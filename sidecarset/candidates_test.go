package sidecarset_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// agree injects pod with and without MatchedOnly and checks that the index changes nothing:
// same pod, same error, the matched decisions in the same order, and every other decision
// counted under its reason.
func agree(t *testing.T, st *sidecarset.State, pod *corev1.Pod, req sidecarset.Request) {
	t.Helper()
	full, fullErr := sidecarset.Inject(st, pod, req)
	req.MatchedOnly = true
	lean, leanErr := sidecarset.Inject(st, pod, req)
	if fmt.Sprint(fullErr) != fmt.Sprint(leanErr) {
		t.Fatalf("error: full walk %v, MatchedOnly %v", fullErr, leanErr)
	}
	if fullErr != nil {
		return
	}
	var matched []sidecarset.Decision
	skipped := map[finding.Code]int{}
	for _, d := range full.Decisions {
		switch d.Reason {
		case finding.Injected, finding.PinnedRevision, finding.MatchedNothingToInject:
			matched = append(matched, d)
		default:
			if d.Injected {
				matched = append(matched, d)
			} else {
				skipped[d.Reason]++
			}
		}
	}
	if diff := cmp.Diff(matched, lean.Decisions); diff != "" {
		t.Errorf("matched decisions (-full +MatchedOnly):\n%s", diff)
	}
	if diff := cmp.Diff(skipped, lean.Skipped); diff != "" {
		t.Errorf("skipped counts (-full +MatchedOnly):\n%s", diff)
	}
	if diff := cmp.Diff(full.Pod, lean.Pod); diff != "" {
		t.Errorf("pod (-full +MatchedOnly):\n%s", diff)
	}
	if full.Changed != lean.Changed {
		t.Errorf("changed: full %v, MatchedOnly %v", full.Changed, lean.Changed)
	}
}

func TestMatchedOnlyAgreesOnCorpus(t *testing.T) {
	t.Parallel()
	cases, err := sidecarsettest.Cases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, v := range []sidecarset.Version{sidecarset.KruiseV18, sidecarset.KruiseV13} {
			t.Run(c.Name+"/"+string(v), func(t *testing.T) {
				t.Parallel()
				st := sidecarset.NewState(sidecarset.Options{Version: v, FeatureGates: sidecarset.FeatureGates(c.FeatureGates),
					Now: fixedTime, SkipValidation: true, RecordRevisions: c.SidecarSetController})
				if err := c.Admit(st); err != nil {
					t.Skipf("state refused: %v", err)
				}
				op := sidecarset.Create
				if c.Operation == "UPDATE" {
					op = sidecarset.Update
				}
				agree(t, st, c.Pod, sidecarset.Request{Namespace: c.Pod.Namespace, Operation: op})
			})
		}
	}
}

// TestMatchedOnlyAgreesOnSelectors covers what the index files differently: In, Exists,
// NotIn-only and empty selectors, paused sets, namespaceSelector by name and by label,
// spec.namespace, a bad selector, and a shared common label.
func TestMatchedOnlyAgreesOnSelectors(t *testing.T) {
	t.Parallel()
	sel := func(ml map[string]string, exprs ...metav1.LabelSelectorRequirement) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: ml, MatchExpressions: exprs}
	}
	req := func(key string, op metav1.LabelSelectorOperator, values ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	set := func(name string, s *metav1.LabelSelector, mutate ...func(*appsv1alpha1.SidecarSet)) *appsv1alpha1.SidecarSet {
		ss := &appsv1alpha1.SidecarSet{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1alpha1.SidecarSetSpec{
			Selector:   s,
			Containers: []appsv1alpha1.SidecarContainer{{Container: corev1.Container{Name: name + "-c", Image: "busybox"}}},
		}}
		for _, m := range mutate {
			m(ss)
		}
		return ss
	}
	inNS := func(ns string) func(*appsv1alpha1.SidecarSet) {
		return func(ss *appsv1alpha1.SidecarSet) { ss.Spec.Namespace = ns }
	}
	nsSel := func(s *metav1.LabelSelector) func(*appsv1alpha1.SidecarSet) {
		return func(ss *appsv1alpha1.SidecarSet) { ss.Spec.NamespaceSelector = s }
	}
	paused := func(ss *appsv1alpha1.SidecarSet) { ss.Spec.InjectionStrategy.Paused = true }
	sets := []*appsv1alpha1.SidecarSet{
		set("z-eq", sel(map[string]string{"app": "web"})),
		set("y-in", sel(nil, req("app", metav1.LabelSelectorOpIn, "db", "web"))),
		set("x-exists", sel(nil, req("tier", metav1.LabelSelectorOpExists))),
		set("w-notin", sel(nil, req("tier", metav1.LabelSelectorOpNotIn, "batch"))),
		set("v-empty", sel(nil)),
		set("u-nil", nil),
		set("t-paused", sel(map[string]string{"app": "web"}), paused),
		set("s-ns", sel(map[string]string{"app": "web"}), inNS("prod")),
		set("r-other-ns", sel(map[string]string{"app": "web"}), inNS("dev")),
		set("q-nssel-name", sel(map[string]string{"app": "web"}), nsSel(sel(map[string]string{corev1.LabelMetadataName: "prod"}))),
		set("p-nssel-label", sel(map[string]string{"app": "web"}), nsSel(sel(map[string]string{"env": "prod"}))),
		set("o-nssel-miss", sel(map[string]string{"app": "web"}), nsSel(sel(map[string]string{"env": "dev"}))),
		set("n-common", sel(map[string]string{"team": "a", "app": "web"})),
		set("m-common-miss", sel(map[string]string{"team": "a", "app": "api"})),
		set("l-other", sel(map[string]string{"app": "api"})),
		set("k-exists-miss", sel(nil, req("gpu", metav1.LabelSelectorOpExists))),
	}
	for _, v := range []sidecarset.Version{sidecarset.KruiseV18, sidecarset.KruiseV13} {
		st := sidecarset.NewState(sidecarset.Options{Version: v, Now: fixedTime, SkipValidation: true})
		st.AddNamespace(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prod",
			Labels: map[string]string{corev1.LabelMetadataName: "prod", "env": "prod"}}})
		for _, ss := range sets {
			if _, err := st.Create(ss); err != nil {
				t.Fatal(err)
			}
		}
		for _, pod := range []*corev1.Pod{
			{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "prod", Labels: map[string]string{"app": "web", "tier": "front", "team": "a"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "prod", Labels: map[string]string{"app": "api", "team": "a"}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "bare", Namespace: "unknown"}},
			{ObjectMeta: metav1.ObjectMeta{Name: "done", Namespace: "prod", Labels: map[string]string{"app": "web"}}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}},
		} {
			pod.Spec.Containers = []corev1.Container{{Name: "main", Image: "app"}}
			t.Run(string(v)+"/"+pod.Name, func(t *testing.T) {
				agree(t, st, pod, sidecarset.Request{Namespace: pod.Namespace})
			})
		}
		t.Run(string(v)+"/update", func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "prod", Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "app"}}}}
			agree(t, st, pod, sidecarset.Request{Namespace: "prod", Operation: sidecarset.Update})
		})
	}
	// A selector that does not parse refuses the pod on both walks.
	st := sidecarset.NewState(sidecarset.Options{Now: fixedTime, SkipValidation: true, SkipDefaulting: true})
	st.Store(set("a-bad", sel(nil, req("app", metav1.LabelSelectorOpIn))))
	st.Store(set("b-ok", sel(map[string]string{"app": "web"})))
	agree(t, st, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "app"}}}}, sidecarset.Request{})
}

// TestMatchedOnlyAgreesOnBenchSets runs the benchmark's 1,000 SidecarSets through both walks.
func TestMatchedOnlyAgreesOnBenchSets(t *testing.T) {
	t.Parallel()
	sets, err := sidecarsettest.BenchSidecarSets(1000)
	if err != nil {
		t.Fatal(err)
	}
	st := sidecarset.NewState(sidecarset.Options{Now: fixedTime, SkipValidation: true})
	for _, ss := range sets {
		if _, err := st.Create(ss); err != nil {
			t.Fatal(err)
		}
	}
	for _, pod := range []*corev1.Pod{sidecarsettest.BenchPod(), sidecarsettest.LargePod()} {
		agree(t, st, pod, sidecarset.Request{Namespace: pod.Namespace})
	}
	res, err := sidecarset.Inject(st, sidecarsettest.BenchPod(), sidecarset.Request{MatchedOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Matched(); len(got) != sidecarsettest.BenchMatching {
		t.Errorf("bench pod matched %v, want %d sets", got, sidecarsettest.BenchMatching)
	}
}
