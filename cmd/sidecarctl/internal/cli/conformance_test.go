package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// caseArgs turns a conformance case into files and `sidecarctl inject` arguments, the way a
// user (or the held-back corpus) runs it: the pod with -f, the cluster state with --from.
func caseArgs(t *testing.T, c *sidecarsettest.Case) []string {
	t.Helper()
	dir := t.TempDir()
	var raw struct {
		Pod                 json.RawMessage   `json:"pod"`
		SidecarSets         []json.RawMessage `json:"sidecarSets"`
		Namespaces          []json.RawMessage `json:"namespaces"`
		ConfigMaps          []json.RawMessage `json:"configMaps"`
		ControllerRevisions []json.RawMessage `json:"controllerRevisions"`
	}
	if err := json.Unmarshal(c.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var state bytes.Buffer
	for _, group := range [][]json.RawMessage{raw.Namespaces, raw.ConfigMaps, raw.ControllerRevisions, raw.SidecarSets} {
		for _, obj := range group {
			state.Write(obj)
			state.WriteString("\n")
		}
	}
	args := []string{"inject", "-o", "json", "-q",
		"-f", write("pod.json", raw.Pod),
		"--from", write("state.json", state.Bytes())}
	if len(c.FeatureGates) > 0 {
		var gates []string
		for k, v := range c.FeatureGates {
			gates = append(gates, fmt.Sprintf("%s=%t", k, v))
		}
		args = append(args, "--feature-gates", strings.Join(gates, ","))
	}
	if c.AllowPrivileged != nil {
		args = append(args, fmt.Sprintf("--allow-privileged=%t", *c.AllowPrivileged))
	}
	if c.SidecarSetMutatingWebhook != nil && !*c.SidecarSetMutatingWebhook {
		args = append(args, "--skip-sidecarset-defaulting")
	}
	if c.SidecarSetValidatingWebhook != nil && !*c.SidecarSetValidatingWebhook {
		args = append(args, "--skip-sidecarset-validation")
	}
	if c.SidecarSetController {
		args = append(args, "--record-revisions")
	}
	if c.Operation != "" && c.Operation != "CREATE" {
		args = append(args, "--operation", c.Operation)
	}
	return args
}

// TestInjectConformance runs every Kruise conformance case through the CLI: stdout must be the
// oracle's pod, or empty with a non-zero exit and the reason on stderr for a refusal.
func TestInjectConformance(t *testing.T) {
	t.Parallel()
	sidecarsettest.ForEach(t, func(t *testing.T, c *sidecarsettest.Case) {
		var out, errOut bytes.Buffer
		code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, caseArgs(t, c))
		if refusal, ok := c.ExpectsRefusal(); ok {
			if code == 0 || out.Len() != 0 {
				t.Fatalf("want exit != 0 and empty stdout for refusal %q; got exit %d, stdout %q", refusal.Error, code, out.String())
			}
			if !strings.Contains(errOut.String(), refusal.Error) && refusal.Stage != "pod-mutating-webhook" {
				t.Errorf("stderr %q does not carry Kruise's reason %q", errOut.String(), refusal.Error)
			}
			return
		}
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		c.AssertPod(t, out.Bytes())
	})
}
