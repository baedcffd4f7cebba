package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateContract: usage mistakes exit 2 with nothing on stdout; a proposal writes the
// SidecarSets, the bindings, then every workload, with the report on stderr; with --strict a
// sidecar that cannot round-trip fails the command (exit 1, nothing on stdout).
func TestMigrateContract(t *testing.T) {
	t.Parallel()
	corpus := "../../../../migrate/testdata/"
	seed := "../../../../examples/filebeat-stdlog/echo-server-with-filebeat.yaml"
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"two.yaml": teamWorkloads, "app/kustomization.yaml": "resources:\n- two.yaml\n", "app/two.yaml": teamWorkloads})
	two, app := filepath.Join(dir, "two.yaml"), filepath.Join(dir, "app")
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		wantOut    []string
		wantReport []string
		notReport  []string
	}{
		{"no -f", []string{"migrate"}, 2, nil, []string{"-f or -k is required"}, nil},
		{"-f names nothing", []string{"migrate", "-f", filepath.Join(dir, "missing.yaml")}, 1, nil, []string{"-f " + filepath.Join(dir, "missing.yaml") + ": the path does not exist"}, nil},
		{"-k", []string{"migrate", "-k", app}, 0, []string{"name: filebeat-sidecarset", "name: b\n"},
			[]string{"Deployment.apps shop/a: migrated filebeat", "Deployment.apps shop/b: migrated filebeat"}, nil},
		{"-l: only the workloads it selects", []string{"migrate", "-f", two, "-l", "team=a", "--container", "filebeat"}, 0,
			[]string{"name: filebeat-sidecarset", "metadata: {name: b, namespace: shop, labels: {team: b}}\n"},
			[]string{"Deployment.apps shop/a: migrated filebeat", "0 workload(s) keep a sidecar"}, []string{"shop/b"}},
		{"-l that selects nothing", []string{"migrate", "-f", two, "-l", "team=c"}, 1, nil, []string{"-l team=c selects none of the 2 object(s)"}, nil},
		{"-l that does not parse", []string{"migrate", "-f", two, "-l", "team in (a"}, 2, nil, []string{`-l "team in (a"`}, nil},
		{"--from", []string{"migrate", "-f", two, "--from", two}, 2, nil, []string{"--from: migrate does not take it"}, nil},
		{"--timestamp", []string{"migrate", "-f", two, "--timestamp", "now"}, 2, nil, []string{"--timestamp: migrate does not take it"}, nil},
		{"--kruise-exact", []string{"migrate", "-f", two, "--kruise-exact"}, 2, nil, []string{"--kruise-exact: migrate does not take it"}, nil},
		{"bad output", []string{"migrate", "-f", seed, "-o", "name"}, 2, nil, []string{"--output must be yaml or json"}, nil},
		{"label without value", []string{"migrate", "-f", seed, "--label", "logging"}, 2, nil, []string{"want key=value"}, nil},
		{"bad label key", []string{"migrate", "-f", seed, "--label", "-bad=x"}, 2, nil, []string{"--label -bad=x: key"}, nil},
		{"bad container name", []string{"migrate", "-f", seed, "--container", "File_Beat"}, 2, nil, []string{"--container \"File_Beat\""}, nil},
		{"bad version", []string{"migrate", "-f", seed, "--kruise-version", "1.2"}, 2, nil, []string{"--kruise-version"}, nil},
		{"seed 001", []string{"migrate", "-f", seed, "--container", "filebeat"}, 0,
			[]string{"kind: SidecarSet\nmetadata:\n  name: filebeat-sidecarset\n", "kind: SidecarSetResourceBinding", "kind: Deployment"},
			[]string{"Deployment.apps default/echo-server: migrated filebeat", "0 workload(s) keep a sidecar"}, nil},
		{"nothing shared", []string{"migrate", "-f", seed}, 0, []string{"kind: Deployment"},
			[]string{"nothing to migrate [migrate_no_sidecars]"}, nil},
		{"kept, reported", []string{"migrate", "-f", corpus + "corpus.yaml"}, 0, []string{"name: filebeat-sidecarset"},
			[]string{"Job.batch shop/migrate-db: kept filebeat (cannot round-trip)", "spec.template.spec.containers[1].env[0].value", "[migrate_field_differs]"}, nil},
		{"kept, --strict", []string{"migrate", "-f", corpus + "corpus.yaml", "--strict"}, 1, nil,
			[]string{"[migrate_placement]", "--strict: some sidecars cannot round-trip"}, nil},
		{"--label that changes a label", []string{"migrate", "-f", corpus + "corpus.yaml", "--container", "metrics-agent", "--label", "metrics=agent"}, 1, nil,
			[]string{"--label metrics=agent: the template of Deployment.apps shop/orders has metrics=on"}, nil},
		{"--label another workload has", []string{"migrate", "-f", corpus + "corpus.yaml", "--container", "filebeat", "--label", "app=admin"}, 1, nil,
			[]string{"--label app=admin: "}, nil},
		{"--label over different workloads", []string{"migrate", "-f", corpus + "corpus.yaml", "--label", "a=b"}, 1, nil,
			[]string{"--label a=b: every proposed SidecarSet would select it"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, tc.args)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, errOut.String())
			}
			if tc.code != 0 && out.Len() != 0 {
				t.Errorf("stdout must stay empty on error, got:\n%s", out.String())
			}
			for _, want := range tc.wantOut {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout does not hold %q:\n%s", want, out.String())
				}
			}
			for _, want := range tc.wantReport {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr does not say %q:\n%s", want, errOut.String())
				}
			}
			for _, unwanted := range tc.notReport {
				if strings.Contains(errOut.String(), unwanted) {
					t.Errorf("stderr says %q:\n%s", unwanted, errOut.String())
				}
			}
		})
	}
}

// teamWorkloads are two Deployments that carry one filebeat sidecar; only their metadata
// labels (team) tell them apart for -l.
const teamWorkloads = `apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: shop, labels: {team: a}}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers:
      - {name: app, image: example/a:1}
      - {name: filebeat, image: elastic/filebeat:8.15.0}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: shop, labels: {team: b}}
spec:
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b}}
    spec:
      containers:
      - {name: app, image: example/b:1}
      - {name: filebeat, image: elastic/filebeat:8.15.0}
`
