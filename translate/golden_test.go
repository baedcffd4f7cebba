package translate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// loadSeed loads and renders testdata/profiles.yaml, the seed's ConfigMap.
func loadSeed(t *testing.T, region string) *config.ProfileSet {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "profiles.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := config.LoadProfiles("profiles.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if region == "" {
		return set
	}
	rendered, err := config.Render(set, config.Settings{Region: region})
	if err != nil {
		t.Fatal(err)
	}
	return rendered
}

// manifests renders objects as a YAML stream.
func manifests(t *testing.T, objs []*unstructured.Unstructured) []byte {
	t.Helper()
	var b bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			b.WriteString("---\n")
		}
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(y)
	}
	return b.Bytes()
}

func findingLines(fs []finding.Finding) []byte { return prefixedFindings("", fs) }

// prefixedFindings renders findings one per line, each line prefixed (e.g. as YAML comments).
func prefixedFindings(prefix string, fs []finding.Finding) []byte {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(prefix + f.String())
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// TestCompileGolden compiles the seed's csi and agent-runtime profiles for both targets and
// stamps the seed's SandboxSet with the result.
func TestCompileGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
	}{
		{name: "kruise", opts: Options{Target: Kruise}},
		{name: "kruise-acs", opts: Options{Target: Kruise, Platform: ACS}},
		{name: "virtual-node", opts: Options{Target: VirtualNode, HostPath: HostPathEmptyDir, AllowPrivileged: true}},
		{name: "virtual-node-acs", opts: Options{Target: VirtualNode, VirtualNodeLabel: LabelACS, HostPath: HostPathEmptyDir, AllowPrivileged: true, MainContainer: "sandbox"}},
	}
	sandboxSet, err := os.ReadFile(filepath.Join("testdata", "sandboxset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Compile(loadSeed(t, "cn-zhangjiakou"), tc.opts)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			objs, err := res.Objects()
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name+".golden.yaml", manifests(t, objs))
			checkGolden(t, tc.name+".findings.golden.txt", findingLines(res.Findings))

			// Deterministic: a second run gives the same bytes.
			again, err := Compile(loadSeed(t, "cn-zhangjiakou"), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			againObjs, _ := again.Objects()
			if diff := cmp.Diff(string(manifests(t, objs)), string(manifests(t, againObjs))); diff != "" {
				t.Errorf("second Compile differs:\n%s", diff)
			}

			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(sandboxSet, &obj.Object); err != nil {
				t.Fatal(err)
			}
			st, err := Stamp(obj, res, StampOptions{})
			if err != nil {
				t.Fatalf("Stamp: %v", err)
			}
			if !st.Changed || cmp.Diff([]string{"agent-runtime", "csi"}, st.Profiles) != "" {
				t.Errorf("Stamp: Changed=%v Profiles=%v, want true [agent-runtime csi]", st.Changed, st.Profiles)
			}
			checkGolden(t, tc.name+".sandboxset.golden.yaml", append(manifests(t, []*unstructured.Unstructured{st.Object}), prefixedFindings("# ", st.Findings)...))

			// Stamping the result again changes nothing: the runtimes are gone.
			st2, err := Stamp(st.Object, res, StampOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if st2.Changed || cmp.Diff(st.Object.Object, st2.Object.Object) != "" {
				t.Errorf("second Stamp changed the object")
			}
		})
	}
}

// checkGolden compares got with testdata/name (the one golden helper).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", name), got)
}

// TestMain fails a full run for golden files no test reads any more.
func TestMain(m *testing.M) {
	os.Exit(golden.Main(m, "testdata/*.golden.*", "testdata/stamp-profiles/*.golden.yaml"))
}
