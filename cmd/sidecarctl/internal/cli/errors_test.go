package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodSidecarSet = `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: log
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: log-agent
    image: log-agent:1
`

const webPod = `apiVersion: v1
kind: Pod
metadata:
  name: web-0
  namespace: shop
  labels:
    app: web
spec:
  containers:
  - name: app
    image: nginx:1.25
`

// TestBadInput checks the error contract: a clear message naming the file, the object and the
// field, a non-zero exit, and nothing on stdout.
func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		files    map[string]string
		args     []string
		wantErr  []string
		wantCode int
	}{
		{
			name: "sidecarset kruise refuses",
			files: map[string]string{"pod.yaml": webPod, "state.yaml": goodSidecarSet + `---
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: empty-selector
spec:
  selector: {}
  containers:
  - name: other
    image: other:1
`},
			args:    []string{"inject", "-f", "pod.yaml", "--from", "state.yaml"},
			wantErr: []string{"state.yaml", "document 2", "SidecarSet empty-selector", "spec.selector", "empty selector is not valid for sidecarset."},
		},
		{
			name: "sidecarset container name conflict",
			files: map[string]string{"pod.yaml": webPod, "state.yaml": goodSidecarSet + "---\n" +
				strings.Replace(goodSidecarSet, "name: log\n", "name: log2\n", 1)},
			args:    []string{"inject", "-f", "pod.yaml", "--from", "state.yaml"},
			wantErr: []string{"state.yaml", "SidecarSet log2", "spec.containers", "container log-agent already exist in log"},
		},
		{
			name: "binding with wrong subject kind",
			files: map[string]string{"pod.yaml": webPod, "state.yaml": `apiVersion: sidecarset.alibabacloud.com/v1alpha1
kind: SidecarSetResourceBinding
metadata:
  name: b
  namespace: kube-system
spec:
  subjects:
  - kind: Deployment
    name: log
  resourceRefs:
  - kind: ConfigMap
    name: filebeat-config
`},
			args:    []string{"inject", "-f", "pod.yaml", "--from", "state.yaml"},
			wantErr: []string{"state.yaml", "SidecarSetResourceBinding kube-system/b", "spec.subjects[0].kind"},
		},
		{
			name:     "manifest without kind",
			files:    map[string]string{"pod.yaml": "apiVersion: v1\nmetadata:\n  name: x\n", "state.yaml": goodSidecarSet},
			args:     []string{"inject", "-f", "pod.yaml", "--from", "state.yaml"},
			wantErr:  []string{"pod.yaml", "document 1", "kind"},
			wantCode: 1,
		},
		{
			name: "pod kruise refuses",
			files: map[string]string{"state.yaml": goodSidecarSet, "pod.yaml": strings.Replace(webPod, "  labels:\n",
				"  annotations:\n    kruise.io/sidecarset-hash: garbage\n  labels:\n", 1)},
			args:    []string{"inject", "-f", "pod.yaml", "--from", "state.yaml"},
			wantErr: []string{"pod.yaml", "Pod shop/web-0", "refuse", "kruise.io/sidecarset-hash"},
		},
		{
			name: "profile with unknown field",
			files: map[string]string{"profiles.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: sandbox-injection-config
  namespace: sandbox-system
data:
  csi: '{"csiSidecar":[{"name":"csi","imagee":"x"}]}'
`},
			args:    []string{"translate", "--profiles", "profiles.yaml"},
			wantErr: []string{"profiles.yaml", "sandbox-system/sandbox-injection-config", "data[csi]", "imagee"},
		},
		{
			name: "profile with unresolved region",
			files: map[string]string{"profiles.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: sandbox-injection-config
data:
  csi: '{"csiSidecar":[{"name":"csi","image":"registry-<region-id>.example.com/csi:1"}]}'
`},
			args:    []string{"translate", "--profiles", "profiles.yaml"},
			wantErr: []string{"profiles.yaml", "data[csi]", "csiSidecar[0].image", "<region-id>"},
		},
		{
			name:    "unsupported kruise version",
			files:   map[string]string{"pod.yaml": webPod},
			args:    []string{"inject", "-f", "pod.yaml", "--kruise-version", "1.2"},
			wantErr: []string{"--kruise-version", "1.2", "1.3, 1.4, 1.5.0, 1.5.1, 1.6, 1.7.0, 1.7.1, 1.8"},
		},
		{
			name:    "inject --strict: an unknown field, with the near name",
			files:   map[string]string{"pod.yaml": webPod, "state.yaml": strings.Replace(goodSidecarSet, "    image: log-agent:1\n", "    image: log-agent:1\n    podInjectionPolicy: AfterAppContainer\n", 1)},
			args:    []string{"inject", "--strict", "-f", "pod.yaml", "--from", "state.yaml"},
			wantErr: []string{"state.yaml: document 1 (SidecarSet log)", "spec.containers[0].podInjectionPolicy", "did you mean spec.containers[0].podInjectPolicy?", "[unknown_field]", "--strict"},
		},
		{
			name:    "explain --strict: an unknown feature gate, with the near name",
			files:   map[string]string{"pod.yaml": webPod, "state.yaml": goodSidecarSet},
			args:    []string{"explain", "--strict", "--feature-gates", "SidecarSetPatchPodMetadataDefaultAllowed=true", "-f", "pod.yaml", "--from", "state.yaml"},
			wantErr: []string{"did you mean SidecarSetPatchPodMetadataDefaultsAllowed?", "[unknown_feature_gate]", "--strict"},
		},
		{
			name: "translate --strict: a runtime no profile defines, with the near name",
			files: map[string]string{"profiles.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: sandbox-injection-config
data:
  agent-runtime: '{"csiSidecar":[{"name":"init","image":"agent-runtime:1","restartPolicy":"Always"}]}'
`, "sandbox.yaml": `apiVersion: agents.kruise.io/v1alpha1
kind: Sandbox
metadata:
  name: box
spec:
  runtimes:
  - name: agent-runtme
  template:
    spec:
      containers:
      - name: sandbox
        image: example:tag
`},
			args:    []string{"translate", "--strict", "--profiles", "profiles.yaml", "-f", "sandbox.yaml"},
			wantErr: []string{"error runtime_not_in_profiles", "did you mean agent-runtime?", "--strict"},
		},
		{
			name: "check finds an unauthorized reference",
			files: map[string]string{"state.yaml": strings.Replace(goodSidecarSet, "  containers:\n", `  volumes:
  - name: cfg
    configMap:
      name: kube-system/filebeat-config
  containers:
`, 1)},
			args:    []string{"check", "-f", "state.yaml"},
			wantErr: []string{"1 error finding"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := append([]string{}, tc.args...)
			for name, content := range tc.files {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				for i, a := range args {
					if a == name {
						args[i] = p
					}
				}
			}
			var out, errOut bytes.Buffer
			code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args)
			if code == 0 {
				t.Fatalf("exit 0, want an error; stdout:\n%s", out.String())
			}
			if tc.name != "check finds an unauthorized reference" && out.Len() != 0 {
				t.Errorf("stdout must stay empty on error, got:\n%s", out.String())
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr does not name %q:\n%s", want, errOut.String())
				}
			}
		})
	}
}

// TestExitCodes: 2 for a mistake in the command line, 1 for what the input or Kruise refuses,
// 0 otherwise.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pod, state, empty := filepath.Join(dir, "pod.yaml"), filepath.Join(dir, "state.yaml"), filepath.Join(dir, "empty.yaml")
	for p, content := range map[string]string{pod: webPod, state: goodSidecarSet, empty: "# nothing here\n"} {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"inject", "-f", pod, "--from", state}, 0},
		{[]string{"no-such-command"}, 2},
		{[]string{"inject", "--no-such-flag"}, 2},
		{[]string{"inject", "stray-argument", "-f", pod}, 2},
		{[]string{"inject"}, 2},
		{[]string{"inject", "-f", pod, "-o", "xml"}, 2},
		{[]string{"inject", "-f", pod, "--kruise-version", "1.2"}, 2},
		{[]string{"inject", "-f", pod, "--feature-gates", "Broken"}, 2},
		{[]string{"inject", "-f", pod, "--timestamp", "yesterday"}, 2},
		{[]string{"inject", "-f", "-", "--from", "-"}, 2},
		{[]string{"inject", "-f", pod, "--from", state, "--from-cluster"}, 2},
		{[]string{"explain"}, 2},
		{[]string{"explain", "-f", pod, "-o", "yaml"}, 2},
		{[]string{"check"}, 2},
		{[]string{"bindings"}, 2},
		{[]string{"translate"}, 2},
		{[]string{"translate", "--profiles", state, "--target", "moon"}, 2},
		{[]string{"version", "-o", "xml"}, 2},
		{[]string{"inject", "-f", "https://example.com/pod.yaml"}, 2},
		{[]string{"check", "--from", "http://example.com/state.yaml", "-f", state}, 2},
		{[]string{"translate", "--profiles", "https://example.com/profiles.yaml"}, 2},
		{[]string{"inject", "-f", filepath.Join(dir, "missing.yaml")}, 1},
		{[]string{"inject", "-f", empty}, 1},
		{[]string{"explain", "-f", empty, "--from", state}, 1},
		{[]string{"check", "-f", empty}, 1},
		{[]string{"check", "-f", state, "--kruise-version", "1.3"}, 0},
		{[]string{"inject", "-f", pod, "--from", state, "-l", "app=web"}, 0},
		{[]string{"inject", "-f", pod, "--from", state, "-l", "app in (web"}, 2},
		{[]string{"inject", "-f", pod, "--from", state, "-l", "app=db"}, 1},
		{[]string{"inject", "-k", dir}, 1},
		{[]string{"inject", "-k", "https://example.com/overlay"}, 2},
		{[]string{"check", "-k", filepath.Join(dir, "missing")}, 1},
		{[]string{"inject", "-f", pod, "--in-place", "--output-dir", dir}, 2},
		{[]string{"uninject", "-f", "-", "--in-place"}, 2},
		{[]string{"inject", "-k", dir, "--in-place"}, 2},
		{[]string{"inject", "-f", pod, "--output-dir", dir, "-o", "name"}, 2},
		// serve's hidden offline flags are refused, not silently applied.
		{[]string{"serve", "--kruise-exact"}, 2},
		{[]string{"serve", "--from", state}, 2},
	} {
		var out, errOut bytes.Buffer
		code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, tc.args)
		if code != tc.want {
			t.Errorf("sidecarctl %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), code, tc.want, errOut.String())
		}
	}
}
