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

// These tests pin what Kruise v1.3.0 (Alibaba Cloud virtual nodes) does differently from v1.8
// (sidecarset/BEHAVIOUR.md §5). Most run the same input in both modes so that each test shows
// the difference, not just one side of it.

var (
	v13 = sidecarset.Options{Version: sidecarset.KruiseV13}
	v18 = sidecarset.Options{Version: sidecarset.KruiseV18}
)

func TestV13InitContainers(t *testing.T) {
	t.Parallel()
	nginxHello := appsv1alpha1.TransferEnvVar{SourceContainerName: "app", EnvName: "hello"}
	initWithEnv := func() *appsv1alpha1.SidecarSet {
		ic := withEnv(sc("init-b", appsv1alpha1.BeforeAppContainerType), env("hello", "own"))
		ic.TransferEnv = []appsv1alpha1.TransferEnvVar{nginxHello}
		return withInit(sidecarSet("ss", sc("agent", "")), ic, sc("init-a", appsv1alpha1.BeforeAppContainerType))
	}
	pod := func() *corev1.Pod {
		p := withPodInit(appPod("app"), "pod-init", "init-a")
		p.Spec.Containers[0].Env = []corev1.EnvVar{env("hello", "world")}
		return p
	}
	tests := []struct {
		name      string
		opts      sidecarset.Options
		wantInit  []string
		wantImage []string
		wantEnv   []string
		wantDup   bool
	}{
		// v1.8: sorted, placed Before, same-named pod init container replaced in place;
		// transferred env de-duplicated against the sidecar's own.
		{"v1.8", v18, []string{"init-b", "pod-init", "init-a"}, []string{"init-b:v1", "pod-init:app", "init-a:v1"},
			[]string{"hello=own", "IS_INJECTED=true"}, false},
		// v1.3: appended after the pod's own (policy ignored), no replacement -> duplicate name;
		// transferred env appended without de-duplication.
		{"v1.3", v13, []string{"pod-init", "init-a", "init-a", "init-b"}, []string{"pod-init:app", "init-a:app", "init-a:v1", "init-b:v1"},
			[]string{"hello=own", "IS_INJECTED=true", "hello=world"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := cluster{opts: tc.opts, create: []*appsv1alpha1.SidecarSet{initWithEnv()}}.mustInject(t, pod())
			diff(t, "init containers", tc.wantInit, names(res.Pod.Spec.InitContainers))
			diff(t, "init images", tc.wantImage, images(res.Pod.Spec.InitContainers))
			diff(t, "env of init-b", tc.wantEnv, envList(container(t, res.Pod, "init-b")))
			var dupNote *finding.Finding
			for i := range res.Findings {
				if res.Findings[i].Code == finding.ContainerNameConflict {
					dupNote = &res.Findings[i]
				}
			}
			if tc.wantDup != (dupNote != nil) {
				t.Fatalf("findings = %+v, want a container_name_conflict finding: %t", res.Findings, tc.wantDup)
			}
			if dupNote != nil && (dupNote.Severity != finding.Warning || !strings.Contains(dupNote.Message, "init-a") || dupNote.SidecarSet != "ss") {
				t.Errorf("finding = %+v, want a warning naming init-a, attributed to ss", *dupNote)
			}
		})
	}
}

func TestV13InjectedListOverwritten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts sidecarset.Options
		want string
	}{{v18, "aaa,bbb,zzz"}, {v13, "aaa,bbb"}}
	for _, tc := range tests {
		t.Run(string(tc.opts.Version), func(t *testing.T) {
			t.Parallel()
			pod := appPod("app")
			pod.Annotations = map[string]string{sidecarset.AnnotationInjectedList: "zzz"}
			c := cluster{opts: tc.opts, create: []*appsv1alpha1.SidecarSet{sidecarSet("bbb", sc("b", "")), sidecarSet("aaa", sc("a", ""))}}
			res := c.mustInject(t, pod)
			diff(t, "injected list", tc.want, res.Pod.Annotations[sidecarset.AnnotationInjectedList])
			// Hash entries of earlier injections stay in both versions.
			h := hashEntries(t, res.Pod, sidecarset.AnnotationHash)
			if _, ok := h["aaa"]; !ok {
				t.Errorf("hash entries %v lack aaa", h)
			}
		})
	}
}

func TestV13NamespaceSelectorPruned(t *testing.T) {
	t.Parallel()
	ss := sidecarSet("ss", sc("agent", ""))
	ss.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	nsB := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b", Labels: map[string]string{"team": "b"}}}
	tests := []struct {
		opts       sidecarset.Options
		wantReason finding.Code
		wantNames  []string
	}{
		{v18, finding.NamespaceSelectorMismatch, []string{"app"}},
		{v13, finding.Injected, []string{"agent", "app"}},
	}
	for _, tc := range tests {
		t.Run(string(tc.opts.Version), func(t *testing.T) {
			t.Parallel()
			st := cluster{opts: tc.opts, namespaces: []*corev1.Namespace{nsB}, create: []*appsv1alpha1.SidecarSet{ss}}.state(t)
			pod := appPod("app")
			pod.Namespace = "team-b"
			res, err := sidecarset.Inject(st, pod, sidecarset.Request{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Decisions) != 1 || res.Decisions[0].Reason != tc.wantReason {
				t.Fatalf("decisions = %+v, want %s", res.Decisions, tc.wantReason)
			}
			diff(t, "containers", tc.wantNames, names(res.Pod.Spec.Containers))
			stored, _ := st.SidecarSet("ss")
			notes := st.Findings()
			if tc.opts.Version == sidecarset.KruiseV13 {
				if stored.Spec.NamespaceSelector != nil {
					t.Errorf("stored namespaceSelector = %v, want pruned", stored.Spec.NamespaceSelector)
				}
				if len(notes) != 1 || notes[0].Code != finding.PostV13Feature || notes[0].SidecarSet != "ss" ||
					notes[0].Field != "spec.namespaceSelector" || notes[0].Severity != finding.Warning {
					t.Errorf("notes = %+v, want one post_v1_3_feature note on spec.namespaceSelector", notes)
				}
			} else {
				if stored.Spec.NamespaceSelector == nil {
					t.Error("v1.8 dropped namespaceSelector")
				}
				if len(notes) != 0 {
					t.Errorf("v1.8 notes = %+v, want none", notes)
				}
			}
		})
	}
}

func TestV13NativeSidecarPruned(t *testing.T) {
	t.Parallel()
	// Default updateStrategy (RollingUpdate): v1.8 refuses a native sidecar, v1.3 never sees
	// restartPolicy and accepts the SidecarSet.
	newSS := func() *appsv1alpha1.SidecarSet {
		return withInit(sidecarSet("ss", sc("agent", "")), native(sc("proxy", "")))
	}
	t.Run("v1.8 refuses", func(t *testing.T) {
		t.Parallel()
		_, err := sidecarset.NewState(v18).Create(newSS())
		var adm *sidecarset.AdmissionError
		if !errors.As(err, &adm) {
			t.Fatalf("err = %v, want *AdmissionError", err)
		}
		diff(t, "stage", "sidecarset-validating-webhook", adm.Stage)
		diff(t, "message", "spec.updateStrategy: Required value: The initContainer in-place upgrade is not currently supported.", adm.Message)
	})
	// What v1.3 injects: TestV13NativeSidecarInjected.
	t.Run("hash ignores the pruned init container in v1.3", func(t *testing.T) {
		t.Parallel()
		hashOf := func(opts sidecarset.Options, ss *appsv1alpha1.SidecarSet) string {
			got, err := sidecarset.NewState(opts).Create(notUpdate(ss))
			if err != nil {
				t.Fatal(err)
			}
			return got.Annotations[sidecarset.AnnotationHash]
		}
		plain := hashOf(v13, sidecarSet("ss", sc("agent", "")))
		diff(t, "v1.3 hash", plain, hashOf(v13, newSS()))
		if hashOf(v18, newSS()) == hashOf(v18, sidecarSet("ss", sc("agent", ""))) {
			t.Error("v1.8 hash does not include native init containers")
		}
	})
}

func TestV13EmptyPodInjectPolicy(t *testing.T) {
	t.Parallel()
	// Only visible when the SidecarSet skipped Kruise's defaulting webhook.
	tests := []struct {
		opts sidecarset.Options
		want []string
	}{
		{v18, []string{"app", "a", "b"}},
		{v13, []string{"a", "b", "app"}},
	}
	for _, tc := range tests {
		t.Run(string(tc.opts.Version), func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			opts.SkipDefaulting, opts.SkipValidation = true, true
			res := cluster{opts: opts, create: []*appsv1alpha1.SidecarSet{sidecarSet("ss", sc("a", ""), sc("b", ""))}}.mustInject(t, appPod("app"))
			diff(t, "containers", tc.want, names(res.Pod.Spec.Containers))
			// Without defaulting the SidecarSet has no hash annotation: entries carry "".
			diff(t, "hash", "", hashEntries(t, res.Pod, sidecarset.AnnotationHash)["ss"].Hash)
		})
	}
}

func TestV13HotUpgradeWorkingAnnotation(t *testing.T) {
	t.Parallel()
	oneSet := []*appsv1alpha1.SidecarSet{sidecarSet("ss", hot(sc("x", ""), "empty:1"), hot(sc("y", ""), "empty:1"))}
	twoSets := []*appsv1alpha1.SidecarSet{sidecarSet("ss-a", hot(sc("x", ""), "empty:1")), sidecarSet("ss-b", hot(sc("y", ""), "empty:1"))}
	tests := []struct {
		name     string
		opts     sidecarset.Options
		sets     []*appsv1alpha1.SidecarSet
		existing string
		want     string
	}{
		{"one set, v1.8", v18, oneSet, "", `{"x":"x-1","y":"y-1"}`},
		{"one set, v1.3: last wins", v13, oneSet, "", `{"y":"y-1"}`},
		{"two sets, v1.8", v18, twoSets, "", `{"x":"x-1","y":"y-1"}`},
		{"two sets, v1.3: last wins", v13, twoSets, "", `{"y":"y-1"}`},
		{"existing value kept, v1.8", v18, twoSets, `{"old":"old-2"}`, `{"old":"old-2","x":"x-1","y":"y-1"}`},
		{"existing value kept, v1.3", v13, twoSets, `{"old":"old-2"}`, `{"old":"old-2","y":"y-1"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pod := appPod("app")
			if tc.existing != "" {
				pod.Annotations = map[string]string{sidecarset.AnnotationWorkingHotUpgrade: tc.existing}
			}
			res := cluster{opts: tc.opts, create: tc.sets}.mustInject(t, pod)
			diff(t, "working annotation", tc.want, res.Pod.Annotations[sidecarset.AnnotationWorkingHotUpgrade])
			diff(t, "containers", []string{"x-1", "x-2", "y-1", "y-2", "app"}, names(res.Pod.Spec.Containers))
			// The version annotations are written for every pair in both versions.
			for _, n := range []string{"x", "y"} {
				got := []string{
					res.Pod.Annotations[sidecarset.AnnotationVersionPrefix+n+"-1"], res.Pod.Annotations[sidecarset.AnnotationVersionAltPrefix+n+"-1"],
					res.Pod.Annotations[sidecarset.AnnotationVersionPrefix+n+"-2"], res.Pod.Annotations[sidecarset.AnnotationVersionAltPrefix+n+"-2"],
				}
				diff(t, "version annotations of "+n, []string{"1", "0", "0", "1"}, got)
			}
		})
	}
}

func TestV13HashEntryForEveryMatchedSet(t *testing.T) {
	t.Parallel()
	// metadata-only is a set that injects no container (stored without validation); v1.3
	// still records it, v1.8 records only sets that injected something.
	metadataOnly := &appsv1alpha1.SidecarSet{
		ObjectMeta: metav1.ObjectMeta{Name: "metadata-only", Annotations: map[string]string{sidecarset.AnnotationHash: "h-meta"}},
		Spec: appsv1alpha1.SidecarSetSpec{
			Selector:         &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}},
			PatchPodMetadata: []appsv1alpha1.SidecarSetPatchPodMetadata{patch(appsv1alpha1.SidecarSetRetainPatchPolicy, "team", "a")},
		},
	}
	withPlainInit := withInit(sidecarSet("agents", sc("agent", "")), sc("init-a", ""))
	tests := []struct {
		opts sidecarset.Options
		want map[string][]string // set -> sidecarList
	}{
		{v18, map[string][]string{"agents": {"agent"}}},
		{v13, map[string][]string{"agents": {"agent"}, "metadata-only": {}}},
	}
	for _, tc := range tests {
		t.Run(string(tc.opts.Version), func(t *testing.T) {
			t.Parallel()
			c := cluster{opts: tc.opts, create: []*appsv1alpha1.SidecarSet{withPlainInit}, store: []*appsv1alpha1.SidecarSet{metadataOnly}}
			res := c.mustInject(t, appPod("app"))
			got := map[string][]string{}
			for name, e := range hashEntries(t, res.Pod, sidecarset.AnnotationHash) {
				got[name] = e.SidecarList
				if e.UpdateTimestamp != scenarioNowJSON || e.SidecarSetName != name {
					t.Errorf("entry %s = %+v", name, e)
				}
			}
			diff(t, "hash entries", tc.want, got)
			diff(t, "patched annotation", "a", res.Pod.Annotations["team"])
			diff(t, "matched", []string{"agents", "metadata-only"}, res.Matched())
		})
	}
}

func TestV13MissingVolumeRefused(t *testing.T) {
	t.Parallel()
	for _, init := range []bool{false, true} {
		name := "container"
		if init {
			name = "init container"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ss := sidecarSet("ss", sc("agent", ""))
			bad := withMounts(sc("mounter", ""), mount("absent", "/absent"))
			if init {
				ss.Spec.InitContainers = []appsv1alpha1.SidecarContainer{bad}
			} else {
				ss.Spec.Containers = append(ss.Spec.Containers, bad)
			}
			opts := v13
			opts.SkipValidation = true
			_, err := cluster{opts: opts, create: []*appsv1alpha1.SidecarSet{ss}}.inject(t, appPod("app"))
			var ref *sidecarset.RefusalError
			if !errors.As(err, &ref) {
				t.Fatalf("err = %v, want *RefusalError", err)
			}
			if ref.SidecarSet != "ss" || !strings.Contains(ref.Message, "mounter") || !strings.Contains(ref.Message, `"absent"`) {
				t.Errorf("refusal = %+v, want sidecarset ss, sidecar mounter, volume \"absent\"", ref)
			}
		})
	}
}

func TestV13RevisionPolicy(t *testing.T) {
	t.Parallel()
	old := withInit(sidecarSet("ss", sc("agent", "")))
	old.Labels = map[string]string{appsv1alpha1.SidecarSetCustomVersionLabel: "v1"}
	cr := revisionOf(t, old, sidecarset.KruiseV13)
	live := func(policy appsv1alpha1.SidecarSetInjectRevisionPolicy) *appsv1alpha1.SidecarSet {
		ss := sidecarSet("ss", sc("agent", ""))
		ss.Spec.Containers[0].Image = "agent:v2"
		v := "v1"
		ss.Spec.InjectionStrategy.Revision = &appsv1alpha1.SidecarSetInjectRevision{CustomVersion: &v, Policy: policy}
		return ss
	}
	t.Run("Partial is invalid in v1.3", func(t *testing.T) {
		t.Parallel()
		st := sidecarset.NewState(v13)
		st.AddControllerRevision(cr)
		_, err := st.Create(live(appsv1alpha1.PartialSidecarSetInjectRevisionPolicy))
		var adm *sidecarset.AdmissionError
		if !errors.As(err, &adm) {
			t.Fatalf("err = %v, want *AdmissionError", err)
		}
		// The path lacks spec.injectionStrategy and the value is the whole revision, whose
		// rendering depends on the apimachinery release (BEHAVIOUR.md §4.3).
		if !strings.HasPrefix(adm.Message, "revision.policy: Invalid value: ") ||
			!strings.HasSuffix(adm.Message, ": Invalid policy Partial, only support 'Always' currently") {
			t.Errorf("message %q, want revision.policy: Invalid value: <revision>: Invalid policy Partial, only support 'Always' currently", adm.Message)
		}
	})
	t.Run("v1.3 always injects the pinned revision", func(t *testing.T) {
		t.Parallel()
		opts := v13
		opts.SkipValidation = true
		c := cluster{opts: opts, revisions: []*appsv1.ControllerRevision{cr}, create: []*appsv1alpha1.SidecarSet{live(appsv1alpha1.PartialSidecarSetInjectRevisionPolicy)}}
		res := c.mustInject(t, appPod("app"))
		diff(t, "agent image", "agent:v1", container(t, res.Pod, "agent").Image)
	})
	t.Run("v1.8 Partial with default partition injects the latest", func(t *testing.T) {
		t.Parallel()
		c := cluster{opts: v18, revisions: []*appsv1.ControllerRevision{cr}, create: []*appsv1alpha1.SidecarSet{live(appsv1alpha1.PartialSidecarSetInjectRevisionPolicy)}}
		res := c.mustInject(t, appPod("app"))
		diff(t, "agent image", "agent:v2", container(t, res.Pod, "agent").Image)
	})
	t.Run("partition with selector: v1.3 accepts, v1.8 refuses", func(t *testing.T) {
		t.Parallel()
		for _, opts := range []sidecarset.Options{v13, v18} {
			ss := sidecarSet("ss", sc("agent", ""))
			ss.Spec.UpdateStrategy.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"canary": "true"}}
			ss.Spec.UpdateStrategy.Partition = ptr(intstr.FromString("50%"))
			_, err := sidecarset.NewState(opts).Create(ss)
			if opts.Version == sidecarset.KruiseV13 {
				if err != nil {
					t.Errorf("v1.3: %v", err)
				}
				continue
			}
			if err == nil || !strings.Contains(err.Error(), ": updateStrategy: Invalid value: \"&{Type:RollingUpdate ") ||
				!strings.Contains(err.Error(), "Partition and Selector cannot be used together") {
				t.Errorf("v1.8: err = %v, want Partition and Selector cannot be used together", err)
			}
		}
	})
}

func TestV13DefaultingAndCandidates(t *testing.T) {
	t.Parallel()
	t.Run("init containers get no sidecar defaults in v1.3", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			opts    sidecarset.Options
			policy  appsv1alpha1.PodInjectPolicyType
			share   appsv1alpha1.ShareVolumePolicyType
			upgrade appsv1alpha1.SidecarContainerUpgradeType
		}{
			{v18, appsv1alpha1.AfterAppContainerType, appsv1alpha1.ShareVolumePolicyDisabled, appsv1alpha1.SidecarContainerColdUpgrade},
			{v13, "", "", ""},
		} {
			got, err := sidecarset.NewState(tc.opts).Create(withInit(sidecarSet("ss", sc("agent", "")), sc("init", "")))
			if err != nil {
				t.Fatal(err)
			}
			ic := got.Spec.InitContainers[0]
			diff(t, string(tc.opts.Version)+" init defaults",
				[]string{string(tc.policy), string(tc.share), string(tc.upgrade), "IfNotPresent"},
				[]string{string(ic.PodInjectPolicy), string(ic.ShareVolumePolicy.Type), string(ic.UpgradeStrategy.UpgradeType), string(ic.ImagePullPolicy)})
			diff(t, string(tc.opts.Version)+" container policy", appsv1alpha1.BeforeAppContainerType, got.Spec.Containers[0].PodInjectPolicy)
		}
	})
	t.Run("candidates: v1.3 lists every set, v1.8 namespaced first", func(t *testing.T) {
		t.Parallel()
		inNS := func(name, ns string) *appsv1alpha1.SidecarSet {
			ss := sidecarSet(name, sc(name+"-c", ""))
			ss.Spec.Namespace = ns
			return ss
		}
		sets := []*appsv1alpha1.SidecarSet{inNS("a-global", ""), inNS("b-other", "other"), inNS("c-mine", "mine")}
		for _, tc := range []struct {
			opts           sidecarset.Options
			want           []string
			wantContainers []string
		}{
			{v18, []string{"c-mine", "a-global"}, []string{"c-mine-c", "a-global-c", "app"}},
			{v13, []string{"a-global", "b-other", "c-mine"}, []string{"a-global-c", "c-mine-c", "app"}},
		} {
			st := cluster{opts: tc.opts, create: sets}.state(t)
			var got []string
			for _, ss := range st.Candidates("mine") {
				got = append(got, ss.Name)
			}
			diff(t, string(tc.opts.Version)+" candidates", tc.want, got)
			pod := appPod("app")
			pod.Namespace = "mine"
			res, err := sidecarset.Inject(st, pod, sidecarset.Request{})
			if err != nil {
				t.Fatal(err)
			}
			diff(t, string(tc.opts.Version)+" containers", tc.wantContainers, names(res.Pod.Spec.Containers))
		}
	})
}
