package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// TestInjectKeepsFormatting: an injected document reads like a hand edit of its source
// (comments, key order, quoting, flow style, anchors, line endings and the text of numbers
// kept; only what injection adds is new), and injecting the output again changes nothing,
// byte for byte.
func TestInjectKeepsFormatting(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "format")
	state := filepath.Join(dir, "state.yaml")
	for _, tc := range []struct {
		name, input string
		crlf        bool
		args        []string
		keep        []string // input lines the output must hold as they are
	}{
		{name: "commented-deployment", input: "commented-deployment.yaml",
			keep: []string{"# Seed 001's echo-server Deployment, as a team keeps it in Git.", "  replicas: 1 # one is enough for the demo",
				`        alibabacloud.com/eci: "true" # sends the pods to a virtual node`, "        # The application."}},
		{name: "commented-deployment-crlf", input: "commented-deployment.yaml", crlf: true,
			keep: []string{"  replicas: 1 # one is enough for the demo\r"}},
		{name: "flow", input: "flow.yaml",
			keep: []string{"  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]"}},
		{name: "anchors", input: "anchors.yaml",
			keep: []string{"  labels: &labels", "    matchLabels: *labels", "        resources: *small"}},
		{name: "numbers", input: "numbers.yaml",
			keep: []string{"    big: 12345678901234567890", "    ratio: 1.50", "    id: 00042", "        memory: 0x10000000", "    example.com/quoted: '42'",
				"    exact: 3.14159265358979323846264338327950288"}},
		{name: "numbers-json", input: "numbers.json", args: []string{"-o", "json"},
			keep: []string{`      "big": 12345678901234567890,`, `      "ratio": 1.50,`, `      "exact": 3.14159265358979323846264338327950288`}},
		{name: "numbers-json-to-yaml", input: "numbers.json", args: []string{"-o", "yaml"},
			keep: []string{"    big: 12345678901234567890", "    ratio: 1.50"}},
		{name: "numbers-yaml-to-json", input: "numbers.yaml", args: []string{"-o", "json"},
			keep: []string{`            "big": 12345678901234567890,`, `            "ratio": 1.50,`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join(dir, tc.input))
			if err != nil {
				t.Fatal(err)
			}
			if tc.crlf {
				data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
			}
			tmp := t.TempDir()
			input := filepath.Join(tmp, tc.input)
			if err := os.WriteFile(input, data, 0o644); err != nil {
				t.Fatal(err)
			}
			inject := func(path string) string {
				t.Helper()
				var out, errOut bytes.Buffer
				args := append([]string{"inject", "-f", path, "--from", state, "-q"}, tc.args...)
				if code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args); code != 0 {
					t.Fatalf("inject exited %d: %s", code, errOut.String())
				}
				return out.String()
			}
			first := inject(input)
			golden.Assert(t, filepath.Join(dir, "golden", tc.name+".out"), []byte(first))
			if !strings.Contains(first, "name: filebeat") && !strings.Contains(first, `"name": "filebeat"`) {
				t.Error("nothing was injected")
			}
			lines := map[string]bool{}
			for _, l := range strings.Split(first, "\n") {
				lines[l] = true
			}
			for _, want := range tc.keep {
				if !lines[want] {
					t.Errorf("the output lost the line %q", want)
				}
			}
			if tc.crlf && strings.Count(first, "\n") != strings.Count(first, "\r\n") {
				t.Error("CRLF input gave lines that end in LF alone")
			}
			again := filepath.Join(tmp, "again"+filepath.Ext(tc.input))
			if err := os.WriteFile(again, []byte(first), 0o644); err != nil {
				t.Fatal(err)
			}
			if second := inject(again); second != first {
				t.Errorf("a second inject changed the output:\n%s", second)
			}
		})
	}
}
