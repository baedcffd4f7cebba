package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMigrateProposalApplies: what `sidecarctl migrate` writes (the proposed SidecarSets and
// bindings, then the migrated workloads) passes the real API server's validation, CRD
// schemas included (server-side dry run), for seed 001's example and the migrate corpus.
func TestMigrateProposalApplies(t *testing.T) {
	c := newClient(t)
	kubeconfig := writeKubeconfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, ns := range []string{"shop", "batch", "edge", "store", "mesh", "staging", "prod", "broken", "data"} {
		ensureNamespace(ctx, t, c, ns, nil)
	}
	seed := filepath.Join("..", "examples", "filebeat-stdlog", "echo-server-with-filebeat.yaml")
	corpus := func(name string) string { return filepath.Join("..", "migrate", "testdata", name) }
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"seed 001", []string{"-f", seed, "--container", "filebeat"}},
		{"corpus", []string{"-f", corpus("corpus.yaml")}},
		{"edge", []string{"-f", corpus("edge.yaml"), "--container", "sidecar-x", "--container", "worker"}},
		{"label", []string{"-f", corpus("label.yaml"), "--label", "logging=sidecarset"}},
		{"shared volumes", []string{"-f", corpus("share.yaml")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, append([]string{"migrate"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("migrate: exit %d\n%s", code, errOut)
			}
			if !strings.Contains(out, "kind: SidecarSet") {
				t.Fatalf("migrate proposed no SidecarSet:\n%s", out)
			}
			file := filepath.Join(t.TempDir(), "migrated.yaml")
			if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			if got, err := kubectl(t, kubeconfig, nil, "apply", "--dry-run=server", "-f", file); err != nil {
				t.Errorf("kubectl apply --dry-run=server: %v\n%s", err, got)
			}
		})
	}
}
