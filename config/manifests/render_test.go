package manifests

import (
	"bytes"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/binding/crd"
)

func kinds(t *testing.T, out []byte) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, doc := range strings.Split(string(out), "\n---\n") {
		var obj struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		got[obj.Kind]++
	}
	return got
}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		overlay, image string
		wantMode       string
		wantImage      string
		wantCRDs       int
		// without-kruise adds the ClusterRole that updates the SidecarSet CRD's conversion.
		wantClusterRoles int
	}{
		{WithKruise, "", "--mode=kruise", "ghcr.io/sidecarctl/sidecarctl:latest", 1, 1},
		{WithoutKruise, "", "--mode=standalone", "ghcr.io/sidecarctl/sidecarctl:latest", 2, 2},
		{WithKruise, "registry.example.com/sidecarctl:v1", "--mode=kruise", "registry.example.com/sidecarctl:v1", 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.overlay+tc.image, func(t *testing.T) {
			t.Parallel()
			out, err := Render(tc.overlay, tc.image)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{tc.wantMode, "image: " + tc.wantImage, "replicas: 2", "--leader-elect"} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("rendered manifests lack %q", want)
				}
			}
			k := kinds(t, out)
			for kind, n := range map[string]int{"CustomResourceDefinition": tc.wantCRDs, "Deployment": 1, "Service": 1,
				"PodDisruptionBudget": 1, "ServiceAccount": 1, "ClusterRole": tc.wantClusterRoles} {
				if k[kind] != n {
					t.Errorf("%d %s, want %d (all: %v)", k[kind], kind, n, k)
				}
			}
		})
	}
}

// The binding CRD here is a copy (kustomize cannot load files outside its root); it must not
// drift from its source. The SidecarSet CRD is derived, not copied (TestSidecarSetCRD).
func TestCRDCopiesMatchSources(t *testing.T) {
	t.Parallel()
	for copyPath, source := range map[string]func() ([]byte, error){
		"base/crd/sidecarset.alibabacloud.com_sidecarsetresourcebindings.yaml": func() ([]byte, error) { return crd.YAML(), nil },
	} {
		want, err := source()
		if err != nil {
			t.Fatal(err)
		}
		got, err := tree.ReadFile(copyPath)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from its source; copy it again", copyPath)
		}
	}
}
