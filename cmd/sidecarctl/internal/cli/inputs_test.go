package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dbPod is a pod the log SidecarSet of goodSidecarSet does not select (app: db), in a file of
// its own with a comment, so that passing it through can be seen byte for byte.
const dbPod = `# the database, not selected
apiVersion: v1
kind: Pod
metadata:
  name: db-0
  namespace: shop
  labels:
    app: db
spec:
  containers:
  - name: db
    image: postgres:16
`

// labelledLog references a ConfigMap of kube-system that logBinding authorizes; only the
// SidecarSet carries team=a. otherSidecarSet (team=b) references one no binding authorizes.
const (
	labelledLog = `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: log
  labels:
    team: a
spec:
  selector:
    matchLabels:
      app: web
    matchExpressions:
    - key: alibabacloud.com/eci
      operator: In
      values: ["true"]
  volumes:
  - name: cfg
    configMap:
      name: kube-system/filebeat-config
  containers:
  - name: log-agent
    image: log-agent:1
`
	logBinding = `apiVersion: sidecarset.alibabacloud.com/v1alpha1
kind: SidecarSetResourceBinding
metadata:
  name: log
  namespace: kube-system
spec:
  subjects:
  - kind: SidecarSet
    name: log
  resourceRefs:
  - kind: ConfigMap
    name: filebeat-config
`
	otherSidecarSet = `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: other
  labels:
    team: b
spec:
  selector:
    matchLabels:
      app: api
    matchExpressions:
    - key: alibabacloud.com/eci
      operator: In
      values: ["true"]
  volumes:
  - name: cfg
    configMap:
      name: kube-system/other-config
  containers:
  - name: other-agent
    image: other-agent:1
`
)

// writeTree writes files (slash-separated paths) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runIn runs sidecarctl with args whose "@name" arguments are paths under dir.
func runIn(dir, stdin string, args ...string) (code int, stdout, stderr string) {
	full := make([]string, len(args))
	for i, a := range args {
		full[i] = a
		if name, ok := strings.CutPrefix(a, "@"); ok {
			full[i] = filepath.Join(dir, filepath.FromSlash(name))
		}
	}
	var out, errOut bytes.Buffer
	code = Execute(context.Background(), IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, full)
	return code, out.String(), errOut.String()
}

// TestInputFlags: -k builds a kustomization in process, with or instead of -f; -l picks the
// objects to work on; a selector that does not parse is a usage error.
func TestInputFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"app/kustomization.yaml":    "namespace: shop\nresources:\n- pod.yaml\n- sidecarset.yaml\n",
		"app/pod.yaml":              webPod,
		"app/sidecarset.yaml":       goodSidecarSet,
		"remote/kustomization.yaml": "resources:\n- pod.yaml\n- github.com/example/manifests//base?ref=v1\n",
		"remote/pod.yaml":           webPod,
		"db.yaml":                   dbPod,
		"state.yaml":                goodSidecarSet,
		"empty/README":              "no kustomization here\n",
	})
	writeTree(t, dir, map[string]string{"chk.yaml": labelledLog + "---\n" + logBinding + "---\n" + otherSidecarSet})
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings of stdout
		notStdout  []string
		stderr     []string // substrings of stderr
		dbVerbatim bool     // dbPod is on stdout byte for byte
	}{
		{name: "inject -k alone: the build carries its state", args: []string{"inject", "-k", "@app", "-o", "name"},
			stdout: []string{"pod/web-0", "sidecarset.apps.kruise.io/log"}, stderr: []string{"Pod shop/web-0: injected log", "info: no --from given: the state is what -k holds (SidecarSet log) [state_from_input]"}},
		{name: "inject -f and -k together", args: []string{"inject", "-f", "@db.yaml", "-k", "@app"},
			stdout: []string{"IS_INJECTED", "name: db-0"}, dbVerbatim: true},
		{name: "inject -l: the others pass through unchanged", args: []string{"inject", "-f", "@db.yaml", "-k", "@app", "-l", "app=db"},
			stdout: []string{"name: db-0"}, notStdout: []string{"IS_INJECTED"}, dbVerbatim: true,
			stderr: []string{"Pod shop/web-0): not selected by -l app=db; passed through unchanged", "Pod shop/db-0: nothing injected"}},
		{name: "inject -l with set-based requirements", args: []string{"inject", "-k", "@app", "-l", "app in (web,api),!canary"},
			stdout: []string{"name: log-agent"}},
		{name: "explain -l skips the others", args: []string{"explain", "-f", "@db.yaml", "-k", "@app", "-l", "app=web"},
			stdout: []string{"Pod shop/web-0"}, notStdout: []string{"db-0"}},
		{name: "explain says the state came from the input", args: []string{"explain", "-k", "@app"},
			stdout: []string{"log         true      injected"}, stderr: []string{"the state is what -k holds (SidecarSet log) [state_from_input]"}},
		{name: "uninject says the state came from the input", args: []string{"uninject", "-f", "@db.yaml", "-k", "@app", "-o", "name"},
			stdout: []string{"pod/db-0"}, stderr: []string{"the state is what -f and -k holds (SidecarSet log) [state_from_input]"}},
		{name: "audit says the state came from the input", args: []string{"audit", "-f", "@db.yaml", "-f", "@state.yaml"},
			stdout: []string{"1 pod(s), 1 SidecarSet(s) audited"}, stderr: []string{"the state is what -f holds (SidecarSet log) [state_from_input]"}},
		{name: "check -k", args: []string{"check", "-k", "@app"}, stdout: []string{"1 SidecarSet(s) checked: no findings"}},
		{name: "check -l that selects no SidecarSet", args: []string{"check", "-f", "@state.yaml", "-f", "@db.yaml", "-l", "app=db"},
			code: 1, stderr: []string{"-l app=db selects no SidecarSets in -f", "nothing to check"}},
		{name: "check without -l", args: []string{"check", "-f", "@chk.yaml"},
			stdout: []string{"SidecarSet other", "unauthorized_reference"}, code: 1},
		{name: "check -l: the binding it does not select still authorizes", args: []string{"check", "-f", "@chk.yaml", "-l", "team=a"},
			stdout: []string{"1 SidecarSet(s) checked: no findings"}},
		{name: "check -l: what it does not select is not reported", args: []string{"check", "-f", "@chk.yaml", "-l", "team=b"},
			code: 1, stdout: []string{"SidecarSet other", "unauthorized_reference", "name: sidecarctl-other"}, notStdout: []string{"SidecarSet log", "name: log\n"}},
		{name: "audit -l", args: []string{"audit", "-f", "@db.yaml", "-k", "@app", "-l", "app=db"}, stdout: []string{"1 pod(s), 1 SidecarSet(s) audited"}},
		{name: "uninject -l", args: []string{"uninject", "-f", "@db.yaml", "-l", "app=db", "-o", "name"}, stdout: []string{"pod/db-0"}},
		{name: "-l that does not parse", args: []string{"inject", "-k", "@app", "-l", "app in (web"}, code: 2, stderr: []string{`-l "app in (web"`}},
		{name: "-l that selects nothing", args: []string{"inject", "-k", "@app", "-l", "app=nothing"}, code: 1,
			stderr: []string{"-l app=nothing selects none of the 2 object(s) of -k "}},
		{name: "-k stdin", args: []string{"inject", "-k", "-"}, code: 2, stderr: []string{"-k takes a kustomization directory"}},
		{name: "-k URL", args: []string{"explain", "-k", "https://github.com/example/manifests"}, code: 2, stderr: []string{"reads no URL"}},
		{name: "-k without kustomization", args: []string{"inject", "-k", "@empty"}, code: 1, stderr: []string{"empty: no kustomization.yaml"}},
		{name: "-k missing directory", args: []string{"inject", "-k", "@missing"}, code: 1, stderr: []string{"missing: the directory does not exist"}},
		{name: "-k with a remote base", args: []string{"inject", "-k", "@remote"}, code: 1,
			stderr: []string{"kustomization.yaml: resources[1]", "github.com/example/manifests//base?ref=v1", "assumes no network"}},
		{name: "audit needs an input", args: []string{"audit", "-l", "app=web"}, code: 2, stderr: []string{"-f, -k or --from-cluster is required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runIn(dir, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for _, unwanted := range tc.notStdout {
				if strings.Contains(stdout, unwanted) {
					t.Errorf("stdout has %q:\n%s", unwanted, stdout)
				}
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if tc.dbVerbatim && !strings.Contains(stdout, dbPod) {
				t.Errorf("the db pod is not passed through byte for byte:\n%s", stdout)
			}
		})
	}
}
