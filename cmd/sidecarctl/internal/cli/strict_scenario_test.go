package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
)

// TestInjectStrictRefusesWhatTheClusterRefuses: the pipeline scenarios whose golden outcome
// names references a cluster refuses (the webhook denies the pod: unauthorized or malformed)
// fail `inject --strict` with those findings as errors, and pass plain `inject` as warnings.
func TestInjectStrictRefusesWhatTheClusterRefuses(t *testing.T) {
	t.Parallel()
	scenarios, err := pipelinetest.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, sc := range scenarios {
		want, err := sc.ParseGolden()
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Unauthorized) == 0 || sc.KruiseVersion != "" || sc.Trust != "" || sc.Strict {
			continue
		}
		ran++
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var state bytes.Buffer
			for _, obj := range sc.State {
				b, err := yaml.Marshal(obj)
				if err != nil {
					t.Fatal(err)
				}
				state.WriteString("---\n")
				state.Write(b)
			}
			pod, err := yaml.Marshal(sc.Pod)
			if err != nil {
				t.Fatal(err)
			}
			statePath, podPath := filepath.Join(dir, "state.yaml"), filepath.Join(dir, "pod.yaml")
			if err := os.WriteFile(statePath, state.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(podPath, pod, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, strict := range []bool{false, true} {
				args := []string{"inject", "-f", podPath, "--from", statePath}
				if strict {
					args = append(args, "--strict")
				}
				var out, errOut bytes.Buffer
				code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args)
				if strict != (code != 0) {
					t.Fatalf("strict=%v: exit %d\n%s", strict, code, errOut.String())
				}
				severity := "warning"
				if strict {
					severity = "error"
				}
				for _, f := range want.Unauthorized {
					line := severity + ": " + f.Message + " [" + string(f.Code) + "]"
					if !strings.Contains(errOut.String(), line) {
						t.Errorf("strict=%v: stderr does not report %q:\n%s", strict, line, errOut.String())
					}
				}
			}
		})
	}
	if ran == 0 {
		t.Fatal("no scenario with references a cluster refuses")
	}
}
