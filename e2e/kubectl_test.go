package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/sidecarctl/sidecarctl/binding/crd"
)

// TestKubectl runs the kubectl on PATH against the control plane with a
// generated kubeconfig, as users and the issue's "kubectl applies the
// examples" scenario do.
func TestKubectl(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	kubectl := lookKubectl(t)
	ns := createNamespace(t.Context(), t, c, "e2e-kubectl-")

	kubeconfig := writeKubeconfig(t)
	tests := []struct {
		name string
		args []string
		// want are lines kubectl must print; other lines may appear because
		// the server is shared with the other tests.
		want []string
	}{
		{
			name: "namespaces",
			args: []string{"get", "namespaces", "-o", "name"},
			want: []string{"namespace/default", "namespace/" + ns.Name},
		},
		{
			name: "installed CRDs",
			args: []string{"get", "customresourcedefinitions", "-o", "name"},
			want: []string{
				"customresourcedefinition.apiextensions.k8s.io/" + crd.Name,
				"customresourcedefinition.apiextensions.k8s.io/sidecarsets.apps.kruise.io",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--kubeconfig", kubeconfig, "--cache-dir", t.TempDir()}, tt.args...)
			cmd := exec.CommandContext(t.Context(), kubectl, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("kubectl %s: %v\nstderr:\n%s", strings.Join(tt.args, " "), err, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			for _, w := range tt.want {
				if !slices.Contains(lines, w) {
					t.Errorf("kubectl %s: output lacks %q; got:\n%s", strings.Join(tt.args, " "), w, stdout.String())
				}
			}
		})
	}
}

// lookKubectl returns the kubectl on PATH. It skips when there is none,
// unless SIDECARCTL_E2E asks for the full suite.
func lookKubectl(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("kubectl")
	if err != nil {
		if required {
			t.Fatalf("%s is set but kubectl is not on PATH: %v", requireEnv, err)
		}
		t.Skipf("e2e: skipped, kubectl is not on PATH: %v", err)
	}
	return path
}

// writeKubeconfig provisions a cluster-admin user on the control plane and
// writes its kubeconfig to a file only this test reads.
func writeKubeconfig(t *testing.T) string {
	t.Helper()
	user, err := testEnv.AddUser(envtest.User{Name: "e2e-kubectl", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatalf("add kubectl user: %v", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		t.Fatalf("kubeconfig of kubectl user: %v", err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("write kubeconfig: %v", err)
	}
	return path
}
