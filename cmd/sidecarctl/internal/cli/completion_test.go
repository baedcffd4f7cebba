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
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "inject", "--kruise-version", ""}, []string{"1.3", "1.4", "1.5.0", "1.5.1", "1.6", "1.7.0", "1.7.1", "1.8"}},
		{[]string{"__complete", "inject", "-o", ""}, []string{"yaml", "json"}},
		{[]string{"__complete", "explain", "-o", ""}, []string{"json"}},
		{[]string{"__complete", "translate", "--target", ""}, []string{"kruise", "virtual-node"}},
		{[]string{"__complete", "translate", "--platform", ""}, []string{"eci", "acs"}},
		{[]string{"__complete", "check", "--feature-gates", ""}, []string{"SidecarSetPatchPodMetadataDefaultsAllowed=true", "SidecarTerminator=false"}},
		{[]string{"__complete", "serve", "--mode", ""}, []string{"standalone", "kruise"}},
		// Directories only (cobra's ShellCompDirectiveFilterDirs, 16).
		{[]string{"__complete", "inject", "-k", ""}, []string{":16"}},
		{[]string{"__complete", "uninject", "--output-dir", ""}, []string{":16"}},
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
