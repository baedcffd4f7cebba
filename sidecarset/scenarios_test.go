package sidecarset_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// Scenario tests pin the behaviour of kruise-sidecarset.md section 6 (items 1-48); the
// numbers in the test names are the spec's scenario numbers.

// scenarioNow is the fixed injection time, so hash annotations are reproducible.
var scenarioNow = metav1.NewTime(time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC))

const scenarioNowJSON = "2024-05-01T08:00:00Z"

// cluster is the input of one scenario: the objects a Kruise cluster would hold.
type cluster struct {
	opts       sidecarset.Options
	namespaces []*corev1.Namespace
	configMaps []*corev1.ConfigMap
	revisions  []*appsv1.ControllerRevision
	// create goes through State.Create (defaulting, hashes, validation); store is kept as is,
	// like SidecarSets read back from a cluster or created with the webhooks bypassed.
	create []*appsv1alpha1.SidecarSet
	store  []*appsv1alpha1.SidecarSet
}

func (c cluster) state(t *testing.T) *sidecarset.State {
	t.Helper()
	opts := c.opts
	if opts.Now.IsZero() {
		opts.Now = scenarioNow
	}
	st := sidecarset.NewState(opts)
	for _, ns := range c.namespaces {
		st.AddNamespace(ns)
	}
	for _, cm := range c.configMaps {
		st.AddConfigMap(cm)
	}
	for _, cr := range c.revisions {
		st.AddControllerRevision(cr)
	}
	for _, ss := range c.create {
		if _, err := st.Create(ss); err != nil {
			t.Fatalf("create sidecarset %s: %v", ss.Name, err)
		}
	}
	for _, ss := range c.store {
		st.Store(ss)
	}
	return st
}

func (c cluster) inject(t *testing.T, pod *corev1.Pod) (*sidecarset.Result, error) {
	t.Helper()
	return sidecarset.Inject(c.state(t), pod, sidecarset.Request{Namespace: pod.Namespace})
}

func (c cluster) mustInject(t *testing.T, pod *corev1.Pod) *sidecarset.Result {
	t.Helper()
	res, err := c.inject(t, pod)
	if err != nil {
		t.Fatalf("inject: %v", err)
	}
	return res
}

// sidecarSet returns a SidecarSet selecting app=x with the given containers.
func sidecarSet(name string, containers ...appsv1alpha1.SidecarContainer) *appsv1alpha1.SidecarSet {
	return &appsv1alpha1.SidecarSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1alpha1.SidecarSetSpec{
			Selector:   &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}},
			Containers: containers,
		},
	}
}

func withInit(ss *appsv1alpha1.SidecarSet, inits ...appsv1alpha1.SidecarContainer) *appsv1alpha1.SidecarSet {
	ss.Spec.InitContainers = append(ss.Spec.InitContainers, inits...)
	return ss
}

func withVolumes(ss *appsv1alpha1.SidecarSet, vols ...corev1.Volume) *appsv1alpha1.SidecarSet {
	ss.Spec.Volumes = append(ss.Spec.Volumes, vols...)
	return ss
}

// sc is a sidecar container with image <name>:v1 and an optional inject policy.
func sc(name string, policy appsv1alpha1.PodInjectPolicyType) appsv1alpha1.SidecarContainer {
	return appsv1alpha1.SidecarContainer{
		Container:       corev1.Container{Name: name, Image: name + ":v1"},
		PodInjectPolicy: policy,
	}
}

func withMounts(c appsv1alpha1.SidecarContainer, mounts ...corev1.VolumeMount) appsv1alpha1.SidecarContainer {
	c.VolumeMounts = append(c.VolumeMounts, mounts...)
	return c
}

func withEnv(c appsv1alpha1.SidecarContainer, env ...corev1.EnvVar) appsv1alpha1.SidecarContainer {
	c.Env = append(c.Env, env...)
	return c
}

func sharing(c appsv1alpha1.SidecarContainer) appsv1alpha1.SidecarContainer {
	c.ShareVolumePolicy.Type = appsv1alpha1.ShareVolumePolicyEnabled
	return c
}

func native(c appsv1alpha1.SidecarContainer) appsv1alpha1.SidecarContainer {
	always := corev1.ContainerRestartPolicyAlways
	c.RestartPolicy = &always
	return c
}

func hot(c appsv1alpha1.SidecarContainer, emptyImage string) appsv1alpha1.SidecarContainer {
	c.UpgradeStrategy = appsv1alpha1.SidecarContainerUpgradeStrategy{
		UpgradeType: appsv1alpha1.SidecarContainerHotUpgrade, HotUpgradeEmptyImage: emptyImage}
	return c
}

func notUpdate(ss *appsv1alpha1.SidecarSet) *appsv1alpha1.SidecarSet {
	ss.Spec.UpdateStrategy.Type = appsv1alpha1.NotUpdateSidecarSetStrategyType
	return ss
}

func mount(name, path string) corev1.VolumeMount {
	return corev1.VolumeMount{Name: name, MountPath: path}
}

func env(name, value string) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: value} }

func emptyDir(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}

// appPod is a pod labelled app=x in namespace default with the named containers.
func appPod(containers ...string) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pod", Namespace: "default", Labels: map[string]string{"app": "x"}}}
	for _, n := range containers {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: n, Image: n + ":app"})
	}
	return pod
}

func withPodInit(pod *corev1.Pod, names ...string) *corev1.Pod {
	for _, n := range names {
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{Name: n, Image: n + ":app"})
	}
	return pod
}

func names(cs []corev1.Container) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func images(cs []corev1.Container) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Image)
	}
	return out
}

// envList renders env as NAME=value, or NAME<-fieldPath for downward-API references.
func envList(c corev1.Container) []string {
	out := []string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			out = append(out, e.Name+"<-"+e.ValueFrom.FieldRef.FieldPath)
			continue
		}
		out = append(out, e.Name+"="+e.Value)
	}
	return out
}

// mountList renders mounts as name:path.
func mountList(c corev1.Container) []string {
	out := []string{}
	for _, m := range c.VolumeMounts {
		out = append(out, m.Name+":"+m.MountPath)
	}
	return out
}

func volumeNames(vs []corev1.Volume) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return out
}

func secretNames(ss []corev1.LocalObjectReference) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

// container finds a container or init container of the pod by name.
func container(t *testing.T, pod *corev1.Pod, name string) corev1.Container {
	t.Helper()
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if c.Name == name {
				return c
			}
		}
	}
	t.Fatalf("pod has no container %s: init %v, containers %v", name, names(pod.Spec.InitContainers), names(pod.Spec.Containers))
	return corev1.Container{}
}

// podHashEntry is one entry of the pod's kruise.io/sidecarset-hash(-without-image) annotation.
type podHashEntry struct {
	UpdateTimestamp    string   `json:"updateTimestamp"`
	Hash               string   `json:"hash"`
	SidecarSetName     string   `json:"sidecarSetName"`
	SidecarList        []string `json:"sidecarList"`
	ControllerRevision string   `json:"controllerRevision,omitempty"`
}

func hashEntries(t *testing.T, pod *corev1.Pod, key string) map[string]podHashEntry {
	t.Helper()
	raw, ok := pod.Annotations[key]
	if !ok {
		t.Fatalf("pod has no %s annotation: %v", key, pod.Annotations)
	}
	out := map[string]podHashEntry{}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("%s annotation %q: %v", key, raw, err)
	}
	return out
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func TestScenarioNoMatchLeavesPodUnchanged(t *testing.T) {
	t.Parallel()
	paused := sidecarSet("paused", sc("agent", ""))
	paused.Spec.InjectionStrategy.Paused = true
	other := sidecarSet("other", sc("agent", ""))
	other.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "y"}}
	nilSel := sidecarSet("nil-selector", sc("agent", ""))
	nilSel.Spec.Selector = nil
	emptySel := sidecarSet("empty-selector", sc("agent", ""))
	emptySel.Spec.Selector = &metav1.LabelSelector{}

	tests := []struct {
		name       string
		c          cluster
		wantReason sidecarset.Reason
	}{
		{"1 selector app=y, pod app=x", cluster{create: []*appsv1alpha1.SidecarSet{other}}, sidecarset.ReasonSelectorMismatch},
		{"2 injectionStrategy.paused", cluster{create: []*appsv1alpha1.SidecarSet{paused}}, sidecarset.ReasonPaused},
		{"3 nil selector", cluster{opts: sidecarset.Options{SkipValidation: true}, create: []*appsv1alpha1.SidecarSet{nilSel}}, sidecarset.ReasonSelectorEmpty},
		{"3 empty selector", cluster{opts: sidecarset.Options{SkipValidation: true}, create: []*appsv1alpha1.SidecarSet{emptySel}}, sidecarset.ReasonSelectorEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pod := appPod("nginx")
			res := tc.c.mustInject(t, pod)
			if res.Changed {
				t.Errorf("Changed = true, want false")
			}
			diff(t, "pod", pod, res.Pod)
			if res.Pod.Annotations != nil {
				t.Errorf("annotations = %v, want none", res.Pod.Annotations)
			}
			if len(res.Decisions) != 1 || res.Decisions[0].Reason != tc.wantReason || res.Decisions[0].Injected {
				t.Errorf("decisions = %+v, want one not injected with reason %s", res.Decisions, tc.wantReason)
			}
			if m := res.Matched(); len(m) != 0 {
				t.Errorf("Matched() = %v, want none", m)
			}
		})
	}
}

func TestScenarioContainerPlacement(t *testing.T) {
	t.Parallel()
	before, after := appsv1alpha1.BeforeAppContainerType, appsv1alpha1.AfterAppContainerType
	tests := []struct {
		name       string
		ss         *appsv1alpha1.SidecarSet
		pod        *corev1.Pod
		wantNames  []string
		wantImages []string
	}{
		{"4 Before and After around the app",
			sidecarSet("ss", sc("dns-f", before), sc("log-agent", after)), appPod("nginx"),
			[]string{"dns-f", "nginx", "log-agent"}, []string{"dns-f:v1", "nginx:app", "log-agent:v1"}},
		{"4 default policy is BeforeAppContainer",
			sidecarSet("ss", sc("dns-f", ""), sc("log-agent", "")), appPod("nginx"),
			[]string{"dns-f", "log-agent", "nginx"}, []string{"dns-f:v1", "log-agent:v1", "nginx:app"}},
		{"6 same-named pod containers are replaced in place",
			sidecarSet("ss", sc("sidecar-1", after), sc("sidecar-2", after)), appPod("sidecar-1", "app", "sidecar-2"),
			[]string{"sidecar-1", "app", "sidecar-2"}, []string{"sidecar-1:v1", "app:app", "sidecar-2:v1"}},
		{"7 new Before sidecar, After sidecars",
			sidecarSet("ss", sc("new-sidecar-1", before), sc("sidecar-1", after), sc("sidecar-2", after)), appPod("app"),
			[]string{"new-sidecar-1", "app", "sidecar-1", "sidecar-2"}, []string{"new-sidecar-1:v1", "app:app", "sidecar-1:v1", "sidecar-2:v1"}},
		{"7 mixed replacement and placement",
			sidecarSet("ss", sc("new-sidecar-1", before), sc("sidecar-1", after), sc("sidecar-2", after)), appPod("sidecar-1", "app", "sidecar-2"),
			[]string{"new-sidecar-1", "sidecar-1", "app", "sidecar-2"}, []string{"new-sidecar-1:v1", "sidecar-1:v1", "app:app", "sidecar-2:v1"}},
		{"8 pod without containers",
			sidecarSet("ss", sc("new-sidecar-1", before), sc("sidecar-1", after), sc("sidecar-2", after)), appPod(),
			[]string{"new-sidecar-1", "sidecar-1", "sidecar-2"}, []string{"new-sidecar-1:v1", "sidecar-1:v1", "sidecar-2:v1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := cluster{create: []*appsv1alpha1.SidecarSet{tc.ss}}.mustInject(t, tc.pod)
			diff(t, "containers", tc.wantNames, names(res.Pod.Spec.Containers))
			diff(t, "images", tc.wantImages, images(res.Pod.Spec.Containers))
			if !res.Changed {
				t.Error("Changed = false")
			}
			for _, c := range res.Pod.Spec.Containers {
				injected := strings.HasSuffix(c.Image, ":v1")
				hasFlag := cmp.Equal(envList(c), []string{"IS_INJECTED=true"})
				if injected != hasFlag {
					t.Errorf("container %s env %v: injected=%t", c.Name, envList(c), injected)
				}
			}
		})
	}
}

func TestScenarioInitContainerPlacement(t *testing.T) {
	t.Parallel()
	before, after := appsv1alpha1.BeforeAppContainerType, appsv1alpha1.AfterAppContainerType
	tests := []struct {
		name    string
		version sidecarset.Version
		inits   []appsv1alpha1.SidecarContainer
		podInit []string
		want    []string
	}{
		{"5 sorted by name after the pod's", sidecarset.KruiseV18, []appsv1alpha1.SidecarContainer{sc("init-2", ""), sc("init-1", after)}, []string{"init-0"},
			[]string{"init-0", "init-1", "init-2"}},
		{"9 empty pod init list", sidecarset.KruiseV18, []appsv1alpha1.SidecarContainer{sc("a-init", ""), sc("c-init", ""), sc("b-init", "")}, nil,
			[]string{"a-init", "b-init", "c-init"}},
		{"10 default After", sidecarset.KruiseV18, []appsv1alpha1.SidecarContainer{sc("a-init", ""), sc("c-init", ""), sc("b-init", "")}, []string{"app1-init", "app2-init"},
			[]string{"app1-init", "app2-init", "a-init", "b-init", "c-init"}},
		{"11 Before and After after the name sort", sidecarset.KruiseV18, []appsv1alpha1.SidecarContainer{sc("a-init", after), sc("c-init", before), sc("b-init", before)}, []string{"app1-init", "app2-init"},
			[]string{"b-init", "c-init", "app1-init", "app2-init", "a-init"}},
		{"11 v1.3 appends and ignores podInjectPolicy", sidecarset.KruiseV13, []appsv1alpha1.SidecarContainer{sc("a-init", after), sc("c-init", before), sc("b-init", before)}, []string{"app1-init", "app2-init"},
			[]string{"app1-init", "app2-init", "a-init", "b-init", "c-init"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ss := withInit(sidecarSet("ss", sc("dns-f", "")), tc.inits...)
			c := cluster{opts: sidecarset.Options{Version: tc.version}, create: []*appsv1alpha1.SidecarSet{ss}}
			res := c.mustInject(t, withPodInit(appPod("nginx"), tc.podInit...))
			diff(t, "init containers", tc.want, names(res.Pod.Spec.InitContainers))
			for _, ic := range tc.inits {
				diff(t, "env of "+ic.Name, []string{"IS_INJECTED=true"}, envList(container(t, res.Pod, ic.Name)))
			}
			for _, n := range tc.podInit {
				diff(t, "env of pod init "+n, []string{}, envList(container(t, res.Pod, n)))
			}
		})
	}
}

func TestScenarioImagePullSecrets(t *testing.T) {
	t.Parallel()
	refs := func(ns ...string) []corev1.LocalObjectReference {
		var out []corev1.LocalObjectReference
		for _, n := range ns {
			out = append(out, corev1.LocalObjectReference{Name: n})
		}
		return out
	}
	tests := []struct {
		name     string
		pod, ss  []corev1.LocalObjectReference
		want     []string
		injected bool
	}{
		{"12 duplicates removed, pod first", refs("s2", "s3", "s3"), refs("s0", "s1", "s2"), []string{"s2", "s3", "s0", "s1"}, true},
		{"13 disjoint", refs("s3", "s4", "s5"), refs("s0", "s1", "s2"), []string{"s3", "s4", "s5", "s0", "s1", "s2"}, true},
		{"13 pod has none", nil, refs("s0", "s1", "s2"), []string{"s0", "s1", "s2"}, true},
		{"13 sidecarset has none", refs("s3", "s4", "s5"), nil, []string{"s3", "s4", "s5"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ss := sidecarSet("ss", sc("agent", ""))
			ss.Spec.ImagePullSecrets = tc.ss
			pod := appPod("app")
			pod.Spec.ImagePullSecrets = tc.pod
			res := cluster{create: []*appsv1alpha1.SidecarSet{ss}}.mustInject(t, pod)
			diff(t, "imagePullSecrets", tc.want, secretNames(res.Pod.Spec.ImagePullSecrets))
		})
	}
}

func TestScenarioVolumes(t *testing.T) {
	t.Parallel()
	t.Run("14 only mounted volumes are appended", func(t *testing.T) {
		t.Parallel()
		ss := withVolumes(sidecarSet("ss", withMounts(sc("agent", ""), mount("volume-1", "/v1"))), emptyDir("volume-1"), emptyDir("volume-2"))
		pod := appPod("app")
		pod.Spec.Volumes = []corev1.Volume{emptyDir("volume-a"), emptyDir("volume-b")}
		res := cluster{create: []*appsv1alpha1.SidecarSet{ss}}.mustInject(t, pod)
		diff(t, "volumes", []string{"volume-a", "volume-b", "volume-1"}, volumeNames(res.Pod.Spec.Volumes))
		diff(t, "agent mounts", []string{"volume-1:/v1"}, mountList(container(t, res.Pod, "agent")))
	})
	t.Run("15 the pod's same-named volume wins", func(t *testing.T) {
		t.Parallel()
		ss := withVolumes(sidecarSet("ss", withMounts(sc("agent", ""), mount("log", "/var/log"))), emptyDir("log"))
		pod := appPod("app")
		hostPath := corev1.Volume{Name: "log", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log/pods"}}}
		pod.Spec.Volumes = []corev1.Volume{hostPath}
		res := cluster{create: []*appsv1alpha1.SidecarSet{ss}}.mustInject(t, pod)
		diff(t, "volumes", []corev1.Volume{hostPath}, res.Pod.Spec.Volumes)
		diff(t, "agent mounts", []string{"log:/var/log"}, mountList(container(t, res.Pod, "agent")))
	})
	t.Run("28 missing volume: v1.8 refuses the pod", func(t *testing.T) {
		t.Parallel()
		ss := sidecarSet("ss", withMounts(sc("agent", ""), mount("absent", "/absent")))
		c := cluster{opts: sidecarset.Options{SkipValidation: true}, create: []*appsv1alpha1.SidecarSet{ss}}
		_, err := c.inject(t, appPod("app"))
		var ref *sidecarset.RefusalError
		if !errors.As(err, &ref) {
			t.Fatalf("err = %v, want *RefusalError", err)
		}
		if ref.SidecarSet != "ss" || !strings.Contains(ref.Message, `"absent"`) {
			t.Errorf("refusal = %+v, want sidecarset ss naming volume \"absent\"", ref)
		}
	})
}

func TestScenarioTransferEnv(t *testing.T) {
	t.Parallel()
	transfer := func(c appsv1alpha1.SidecarContainer, ts ...appsv1alpha1.TransferEnvVar) appsv1alpha1.SidecarContainer {
		c.TransferEnv = ts
		return c
	}
	fromField := func(path string, envNames ...string) appsv1alpha1.TransferEnvVar {
		return appsv1alpha1.TransferEnvVar{EnvNames: envNames, SourceContainerNameFrom: &appsv1alpha1.SourceContainerNameSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path}}}
	}
	nginxHello := appsv1alpha1.TransferEnvVar{SourceContainerName: "nginx", EnvName: "hello2"}
	podNginx := func() *corev1.Pod {
		pod := appPod("nginx")
		pod.Spec.Containers[0].Env = []corev1.EnvVar{env("hello1", "world1"), env("hello2", "world2")}
		return pod
	}
	podMain := func(label, annotation string) *corev1.Pod {
		pod := appPod("main", "other")
		if label != "" {
			pod.Labels["source"] = label
		}
		if annotation != "" {
			pod.Annotations = map[string]string{"source": annotation}
		}
		pod.Spec.Containers[0].Env = []corev1.EnvVar{env("test-env", "main-value"), env("b-env", "b")}
		pod.Spec.Containers[1].Env = []corev1.EnvVar{env("test-env", "other-value")}
		return pod
	}
	tests := []struct {
		name string
		ss   *appsv1alpha1.SidecarSet
		pod  *corev1.Pod
		want map[string][]string
	}{
		{"16 init container and container",
			withInit(sidecarSet("ss", transfer(sc("agent", ""), nginxHello)), transfer(sc("init-agent", ""), nginxHello)),
			podNginx(),
			map[string][]string{"agent": {"IS_INJECTED=true", "hello2=world2"}, "init-agent": {"IS_INJECTED=true", "hello2=world2"}}},
		{"17 source from a pod label, names in ascending order",
			sidecarSet("ss", transfer(sc("agent", ""), fromField("metadata.labels['source']", "test-env", "b-env"))),
			podMain("main", ""),
			map[string][]string{"agent": {"IS_INJECTED=true", "b-env=b", "test-env=main-value"}}},
		{"17 source from a pod annotation",
			sidecarSet("ss", transfer(sc("agent", ""), fromField("metadata.annotations['source']", "test-env"))),
			podMain("", "other"),
			map[string][]string{"agent": {"IS_INJECTED=true", "test-env=other-value"}}},
		{"18 missing source container or env copies nothing",
			sidecarSet("ss", transfer(sc("agent", ""),
				appsv1alpha1.TransferEnvVar{SourceContainerName: "absent", EnvName: "hello2"},
				appsv1alpha1.TransferEnvVar{SourceContainerName: "nginx", EnvName: "absent"},
				fromField("metadata.labels['no-such-label']", "hello2"))),
			podNginx(),
			map[string][]string{"agent": {"IS_INJECTED=true"}}},
		{"19 the sidecar's own value wins",
			sidecarSet("ss", transfer(withEnv(sc("agent", ""), env("hello2", "own")), nginxHello)),
			podNginx(),
			map[string][]string{"agent": {"hello2=own", "IS_INJECTED=true"}}},
		{"19 IS_INJECTED cannot be overridden",
			sidecarSet("ss", transfer(sc("agent", ""), appsv1alpha1.TransferEnvVar{SourceContainerName: "nginx", EnvNames: []string{"IS_INJECTED", "hello1"}})),
			func() *corev1.Pod {
				p := podNginx()
				p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, env("IS_INJECTED", "false"))
				return p
			}(),
			map[string][]string{"agent": {"IS_INJECTED=true", "hello1=world1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := cluster{create: []*appsv1alpha1.SidecarSet{tc.ss}}.mustInject(t, tc.pod)
			for name, want := range tc.want {
				diff(t, "env of "+name, want, envList(container(t, res.Pod, name)))
			}
		})
	}
}

// sharePod is the app of scenarios 20-25: mounts /a/b, /e/f, /staragent and a subPathExpr mount.
func sharePod(subPathExpr string) *corev1.Pod {
	pod := appPod("app", "injected-before")
	app := &pod.Spec.Containers[0]
	app.VolumeMounts = []corev1.VolumeMount{mount("volume-a", "/a/b"), mount("volume-b", "/e/f"), mount("volume-staragent", "/staragent")}
	if subPathExpr != "-" {
		app.VolumeMounts = append(app.VolumeMounts, corev1.VolumeMount{Name: "volume-c", MountPath: "/e/expansion", SubPathExpr: subPathExpr})
	}
	app.Env = []corev1.EnvVar{env("POD_NAME", "pod"), env("OD_NAME", "od"), env("OTHER", "x"), env("POD_NAME", "second")}
	// 25: an already injected container's mounts are never shared.
	prior := &pod.Spec.Containers[1]
	prior.Env = []corev1.EnvVar{env("IS_INJECTED", "true")}
	prior.VolumeMounts = []corev1.VolumeMount{mount("volume-z", "/z")}
	pod.Spec.InitContainers = []corev1.Container{{Name: "pod-init", Image: "i", VolumeMounts: []corev1.VolumeMount{mount("volume-i", "/init-only")}}}
	return pod
}

func TestScenarioShareVolumePolicy(t *testing.T) {
	t.Parallel()
	ownMounts := []corev1.VolumeMount{mount("volume-1", "/a/b/c"), mount("volume-2", "/d/e/f"), mount("volume-3", "/staragent")}
	vols := []corev1.Volume{emptyDir("volume-1"), emptyDir("volume-2"), emptyDir("volume-3")}
	own := []string{"volume-1:/a/b/c", "volume-2:/d/e/f", "volume-3:/staragent"}
	shared := append(append([]string{}, own...), "volume-a:/a/b", "volume-b:/e/f")
	tests := []struct {
		name        string
		version     sidecarset.Version
		share       bool
		init        bool
		subPathExpr string
		wantMounts  []string
		wantEnv     []string
	}{
		{"20 own mounts first, own /staragent wins", sidecarset.KruiseV18, true, false, "-", shared, []string{"IS_INJECTED=true"}},
		{"21 subPathExpr variables copied (first definition)", sidecarset.KruiseV18, true, false, "foo/$(POD_NAME)/$(OD_NAME)/conf",
			append(append([]string{}, shared...), "volume-c:/e/expansion"), []string{"IS_INJECTED=true", "POD_NAME=pod", "OD_NAME=od"}},
		{"22 subPathExpr without variables", sidecarset.KruiseV18, true, false, "foo",
			append(append([]string{}, shared...), "volume-c:/e/expansion"), []string{"IS_INJECTED=true"}},
		{"23 init container shares in v1.8", sidecarset.KruiseV18, true, true, "-", shared, []string{"IS_INJECTED=true"}},
		{"23 init container does not share in v1.3", sidecarset.KruiseV13, true, true, "-", own, []string{"IS_INJECTED=true"}},
		{"23 container still shares in v1.3", sidecarset.KruiseV13, true, false, "foo/$(POD_NAME)",
			append(append([]string{}, shared...), "volume-c:/e/expansion"), []string{"IS_INJECTED=true", "POD_NAME=pod"}},
		{"24 disabled", sidecarset.KruiseV18, false, false, "foo/$(POD_NAME)", own, []string{"IS_INJECTED=true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sidecar := withMounts(sc("sidecar", ""), ownMounts...)
			if tc.share {
				sidecar = sharing(sidecar)
			}
			ss := sidecarSet("ss", sc("plain", ""))
			if tc.init {
				ss.Spec.InitContainers = []appsv1alpha1.SidecarContainer{sidecar}
			} else {
				ss.Spec.Containers = append(ss.Spec.Containers, sidecar)
			}
			ss.Spec.Volumes = vols
			c := cluster{opts: sidecarset.Options{Version: tc.version}, create: []*appsv1alpha1.SidecarSet{notUpdate(ss)}}
			res := c.mustInject(t, sharePod(tc.subPathExpr))
			got := container(t, res.Pod, "sidecar")
			diff(t, "mounts", tc.wantMounts, mountList(got))
			diff(t, "env", tc.wantEnv, envList(got))
			// Shared mounts reference the pod's volumes, which are not touched.
			diff(t, "volumes", []string{"volume-1", "volume-2", "volume-3"}, volumeNames(res.Pod.Spec.Volumes))
		})
	}
}

func TestScenarioHashAndInjectedList(t *testing.T) {
	t.Parallel()
	stored := func(name, hash string, labels map[string]string) *appsv1alpha1.SidecarSet {
		ss := sidecarSet(name, sc(name+"-c", appsv1alpha1.BeforeAppContainerType))
		ss.Spec.Selector.MatchLabels = labels
		ss.Annotations = map[string]string{sidecarset.AnnotationHash: hash, sidecarset.AnnotationHashWithoutImage: hash + "-wi"}
		return ss
	}
	t.Run("30 entries only for matched sets, with their hashes", func(t *testing.T) {
		t.Parallel()
		c := cluster{store: []*appsv1alpha1.SidecarSet{
			stored("sidecarset1", "bbb", map[string]string{"app": "other"}),
			stored("sidecarset2", "c4k2dbb95d", map[string]string{"app": "x"}),
			stored("sidecarset3", "gm967682cm", map[string]string{"app": "x"}),
		}}
		res := c.mustInject(t, appPod("app"))
		want := map[string]podHashEntry{
			"sidecarset2": {UpdateTimestamp: scenarioNowJSON, Hash: "c4k2dbb95d", SidecarSetName: "sidecarset2", SidecarList: []string{"sidecarset2-c"}},
			"sidecarset3": {UpdateTimestamp: scenarioNowJSON, Hash: "gm967682cm", SidecarSetName: "sidecarset3", SidecarList: []string{"sidecarset3-c"}},
		}
		diff(t, "hash annotation", want, hashEntries(t, res.Pod, sidecarset.AnnotationHash))
		wantWI := map[string]podHashEntry{
			"sidecarset2": {UpdateTimestamp: scenarioNowJSON, Hash: "c4k2dbb95d-wi", SidecarSetName: "sidecarset2", SidecarList: []string{"sidecarset2-c"}},
			"sidecarset3": {UpdateTimestamp: scenarioNowJSON, Hash: "gm967682cm-wi", SidecarSetName: "sidecarset3", SidecarList: []string{"sidecarset3-c"}},
		}
		diff(t, "hash-without-image annotation", wantWI, hashEntries(t, res.Pod, sidecarset.AnnotationHashWithoutImage))
		diff(t, "matched", []string{"sidecarset2", "sidecarset3"}, res.Matched())
		diff(t, "containers", []string{"sidecarset2-c", "sidecarset3-c", "app"}, names(res.Pod.Spec.Containers))
	})
	t.Run("31 injected list", func(t *testing.T) {
		t.Parallel()
		c := cluster{store: []*appsv1alpha1.SidecarSet{
			stored("sidecarset3", "h3", map[string]string{"app": "x"}),
			stored("sidecarset2", "h2", map[string]string{"app": "other"}),
			stored("sidecarset1", "h1", map[string]string{"app": "x"}),
		}}
		res := c.mustInject(t, appPod("app"))
		diff(t, "injected list", "sidecarset1,sidecarset3", res.Pod.Annotations[sidecarset.AnnotationInjectedList])
	})
	for _, tc := range []struct {
		version sidecarset.Version
		want    string
	}{{sidecarset.KruiseV18, "aaa,zzz"}, {sidecarset.KruiseV13, "aaa"}} {
		t.Run("32 existing injected list, "+string(tc.version), func(t *testing.T) {
			t.Parallel()
			pod := appPod("app")
			pod.Annotations = map[string]string{sidecarset.AnnotationInjectedList: "zzz"}
			c := cluster{opts: sidecarset.Options{Version: tc.version}, create: []*appsv1alpha1.SidecarSet{sidecarSet("aaa", sc("agent", ""))}}
			res := c.mustInject(t, pod)
			diff(t, "injected list", tc.want, res.Pod.Annotations[sidecarset.AnnotationInjectedList])
		})
	}
	t.Run("33 legacy hash annotation is rewritten as objects", func(t *testing.T) {
		t.Parallel()
		pod := appPod("app")
		pod.Annotations = map[string]string{
			sidecarset.AnnotationHash:             `{"sidecarset-test":"bv6d"}`,
			sidecarset.AnnotationHashWithoutImage: `{"sidecarset-test":"bv6d-wi"}`,
		}
		c := cluster{store: []*appsv1alpha1.SidecarSet{stored("aaa", "h-aaa", map[string]string{"app": "x"})}}
		res := c.mustInject(t, pod)
		got := hashEntries(t, res.Pod, sidecarset.AnnotationHash)
		diff(t, "legacy entry", podHashEntry{Hash: "bv6d", SidecarSetName: "sidecarset-test"}, podHashEntry{Hash: got["sidecarset-test"].Hash, SidecarSetName: got["sidecarset-test"].SidecarSetName})
		diff(t, "new entry", podHashEntry{UpdateTimestamp: scenarioNowJSON, Hash: "h-aaa", SidecarSetName: "aaa", SidecarList: []string{"aaa-c"}}, got["aaa"])
		if raw := res.Pod.Annotations[sidecarset.AnnotationHash]; !strings.HasPrefix(raw, `{"aaa":{"updateTimestamp":"2024-05-01T08:00:00Z","hash":"h-aaa","sidecarSetName":"aaa","sidecarList":["aaa-c"]},"sidecarset-test":{`) {
			t.Errorf("hash annotation not compact sorted JSON objects: %s", raw)
		}
		gotWI := hashEntries(t, res.Pod, sidecarset.AnnotationHashWithoutImage)
		if gotWI["sidecarset-test"].Hash != "bv6d-wi" {
			t.Errorf("legacy without-image entry = %+v", gotWI["sidecarset-test"])
		}
	})
	t.Run("33 unparsable hash annotation refuses the pod", func(t *testing.T) {
		t.Parallel()
		pod := appPod("app")
		pod.Annotations = map[string]string{sidecarset.AnnotationHash: "garbage"}
		c := cluster{create: []*appsv1alpha1.SidecarSet{sidecarSet("aaa", sc("agent", ""))}}
		_, err := c.inject(t, pod)
		if !sidecarset.IsRefusal(err) {
			t.Fatalf("err = %v, want a refusal", err)
		}
		if !strings.Contains(err.Error(), sidecarset.AnnotationHash) {
			t.Errorf("refusal %q does not name the annotation", err)
		}
	})
}

func TestScenarioHotUpgrade(t *testing.T) {
	t.Parallel()
	t.Run("34 hot-upgrade container pair", func(t *testing.T) {
		t.Parallel()
		ss := sidecarSet("ss", hot(sc("dns-f", appsv1alpha1.BeforeAppContainerType), "busy:hotupgrade-empty"), sc("log-agent", appsv1alpha1.AfterAppContainerType))
		st := cluster{create: []*appsv1alpha1.SidecarSet{ss}}.state(t)
		res, err := sidecarset.Inject(st, appPod("nginx"), sidecarset.Request{})
		if err != nil {
			t.Fatal(err)
		}
		pod := res.Pod
		diff(t, "containers", []string{"dns-f-1", "dns-f-2", "nginx", "log-agent"}, names(pod.Spec.Containers))
		diff(t, "images", []string{"dns-f:v1", "busy:hotupgrade-empty", "nginx:app", "log-agent:v1"}, images(pod.Spec.Containers))
		for _, n := range []string{"dns-f-1", "dns-f-2"} {
			diff(t, "env of "+n, []string{"IS_INJECTED=true",
				"SIDECARSET_VERSION<-metadata.annotations['version.sidecarset.kruise.io/" + n + "']",
				"SIDECARSET_VERSION_ALT<-metadata.annotations['versionalt.sidecarset.kruise.io/" + n + "']"}, envList(container(t, pod, n)))
		}
		wantAnn := map[string]string{
			sidecarset.AnnotationWorkingHotUpgrade:            `{"dns-f":"dns-f-1"}`,
			sidecarset.AnnotationVersionPrefix + "dns-f-1":    "1",
			sidecarset.AnnotationVersionPrefix + "dns-f-2":    "0",
			sidecarset.AnnotationVersionAltPrefix + "dns-f-1": "0",
			sidecarset.AnnotationVersionAltPrefix + "dns-f-2": "1",
			sidecarset.AnnotationInjectedList:                 "ss",
			sidecarset.AnnotationHash:                         pod.Annotations[sidecarset.AnnotationHash],
			sidecarset.AnnotationHashWithoutImage:             pod.Annotations[sidecarset.AnnotationHashWithoutImage],
		}
		diff(t, "annotations", wantAnn, pod.Annotations)
		stored, _ := st.SidecarSet("ss")
		diff(t, "hash entry", podHashEntry{UpdateTimestamp: scenarioNowJSON, Hash: stored.Annotations[sidecarset.AnnotationHash], SidecarSetName: "ss", SidecarList: []string{"dns-f", "log-agent"}},
			hashEntries(t, pod, sidecarset.AnnotationHash)["ss"])
		if len(stored.Annotations[sidecarset.AnnotationHash]) != 64 {
			t.Errorf("sidecarset hash %q is not 64 chars", stored.Annotations[sidecarset.AnnotationHash])
		}
	})
	t.Run("35 native init containers with hot upgrade", func(t *testing.T) {
		t.Parallel()
		ss1 := notUpdate(withInit(sidecarSet("sidecarset-1"), native(sc("init-1", ""))))
		ss2 := notUpdate(withInit(sidecarSet("sidecarset-2"), hot(native(sc("hot-init", "")), "empty:v1")))
		res := cluster{create: []*appsv1alpha1.SidecarSet{ss1, ss2}}.mustInject(t, withPodInit(appPod("app"), "init-0"))
		pod := res.Pod
		diff(t, "init containers", []string{"init-0", "hot-init-1", "hot-init-2", "init-1"}, names(pod.Spec.InitContainers))
		diff(t, "init images", []string{"init-0:app", "hot-init:v1", "empty:v1", "init-1:v1"}, images(pod.Spec.InitContainers))
		diff(t, "containers", []string{"app"}, names(pod.Spec.Containers))
		for _, n := range []string{"hot-init-1", "hot-init-2", "init-1"} {
			if rp := container(t, pod, n).RestartPolicy; rp == nil || *rp != corev1.ContainerRestartPolicyAlways {
				t.Errorf("%s restartPolicy = %v, want Always", n, rp)
			}
		}
		h := hashEntries(t, pod, sidecarset.AnnotationHash)
		diff(t, "sidecarList of sidecarset-1", []string{"init-1"}, h["sidecarset-1"].SidecarList)
		diff(t, "sidecarList of sidecarset-2", []string{"hot-init"}, h["sidecarset-2"].SidecarList)
		diff(t, "injected list", "sidecarset-1,sidecarset-2", pod.Annotations[sidecarset.AnnotationInjectedList])
		diff(t, "working", `{"hot-init":"hot-init-1"}`, pod.Annotations[sidecarset.AnnotationWorkingHotUpgrade])
	})
	t.Run("36 only plain init containers: empty sidecarList", func(t *testing.T) {
		t.Parallel()
		for _, v := range []sidecarset.Version{sidecarset.KruiseV18, sidecarset.KruiseV13} {
			ss := withInit(sidecarSet("ss"), sc("init-a", ""))
			res := cluster{opts: sidecarset.Options{Version: v}, create: []*appsv1alpha1.SidecarSet{ss}}.mustInject(t, appPod("app"))
			raw := res.Pod.Annotations[sidecarset.AnnotationHash]
			if !strings.Contains(raw, `"sidecarList":[]`) {
				t.Errorf("%s: hash annotation %s, want \"sidecarList\":[]", v, raw)
			}
			diff(t, string(v)+" init containers", []string{"init-a"}, names(res.Pod.Spec.InitContainers))
		}
	})
}

// whitelistAll allows every annotation key to be patched.
func whitelistAll() *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: sidecarset.KruiseNamespace, Name: sidecarset.KruiseConfigurationName},
		Data:       map[string]string{sidecarset.WhitelistKey: `{"rules":[{"allowedAnnotationKeyExprs":[".*"]}]}`},
	}
}

func patch(policy appsv1alpha1.SidecarSetPatchPolicyType, kv ...string) appsv1alpha1.SidecarSetPatchPodMetadata {
	p := appsv1alpha1.SidecarSetPatchPodMetadata{Annotations: map[string]string{}, PatchPolicy: policy}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Annotations[kv[i]] = kv[i+1]
	}
	return p
}

func TestScenarioPatchPodMetadata(t *testing.T) {
	t.Parallel()
	merge, retain, overwrite := appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy, appsv1alpha1.SidecarSetRetainPatchPolicy, appsv1alpha1.SidecarSetOverwritePatchPolicy
	tests := []struct {
		name     string
		patches  [][]appsv1alpha1.SidecarSetPatchPodMetadata // one list per SidecarSet a, b, ...
		existing map[string]string
		want     map[string]string
	}{
		{"37 MergePatchJson across sets, Retain",
			[][]appsv1alpha1.SidecarSetPatchPodMetadata{
				{patch(merge, "key1", `{"log-agent":1}`), patch(retain, "key", "envoy=1,log=2")},
				{patch(merge, "key1", `{"envoy":2}`)},
			}, nil,
			map[string]string{"key1": `{"envoy":2,"log-agent":1}`, "key": "envoy=1,log=2"}},
		{"38 Retain keeps, Overwrite replaces",
			[][]appsv1alpha1.SidecarSetPatchPodMetadata{{patch(retain, "key1", "value1"), patch(overwrite, "key2", "value2")}},
			map[string]string{"key1": "old", "key2": "old"},
			map[string]string{"key1": "old", "key2": "value2"}},
		{"MergePatchJson onto an existing value",
			[][]appsv1alpha1.SidecarSetPatchPodMetadata{{patch(merge, "key1", `{"b":2,"a":null}`)}},
			map[string]string{"key1": `{"c":3,"a":1}`},
			map[string]string{"key1": `{"b":2,"c":3}`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := cluster{configMaps: []*corev1.ConfigMap{whitelistAll()}}
			for i, ps := range tc.patches {
				ss := sidecarSet(string(rune('a'+i)), sc("agent-"+string(rune('a'+i)), ""))
				ss.Spec.PatchPodMetadata = ps
				c.create = append(c.create, ss)
			}
			pod := appPod("app")
			pod.Annotations = tc.existing
			res := c.mustInject(t, pod)
			for k, want := range tc.want {
				got := res.Pod.Annotations[k]
				if strings.HasPrefix(want, "{") {
					// Compared as JSON: the spec's sorted key order is a known engine gap
					// (reported separately), the merged content is what this test pins.
					var w, g any
					if err := json.Unmarshal([]byte(want), &w); err != nil {
						t.Fatal(err)
					}
					if err := json.Unmarshal([]byte(got), &g); err != nil {
						t.Fatalf("annotation %s = %q: %v", k, got, err)
					}
					diff(t, "annotation "+k, w, g)
					continue
				}
				diff(t, "annotation "+k, want, got)
			}
		})
	}
	t.Run("invalid MergePatchJson refuses the pod", func(t *testing.T) {
		t.Parallel()
		ss := sidecarSet("a", sc("agent", ""))
		ss.Spec.PatchPodMetadata = []appsv1alpha1.SidecarSetPatchPodMetadata{patch(merge, "key1", `{"b":2}`)}
		pod := appPod("app")
		pod.Annotations = map[string]string{"key1": "not json"}
		_, err := cluster{configMaps: []*corev1.ConfigMap{whitelistAll()}, create: []*appsv1alpha1.SidecarSet{ss}}.inject(t, pod)
		var ref *sidecarset.RefusalError
		if !errors.As(err, &ref) || ref.SidecarSet != "a" {
			t.Fatalf("err = %v, want a refusal by sidecarset a", err)
		}
	})
}

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
		if len(res.Decisions) != 1 || res.Decisions[0].Reason != sidecarset.ReasonPinnedRevision {
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
		wantReason sidecarset.Reason
	}{
		{"43 namespaceSelector matches the Namespace labels", cluster{namespaces: []*corev1.Namespace{app1}, create: []*appsv1alpha1.SidecarSet{bySelector("ns", "app1")}}, "app1", sidecarset.ReasonInjected},
		{"43 namespaceSelector does not match", cluster{namespaces: []*corev1.Namespace{app1}, create: []*appsv1alpha1.SidecarSet{bySelector("app", "app2")}}, "app1", sidecarset.ReasonNamespaceSelectorMismatch},
		{"43 Namespace object missing", cluster{create: []*appsv1alpha1.SidecarSet{bySelector("ns", "app1")}}, "app1", sidecarset.ReasonNamespaceNotFound},
		{"44 spec.namespace differs (v1.8)", cluster{create: []*appsv1alpha1.SidecarSet{byNamespace("ns1")}}, "ns2", sidecarset.ReasonNamespaceMismatch},
		{"44 spec.namespace differs (v1.3)", cluster{opts: sidecarset.Options{Version: sidecarset.KruiseV13}, create: []*appsv1alpha1.SidecarSet{byNamespace("ns1")}}, "ns2", sidecarset.ReasonNamespaceMismatch},
		{"44 spec.namespace equal (v1.3)", cluster{opts: sidecarset.Options{Version: sidecarset.KruiseV13}, create: []*appsv1alpha1.SidecarSet{byNamespace("ns1")}}, "ns1", sidecarset.ReasonInjected},
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
			if tc.wantReason == sidecarset.ReasonInjected {
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
		wantReason sidecarset.Reason
	}{
		{"48 UPDATE injects nothing", appPod("app"), sidecarset.Request{Operation: sidecarset.Update}, sidecarset.ReasonMatchedNothingToInject},
		{"subresource is ignored", appPod("app"), sidecarset.Request{SubResource: "status"}, sidecarset.ReasonNotPodCreate},
		{"pod being deleted", deleting, sidecarset.Request{}, sidecarset.ReasonPodInactive},
		{"succeeded pod", succeeded, sidecarset.Request{}, sidecarset.ReasonPodInactive},
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

// TestScenarioSpecRules pins rules of kruise-sidecarset.md 1-3 that section 6 leaves implicit.
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
