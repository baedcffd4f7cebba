package pipeline_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// TestCorpus runs every conformance case through the pipeline, with and without the
// webhook's MatchedOnly candidate index: the same pod or the same refusal as Kruise, and the
// same decisions for the matched SidecarSets on both paths.
func TestCorpus(t *testing.T) {
	t.Parallel()
	sidecarsettest.ForEach(t, func(t *testing.T, c *sidecarsettest.Case) {
		refusal, wantRefusal := c.ExpectsRefusal()
		st, err := pipeline.Admit(pipelinetest.Input(c), pipelinetest.Options(c))
		if err != nil {
			var adm *sidecarset.AdmissionError
			if !wantRefusal || !errors.As(err, &adm) {
				t.Fatalf("admit: %v", err)
			}
			if adm.Stage != refusal.Stage || adm.Message != refusal.Error {
				t.Errorf("refusal:\n got %s: %s\nwant %s: %s", adm.Stage, adm.Message, refusal.Stage, refusal.Error)
			}
			return
		}
		op := pipelinetest.Operation(c)
		full, err := st.InjectPod(c.Pod, sidecarset.Request{Namespace: c.Pod.Namespace, Operation: op})
		indexed, ierr := st.InjectPod(c.Pod, sidecarset.Request{Namespace: c.Pod.Namespace, Operation: op, MatchedOnly: true})
		if (err == nil) != (ierr == nil) {
			t.Fatalf("full walk and index disagree: %v vs %v", err, ierr)
		}
		if wantRefusal {
			if err == nil || refusal.Stage != "pod-mutating-webhook" {
				t.Fatalf("want refusal %q at %s, got %v", refusal.Error, refusal.Stage, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("inject: %v", err)
		}
		if diff := cmp.Diff(matched(full.Decisions), matched(indexed.Decisions)); diff != "" {
			t.Errorf("matched decisions differ between the full walk and the index (-full +index):\n%s", diff)
		}
		got, err := json.Marshal(full.Pod)
		if err != nil {
			t.Fatal(err)
		}
		c.AssertPod(t, got)
	})
}

// matched keeps the decisions of SidecarSets that matched: the index leaves the others out.
func matched(ds []sidecarset.Decision) []sidecarset.Decision {
	var out []sidecarset.Decision
	for _, d := range ds {
		if d.Injected || d.Reason == finding.MatchedNothingToInject {
			out = append(out, d)
		}
	}
	return out
}
