package sidecarset_test

import (
	"sort"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// TestUninjectReports covers what is left in place and reported instead of being removed
// (sidecarset/BEHAVIOUR.md §3.4): hand edits, changed SidecarSets, replaced containers,
// patchPodMetadata that cannot be undone, and pods uninjected without their SidecarSets.
func TestUninjectReports(t *testing.T) {
	t.Parallel()
	overwrite, merge := appsv1alpha1.SidecarSetOverwritePatchPolicy, appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy
	gates := sidecarset.Options{FeatureGates: map[string]bool{"SidecarSetPatchPodMetadataDefaultsAllowed": true}}
	log := func() *appsv1alpha1.SidecarSet { return sidecarSet("log", sc("log-agent", "")) }
	v2 := log()
	v2.Spec.Containers[0].Image = "log-agent:v2"
	unchanged := func(t *testing.T, injected *corev1.Pod, res *sidecarset.UninjectResult) {
		t.Helper()
		if res.Changed || len(res.Removed) != 0 {
			t.Errorf("the pod changed: removed %+v", res.Removed)
		}
	}
	for _, c := range []uninjectCase{
		{name: "a sidecar's image edited after injection",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{log()}}, pod: appPod("app"),
			edit:  func(p *corev1.Pod) { p.Spec.Containers[0].Image = "log-agent:patched" },
			kept:  []string{"log"},
			codes: []string{"uninject_edited spec.containers[0]"}, check: unchanged},
		{name: "an init container's env edited after injection",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{withInit(log(), sc("prepare", ""))}}, pod: appPod("app"),
			edit: func(p *corev1.Pod) {
				p.Spec.InitContainers[0].Env = append(p.Spec.InitContainers[0].Env, env("DEBUG", "1"))
			},
			kept:  []string{"log"},
			codes: []string{"uninject_edited spec.initContainers[0]"},
			check: func(t *testing.T, injected *corev1.Pod, res *sidecarset.UninjectResult) {
				unchanged(t, injected, res)
				if msg := res.Findings[0].Message; !strings.Contains(msg, "(env)") {
					t.Errorf("the finding does not name the field that differs: %s", msg)
				}
			}},
		{name: "the SidecarSet changed since injection, no ControllerRevision given",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{log()}}, pod: appPod("app"),
			uninjectWith: &cluster{create: []*appsv1alpha1.SidecarSet{v2}},
			kept:         []string{"log"},
			codes:        []string{"uninject_sidecarset_changed spec.containers[0]"}, check: unchanged},
		{name: "a sidecar replaced the pod's own container of its name",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{sidecarSet("log", sc("log-agent", appsv1alpha1.AfterAppContainerType))}},
			pod:     appPod("log-agent", "app"),
			kept:    []string{"log"},
			codes:   []string{"uninject_replaced_container spec.containers[0]"}, check: unchanged},
		{name: "one SidecarSet edited, the other undone",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{log(), sidecarSet("dns", sc("dns", ""))}}, pod: appPod("app"),
			edit:  func(p *corev1.Pod) { p.Spec.Containers[1].Args = []string{"--verbose"} },
			kept:  []string{"log"},
			codes: []string{"uninject_edited spec.containers[1]"},
			check: func(t *testing.T, injected *corev1.Pod, res *sidecarset.UninjectResult) {
				diff(t, "containers", []string{"log-agent", "app"}, names(res.Pod.Spec.Containers))
				diff(t, "hash entries", []string{"log"}, keys(hashEntries(t, res.Pod, sidecarset.AnnotationHash)))
				diff(t, "injected list", "log", res.Pod.Annotations[sidecarset.AnnotationInjectedList])
			}},
		{name: "patchPodMetadata Overwrite: the pod's earlier value is lost",
			cluster: cluster{opts: gates, create: []*appsv1alpha1.SidecarSet{withPatches(log(), patch(overwrite, "mode", "sidecar"))}},
			pod:     podWith(appPod("app"), func(p *corev1.Pod) { p.Annotations = map[string]string{"mode": "pod"} }),
			codes:   []string{"uninject_metadata_overwritten metadata.annotations[mode]"},
			check: func(t *testing.T, _ *corev1.Pod, res *sidecarset.UninjectResult) {
				diff(t, "annotations", map[string]string{"mode": "sidecar"}, res.Pod.Annotations)
				diff(t, "containers", []string{"app"}, names(res.Pod.Spec.Containers))
			}},
		{name: "patchPodMetadata MergePatchJson into the pod's value",
			cluster: cluster{opts: gates, create: []*appsv1alpha1.SidecarSet{withPatches(log(), patch(merge, "cfg", `{"b":2}`))}},
			pod:     podWith(appPod("app"), func(p *corev1.Pod) { p.Annotations = map[string]string{"cfg": `{"a":1}`} }),
			codes:   []string{"uninject_metadata_merged metadata.annotations[cfg]"},
			check: func(t *testing.T, _ *corev1.Pod, res *sidecarset.UninjectResult) {
				diff(t, "annotations", map[string]string{"cfg": `{"a":1,"b":2}`}, res.Pod.Annotations)
			}},
		{name: "an imagePullSecret a SidecarSet added was removed by hand",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{withSecrets(log(), "s0", "s1")}},
			pod:     podWith(appPod("app"), func(p *corev1.Pod) { p.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "own"}} }),
			edit:    func(p *corev1.Pod) { p.Spec.ImagePullSecrets = p.Spec.ImagePullSecrets[:2] },
			codes:   []string{"uninject_edited spec.imagePullSecrets"},
			check: func(t *testing.T, _ *corev1.Pod, res *sidecarset.UninjectResult) {
				diff(t, "secrets", []string{"own", "s0"}, secretNames(res.Pod.Spec.ImagePullSecrets))
				diff(t, "containers", []string{"app"}, names(res.Pod.Spec.Containers))
			}},
		{name: "without the state: sidecars go by the annotations, volumes stay",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{withVolumes(withInit(
				sidecarSet("log", withMounts(hot(sc("log-agent", ""), "empty:1"), mount("buf", "/buf"))), sc("prepare", "")), emptyDir("buf"))}},
			pod: appPod("app"), noState: true,
			codes: []string{"uninject_unchecked spec.volumes[0]", "uninject_unchecked"},
			check: func(t *testing.T, _ *corev1.Pod, res *sidecarset.UninjectResult) {
				diff(t, "containers", []string{"app"}, names(res.Pod.Spec.Containers))
				diff(t, "init containers", []string{}, names(res.Pod.Spec.InitContainers))
				diff(t, "volumes", []string{"buf"}, volumeNames(res.Pod.Spec.Volumes))
				diff(t, "annotations", map[string]string(nil), res.Pod.Annotations)
				diff(t, "removed", []sidecarset.Removal{{SidecarSet: "log", Containers: []string{"log-agent-1", "log-agent-2"},
					InitContainers: []string{"prepare"}, Annotations: []string{sidecarset.AnnotationHash, sidecarset.AnnotationHashWithoutImage,
						sidecarset.AnnotationInjectedList, sidecarset.AnnotationWorkingHotUpgrade,
						"version.sidecarset.kruise.io/log-agent-1", "version.sidecarset.kruise.io/log-agent-2",
						"versionalt.sidecarset.kruise.io/log-agent-1", "versionalt.sidecarset.kruise.io/log-agent-2"}}}, res.Removed)
			}},
		{name: "without the state: a recorded sidecar without IS_INJECTED",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{log()}}, pod: appPod("app"), noState: true,
			edit:  func(p *corev1.Pod) { p.Spec.Containers[0].Env = nil },
			kept:  []string{"log"},
			codes: []string{"uninject_edited spec.containers[0]"}, check: unchanged},
		{name: "a container marked IS_INJECTED that no annotation records",
			cluster: cluster{create: []*appsv1alpha1.SidecarSet{log()}}, pod: appPod("app"),
			edit:  func(p *corev1.Pod) { p.Annotations = nil },
			codes: []string{"uninject_unrecorded spec.containers[0]"}, check: unchanged},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}

func TestUninjectRefusesGarbledHashAnnotation(t *testing.T) {
	t.Parallel()
	pod := appPod("app")
	pod.Annotations = map[string]string{sidecarset.AnnotationHash: "garbage"}
	_, err := sidecarset.Uninject(nil, pod)
	if err == nil || !strings.Contains(err.Error(), "metadata.annotations[kruise.io/sidecarset-hash]") {
		t.Fatalf("want an error naming the annotation, got %v", err)
	}
}

func keys[V any](m map[string]V) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
