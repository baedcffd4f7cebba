package pipeline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/internal/golden"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// TestScenarios runs the pipeline's own scenarios (app patches, profiles, mirror rewrites,
// bindings, refusals) and compares the full record with the golden outcome; the webhook
// handler's test runs the same scenarios against the same goldens.
func TestScenarios(t *testing.T) {
	scenarios, err := pipelinetest.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			got := run(t, sc)
			golden.Assert(t, filepath.Join("pipelinetest", pipelinetest.ScenarioDir, sc.Name+".golden.yaml"), got)
		})
	}
}

// TestScenariosConcurrently: the webhook shares one State between requests, so concurrent
// injections of every scenario (app patches, mirror rewrites, refusals) must each give the
// golden outcome, and leave the state alone (run with -race).
func TestScenariosConcurrently(t *testing.T) {
	scenarios, err := pipelinetest.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		st, err := sc.Admit()
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([][]byte, 8)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = inject(t, st, sc)
			}()
		}
		wg.Wait()
		for i, got := range results {
			if !bytes.Equal(got, sc.Golden) {
				t.Errorf("%s: concurrent injection %d differs from the golden outcome:\n%s", sc.Name, i, got)
			}
		}
	}
}

func run(t *testing.T, sc *pipelinetest.Scenario) []byte {
	t.Helper()
	st, err := sc.Admit()
	if err != nil {
		t.Fatal(err)
	}
	return inject(t, st, sc)
}

// inject runs the scenario's pod through st and renders the golden outcome.
func inject(t *testing.T, st *pipeline.State, sc *pipelinetest.Scenario) []byte {
	res, err := st.InjectPod(sc.Pod, sidecarset.Request{Namespace: sc.Pod.Namespace})
	if err != nil && !sidecarset.IsRefusal(err) {
		t.Error(err)
		return nil
	}
	out := pipelinetest.Outcome{Decisions: res.Decisions, Findings: res.Findings, AppPatches: res.AppPatches, Unauthorized: res.Unauthorized}
	if err != nil {
		out.Refusal = err.Error()
	} else {
		out.Pod = res.Pod
	}
	b, err := yaml.Marshal(out)
	if err != nil {
		t.Error(err)
	}
	return b
}

// TestMain fails a full run for scenario outcomes whose scenario is gone.
func TestMain(m *testing.M) {
	os.Exit(golden.Main(m, filepath.Join("pipelinetest", pipelinetest.ScenarioDir, "*.golden.yaml")))
}
