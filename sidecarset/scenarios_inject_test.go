package sidecarset_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// Scenarios 1-29: matching, placement, secrets, volumes, env and shared mounts.

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
		wantReason finding.Code
	}{
		{"1 selector app=y, pod app=x", cluster{create: []*appsv1alpha1.SidecarSet{other}}, finding.SelectorMismatch},
		{"2 injectionStrategy.paused", cluster{create: []*appsv1alpha1.SidecarSet{paused}}, finding.InjectionPaused},
		{"3 nil selector", cluster{opts: sidecarset.Options{SkipValidation: true}, create: []*appsv1alpha1.SidecarSet{nilSel}}, finding.SelectorEmpty},
		{"3 empty selector", cluster{opts: sidecarset.Options{SkipValidation: true}, create: []*appsv1alpha1.SidecarSet{emptySel}}, finding.SelectorEmpty},
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
	t.Run("14 a device's volume is not queued before v1.9", func(t *testing.T) {
		t.Parallel()
		disk := corev1.Volume{Name: "disk", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "disk"}}}
		agent := withMounts(sc("agent", ""), mount("volume-1", "/v1"))
		agent.VolumeDevices = []corev1.VolumeDevice{{Name: "disk", DevicePath: "/dev/disk"}}
		ss := withVolumes(sidecarSet("ss", agent), emptyDir("volume-1"), disk)
		for _, v := range []sidecarset.Version{sidecarset.KruiseV18, sidecarset.KruiseV13} {
			res := cluster{opts: sidecarset.Options{Version: v}, create: []*appsv1alpha1.SidecarSet{ss}}.mustInject(t, appPod("app"))
			diff(t, "volumes in "+string(v), []string{"volume-1"}, volumeNames(res.Pod.Spec.Volumes))
		}
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
