package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/cmd/sidecarctl/internal/manifest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

const examplesDir = "../../../../examples"

// exampleInjectSteps returns the examples' inject steps that succeed: their directory and
// arguments (without the command), one per line of the .args file.
func exampleInjectSteps(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*", "*.args"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, f := range files {
		if _, err := os.Stat(strings.TrimSuffix(f, ".args") + ".exit"); err == nil {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var args []string
		for _, line := range strings.Split(string(data), "\n") {
			if line != "" && !strings.HasPrefix(line, "#") {
				args = append(args, line)
			}
		}
		if len(args) > 0 && args[0] == "inject" {
			out[f] = args[1:]
		}
	}
	if len(out) < 5 {
		t.Fatalf("only %d inject steps among the examples", len(out))
	}
	return out
}

// inDir points the file arguments of -f, -k and --from at dir.
func inDir(dir string, args []string) []string {
	out := append([]string(nil), args...)
	for i := 1; i < len(out); i++ {
		switch out[i-1] {
		case "-f", "--filename", "--from", "-k", "--kustomize":
			if out[i] != "-" {
				out[i] = filepath.Join(dir, out[i])
			}
		}
	}
	return out
}

// TestUninjectExamplesRoundTrip: for every example step that injects, `uninject` with the
// same flags gives back the input as the pipeline leaves it without SidecarSets (profiles
// given, their app-container parts applied), plus the SidecarSet volumes those parts mount
// (sidecarset/BEHAVIOUR.md §3.4), and reports nothing left in place.
func TestUninjectExamplesRoundTrip(t *testing.T) {
	t.Parallel()
	for file, args := range exampleInjectSteps(t) {
		t.Run(strings.TrimPrefix(file, examplesDir+"/"), func(t *testing.T) {
			t.Parallel()
			if !assertRoundTrip(t, inDir(filepath.Dir(file), args)) {
				t.Log("the step injects nothing: there is nothing to undo")
			}
		})
	}
}

// TestUninjectProfilesOnVirtualNodes: profiles compiled for the platform of the workloads
// that get them compile the same for uninject, whose workloads no longer declare runtimes:
// the ACS pods of a v1.3 virtual node keep ACS's sidecar conventions.
func TestUninjectProfilesOnVirtualNodes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(examplesDir, "acs-sandbox-injection")
	data, err := os.ReadFile(filepath.Join(dir, "sandboxset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	labelled := strings.Replace(string(data), "        alibabacloud.com/acs: \"true\"\n",
		"        alibabacloud.com/acs: \"true\"\n        serverless.alibabacloud.com/virtual-node: \"true\"\n", 1)
	if labelled == string(data) {
		t.Fatal("sandboxset.yaml has no alibabacloud.com/acs template label")
	}
	sandboxSet := filepath.Join(t.TempDir(), "sandboxset.yaml")
	if err := os.WriteFile(sandboxSet, []byte(labelled), 0o644); err != nil {
		t.Fatal(err)
	}
	if !assertRoundTrip(t, []string{"--kruise-version", "1.3", "-f", sandboxSet,
		"--from", filepath.Join(dir, "sandbox-injection-config.yaml"), "--region", "cn-hangzhou"}) {
		t.Fatal("nothing injected")
	}
}

// assertRoundTrip injects with args (inject's flags), uninjects the output with the same
// flags and compares with what the pipeline leaves without SidecarSets. It returns false,
// checking nothing, when nothing was injected.
func assertRoundTrip(t *testing.T, args []string) bool {
	t.Helper()
	args = withoutFlag(args, "-o", "--output")
	injected, report := runOK(t, append([]string{"inject", "-o", "json"}, args...)...)
	if !strings.Contains(report, ": injected ") {
		return false
	}
	injectedFile := filepath.Join(t.TempDir(), "injected.json")
	if err := os.WriteFile(injectedFile, injected, 0o644); err != nil {
		t.Fatal(err)
	}
	uninjectArgs := withoutFlag(args, "-f", "--filename", "-k", "--kustomize")
	got, report := runOK(t, append([]string{"uninject", "-o", "json", "-f", injectedFile}, uninjectArgs...)...)
	if strings.Contains(report, "left in place") || strings.Contains(report, "[uninject_") {
		t.Errorf("uninject left something:\n%s", report)
	}
	want := withoutSidecarSets(t, args)
	gotObjs := decodeObjects(t, got)
	if len(gotObjs) != len(want) {
		t.Fatalf("%d objects, want %d", len(gotObjs), len(want))
	}
	for i := range want {
		if diff := cmp.Diff(want[i].Object, withoutVolumesMountedBy(gotObjs[i], want[i])); diff != "" {
			t.Errorf("object %d: uninject(inject(x)) != x without SidecarSets (-want +got):\n%s", i, diff)
		}
	}
	return true
}

// withoutFlag drops the flags named (and their values) from args.
func withoutFlag(args []string, names ...string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if slices.Contains(names, args[i]) {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// withoutSidecarSets runs the inject step's pipeline with SidecarSet injection skipped.
func withoutSidecarSets(t *testing.T, args []string) []*unstructured.Unstructured {
	t.Helper()
	o := &UninjectOptions{IOStreams: IOStreams{In: strings.NewReader("")}}
	cmd := o.command()
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	o.opts.SkipSidecarSets = true
	if err := o.inputFlags.validate(); err != nil {
		t.Fatal(err)
	}
	st, docs, err := o.engineFlags.admitForWorkloads(context.Background(), o.opts, &o.clusterFlags, &o.inputFlags, o.In)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*unstructured.Unstructured, len(docs))
	for i := range docs {
		if _, err := st.InjectObject(docs[i].Object, "default", sidecarset.Create); err != nil {
			t.Fatal(err)
		}
		out[i] = jsonRoundTrip(t, docs[i].Object)
	}
	return out
}

// withoutVolumesMountedBy drops from got's pod (template) the volumes want lacks and one of
// want's containers mounts: the SidecarSet volumes an app-container part relies on, which
// uninject keeps because a remaining container uses them.
func withoutVolumesMountedBy(got, want *unstructured.Unstructured) map[string]any {
	out := got.DeepCopy()
	kind, ok := workload.Lookup(want.GroupVersionKind().GroupKind())
	if !ok {
		return out.Object
	}
	specPath := append(append([]string(nil), kind.Template...), "spec")
	wantSpec, _, _ := unstructured.NestedMap(want.Object, specPath...)
	gotSpec, _, _ := unstructured.NestedMap(out.Object, specPath...)
	has, mounted := map[string]bool{}, map[string]bool{}
	for _, v := range sliceOf(wantSpec["volumes"]) {
		has[v["name"].(string)] = true
	}
	for _, key := range []string{"initContainers", "containers"} {
		for _, c := range sliceOf(wantSpec[key]) {
			for _, m := range sliceOf(c["volumeMounts"]) {
				mounted[m["name"].(string)] = true
			}
		}
	}
	var kept []any
	for _, v := range sliceOf(gotSpec["volumes"]) {
		if name := v["name"].(string); !has[name] && mounted[name] {
			continue
		}
		kept = append(kept, v)
	}
	if gotSpec != nil {
		if kept == nil {
			delete(gotSpec, "volumes")
		} else {
			gotSpec["volumes"] = kept
		}
		_ = unstructured.SetNestedMap(out.Object, gotSpec, specPath...)
	}
	return out.Object
}

func sliceOf(v any) []map[string]any {
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func jsonRoundTrip(t *testing.T, obj *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	raw, err := json.Marshal(obj.Object)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: out}
}

// decodeObjects reads sidecarctl's -o json output: one object or a v1 List.
func decodeObjects(t *testing.T, out []byte) []*unstructured.Unstructured {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	docs, err := manifest.Read([]string{path}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	objs := make([]*unstructured.Unstructured, len(docs))
	for i := range docs {
		objs[i] = jsonRoundTrip(t, docs[i].Object)
	}
	return objs
}

func runOK(t *testing.T, args ...string) ([]byte, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args); code != 0 {
		t.Fatalf("sidecarctl %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	return out.Bytes(), errOut.String()
}

// TestUninjectExampleStep: the filebeat-stdlog step that uninjects the pod step 02 injected
// prints the pod echo-server-pod.yaml holds.
func TestUninjectExampleStep(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(examplesDir, "filebeat-stdlog")
	read := func(name string) []*unstructured.Unstructured {
		docs, err := manifest.Read([]string{filepath.Join(dir, name)}, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []*unstructured.Unstructured
		for i := range docs {
			out = append(out, jsonRoundTrip(t, docs[i].Object))
		}
		return out
	}
	want, got := read("echo-server-pod.yaml"), read("10-uninject-pod.stdout")
	if len(got) != 1 {
		t.Fatalf("10-uninject-pod.stdout holds %d objects", len(got))
	}
	if diff := cmp.Diff(want[0].Object, got[0].Object); diff != "" {
		t.Errorf("10-uninject-pod.stdout is not echo-server-pod.yaml's pod (-want +got):\n%s", diff)
	}
}
