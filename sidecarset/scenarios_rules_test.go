package sidecarset_test

import (
	"errors"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// Scenarios 39-48 and other spec rules: revisions, namespaces, UPDATE, inactive pods.

// revisionOf records what the SidecarSet controller would store for ss: a ControllerRevision
// of the defaulted ss, labelled with its custom version.
func revisionOf(t *testing.T, ss *appsv1alpha1.SidecarSet, v sidecarset.Version) *appsv1.ControllerRevision {
	t.Helper()
	ss = ss.DeepCopy()
	sidecarset.Default(ss, v)
	if err := sidecarset.SetHashAnnotations(ss, v); err != nil {
		t.Fatal(err)
	}
	cr, err := sidecarset.NewControllerRevision(ss, nil, v)
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

func TestScenarioPinnedRevision(t *testing.T) {
	t.Parallel()
	customVersion := func(ss *appsv1alpha1.SidecarSet, v string) *appsv1alpha1.SidecarSet {
		if ss.Labels == nil {
			ss.Labels = map[string]string{}
		}
		ss.Labels[appsv1alpha1.SidecarSetCustomVersionLabel] = v
		return ss
	}
	old := customVersion(withInit(sidecarSet("ss", sc("dns-f", "")), sc("init-2", "")), "v1")
	live := func() *appsv1alpha1.SidecarSet {
		ss := customVersion(withInit(sidecarSet("ss", sc("dns-f", ""), sc("log-agent", "")), sc("init-1", ""), sc("init-2", "")), "v2")
		ss.Spec.Containers[0].Image = "dns-f:v2"
		return ss
	}
	pin := func(ss *appsv1alpha1.SidecarSet, version string, policy appsv1alpha1.SidecarSetInjectRevisionPolicy) *appsv1alpha1.SidecarSet {
		ss.Spec.InjectionStrategy.Revision = &appsv1alpha1.SidecarSetInjectRevision{CustomVersion: &version, Policy: policy}
		return ss
	}
	cr := revisionOf(t, old, sidecarset.KruiseV18)

	t.Run("39 the pinned revision's containers are injected", func(t *testing.T) {
		t.Parallel()
		c := cluster{revisions: []*appsv1.ControllerRevision{cr}, create: []*appsv1alpha1.SidecarSet{pin(live(), "v1", "")}}
		res := c.mustInject(t, appPod("app"))
		diff(t, "containers", []string{"dns-f", "app"}, names(res.Pod.Spec.Containers))
		diff(t, "images", []string{"dns-f:v1", "app:app"}, images(res.Pod.Spec.Containers))
		diff(t, "init containers", []string{"init-2"}, names(res.Pod.Spec.InitContainers))
		if len(res.Decisions) != 1 || res.Decisions[0].Reason != finding.PinnedRevision {
			t.Errorf("decisions = %+v, want pinned_revision", res.Decisions)
		}
		entry := hashEntries(t, res.Pod, sidecarset.AnnotationHash)["ss"]
		diff(t, "hash entry", podHashEntry{UpdateTimestamp: scenarioNowJSON, Hash: cr.Annotations[sidecarset.AnnotationHash], SidecarSetName: "ss",
			SidecarList: []string{"dns-f"}, ControllerRevision: cr.Name}, entry)
	})
	t.Run("40 missing revision refuses the pod", func(t *testing.T) {
		t.Parallel()
		c := cluster{opts: sidecarset.Options{SkipValidation: true}, create: []*appsv1alpha1.SidecarSet{pin(live(), "v9", "")}}
		_, err := c.inject(t, appPod("app"))
		var ref *sidecarset.RefusalError
		if !errors.As(err, &ref) || ref.SidecarSet != "ss" {
			t.Fatalf("err = %v, want refusal by ss", err)
		}
	})

	partial := appsv1alpha1.PartialSidecarSetInjectRevisionPolicy
	canarySel := &metav1.LabelSelector{MatchLabels: map[string]string{"canary": "true"}}
	tests := []struct {
		name      string
		policy    appsv1alpha1.SidecarSetInjectRevisionPolicy
		selector  *metav1.LabelSelector
		partition *intstr.IntOrString
		paused    bool
		canaryPod bool
		wantImage string // "" = refused
	}{
		{"41 Partial, pod outside the selector: pinned", partial, canarySel, nil, false, false, "dns-f:v1"},
		{"41 Partial, canary pod: latest", partial, canarySel, nil, false, true, "dns-f:v2"},
		{"41 Partial, canary pod, partition 100%: pinned", partial, canarySel, ptr(intstr.FromString("100%")), false, true, "dns-f:v1"},
		{"41 Partial, canary pod, partition 0%: latest", partial, canarySel, ptr(intstr.FromString("0%")), false, true, "dns-f:v2"},
		{"41 Partial, partition abc%: refused", partial, canarySel, ptr(intstr.FromString("abc%")), false, true, ""},
		{"41 Partial, bad selector operator: refused", partial, &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "canary", Operator: "Bogus"}}}, nil, false, true, ""},
		{"41 Partial, updateStrategy.paused: pinned", partial, canarySel, nil, true, true, "dns-f:v1"},
		{"41 Partial without selector: latest", partial, nil, nil, false, false, "dns-f:v2"},
		{"42 Always with a matching selector: pinned", appsv1alpha1.AlwaysSidecarSetInjectRevisionPolicy, canarySel, nil, false, true, "dns-f:v1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ss := pin(live(), "v1", tc.policy)
			ss.Spec.UpdateStrategy.Selector = tc.selector
			ss.Spec.UpdateStrategy.Partition = tc.partition
			ss.Spec.UpdateStrategy.Paused = tc.paused
			c := cluster{
				opts:      sidecarset.Options{SkipValidation: true, Random: func() float64 { return 0.5 }},
				revisions: []*appsv1.ControllerRevision{cr},
				create:    []*appsv1alpha1.SidecarSet{ss},
			}
			pod := appPod("app")
			if tc.canaryPod {
				pod.Labels["canary"] = "true"
			}
			res, err := c.inject(t, pod)
			if tc.wantImage == "" {
				if !sidecarset.IsRefusal(err) {
					t.Fatalf("err = %v, want a refusal", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "dns-f image", tc.wantImage, container(t, res.Pod, "dns-f").Image)
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestScenarioNamespaces(t *testing.T) {
	t.Parallel()
	ns := func(name string, labels map[string]string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	}
	bySelector := func(k, v string) *appsv1alpha1.SidecarSet {
		ss := sidecarSet("ss", sc("agent", ""))
		ss.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{k: v}}
		return ss
	}
	byNamespace := func(n string) *appsv1alpha1.SidecarSet {
		ss := sidecarSet("ss", sc("agent", ""))
		ss.Spec.Namespace = n
		return ss
	}
	app1 := ns("app1", map[string]string{"ns": "app1"})
	tests := []struct {
		name       string
		c          cluster
		podNS      string
		wantReason finding.Code
	}{
		{"43 namespaceSelector matches the Namespace labels", cluster{namespaces: []*corev1.Namespace{app1}, create: []*appsv1alpha1.SidecarSet{bySelector("ns", "app1")}}, "app1", finding.Injected},
		{"43 namespaceSelector does not match", cluster{namespaces: []*corev1.Namespace{app1}, create: []*appsv1alpha1.SidecarSet{bySelector("app", "app2")}}, "app1", finding.NamespaceSelectorMismatch},
		{"43 Namespace object missing", cluster{create: []*appsv1alpha1.SidecarSet{bySelector("ns", "app1")}}, "app1", finding.NamespaceNotFound},
		{"44 spec.namespace differs (v1.8)", cluster{create: []*appsv1alpha1.SidecarSet{byNamespace("ns1")}}, "ns2", finding.NamespaceMismatch},
		{"44 spec.namespace differs (v1.3)", cluster{opts: sidecarset.Options{Version: sidecarset.KruiseV13}, create: []*appsv1alpha1.SidecarSet{byNamespace("ns1")}}, "ns2", finding.NamespaceMismatch},
		{"44 spec.namespace equal (v1.3)", cluster{opts: sidecarset.Options{Version: sidecarset.KruiseV13}, create: []*appsv1alpha1.SidecarSet{byNamespace("ns1")}}, "ns1", finding.Injected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pod := appPod("app")
			pod.Namespace = tc.podNS
			res := tc.c.mustInject(t, pod)
			if len(res.Decisions) != 1 || res.Decisions[0].Reason != tc.wantReason {
				t.Fatalf("decisions = %+v, want reason %s", res.Decisions, tc.wantReason)
			}
			want := []string{"app"}
			if tc.wantReason == finding.Injected {
				want = []string{"agent", "app"}
			}
			diff(t, "containers", want, names(res.Pod.Spec.Containers))
		})
	}
}

func TestScenarioHashOnSidecarSet(t *testing.T) {
	t.Parallel()
	create := func(image string) *appsv1alpha1.SidecarSet {
		ss := sidecarSet("ss", sc("container1", ""))
		ss.Spec.Containers[0].Image = image
		got, err := cluster{}.state(t).Create(ss)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a, b := create("test-image:v1"), create("test-image:v2")
	if a.Annotations[sidecarset.AnnotationHash] == b.Annotations[sidecarset.AnnotationHash] {
		t.Errorf("47: changing the image kept the hash %s", a.Annotations[sidecarset.AnnotationHash])
	}
	diff(t, "47 without-image hash", a.Annotations[sidecarset.AnnotationHashWithoutImage], b.Annotations[sidecarset.AnnotationHashWithoutImage])
}

func TestScenarioUpdateAndInactivePods(t *testing.T) {
	t.Parallel()
	ss := sidecarSet("ss", sc("agent", ""))
	ss.Spec.PatchPodMetadata = []appsv1alpha1.SidecarSetPatchPodMetadata{patch(appsv1alpha1.SidecarSetOverwritePatchPolicy, "key", "v")}
	c := cluster{configMaps: []*corev1.ConfigMap{whitelistAll()}, create: []*appsv1alpha1.SidecarSet{ss}}
	deleting := appPod("app")
	deleting.DeletionTimestamp = &scenarioNow
	succeeded := appPod("app")
	succeeded.Status.Phase = corev1.PodSucceeded
	tests := []struct {
		name       string
		pod        *corev1.Pod
		req        sidecarset.Request
		wantReason finding.Code
	}{
		{"48 UPDATE injects nothing", appPod("app"), sidecarset.Request{Operation: sidecarset.Update}, finding.MatchedNothingToInject},
		{"subresource is ignored", appPod("app"), sidecarset.Request{SubResource: "status"}, finding.NotPodRequest},
		{"pod being deleted", deleting, sidecarset.Request{}, finding.PodInactive},
		{"succeeded pod", succeeded, sidecarset.Request{}, finding.PodInactive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := sidecarset.Inject(c.state(t), tc.pod, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed {
				t.Error("Changed = true")
			}
			diff(t, "pod", tc.pod, res.Pod)
			if len(res.Decisions) != 1 || res.Decisions[0].Reason != tc.wantReason || res.Decisions[0].Injected {
				t.Errorf("decisions = %+v, want reason %s", res.Decisions, tc.wantReason)
			}
		})
	}
}

// TestScenarioSpecRules pins rules of sidecarset/BEHAVIOUR.md §1-§3 that the scenarios of §6
// leave implicit.
func TestScenarioSpecRules(t *testing.T) {
	t.Parallel()
	t.Run("29 pending volumes: init container mounts, then container mounts", func(t *testing.T) {
		t.Parallel()
		ss := withInit(sidecarSet("ss", withMounts(sc("c", ""), mount("volume-3", "/3"), mount("volume-4", "/4"))),
			withMounts(sc("i", ""), mount("volume-1", "/1"), mount("volume-2", "/2")))
		ss = withVolumes(ss, emptyDir("volume-4"), emptyDir("volume-3"), emptyDir("volume-2"), emptyDir("volume-1"), emptyDir("unused"))
		pod := appPod("app")
		pod.Spec.Volumes = []corev1.Volume{emptyDir("volume-a")}
		res := cluster{create: []*appsv1alpha1.SidecarSet{ss}}.mustInject(t, pod)
		diff(t, "volumes", []string{"volume-a", "volume-1", "volume-2", "volume-3", "volume-4"}, volumeNames(res.Pod.Spec.Volumes))
	})
	t.Run("1.5 unparsable selector refuses the pod", func(t *testing.T) {
		t.Parallel()
		ss := sidecarSet("ss", sc("agent", ""))
		ss.Spec.Selector = exprSel("app", "Bogus")
		_, err := cluster{opts: sidecarset.Options{SkipValidation: true}, create: []*appsv1alpha1.SidecarSet{ss}}.inject(t, appPod("app"))
		var ref *sidecarset.RefusalError
		if !errors.As(err, &ref) || ref.SidecarSet != "ss" || !strings.Contains(ref.Message, `"Bogus"`) {
			t.Fatalf("err = %v, want a refusal by ss naming the operator", err)
		}
	})
	t.Run("1.1 a pod without namespace gets the request's, default when empty", func(t *testing.T) {
		t.Parallel()
		ss := sidecarSet("ss", sc("agent", ""))
		ss.Spec.Namespace = "default"
		st := cluster{create: []*appsv1alpha1.SidecarSet{ss}}.state(t)
		pod := appPod("app")
		pod.Namespace = ""
		for _, tc := range []struct {
			reqNS, wantNS string
			want          []string
		}{{"", "default", []string{"agent", "app"}}, {"other", "other", []string{"app"}}} {
			res, err := sidecarset.Inject(st, pod, sidecarset.Request{Namespace: tc.reqNS})
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "namespace", tc.wantNS, res.Pod.Namespace)
			diff(t, "containers in "+tc.wantNS, tc.want, names(res.Pod.Spec.Containers))
		}
		if pod.Namespace != "" || len(pod.Spec.Containers) != 1 {
			t.Errorf("Inject modified its input: %+v", pod)
		}
	})
	t.Run("3.2 controllerRevision only in the hash entry with image", func(t *testing.T) {
		t.Parallel()
		st := cluster{opts: sidecarset.Options{RecordRevisions: true}, create: []*appsv1alpha1.SidecarSet{sidecarSet("ss", sc("agent", ""))}}.state(t)
		stored, _ := st.SidecarSet("ss")
		if stored.Status.LatestRevision == "" || len(st.ControllerRevisions()) != 1 || st.ControllerRevisions()[0].Name != stored.Status.LatestRevision {
			t.Fatalf("latestRevision %q, revisions %d", stored.Status.LatestRevision, len(st.ControllerRevisions()))
		}
		res, err := sidecarset.Inject(st, appPod("app"), sidecarset.Request{})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"ss":{"updateTimestamp":"2024-05-01T08:00:00Z","hash":"` + stored.Annotations[sidecarset.AnnotationHash] +
			`","sidecarSetName":"ss","sidecarList":["agent"],"controllerRevision":"` + stored.Status.LatestRevision + `"}}`
		diff(t, "hash annotation", want, res.Pod.Annotations[sidecarset.AnnotationHash])
		wantWI := `{"ss":{"updateTimestamp":"2024-05-01T08:00:00Z","hash":"` + stored.Annotations[sidecarset.AnnotationHashWithoutImage] +
			`","sidecarSetName":"ss","sidecarList":["agent"]}}`
		diff(t, "hash-without-image annotation", wantWI, res.Pod.Annotations[sidecarset.AnnotationHashWithoutImage])
	})
	t.Run("2.13 hot-upgrade fieldRefs carry no apiVersion", func(t *testing.T) {
		t.Parallel()
		res := cluster{create: []*appsv1alpha1.SidecarSet{sidecarSet("ss", hot(sc("x", ""), "empty:1"))}}.mustInject(t, appPod("app"))
		for _, e := range container(t, res.Pod, "x-1").Env[1:] {
			if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.APIVersion != "" {
				t.Errorf("env %s = %+v, want a fieldRef without apiVersion", e.Name, e.ValueFrom)
			}
		}
	})
	t.Run("2.1 HotUpgrade on a plain init container injects it once", func(t *testing.T) {
		t.Parallel()
		ss := withInit(sidecarSet("ss", sc("agent", "")), hot(sc("init-hot", ""), "empty:1"))
		res := cluster{create: []*appsv1alpha1.SidecarSet{ss}}.mustInject(t, appPod("app"))
		diff(t, "init containers", []string{"init-hot"}, names(res.Pod.Spec.InitContainers))
		if v, ok := res.Pod.Annotations[sidecarset.AnnotationWorkingHotUpgrade]; ok {
			t.Errorf("working annotation %q, want none", v)
		}
	})
}
