package server

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
)

// TestPodHandlerScenarios runs the pipeline's scenarios (app patches, profiles, mirror
// rewrites, bindings, refusals) through the pod webhook: the pod the API server stores after
// applying the patch, the denial and the warnings are the golden outcome the pipeline's own
// test holds; a reference the golden outcome says a cluster refuses (unauthorized or
// malformed) is a denial.
func TestPodHandlerScenarios(t *testing.T) {
	scenarios, err := pipelinetest.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			want, err := sc.ParseGolden()
			if err != nil {
				t.Fatal(err)
			}
			st, err := sc.Admit()
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(sc.Pod)
			if err != nil {
				t.Fatal(err)
			}
			h := &PodHandler{Snapshot: NewStaticSnapshot(&View{State: st})}
			resp := h.Handle(context.Background(), podRequest(raw, sc.Pod.Namespace))
			if len(want.Unauthorized) > 0 {
				// Kruise injects the pod, but the golden outcome names references a cluster
				// refuses: the webhook denies the pod with them, one cause each.
				messages := make([]string, len(want.Unauthorized))
				for i, f := range want.Unauthorized {
					messages[i] = f.Message
				}
				if resp.Allowed || resp.Result == nil || resp.Result.Message != strings.Join(messages, "; ") {
					t.Fatalf("want denial %q, got allowed=%v %v", strings.Join(messages, "; "), resp.Allowed, resp.Result)
				}
				c := resp.Result.Details
				if c == nil || len(c.Causes) != len(want.Unauthorized) {
					t.Fatalf("denial causes %+v, want one per %v", c, want.Unauthorized)
				}
				for i, f := range want.Unauthorized {
					if got := c.Causes[i]; string(got.Type) != string(f.Code) || got.Field != f.Field || got.Message != f.Message {
						t.Errorf("denial cause %d %+v, want %s at %s", i, got, f.Code, f.Field)
					}
				}
				return
			}
			if want.Refusal != "" {
				if resp.Allowed || resp.Result == nil || resp.Result.Message != want.Refusal {
					t.Fatalf("want denial %q, got allowed=%v %v", want.Refusal, resp.Allowed, resp.Result)
				}
				// The refusing SidecarSet's decision gives the code and field of the denial's cause.
				for _, d := range want.Decisions {
					if !d.Reason.IsRefusal() {
						continue
					}
					if c := resp.Result.Details; c == nil || len(c.Causes) != 1 || string(c.Causes[0].Type) != string(d.Reason) || c.Causes[0].Field != d.Field {
						t.Errorf("denial cause %+v, want %s at %s", resp.Result.Details, d.Reason, d.Field)
					}
				}
				return
			}
			if !resp.Allowed {
				t.Fatalf("denied: %v", resp.Result)
			}
			got := &corev1.Pod{}
			if err := json.Unmarshal(applyResponse(t, raw, resp), got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.Pod, got); diff != "" {
				t.Errorf("stored pod differs from the pipeline's (-pipeline +handler):\n%s", diff)
			}
			for _, f := range want.Findings {
				if f.Severity == finding.Warning && !slices.Contains(resp.Warnings, f.Message) {
					t.Errorf("warning %q missing from the response: %v", f.Message, resp.Warnings)
				}
			}
		})
	}
}
