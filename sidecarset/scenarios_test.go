package sidecarset_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// Scenario tests pin the behaviour of sidecarset/BEHAVIOUR.md §6 (items 1-48); the numbers in
// the test names are its scenario numbers.

// Helpers shared by the scenario tests (sidecarset/BEHAVIOUR.md §6).

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
	// fields are Kruise v1.9's sidecar fields of the SidecarSets, by SidecarSet name.
	fields map[string]*kruisev1beta1.Fields
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
		if _, err := st.CreateWithFields(ss, c.fields[ss.Name]); err != nil {
			t.Fatalf("create sidecarset %s: %v", ss.Name, err)
		}
	}
	for _, ss := range c.store {
		st.StoreWithFields(ss, c.fields[ss.Name])
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
