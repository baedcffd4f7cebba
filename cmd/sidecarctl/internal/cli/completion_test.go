package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestCompletion: flag values with a fixed set complete through cobra's __complete.
func TestCompletion(t *testing.T) {
	t.Parallel()
	const profiles = "../../../../examples/acs-sandbox-injection/sandbox-injection-config.yaml"
	for _, tc := range []struct {
		args []string
		want []string
		lack []string
	}{
		{[]string{"__complete", "inject", "--kruise-version", ""}, []string{"1.3", "1.4", "1.5.0", "1.5.1", "1.6", "1.7.0", "1.7.1", "1.8"}, nil},
		{[]string{"__complete", "inject", "-o", ""}, []string{"yaml", "json"}, nil},
		{[]string{"__complete", "explain", "-o", ""}, []string{"json"}, nil},
		{[]string{"__complete", "translate", "--target", ""}, []string{"kruise", "virtual-node"}, nil},
		{[]string{"__complete", "translate", "--platform", ""}, []string{"eci", "acs"}, nil},
		{[]string{"__complete", "check", "--feature-gates", ""}, []string{"SidecarSetPatchPodMetadataDefaultsAllowed=true", "SidecarTerminator=false"}, nil},
		{[]string{"__complete", "serve", "--mode", ""}, []string{"standalone", "kruise"}, nil},
		// Directories only (cobra's ShellCompDirectiveFilterDirs, 16).
		{[]string{"__complete", "inject", "-k", ""}, []string{":16"}, nil},
		{[]string{"__complete", "uninject", "--output-dir", ""}, []string{":16"}, nil},
		// Profile names from the profiles ConfigMap of --from, or of -f without --from.
		{[]string{"__complete", "inject", "--from", profiles, "--profile", ""}, []string{"agent-runtime", "csi", ":4"}, nil},
		{[]string{"__complete", "inject", "-f", profiles, "--profile", "c"}, []string{"csi"}, []string{"agent-runtime"}},
		{[]string{"__complete", "inject", "--from", "does-not-exist.yaml", "--profile", ""}, []string{":4"}, []string{"csi"}},
	} {
		var out, errOut bytes.Buffer
		if code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, tc.args); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w+"\n") {
				t.Errorf("%v: completions lack %s:\n%s", tc.args, w, out.String())
			}
		}
		for _, l := range tc.lack {
			if strings.Contains(out.String(), l+"\n") {
				t.Errorf("%v: completions offer %s:\n%s", tc.args, l, out.String())
			}
		}
	}
}

// TestKubectlPlugin: invoked as kubectl-sidecarctl, help and usage say `kubectl sidecarctl`.
func TestKubectlPlugin(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := ExecuteAs(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, "kubectl-sidecarctl", []string{"inject", "--help"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "kubectl sidecarctl inject -f FILE") {
		t.Errorf("help does not name the command as invoked:\n%s", out.String())
	}
}
