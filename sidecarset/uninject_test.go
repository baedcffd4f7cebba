package sidecarset_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// uninjectCase injects pod with the cluster, applies edit to the result (a hand edit, or what
// the API server stores), then uninjects it (sidecarset/BEHAVIOUR.md §3.4).
type uninjectCase struct {
	name    string
	cluster cluster
	pod     *corev1.Pod
	edit    func(*corev1.Pod)
	// uninjectWith is the state uninject reads, when it is not the injecting one; noState
	// uninjects without any.
	uninjectWith *cluster
	noState      bool
	// roundTrip: the result is the pod before injection.
	roundTrip bool
	kept      []string
	// codes are the findings as "code field".
	codes []string
	check func(t *testing.T, injected *corev1.Pod, res *sidecarset.UninjectResult)
}

func (c uninjectCase) run(t *testing.T) {
	t.Helper()
	injected := c.cluster.mustInject(t, c.pod).Pod
	if c.edit != nil {
		c.edit(injected)
	}
	var st *sidecarset.State
	switch {
	case c.noState:
	case c.uninjectWith != nil:
		st = c.uninjectWith.state(t)
	default:
		st = c.cluster.state(t)
	}
	before := injected.DeepCopy()
	res, err := sidecarset.Uninject(st, injected)
	if err != nil {
		t.Fatalf("uninject: %v", err)
	}
	if !equality.Semantic.DeepEqual(before, injected) {
		t.Fatal("Uninject modified its input")
	}
	if c.roundTrip {
		samePod(t, c.pod, res.Pod)
	}
	diff(t, "kept", c.kept, res.Kept)
	var codes []string
	for _, f := range res.Findings {
		codes = append(codes, strings.TrimSpace(string(f.Code)+" "+f.Field))
	}
	diff(t, "findings", c.codes, codes)
	if c.check != nil {
		c.check(t, injected, res)
	}
	// Uninjecting again changes nothing and keeps the same.
	again, err := sidecarset.Uninject(st, res.Pod)
	if err != nil {
		t.Fatalf("uninject again: %v", err)
	}
	if again.Changed || len(again.Removed) != 0 {
		t.Errorf("uninject of the result removed %+v", again.Removed)
	}
	diff(t, "kept again", c.kept, again.Kept)
}

// samePod compares two pods as JSON.
func samePod(t *testing.T, want, got *corev1.Pod) {
	t.Helper()
	var w, g any
	for _, p := range []struct {
		pod  *corev1.Pod
		into *any
	}{{want, &w}, {got, &g}} {
		raw, err := json.Marshal(p.pod)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, p.into); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(w, g); d != "" {
		t.Errorf("uninject(inject(pod)) != pod (-want +got):\n%s", d)
	}
}

func withSecrets(ss *appsv1alpha1.SidecarSet, names ...string) *appsv1alpha1.SidecarSet {
	for _, n := range names {
		ss.Spec.ImagePullSecrets = append(ss.Spec.ImagePullSecrets, corev1.LocalObjectReference{Name: n})
	}
	return ss
}

func withPatches(ss *appsv1alpha1.SidecarSet, patches ...appsv1alpha1.SidecarSetPatchPodMetadata) *appsv1alpha1.SidecarSet {
	ss.Spec.PatchPodMetadata = append(ss.Spec.PatchPodMetadata, patches...)
	return ss
}

func hostPath(name, path string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}}
}

// everything is a SidecarSet with each kind of thing injection adds.
func everything() *appsv1alpha1.SidecarSet {
	ss := sidecarSet("all",
		withMounts(sc("before", appsv1alpha1.BeforeAppContainerType), mount("vol-a", "/a")),
		sc("after", appsv1alpha1.AfterAppContainerType))
	ss = withInit(ss, withMounts(sc("init-1", ""), mount("vol-b", "/b")), native(sc("native", "")))
	ss = withVolumes(ss, emptyDir("vol-a"), hostPath("vol-b", "/var/b"), emptyDir("unused"))
	return notUpdate(withSecrets(ss, "s0", "s1"))
}

func podWith(pod *corev1.Pod, edit func(*corev1.Pod)) *corev1.Pod {
	edit(pod)
	return pod
}

func TestUninjectRoundTrips(t *testing.T) {
	t.Parallel()
	merge, retain := appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy, appsv1alpha1.SidecarSetRetainPatchPolicy
	v1 := sidecarSet("log", sc("log-agent", ""))
	v2 := sidecarSet("log", sc("log-agent", ""))
	v2.Spec.Containers[0].Image = "log-agent:v2"
	for _, c := range []uninjectCase{
		{name: "containers, init containers, a native sidecar, volumes and secrets",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{everything()}},
			pod: podWith(withPodInit(appPod("app"), "setup"), func(p *corev1.Pod) {
				p.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "s1"}, {Name: "own"}}
			}),
			roundTrip: true,
			check: func(t *testing.T, _ *corev1.Pod, res *sidecarset.UninjectResult) {
				diff(t, "removed", []sidecarset.Removal{{SidecarSet: "all", Checked: true, Containers: []string{"before", "after"},
					InitContainers: []string{"init-1", "native"}, Volumes: []string{"vol-b", "vol-a"}, ImagePullSecrets: []string{"s0"},
					Annotations: []string{sidecarset.AnnotationHash, sidecarset.AnnotationHashWithoutImage, sidecarset.AnnotationInjectedList}}}, res.Removed)
			}},
		{name: "hot-upgrade pairs of a container and a native sidecar, as the API server stores them",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{notUpdate(withInit(
				sidecarSet("hot", hot(sc("proxy", appsv1alpha1.BeforeAppContainerType), "empty:1")),
				native(hot(sc("agent", ""), "empty:1"))))}},
			pod: appPod("app"),
			edit: func(p *corev1.Pod) {
				// The API server defaults the fieldRefs Kruise writes without apiVersion.
				for _, list := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
					for i := range list {
						for j := range list[i].Env {
							if f := list[i].Env[j].ValueFrom; f != nil && f.FieldRef != nil {
								f.FieldRef.APIVersion = "v1"
							}
						}
					}
				}
			},
			roundTrip: true},
		{name: "v1.3: init containers appended, hot upgrade keeps one working entry",
			cluster: cluster{opts: sidecarset.Options{Version: sidecarset.KruiseV13}, create: []*appsv1alpha1.SidecarSet{
				withInit(sidecarSet("a", hot(sc("proxy", ""), "empty:1")), sc("a-init", "")),
				sidecarSet("b", hot(sc("dns", appsv1alpha1.AfterAppContainerType), "empty:1"))}},
			pod: withPodInit(appPod("app"), "setup"), roundTrip: true},
		{name: "shareVolumePolicy with a subPathExpr var, transferEnv",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{sidecarSet("share", func() appsv1alpha1.SidecarContainer {
				c := sharing(sc("tail", ""))
				c.TransferEnv = []appsv1alpha1.TransferEnvVar{{SourceContainerName: "app", EnvName: "REGION"}}
				return c
			}())}},
			pod: podWith(appPod("app"), func(p *corev1.Pod) {
				p.Spec.Containers[0].Env = []corev1.EnvVar{env("POD", "x"), env("REGION", "cn")}
				p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "logs", MountPath: "/logs", SubPathExpr: "$(POD)"}}
				p.Spec.Volumes = []corev1.Volume{emptyDir("logs")}
			}),
			roundTrip: true},
		{name: "two SidecarSets sharing a secret and an identical volume",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{
				withSecrets(withVolumes(sidecarSet("a", withMounts(sc("a", ""), mount("shared", "/s"))), emptyDir("shared")), "x", "y"),
				withSecrets(withVolumes(sidecarSet("b", withMounts(sc("b", appsv1alpha1.AfterAppContainerType), mount("shared", "/s"))), emptyDir("shared")), "y", "z")}},
			pod: appPod("app"), roundTrip: true},
		{name: "patchPodMetadata Retain over the pod's value, MergePatchJson into no value",
			cluster: cluster{opts: sidecarset.Options{FeatureGates: map[string]bool{"SidecarSetPatchPodMetadataDefaultsAllowed": true}},
				create: []*appsv1alpha1.SidecarSet{withPatches(sidecarSet("meta", sc("m", "")),
					patch(retain, "mode", "sidecar", "inject", "true"), patch(merge, "json", `{"a":1}`))}},
			pod:       podWith(appPod("app"), func(p *corev1.Pod) { p.Annotations = map[string]string{"mode": "pod"} }),
			roundTrip: true},
		{name: "the SidecarSet changed since injection, its ControllerRevision given",
			cluster:      cluster{create: []*appsv1alpha1.SidecarSet{v1}},
			uninjectWith: &cluster{create: []*appsv1alpha1.SidecarSet{v2}, revisions: []*appsv1.ControllerRevision{revisionOf(t, v1, sidecarset.KruiseV18)}},
			pod:          appPod("app"), roundTrip: true},
		{name: "the pod's volume won the name clash and only the sidecar used it",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{withVolumes(sidecarSet("log", withMounts(sc("log-agent", ""), mount("logs", "/logs"))), emptyDir("logs"))}},
			pod:     podWith(appPod("app"), func(p *corev1.Pod) { p.Spec.Volumes = []corev1.Volume{hostPath("logs", "/var/log")} }),
			codes:   []string{"uninject_pod_volume spec.volumes[0]"}, roundTrip: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}

// TestUninjectTwoRounds: a template injected offline with one SidecarSet, then its pod by
// Kruise with that one and another (re-injection replaces in place, the other's sidecars,
// secrets and volumes are appended): uninject with the second state undoes both rounds.
func TestUninjectTwoRounds(t *testing.T) {
	t.Parallel()
	a := func() *appsv1alpha1.SidecarSet {
		return withSecrets(withVolumes(sidecarSet("a", withMounts(sc("a", appsv1alpha1.AfterAppContainerType), mount("va", "/a"))), emptyDir("va")), "sa")
	}
	b := withSecrets(withVolumes(withInit(sidecarSet("b", sc("b", appsv1alpha1.BeforeAppContainerType)), sc("b-init", "")), emptyDir("vb")), "sb", "sa")
	b.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{mount("vb", "/b")}
	first := cluster{create: []*appsv1alpha1.SidecarSet{a()}}
	second := cluster{create: []*appsv1alpha1.SidecarSet{a(), b}}
	pod := withPodInit(appPod("app"), "setup")
	pod.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "own"}}
	once := first.mustInject(t, pod).Pod
	twice := second.mustInject(t, once).Pod
	diff(t, "secrets after two rounds", []string{"own", "sa", "sb"}, secretNames(twice.Spec.ImagePullSecrets))
	res, err := sidecarset.Uninject(second.state(t), twice)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) > 0 || len(res.Kept) > 0 {
		t.Errorf("kept %v, findings %v", res.Kept, res.Findings)
	}
	samePod(t, pod, res.Pod)
}
