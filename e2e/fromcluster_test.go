package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kruiseappsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// nativeSidecarSet injects a native sidecar into the echo-server pod of filebeat-stdlog.
const nativeSidecarSet = `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: native-proxy
spec:
  selector:
    matchLabels:
      app: echo-server
  updateStrategy:
    type: NotUpdate
  initContainers:
  - name: proxy
    image: proxy:1
    restartPolicy: Always
`

// runCLI runs the CLI binary and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(sidecarctlBinary(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return out.String(), errOut.String(), exit.ExitCode()
	case err != nil:
		t.Fatalf("sidecarctl %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), 0
}

// TestFromCluster: inject, explain, check and bindings read the state from the real API server
// (--from-cluster) and answer exactly as with the equivalent files; the Kruise version comes
// from kruise-manager's image; `kubectl get sidecarsets -o yaml` (listed by name) is admitted
// in creation order, so Kruise's refusal lands on the SidecarSet created second.
func TestFromCluster(t *testing.T) {
	c := newClient(t)
	kubeconfig := writeKubeconfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	example := filepath.Join("..", "examples", "filebeat-stdlog")
	file := func(name string) string { return filepath.Join(example, name) }
	for _, f := range []string{"sidecarset.yaml", "binding.yaml"} {
		if out, err := kubectl(t, kubeconfig, nil, "apply", "-f", file(f)); err != nil {
			t.Fatalf("kubectl apply %s: %v\n%s", f, err, out)
		}
	}
	t.Cleanup(func() {
		_, _ = kubectl(t, kubeconfig, nil, "delete", "--ignore-not-found", "-f", file("sidecarset.yaml"), "-f", file("binding.yaml"))
	})
	cluster := []string{"--from-cluster", "--kubeconfig", kubeconfig}
	files := []string{"--from", file("sidecarset.yaml"), "--from", file("binding.yaml")}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"inject", []string{"inject", "-f", file("echo-server-pod.yaml")}},
		{"inject a Deployment", []string{"inject", "-f", file("echo-server.yaml")}},
		{"explain", []string{"explain", "-f", file("echo-server.yaml"), "-f", file("echo-server-pod.yaml")}},
		{"explain json", []string{"explain", "-o", "json", "-f", file("echo-server-pod.yaml")}},
		{"check", []string{"check"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantOut, wantErr, wantCode := runCLI(t, append(tc.args, files...)...)
			gotOut, gotErr, gotCode := runCLI(t, append(tc.args, cluster...)...)
			if gotOut != wantOut || gotErr != wantErr || gotCode != wantCode {
				t.Errorf("--from-cluster differs from --from files:\n--- files (exit %d):\n%s%s\n--- cluster (exit %d):\n%s%s",
					wantCode, wantOut, wantErr, gotCode, gotOut, gotErr)
			}
		})
	}
	t.Run("bindings", func(t *testing.T) {
		want, _, _ := runCLI(t, "bindings", "-f", file("sidecarset.yaml"))
		got, errOut, code := runCLI(t, append([]string{"bindings"}, cluster...)...)
		if got != want || code != 0 {
			t.Errorf("bindings --from-cluster (exit %d, %s):\n%s\nwant:\n%s", code, errOut, got, want)
		}
	})

	t.Run("kruise version from kruise-manager", func(t *testing.T) {
		ensureNamespace(ctx, t, c, "kruise-system", nil)
		manager := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "kruise-controller-manager", Namespace: "kruise-system"},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"control-plane": "controller-manager"}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"control-plane": "controller-manager"}},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "openkruise/kruise-manager:v1.3.0"}}},
				},
			},
		}
		if err := c.Create(ctx, manager); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Delete(ctx, manager) }()
		// A native sidecar: v1.3 drops its restartPolicy and appends it, v1.8 keeps it native.
		native := filepath.Join(t.TempDir(), "native.yaml")
		if err := os.WriteFile(native, []byte(nativeSidecarSet), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := kubectl(t, kubeconfig, nil, "apply", "-f", native); err != nil {
			t.Fatalf("kubectl apply: %v\n%s", err, out)
		}
		defer func() { _, _ = kubectl(t, kubeconfig, nil, "delete", "-f", native) }()
		args := []string{"inject", "-f", file("echo-server-pod.yaml")}
		withNative := append(append([]string{}, files...), "--from", native)
		want, _, _ := runCLI(t, append(append(args, "--kruise-version", "1.3"), withNative...)...)
		if v18, _, _ := runCLI(t, append(args, withNative...)...); v18 == want {
			t.Fatal("the native sidecar does not tell v1.3 from v1.8")
		}
		got, errOut, code := runCLI(t, append(args, cluster...)...)
		if got != want || code != 0 {
			t.Errorf("with kruise-manager v1.3.0, --from-cluster (exit %d) differs from --kruise-version 1.3:\n%s\nwant:\n%s", code, got, want)
		}
		if !strings.Contains(errOut, "openkruise/kruise-manager:v1.3.0") || !strings.Contains(errOut, "[kruise_version_detected]") {
			t.Errorf("the report does not say where the version came from:\n%s", errOut)
		}
		if _, errOut, _ := runCLI(t, append(append(args, "--kruise-version", "1.8"), cluster...)...); strings.Contains(errOut, "kruise_version_detected") {
			t.Errorf("--kruise-version 1.8 did not override the cluster's v1.3.0:\n%s", errOut)
		}
	})

	t.Run("creation order", func(t *testing.T) {
		conflicting := func(name string) *kruiseappsv1alpha1.SidecarSet {
			return &kruiseappsv1alpha1.SidecarSet{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec: kruiseappsv1alpha1.SidecarSetSpec{
					Selector:   &metav1.LabelSelector{MatchLabels: map[string]string{"app": "order"}},
					Containers: []kruiseappsv1alpha1.SidecarContainer{{Container: corev1.Container{Name: "agent", Image: "agent:" + name}}},
				},
			}
		}
		// Created first, listed last by name; without Kruise's webhook the API server takes both.
		for _, name := range []string{"zz-created-first", "aa-created-second"} {
			ss := conflicting(name)
			if err := c.Create(ctx, ss); err != nil {
				t.Fatal(err)
			}
			defer func(obj client.Object) { _ = c.Delete(ctx, obj) }(ss)
		}
		listed, err := kubectl(t, kubeconfig, nil, "get", "sidecarsets", "-o", "yaml")
		if err != nil {
			t.Fatal(err)
		}
		state := filepath.Join(t.TempDir(), "sidecarsets.yaml")
		if err := os.WriteFile(state, listed, 0o644); err != nil {
			t.Fatal(err)
		}
		out, _, code := runCLI(t, "check", "-f", state)
		if code != 1 || !strings.Contains(out, "SidecarSet aa-created-second") || strings.Contains(out, "(SidecarSet zz-created-first)") {
			t.Errorf("check of the listed SidecarSets (exit %d): want the refusal on aa-created-second, created second:\n%s", code, out)
		}
	})
}
