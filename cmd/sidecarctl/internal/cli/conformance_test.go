package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// TestInjectConformanceReleases runs the corpus through the CLI in every other Kruise release
// whose outputs it holds (sidecarsettest.ReleaseCases), with --kruise-version and
// --kruise-exact: stdout is that release's pod, or the refusal is reported.
func TestInjectConformanceReleases(t *testing.T) {
	t.Parallel()
	sidecarsettest.ForEachRelease(t, func(t *testing.T, c *sidecarsettest.Case) {
		args := append(caseArgs(t, c), "--kruise-version", c.Kruise, "--kruise-exact")
		var out, errOut bytes.Buffer
		code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args)
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

// TestExplainAgreesWithInject runs every conformance case through `inject` and `explain -o
// json` with the same state: explain prints the record of the same injection, so the
// SidecarSets it says were injected are those inject reports, and a refusal is attributed to
// exactly one SidecarSet with a refused_* code while none shows as injected.
func TestExplainAgreesWithInject(t *testing.T) {
	t.Parallel()
	sidecarsettest.ForEach(t, func(t *testing.T, c *sidecarsettest.Case) {
		injectArgs := slices.DeleteFunc(caseArgs(t, c), func(a string) bool { return a == "-q" })
		var injOut, injErr bytes.Buffer
		injCode := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &injOut, ErrOut: &injErr}, injectArgs)
		explainArgs := append([]string{"explain"}, injectArgs[1:]...)
		var exOut, exErr bytes.Buffer
		exCode := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &exOut, ErrOut: &exErr}, explainArgs)

		refusedPod := strings.Contains(injErr.String(), "Kruise's pod webhook would refuse the pod")
		if injCode != 0 && !refusedPod {
			// The state itself is refused: explain cannot explain either, with the same reason.
			if exCode == 0 || exErr.String() != injErr.String() {
				t.Fatalf("inject failed with %q; explain: exit %d, %q", injErr.String(), exCode, exErr.String())
			}
			return
		}
		if exCode != 0 {
			t.Fatalf("explain: exit %d: %s", exCode, exErr.String())
		}
		var exps []explanation
		if err := json.Unmarshal(exOut.Bytes(), &exps); err != nil || len(exps) != 1 {
			t.Fatalf("explain output: %v\n%s", err, exOut.String())
		}
		ex := exps[0]
		var injected, refusing []string
		for _, d := range ex.Decisions {
			if d.Injected {
				injected = append(injected, d.SidecarSet)
			}
			if d.Reason.IsRefusal() {
				refusing = append(refusing, d.SidecarSet)
			}
		}
		if refusedPod {
			if ex.Refusal == "" || len(injected) != 0 || len(refusing) != 1 {
				t.Fatalf("inject refused the pod (%s); explain says refusal %q, injected %v, refused by %v", injErr.String(), ex.Refusal, injected, refusing)
			}
			if !strings.Contains(injErr.String(), "sidecarset "+refusing[0]+":") {
				t.Errorf("explain blames %s, inject says %s", refusing[0], injErr.String())
			}
			return
		}
		if ex.Refusal != "" || len(refusing) != 0 {
			t.Fatalf("inject accepted the pod; explain says refusal %q by %v", ex.Refusal, refusing)
		}
		if got, want := strings.Join(injected, ", "), reportedInjected(injErr.String()); got != want {
			t.Errorf("explain says injected %q, inject reports %q", got, want)
		}
	})
}

// reportedInjected reads the SidecarSets inject's report names as injected.
func reportedInjected(report string) string {
	for _, line := range strings.Split(report, "\n") {
		if _, list, ok := strings.Cut(line, ": injected "); ok && !strings.HasPrefix(line, " ") {
			return list
		}
	}
	return ""
}

// TestExplainAgreesWithInjectOnUpdate: on a pod UPDATE Kruise injects nothing; explain, given
// the same --operation, says so for the SidecarSet inject reports as not injected.
func TestExplainAgreesWithInjectOnUpdate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pod, state := filepath.Join(dir, "pod.yaml"), filepath.Join(dir, "state.yaml")
	for p, content := range map[string]string{pod: webPod, state: goodSidecarSet} {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, string) {
		var out, errOut bytes.Buffer
		if code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		return out.String(), errOut.String()
	}
	_, report := run("inject", "--operation", "UPDATE", "-f", pod, "--from", state)
	if !strings.Contains(report, "nothing injected (log: Kruise injects nothing on pod UPDATE)") {
		t.Fatalf("inject report: %s", report)
	}
	out, _ := run("explain", "-o", "json", "--operation", "UPDATE", "-f", pod, "--from", state)
	var exps []explanation
	if err := json.Unmarshal([]byte(out), &exps); err != nil || len(exps) != 1 || len(exps[0].Decisions) != 1 {
		t.Fatalf("explain: %v\n%s", err, out)
	}
	if d := exps[0].Decisions[0]; d.Injected || d.Reason != "matched_nothing_to_inject" {
		t.Errorf("explain on UPDATE: %+v", d)
	}
}

// TestStateFromInput: `kustomize build | sidecarctl inject -f -` works: without --from, the
// SidecarSets of the stream are the state, and the report says so.
func TestStateFromInput(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	stream := goodSidecarSet + "---\n" + webPod
	code := Execute(context.Background(), IOStreams{In: strings.NewReader(stream), Out: &out, ErrOut: &errOut}, []string{"inject", "-f", "-"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "Pod shop/web-0: injected log") || !strings.Contains(errOut.String(), "[state_from_input]") {
		t.Errorf("report:\n%s", errOut.String())
	}
	if !strings.Contains(out.String(), "name: log-agent") || !strings.Contains(out.String(), "kind: SidecarSet") {
		t.Errorf("output lacks the injected pod or the SidecarSet passed through:\n%s", out.String())
	}
}

// losesFields are the fuzz examples where Kruise loses or moves a user's field
// (sidecarset/BEHAVIOUR.md §7).
func losesFields() map[string]bool {
	return map[string]bool{"sidecar-newer-field-dropped": true, "patch-shift-field-lost": true,
		"patch-shift-field-transplanted": true, "v13-strips-newer-pod-fields": true}
}

// TestInjectFuzzExamples runs the fuzz examples (sidecarsettest.FuzzExamples) through the CLI
// in their Kruise version: with --kruise-exact stdout is Kruise's pod or the refusal; without
// it, where Kruise loses or moves a field, stderr reports what Kruise does.
func TestInjectFuzzExamples(t *testing.T) {
	t.Parallel()
	cases, err := sidecarsettest.FuzzExamples()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			args := append(caseArgs(t, c), "--kruise-version", c.Kruise)
			var out, errOut bytes.Buffer
			code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, append(args, "--kruise-exact"))
			if refusal, ok := c.ExpectsRefusal(); ok {
				if code == 0 || out.Len() != 0 || !strings.Contains(errOut.String(), refusal.Error) {
					t.Fatalf("want the refusal %q; got exit %d, stdout %q, stderr %q", refusal.Error, code, out.String(), errOut.String())
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			c.AssertPod(t, out.Bytes())
			if !losesFields()[strings.TrimPrefix(c.Name, "v"+c.Kruise+"/")] {
				return
			}
			out.Reset()
			errOut.Reset()
			args = append(slices.Clone(args), "-q=false")
			if code := Execute(context.Background(), IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), "field_") || !strings.Contains(errOut.String(), "Kruise v"+c.Kruise) {
				t.Errorf("stderr without --kruise-exact does not say what Kruise v%s does with the field:\n%s", c.Kruise, errOut.String())
			}
		})
	}
}

// TestOutputName: -o name prints kind.group/name per object, as kubectl does.
func TestOutputName(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	stream := goodSidecarSet + "---\n" + webPod
	if code := Execute(context.Background(), IOStreams{In: strings.NewReader(stream), Out: &out, ErrOut: &errOut}, []string{"inject", "-q", "-o", "name", "-f", "-"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got, want := out.String(), "sidecarset.apps.kruise.io/log\npod/web-0\n"; got != want {
		t.Errorf("-o name printed %q, want %q", got, want)
	}
}
