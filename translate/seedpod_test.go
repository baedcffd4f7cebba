package translate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// TestACSReproducesSeedPod compiles seed 000's profiles for ACS pods on the Kruise target,
// stamps seed 000's SandboxSet, lets Kruise v1.8 (package sidecarset) inject its pod, and
// compares the result with the pod ACS documents after the agents controller injected the
// same profiles. What differs is Kruise's own mechanism, and a finding names each difference:
// Kruise's annotations and IS_INJECTED env (kruise_injection_marks), init containers sorted
// by name (init_order_sorted), the unmounted fuse-device volume not injected (volume_unused).
func TestACSReproducesSeedPod(t *testing.T) {
	t.Parallel()
	res, err := Compile(loadSeed(t, "cn-hangzhou"), Options{Target: Kruise, Platform: ACS})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Stamp(seedSandboxSet(t), res, StampOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var codes []finding.Code
	for _, f := range append(append(finding.List(nil), res.Findings...), st.Findings...) {
		if f.Severity == finding.Error {
			t.Errorf("error finding: %s", f)
		}
		codes = append(codes, f.Code)
	}
	for _, named := range []finding.Code{finding.KruiseInjectionMarks, finding.InitOrderSorted, finding.VolumeUnused} {
		if !slices.Contains(codes, named) {
			t.Errorf("no %s finding names that difference from the seed's pod", named)
		}
	}

	engine := sidecarset.NewState(sidecarset.Options{Now: metav1.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)})
	for _, ss := range res.SidecarSets() {
		if _, err := engine.Create(ss.DeepCopy()); err != nil {
			t.Fatalf("Kruise refuses %s: %v", ss.Name, err)
		}
	}
	raw, _, err := unstructured.NestedMap(st.Object.Object, "spec", "template")
	if err != nil {
		t.Fatal(err)
	}
	template := &corev1.PodTemplateSpec{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, template); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: template.ObjectMeta, Spec: template.Spec}
	pod.Namespace, pod.Name = "default", "code-interpreter-init-xxx"
	out, err := sidecarset.Inject(engine, pod, sidecarset.Request{})
	if err != nil {
		t.Fatal(err)
	}
	got := out.Pod
	want := seedPod(t)

	// The pod's own labels, plus the selection labels the SidecarSets match on.
	if got.Labels["alibabacloud.com/acs"] != "true" {
		t.Errorf("the pod lost alibabacloud.com/acs: %v", got.Labels)
	}
	// Kruise's annotations, named by kruise_injection_marks.
	for _, a := range kruiseAnnotations() {
		if _, ok := got.Annotations[a]; !ok {
			t.Errorf("annotation %s missing", a)
		}
	}

	// The app container: the same env, mounts and postStart as the agents controller's.
	app, seedApp := got.Spec.Containers[0], want.Spec.Containers[0]
	if len(got.Spec.Containers) != 1 || app.Name != "sandbox" {
		t.Fatalf("containers: want only sandbox, got %d", len(got.Spec.Containers))
	}
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

	// The native sidecars: the seed's, sorted by name (init_order_sorted), each with Kruise's
	// IS_INJECTED env (kruise_injection_marks). terminationMessagePath and -Policy are the
	// API server's defaults for every container, which the seed's listing leaves out.
	seedInits := slices.Clone(want.Spec.InitContainers)
	slices.SortFunc(seedInits, func(a, b corev1.Container) int { return strings.Compare(a.Name, b.Name) })
	var gotInits []corev1.Container
	for _, c := range got.Spec.InitContainers {
		i := envIndex(c.Env, kruiseInjectedEnv)
		if i < 0 || c.Env[i].Value != "true" {
			t.Errorf("%s: no %s=true", c.Name, kruiseInjectedEnv)
		} else {
			c.Env = slices.Delete(slices.Clone(c.Env), i, i+1)
		}
		c.TerminationMessagePath, c.TerminationMessagePolicy = "", ""
		gotInits = append(gotInits, c)
	}
	if diff := cmp.Diff(seedInits, gotInits); diff != "" {
		t.Errorf("init containers (-seed sorted by name +got):\n%s", diff)
	}

	// The volumes: the seed's but fuse-device, which no container mounts (volume_unused).
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
	data, err := os.ReadFile(filepath.Join("testdata", "seed-000-acs-pod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{}
	if err := yaml.UnmarshalStrict([]byte(strings.ReplaceAll(string(data), "<region-id>", "cn-hangzhou")), pod); err != nil {
		t.Fatal(err)
	}
	return pod
}
