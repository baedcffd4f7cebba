package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditContract: usage mistakes exit 2 and failures 1 with nothing on stdout; a clean
// audit exits 0, one with a problem row exits 1 with the report on stdout.
func TestAuditContract(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	state := write("state.yaml", goodSidecarSet)
	pod := write("pod.yaml", webPod)
	var injected bytes.Buffer
	if code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &injected, ErrOut: &bytes.Buffer{}},
		[]string{"inject", "-f", pod, "--from", state}); code != 0 {
		t.Fatal("inject failed")
	}
	injectedPod := write("injected.yaml", injected.String())
	edited := write("edited.yaml", strings.Replace(injected.String(), "image: log-agent:1", "image: log-agent:2", 1))
	// A pod and a workload that name no namespace are audited in one, the API server's default.
	noNamespace := write("no-namespace.yaml", strings.Replace(webPod, "  namespace: shop\n", "", 1)+`---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: nginx:1.25
`)
	garbled := write("garbled.yaml", strings.Replace(webPod, "  labels:", "  annotations:\n    kruise.io/sidecarset-hash: garbage\n  labels:", 1))

	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		wantOut []string
		wantErr string
	}{
		{"no pods", []string{"audit"}, 2, nil, "-f, -k or --from-cluster is required"},
		{"bad output", []string{"audit", "-f", pod, "-o", "yaml"}, 2, nil, "--output must be empty (table) or json"},
		{"-n without the cluster", []string{"audit", "-f", pod, "-n", "shop"}, 2, nil, "with --from-cluster"},
		{"an inject-only flag", []string{"audit", "-f", pod, "--timestamp", "now"}, 2, nil, "--timestamp says how to inject"},
		{"no pods in -f", []string{"audit", "-f", state}, 1, nil, "no pods to audit"},
		{"garbled hash annotation", []string{"audit", "-f", garbled, "--from", state}, 1, nil, "kruise.io/sidecarset-hash"},
		{"clean", []string{"audit", "-f", injectedPod, "--from", state}, 0,
			[]string{"1 pod(s), 1 SidecarSet(s) audited: nothing to report", "log         1        1        0             0        0"}, ""},
		{"not injected", []string{"audit", "-f", pod, "--from", state}, 1,
			[]string{"log         shop/web-0  audit_not_injected", "sidecarctl explain -f " + pod + " --from " + state}, "audit: 1 problem(s)"},
		{"no namespace: the pod's and the template's agree", []string{"audit", "-f", noNamespace, "--from", state}, 1,
			[]string{"log         Deployment.apps default/web  audit_not_injected", "log         default/web-0                audit_not_injected"}, "audit: 1 problem(s)"},
		{"edited", []string{"audit", "-f", edited, "--from", state, "-o", "json"}, 1,
			[]string{`"reason": "audit_sidecar_edited"`, `"matched": 1`, `"edited": 1`}, "audit: 1 problem(s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, tc.args)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, errOut.String())
			}
			if tc.wantOut == nil && out.Len() != 0 {
				t.Errorf("stdout must stay empty on error, got:\n%s", out.String())
			}
			for _, want := range tc.wantOut {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout does not say %q:\n%s", want, out.String())
				}
			}
			if tc.wantErr != "" && !strings.Contains(errOut.String(), tc.wantErr) {
				t.Errorf("stderr does not say %q:\n%s", tc.wantErr, errOut.String())
			}
			if len(tc.args) > 0 && tc.args[len(tc.args)-1] == "json" && !json.Valid(out.Bytes()) {
				t.Errorf("-o json is not JSON:\n%s", out.String())
			}
		})
	}
}
