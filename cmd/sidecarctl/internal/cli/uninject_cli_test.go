package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUninjectContract: usage mistakes exit 2, refusals and bad input exit 1, both with
// nothing on stdout and the reason on stderr; success writes the objects on stdout and the
// report on stderr.
func TestUninjectContract(t *testing.T) {
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
	garbled := write("garbled.yaml", strings.Replace(webPod, "  labels:", "  annotations:\n    kruise.io/sidecarset-hash: garbage\n  labels:", 1))
	empty := write("empty.yaml", "# nothing\n")
	refused := write("refused.yaml", strings.Replace(goodSidecarSet, "  selector:\n    matchLabels:\n      app: web\n", "  selector: {}\n", 1))

	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		wantOut    string
		wantReport []string
	}{
		{"no -f", []string{"uninject"}, 2, "", []string{"-f or -k is required"}},
		{"stray argument", []string{"uninject", "x", "-f", injectedPod}, 2, "", []string{"unknown command"}},
		{"unknown flag", []string{"uninject", "-f", injectedPod, "--no-such-flag"}, 2, "", []string{"unknown flag"}},
		{"bad output", []string{"uninject", "-f", injectedPod, "-o", "xml"}, 2, "", []string{"--output must be yaml, json or name"}},
		{"bad version", []string{"uninject", "-f", injectedPod, "--kruise-version", "1.2"}, 2, "", []string{"--kruise-version"}},
		{"an inject-only flag", []string{"uninject", "-f", injectedPod, "--timestamp", "now"}, 2, "", []string{"--timestamp says how to inject"}},
		{"stdin twice", []string{"uninject", "-f", "-", "--from", "-"}, 2, "", []string{"only once"}},
		{"--from and --from-cluster", []string{"uninject", "-f", injectedPod, "--from", state, "--from-cluster"}, 2, "", []string{"--from-cluster"}},
		{"missing file", []string{"uninject", "-f", filepath.Join(dir, "missing.yaml")}, 1, "", []string{"missing.yaml"}},
		{"empty -f", []string{"uninject", "-f", empty}, 1, "", []string{"no objects"}},
		{"garbled hash annotation", []string{"uninject", "-f", garbled}, 1, "", []string{"Pod shop/web-0", "metadata.annotations[kruise.io/sidecarset-hash]"}},
		{"a SidecarSet Kruise refuses", []string{"uninject", "-f", injectedPod, "--from", refused}, 1, "", []string{"empty selector is not valid"}},
		{"uninjected", []string{"uninject", "-f", injectedPod, "--from", state}, 0, webPodOut,
			[]string{"Pod shop/web-0: uninjected log (container log-agent; annotations kruise.io/sidecarset-hash, kruise.io/sidecarset-hash-without-image, kruise.io/sidecarset-injected-list)"}},
		{"edited", []string{"uninject", "-f", edited, "--from", state}, 0, "",
			[]string{"nothing uninjected; left in place: log", "container log-agent differs from what SidecarSet log injects (image)", "[uninject_edited]"}},
		{"without the state", []string{"uninject", "-f", injectedPod}, 0, webPodOut,
			[]string{"uninjected log (container log-agent;", "SidecarSet log is not in the state", "[uninject_unchecked]"}},
		{"nothing recorded", []string{"uninject", "-f", pod, "--from", state}, 0, "",
			[]string{"Pod shop/web-0: nothing to uninject (no SidecarSet recorded)"}},
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
			if tc.wantOut != "" && out.String() != tc.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", out.String(), tc.wantOut)
			}
			for _, want := range tc.wantReport {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr does not say %q:\n%s", want, errOut.String())
				}
			}
		})
	}
}

// webPodOut is what uninject gives back for webPod injected: webPod itself, byte for byte.
const webPodOut = webPod
