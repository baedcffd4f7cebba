package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// v1beta1Pod is case 150's pod (sidecarset/sidecarsettest/testdata/cases).
const v1beta1Pod = `apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: shop, labels: {app: web}}
spec:
  containers:
  - {name: app, image: "shop:1", resources: {limits: {cpu: "2", memory: 2Gi}, requests: {cpu: "1", memory: 1Gi}}}
  - {name: helper, image: "helper:1", resources: {limits: {cpu: 500m, memory: 512Mi}, requests: {cpu: 100m, memory: 128Mi}}}
`

// TestV1Beta1Input: what `kubectl get sidecarset,namespace -o yaml` prints on a Kruise v1.9
// cluster (a List of apps.kruise.io/v1beta1 SidecarSets with resourcesPolicy and
// customVersion, testdata/v1beta1-sidecarsets.yaml) is a valid --from for every command in
// 1.9 mode, gives case 150's resources, and is refused with a hint in other modes.
func TestV1Beta1Input(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pod := filepath.Join(dir, "pod.yaml")
	if err := os.WriteFile(pod, []byte(v1beta1Pod), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join("testdata", "v1beta1-sidecarsets.yaml")
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args)
		return code, out.String(), errOut.String()
	}
	code, injected, report := run("inject", "-f", pod, "--from", state, "--kruise-version", "1.9")
	if code != 0 {
		t.Fatalf("inject: exit %d: %s", code, report)
	}
	for _, want := range []string{"cpu: 1250m", "memory: 640Mi", "cpu: 110m", "memory: 64Mi", `"controllerRevision":"proxy-5d7c8f9b6"`} {
		if !strings.Contains(injected, want) {
			t.Errorf("injected pod lacks %q:\n%s", want, injected)
		}
	}
	injectedPod := filepath.Join(dir, "injected.yaml")
	if err := os.WriteFile(injectedPod, []byte(injected), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"explain", []string{"explain", "-f", pod, "--from", state, "--kruise-version", "1.9"}, 0, "proxy"},
		{"check", []string{"check", "-f", state, "--kruise-version", "1.9"}, 0, ""},
		{"uninject", []string{"uninject", "-f", injectedPod, "--from", state, "--kruise-version", "1.9"}, 0, "uninjected proxy (container proxy;"},
		{"v1.8 refuses v1beta1", []string{"inject", "-f", pod, "--from", state}, 1, "use --kruise-version 1.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errOut)
			}
			if !strings.Contains(out+errOut, tc.want) {
				t.Errorf("output lacks %q:\n%s%s", tc.want, out, errOut)
			}
		})
	}
	// -f with the List and the pod: the state comes from -f, and the SidecarSet is written
	// back as it was read, in v1beta1.
	both := filepath.Join(dir, "both.yaml")
	raw, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(both, append(append(raw, "---\n"...), v1beta1Pod...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run("inject", "-f", both, "--kruise-version", "1.9")
	if code != 0 {
		t.Fatalf("inject -f both: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"apiVersion: apps.kruise.io/v1beta1", "customVersion: v2", "targetContainersMode: sum", "cpu: 1250m"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
