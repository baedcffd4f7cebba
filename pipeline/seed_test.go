package pipeline_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// seedDir holds seed 000's SandboxSet, its profiles and the pod ACS shows after injection.
var seedDir = filepath.Join("..", "examples", "acs-sandbox-injection")

func readObject(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(seedDir, name))
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &obj.Object); err != nil {
		t.Fatal(err)
	}
	return obj
}

// TestSeedFlow is the seed's flow in one pipeline run, what `sidecarctl inject -f
// sandboxset.yaml --from sandbox-injection-config.yaml --region cn-hangzhou` does: the
// SandboxSet declares spec.runtimes [csi, agent-runtime] and is labelled alibabacloud.com/acs,
// so the profiles compile for ACS, are given to it, and Kruise v1.8 injects their SidecarSets
// into its template. The template must be the pod seed 000 shows after the agents controller
// injected the same profiles, apart from Kruise's own mechanism, each part named by a finding:
// Kruise's annotations and IS_INJECTED env (kruise_injection_marks), init containers sorted by
// name (init_order_sorted), the unmounted fuse-device volume left out (volume_unused).
func TestSeedFlow(t *testing.T) {
	sandboxSet := readObject(t, "sandboxset.yaml")
	profiles := readObject(t, "sandbox-injection-config.yaml")
	opts, err := pipeline.Options{Region: "cn-hangzhou", Engine: sidecarset.Options{Now: pipelinetest.FixedTime}}.ForWorkloads(sandboxSet)
	if err != nil {
		t.Fatal(err)
	}
	in, err := pipeline.Decode([]pipeline.Item{{Object: profiles, Source: "sandbox-injection-config.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := pipeline.Admit(in, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.InjectObject(sandboxSet, "default", sidecarset.Create)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[finding.Code]bool{}
	for _, f := range append(append(finding.List(nil), st.Findings()...), res.Findings...) {
		if f.Severity == finding.Error {
			t.Errorf("error finding: %s", f)
		}
		codes[f.Code] = true
	}
	for _, named := range []finding.Code{finding.KruiseInjectionMarks, finding.InitOrderSorted, finding.VolumeUnused} {
		if !codes[named] {
			t.Errorf("no %s finding names that difference from the seed's pod", named)
		}
	}
	if _, found, _ := unstructured.NestedSlice(sandboxSet.Object, "spec", "runtimes"); found {
		t.Error("spec.runtimes still lists the runtimes the SidecarSets now inject")
	}
	raw, _, err := unstructured.NestedMap(sandboxSet.Object, "spec", "template")
	if err != nil {
		t.Fatal(err)
	}
	template := &corev1.PodTemplateSpec{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, template); err != nil {
		t.Fatal(err)
	}
	compareWithSeedPod(t, template, seedPod(t))
}

// compareWithSeedPod checks got against the seed's pod, allowing only Kruise's mechanism.
func compareWithSeedPod(t *testing.T, got *corev1.PodTemplateSpec, want *corev1.Pod) {
	t.Helper()
	if got.Labels["alibabacloud.com/acs"] != "true" {
		t.Errorf("the template lost alibabacloud.com/acs: %v", got.Labels)
	}
	for _, a := range []string{sidecarset.AnnotationHash, sidecarset.AnnotationHashWithoutImage, sidecarset.AnnotationInjectedList} {
		if _, ok := got.Annotations[a]; !ok {
			t.Errorf("annotation %s missing", a)
		}
	}
	if len(got.Spec.Containers) != 1 || got.Spec.Containers[0].Name != "sandbox" {
		t.Fatalf("containers: want only sandbox, got %d", len(got.Spec.Containers))
	}
	app, seedApp := got.Spec.Containers[0], want.Spec.Containers[0]
	// The API server defaults a fieldRef's apiVersion to v1 in every pod; the seed's listing
	// shows the stored pod, the profile leaves it out.
	for _, e := range app.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.APIVersion == "" {
			e.ValueFrom.FieldRef.APIVersion = "v1"
		}
	}
	if diff := cmp.Diff(seedApp.Env, app.Env); diff != "" {
		t.Errorf("app env (-seed +got):\n%s", diff)
	}
	if diff := cmp.Diff(seedApp.VolumeMounts, app.VolumeMounts); diff != "" {
		t.Errorf("app volumeMounts (-seed +got):\n%s", diff)
	}
	if diff := cmp.Diff(seedApp.Lifecycle, app.Lifecycle); diff != "" {
		t.Errorf("app lifecycle (-seed +got):\n%s", diff)
	}
	// The native sidecars: the seed's, sorted by name, each with Kruise's IS_INJECTED env.
	// terminationMessagePath and -Policy are the API server's defaults for every container,
	// which the seed's listing leaves out.
	seedInits := slices.Clone(want.Spec.InitContainers)
	slices.SortFunc(seedInits, func(a, b corev1.Container) int { return strings.Compare(a.Name, b.Name) })
	var gotInits []corev1.Container
	for _, c := range got.Spec.InitContainers {
		i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == sidecarset.EnvIsInjected })
		if i < 0 || c.Env[i].Value != "true" {
			t.Errorf("%s: no %s=true", c.Name, sidecarset.EnvIsInjected)
		} else {
			c.Env = slices.Delete(slices.Clone(c.Env), i, i+1)
		}
		c.TerminationMessagePath, c.TerminationMessagePolicy = "", ""
		gotInits = append(gotInits, c)
	}
	if diff := cmp.Diff(seedInits, gotInits); diff != "" {
		t.Errorf("init containers (-seed sorted by name +got):\n%s", diff)
	}
	volumes := func(vs []corev1.Volume) map[string]corev1.Volume {
		m := map[string]corev1.Volume{}
		for _, v := range vs {
			m[v.Name] = v
		}
		return m
	}
	seedVolumes := volumes(want.Spec.Volumes)
	delete(seedVolumes, "fuse-device")
	if diff := cmp.Diff(seedVolumes, volumes(got.Spec.Volumes)); diff != "" {
		t.Errorf("volumes (-seed without fuse-device +got):\n%s", diff)
	}
}

// seedPod reads the pod of seed 000 with its documentation placeholder <region-id> rendered
// as the region the profiles were rendered for.
func seedPod(t *testing.T) *corev1.Pod {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(seedDir, "seed-000-pod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{}
	if err := yaml.UnmarshalStrict([]byte(strings.ReplaceAll(string(data), "<region-id>", "cn-hangzhou")), pod); err != nil {
		t.Fatal(err)
	}
	return pod
}
