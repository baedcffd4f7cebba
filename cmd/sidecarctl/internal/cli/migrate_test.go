package cli

import (
	"bytes"
	"context"
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
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		wantOut    []string
		wantReport []string
	}{
		{"no -f", []string{"migrate"}, 2, nil, []string{"-f is required"}},
		{"bad output", []string{"migrate", "-f", seed, "-o", "name"}, 2, nil, []string{"--output must be yaml or json"}},
		{"label without value", []string{"migrate", "-f", seed, "--label", "logging"}, 2, nil, []string{"want key=value"}},
		{"bad label key", []string{"migrate", "-f", seed, "--label", "-bad=x"}, 2, nil, []string{"--label -bad=x: key"}},
		{"bad container name", []string{"migrate", "-f", seed, "--container", "File_Beat"}, 2, nil, []string{"--container \"File_Beat\""}},
		{"bad version", []string{"migrate", "-f", seed, "--kruise-version", "1.2"}, 2, nil, []string{"--kruise-version"}},
		{"seed 001", []string{"migrate", "-f", seed, "--container", "filebeat"}, 0,
			[]string{"kind: SidecarSet\nmetadata:\n  name: filebeat-sidecarset\n", "kind: SidecarSetResourceBinding", "kind: Deployment"},
			[]string{"Deployment.apps default/echo-server: migrated filebeat", "0 workload(s) keep a sidecar"}},
		{"nothing shared", []string{"migrate", "-f", seed}, 0, []string{"kind: Deployment"},
			[]string{"nothing to migrate [migrate_no_sidecars]"}},
		{"kept, reported", []string{"migrate", "-f", corpus + "corpus.yaml"}, 0, []string{"name: filebeat-sidecarset"},
			[]string{"Job.batch shop/migrate-db: kept filebeat (cannot round-trip)", "spec.template.spec.containers[1].env[0].value", "[migrate_field_differs]"}},
		{"kept, --strict", []string{"migrate", "-f", corpus + "corpus.yaml", "--strict"}, 1, nil,
			[]string{"[migrate_placement]", "--strict: some sidecars cannot round-trip"}},
		{"--label that changes a label", []string{"migrate", "-f", corpus + "corpus.yaml", "--container", "metrics-agent", "--label", "metrics=agent"}, 1, nil,
			[]string{"--label metrics=agent: the template of Deployment.apps shop/orders has metrics=on"}},
		{"--label another workload has", []string{"migrate", "-f", corpus + "corpus.yaml", "--container", "filebeat", "--label", "app=admin"}, 1, nil,
			[]string{"--label app=admin: "}},
		{"--label over different workloads", []string{"migrate", "-f", corpus + "corpus.yaml", "--label", "a=b"}, 1, nil,
			[]string{"--label a=b: every proposed SidecarSet would select it"}},
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
		})
	}
}
