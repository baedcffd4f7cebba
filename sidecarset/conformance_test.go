package sidecarset_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// fixedTime is the oracle's -fixed-time, so the corpus also passes with compare.py --strict-time.
var fixedTime = metav1.NewTime(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))

// caseOptions are the engine options of the oracle run that produced c's expected output:
// its Kruise release, feature gates and webhook switches.
func caseOptions(t *testing.T, c *sidecarsettest.Case) sidecarset.Options {
	t.Helper()
	v, err := sidecarset.ParseVersion(c.Kruise)
	if err != nil {
		t.Fatal(err)
	}
	opts := sidecarset.Options{
		Version:         v,
		FeatureGates:    sidecarset.FeatureGates(c.FeatureGates),
		Now:             fixedTime,
		SkipDefaulting:  c.SidecarSetMutatingWebhook != nil && !*c.SidecarSetMutatingWebhook,
		SkipValidation:  c.SidecarSetValidatingWebhook != nil && !*c.SidecarSetValidatingWebhook,
		RecordRevisions: c.SidecarSetController,
	}
	if c.AllowPrivileged != nil && !*c.AllowPrivileged {
		opts.DisallowPrivileged = true
	}
	return opts
}

// runCase admits the case's objects into a State and injects its pod, the way the oracle did.
func runCase(t *testing.T, c *sidecarsettest.Case) ([]byte, error) {
	t.Helper()
	_, res, err := runCaseWith(t, c, caseOptions(t, c))
	if err != nil {
		return nil, err
	}
	return json.Marshal(res.Pod)
}

// runCaseWith is runCase with the given options; it also returns the state, whose findings
// say what admission observed.
func runCaseWith(t *testing.T, c *sidecarsettest.Case, opts sidecarset.Options) (*sidecarset.State, *sidecarset.Result, error) {
	t.Helper()
	st := sidecarset.NewState(opts)
	if err := c.Admit(st); err != nil {
		return st, nil, err
	}
	op := sidecarset.Create
	if c.Operation == "UPDATE" {
		op = sidecarset.Update
	}
	res, err := sidecarset.Inject(st, c.Pod, sidecarset.Request{Namespace: c.Pod.Namespace, Operation: op})
	if err != nil {
		return st, res, err
	}
	// Idempotency: injecting the injected pod again must change nothing.
	again, err := sidecarset.Inject(st, res.Pod, sidecarset.Request{Namespace: res.Pod.Namespace, Operation: op})
	if err != nil {
		t.Errorf("second injection: %v", err)
	} else if again.Changed {
		t.Errorf("second injection changed the pod:\n%s", cmp.Diff(res.Pod, again.Pod))
	}
	return st, res, nil
}

// assertKruise fails t unless the outcome (got, err) is the oracle's: the same refusal, or
// the same pod.
func assertKruise(t *testing.T, c *sidecarsettest.Case, got []byte, err error) {
	t.Helper()
	refusal, wantRefusal := c.ExpectsRefusal()
	switch {
	case wantRefusal && err == nil:
		t.Fatalf("want refusal %q (%s), got a pod", refusal.Error, refusal.Stage)
	case wantRefusal:
		var adm *sidecarset.AdmissionError
		if errors.As(err, &adm) {
			if adm.Stage != refusal.Stage || adm.Message != refusal.Error {
				t.Errorf("refusal:\n got %s: %s\nwant %s: %s", adm.Stage, adm.Message, refusal.Stage, refusal.Error)
			}
		} else if refusal.Stage != "pod-mutating-webhook" || !sidecarset.IsRefusal(err) {
			t.Errorf("refusal at %s expected, got %v", refusal.Stage, err)
		}
		return
	case err != nil:
		t.Fatalf("unexpected error: %v", err)
	}
	c.AssertPod(t, got)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	sidecarsettest.ForEach(t, func(t *testing.T, c *sidecarsettest.Case) {
		got, err := runCase(t, c)
		assertKruise(t, c, got, err)
	})
}

// TestConformanceReleases runs the corpus in the mode of every other Kruise release whose
// outputs it holds (sidecarsettest.ReleaseCases). With KruiseExact the outcome is that
// release's exactly; without it, too, unless the engine reported a field that it keeps where
// Kruise drops or moves it (sidecarset/BEHAVIOUR.md §7.5).
func TestConformanceReleases(t *testing.T) {
	t.Parallel()
	sidecarsettest.ForEachRelease(t, func(t *testing.T, c *sidecarsettest.Case) {
		opts := caseOptions(t, c)
		exact := opts
		exact.KruiseExact = true
		_, res, err := runCaseWith(t, c, exact)
		assertKruise(t, c, podJSON(t, res, err), err)

		st, res, err := runCaseWith(t, c, opts)
		var findings finding.List
		if st != nil {
			findings = append(findings, st.Findings()...)
		}
		if res != nil {
			findings = append(findings, res.Findings...)
		}
		for _, f := range findings {
			switch f.Code {
			case finding.SidecarFieldDropped, finding.PodFieldDropped, finding.PodFieldMoved:
				if !strings.Contains(f.Message, "Kruise v") {
					t.Errorf("%s does not name the Kruise release: %s", f.Code, f.Message)
				}
				return
			}
		}
		assertKruise(t, c, podJSON(t, res, err), err)
	})
}

// TestInjectDoesNotAliasState: the webhook rewrites volume references in the injected pod;
// that must never reach the SidecarSets held in the state, which every other pod reads.
func TestInjectDoesNotAliasState(t *testing.T) {
	t.Parallel()
	cases, err := sidecarsettest.Cases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Name != "040-volumes-injected" {
			continue
		}
		st := sidecarset.NewState(sidecarset.Options{Now: fixedTime})
		if err := c.Admit(st); err != nil {
			t.Fatal(err)
		}
		before := st.SidecarSets()[0].DeepCopy()
		res, err := sidecarset.Inject(st, c.Pod, sidecarset.Request{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range res.Pod.Spec.Volumes {
			if cm := res.Pod.Spec.Volumes[i].ConfigMap; cm != nil {
				cm.Name = "changed-by-a-caller"
			}
		}
		for i := range res.Pod.Spec.Containers {
			res.Pod.Spec.Containers[i].Image = "changed-by-a-caller"
		}
		if diff := cmp.Diff(before, st.SidecarSets()[0]); diff != "" {
			t.Errorf("changing the injected pod changed the stored SidecarSet:\n%s", diff)
		}
	}
}

// TestInjectConcurrently: the webhook serves many pods at once from one State (run with -race).
func TestInjectConcurrently(t *testing.T) {
	t.Parallel()
	cases, err := sidecarsettest.Cases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		st := sidecarset.NewState(sidecarset.Options{Now: fixedTime, FeatureGates: c.FeatureGates})
		if c.Admit(st) != nil {
			continue
		}
		done := make(chan error, 8)
		for i := 0; i < 8; i++ {
			go func(matchedOnly bool) {
				_, err := sidecarset.Inject(st, c.Pod, sidecarset.Request{MatchedOnly: matchedOnly})
				if err != nil && !sidecarset.IsRefusal(err) {
					done <- err
					return
				}
				done <- nil
			}(i%2 == 0)
		}
		for i := 0; i < 8; i++ {
			if err := <-done; err != nil {
				t.Errorf("%s: %v", c.Name, err)
			}
		}
	}
}
