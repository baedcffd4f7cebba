package workload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// load decodes a testdata manifest the way the manifest reader does: YAML to
// JSON, then JSON numbers as int64/float64.
func load(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var m map[string]any
	if err := utiljson.Unmarshal(js, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &unstructured.Unstructured{Object: m}
}

func jsonOf(t *testing.T, obj *unstructured.Unstructured) []byte {
	t.Helper()
	b, err := json.Marshal(obj.Object)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// injectDemo stands in for the engine: it adds a sidecar, a native sidecar, a
// volume, a toleration, an env var on the app container and an annotation that
// records the namespace/name the pod was matched as. It is idempotent, like
// the engine must be.
func injectDemo(pod *corev1.Pod) error {
	if !slices.ContainsFunc(pod.Spec.Containers, func(c corev1.Container) bool { return c.Name == "sidecar" }) {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{
			Name:         "sidecar",
			Image:        "example.com/sidecar:1",
			VolumeMounts: []corev1.VolumeMount{{Name: "shared", MountPath: "/shared"}},
		})
	}
	if !slices.ContainsFunc(pod.Spec.InitContainers, func(c corev1.Container) bool { return c.Name == "native-proxy" }) {
		always := corev1.ContainerRestartPolicyAlways
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{
			Name: "native-proxy", Image: "example.com/proxy:1", RestartPolicy: &always,
		})
	}
	if !slices.ContainsFunc(pod.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == "shared" }) {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{
			Name: "shared", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
		})
	}
	tol := corev1.Toleration{Key: "sidecarctl.test/injected", Operator: corev1.TolerationOpExists}
	if !slices.Contains(pod.Spec.Tolerations, tol) {
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, tol)
	}
	if len(pod.Spec.Containers) > 0 {
		app := &pod.Spec.Containers[0]
		if !slices.ContainsFunc(app.Env, func(e corev1.EnvVar) bool { return e.Name == "SIDECAR_ADDR" }) {
			app.Env = append(app.Env, corev1.EnvVar{Name: "SIDECAR_ADDR", Value: "127.0.0.1:15000"})
		}
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations["sidecarctl.test/matched-as"] = pod.Namespace + "/" + pod.Name + " labels=" + pod.Labels["app"]
	return nil
}

// subsumes reports the first place where in is not contained in out: every
// map key of in exists in out with a contained value, and every list item of
// in has a containing item in out (by name for named lists).
func subsumes(in, out any, path string) error {
	switch iv := in.(type) {
	case map[string]any:
		ov, ok := out.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %T", path, out)
		}
		for k, v := range iv {
			o, ok := ov[k]
			if !ok {
				return fmt.Errorf("%s.%s: missing", path, k)
			}
			if err := subsumes(v, o, path+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		ov, ok := out.([]any)
		if !ok {
			return fmt.Errorf("%s: want a list, got %T", path, out)
		}
		for i, item := range iv {
			found := false
			for _, o := range ov {
				if subsumes(item, o, "") == nil {
					found = true
					break
				}
			}
			if !found {
				return fmt.Errorf("%s[%d]: no item in the output contains %v", path, i, item)
			}
		}
		return nil
	default:
		if !cmp.Equal(in, out) {
			return fmt.Errorf("%s: want %v (%T), got %v (%T)", path, in, in, out, out)
		}
		return nil
	}
}

func TestMutateKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file      string
		wantTitle string
	}{
		{"pod.yaml", "Pod"},
		{"deployment.yaml", "Deployment"},
		{"deployment-kubectl-dry-run.yaml", "Deployment"},
		{"statefulset.yaml", "StatefulSet"},
		{"daemonset.yaml", "DaemonSet"},
		{"replicaset.yaml", "ReplicaSet"},
		{"job.yaml", "Job"},
		{"cronjob.yaml", "CronJob"},
		{"cloneset.yaml", "Kruise CloneSet"},
		{"kruise-statefulset-v1alpha1.yaml", "Kruise Advanced StatefulSet"},
		{"kruise-statefulset-v1beta1.yaml", "Kruise Advanced StatefulSet"},
		{"kruise-daemonset.yaml", "Kruise Advanced DaemonSet"},
		{"agents-sandbox.yaml", "openkruise/agents Sandbox"},
		{"agents-sandboxset.yaml", "openkruise/agents SandboxSet"},
		{"agents-sandboxtemplate.yaml", "openkruise/agents SandboxTemplate"},
		{"agent-sandbox-sandbox.yaml", "agent-sandbox Sandbox"},
		{"agent-sandbox-sandboxtemplate.yaml", "agent-sandbox SandboxTemplate"},
		{"opensandbox-pool.yaml", "OpenSandbox Pool"},
		{"opensandbox-batchsandbox.yaml", "OpenSandbox BatchSandbox"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			input := load(t, filepath.Join("kinds", tc.file))
			obj := input.DeepCopy()

			got, err := Mutate(obj, injectDemo)
			if err != nil {
				t.Fatalf("Mutate: %v", err)
			}
			if got.Kind.Title != tc.wantTitle || got.Reason != finding.Mutated || !got.Changed() {
				t.Errorf("outcome = %+v, want kind %q and reason %q", got, tc.wantTitle, finding.Mutated)
			}
			// Everything the user wrote is still there, unknown fields included.
			if err := subsumes(input.Object, obj.Object, ""); err != nil {
				t.Errorf("input not preserved: %v", err)
			}
			out, err := yaml.Marshal(obj.Object)
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", "golden", tc.file), out)

			// Injecting twice equals injecting once.
			once := jsonOf(t, obj)
			again, err := Mutate(obj, injectDemo)
			if err != nil {
				t.Fatalf("second Mutate: %v", err)
			}
			if again.Reason != finding.Unchanged {
				t.Errorf("second Mutate reason = %q, want %q", again.Reason, finding.Unchanged)
			}
			if diff := cmp.Diff(string(once), string(jsonOf(t, obj))); diff != "" {
				t.Errorf("second injection changed the object (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestMutateMatchesAsObject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file          string
		wantNamespace string
		wantName      string
		wantLabels    map[string]string
	}{
		{"pod.yaml", "team-a", "demo", map[string]string{"app": "demo"}},
		{"deployment.yaml", "team-a", "demo", map[string]string{"app": "demo"}},
		{"cronjob.yaml", "team-a", "demo", map[string]string{"app": "demo"}},
		{"agent-sandbox-sandbox.yaml", "team-a", "demo", map[string]string{"app": "demo"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			obj := load(t, filepath.Join("kinds", tc.file))
			var seen corev1.Pod
			if _, err := Mutate(obj, func(pod *corev1.Pod) error { seen = *pod.DeepCopy(); return nil }); err != nil {
				t.Fatal(err)
			}
			got := []any{seen.Namespace, seen.Name, seen.Labels}
			want := []any{tc.wantNamespace, tc.wantName, tc.wantLabels}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pod seen by fn (-want +got):\n%s", diff)
			}
		})
	}
}

func kindFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, filepath.Join(dir, e.Name()))
	}
	if len(files) == 0 {
		t.Fatalf("no files in testdata/%s", dir)
	}
	return files
}

func TestMutateNothingLeavesObjectIdentical(t *testing.T) {
	t.Parallel()
	for _, file := range append(kindFiles(t, "kinds"), kindFiles(t, "passthrough")...) {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			obj := load(t, file)
			want := jsonOf(t, obj)
			got, err := Mutate(obj, func(*corev1.Pod) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if got.Changed() {
				t.Errorf("Changed() = true for a no-op, outcome %+v", got)
			}
			if diff := cmp.Diff(string(want), string(jsonOf(t, obj))); diff != "" {
				t.Errorf("object changed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMutatePassThrough(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file        string
		wantReason  finding.Code
		wantMessage string
	}{
		{"configmap.yaml", finding.UnsupportedKind, "ConfigMap team-a/settings has no pod template sidecarctl knows; passed through unchanged"},
		{"widget.yaml", finding.UnsupportedKind, "Widget.example.com demo has no pod template sidecarctl knows; passed through unchanged"},
		{"kruise-broadcastjob.yaml", finding.UnsupportedKind, "BroadcastJob.apps.kruise.io team-a/demo has no pod template sidecarctl knows; passed through unchanged"},
		{"agents-sandbox-templateref.yaml", finding.NoPodTemplate, "Sandbox.agents.kruise.io team-a/from-ref has no inline pod template at spec.template; passed through unchanged"},
		{"opensandbox-batchsandbox-poolref.yaml", finding.NoPodTemplate, "BatchSandbox.sandbox.opensandbox.io team-a/from-pool has no inline pod template at spec.template; passed through unchanged"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join("testdata", "passthrough", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			obj := load(t, filepath.Join("passthrough", tc.file))
			want := jsonOf(t, obj)
			called := false
			got, err := Mutate(obj, func(pod *corev1.Pod) error { called = true; return injectDemo(pod) })
			if err != nil {
				t.Fatal(err)
			}
			if called {
				t.Error("fn was called for an object without a pod template")
			}
			if diff := cmp.Diff([]string{string(tc.wantReason), tc.wantMessage}, []string{string(got.Reason), got.Message}); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(string(want), string(jsonOf(t, obj))); diff != "" {
				t.Errorf("object changed (-want +got):\n%s", diff)
			}
			// Byte-identical all the way: the YAML that comes back equals the
			// input once both are normalised by the same encoder.
			js, err := yaml.YAMLToJSON(raw)
			if err != nil {
				t.Fatal(err)
			}
			var in any
			if err := json.Unmarshal(js, &in); err != nil {
				t.Fatal(err)
			}
			inBytes, _ := json.Marshal(in)
			if !bytes.Equal(inBytes, jsonOf(t, obj)) {
				t.Errorf("output %s differs from input %s", jsonOf(t, obj), inBytes)
			}
		})
	}
}

func TestMutateErrors(t *testing.T) {
	t.Parallel()
	errEngine := errors.New("sidecarset demo: conflicting container name")
	tests := []struct {
		name    string
		file    string
		fn      func(*corev1.Pod) error
		wantErr []string
		wantIs  error
	}{
		{
			name:    "containers is not a list",
			file:    "bad/deployment-containers-string.yaml",
			fn:      injectDemo,
			wantErr: []string{"Deployment.apps team-a/bad", "spec.template"},
		},
		{
			name:    "template is not an object",
			file:    "bad/cronjob-template-list.yaml",
			fn:      injectDemo,
			wantErr: []string{"CronJob.batch team-a/bad", "spec.jobTemplate.spec.template", "want an object"},
		},
		{
			name:    "pod with a port that is not a number",
			file:    "bad/pod-port-string.yaml",
			fn:      injectDemo,
			wantErr: []string{`Pod team-a/bad: spec.containers[0].ports[0].containerPort: a string ("eighty") where the field wants a number`},
		},
		{
			name:    "engine error on a template",
			file:    "kinds/cloneset.yaml",
			fn:      func(pod *corev1.Pod) error { _ = injectDemo(pod); return errEngine },
			wantErr: []string{"CloneSet.apps.kruise.io team-a/demo: spec.template: sidecarset demo: conflicting container name"},
			wantIs:  errEngine,
		},
		{
			name:    "engine error on a pod",
			file:    "kinds/pod.yaml",
			fn:      func(pod *corev1.Pod) error { _ = injectDemo(pod); return errEngine },
			wantErr: []string{"Pod team-a/demo: sidecarset demo: conflicting container name"},
			wantIs:  errEngine,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			obj := load(t, tc.file)
			want := jsonOf(t, obj)
			_, err := Mutate(obj, tc.fn)
			if err == nil {
				t.Fatal("Mutate succeeded, want an error")
			}
			for _, s := range tc.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %q does not wrap %q", err, tc.wantIs)
			}
			if diff := cmp.Diff(string(want), string(jsonOf(t, obj))); diff != "" {
				t.Errorf("object changed on error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMutateRemovesWhatTheEngineRemoves(t *testing.T) {
	t.Parallel()
	obj := load(t, "kinds/deployment.yaml")
	got, err := Mutate(obj, func(pod *corev1.Pod) error {
		pod.Spec.InitContainers = nil
		delete(pod.Annotations, "note")
		pod.Spec.Containers[0].Env = nil
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Reason != finding.Mutated {
		t.Fatalf("reason = %q, want %q", got.Reason, finding.Mutated)
	}
	template := obj.Object["spec"].(map[string]any)["template"].(map[string]any)
	spec := template["spec"].(map[string]any)
	meta := template["metadata"].(map[string]any)
	app := spec["containers"].([]any)[0].(map[string]any)
	gotShape := map[string]any{
		"initContainers present":       spec["initContainers"] != nil,
		"annotations":                  meta["annotations"],
		"env present":                  app["env"] != nil,
		"x-future-pod-field":           spec["x-future-pod-field"],
		"x-template-meta-extension":    meta["x-template-meta-extension"],
		"container x-vendor field":     app["x-vendor-container-field"],
		"cpu keeps the user's integer": app["resources"].(map[string]any)["limits"].(map[string]any)["cpu"],
	}
	wantShape := map[string]any{
		"initContainers present":       false,
		"annotations":                  nil,
		"env present":                  false,
		"x-future-pod-field":           map[string]any{"enabled": true},
		"x-template-meta-extension":    "survives",
		"container x-vendor field":     map[string]any{"nested": []any{int64(1), int64(2)}},
		"cpu keeps the user's integer": int64(1),
	}
	if diff := cmp.Diff(wantShape, gotShape); diff != "" {
		t.Errorf("template after removal (-want +got):\n%s", diff)
	}
}

func TestMutateKeepsUnknownFieldsOfChangedNativeSidecar(t *testing.T) {
	t.Parallel()
	obj := load(t, "kinds/pod.yaml")
	_, err := Mutate(obj, func(pod *corev1.Pod) error {
		c := &pod.Spec.InitContainers[0]
		c.Env = append(c.Env, corev1.EnvVar{Name: "IS_INJECTED", Value: "true"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := obj.Object["spec"].(map[string]any)["initContainers"].([]any)[0]
	want := map[string]any{
		"name":                     "log-agent",
		"image":                    "example.com/log-agent:1",
		"restartPolicy":            "Always",
		"x-vendor-container-field": "survives",
		"env":                      []any{map[string]any{"name": "IS_INJECTED", "value": "true"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("native sidecar (-want +got):\n%s", diff)
	}
}

// TestMain fails a full run for golden files no test reads any more.
func TestMain(m *testing.M) {
	os.Exit(golden.Main(m, "testdata/golden/*"))
}
