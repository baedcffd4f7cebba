package server

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// TestPodHandlerScenarios runs the pipeline's scenarios (app patches, profiles, mirror
// rewrites, bindings, refusals) through the pod webhook: the pod the API server stores after
// applying the patch, the denial and the warnings are the golden outcome the pipeline's own
// test holds; an unauthorized reference the pipeline reports is a denial.
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
			res, err := st.InjectPod(sc.Pod, sidecarset.Request{Namespace: sc.Pod.Namespace})
			if err != nil && res == nil {
				t.Fatal(err)
			}
			if denial, ok := unauthorizedDenial(res); ok {
				// The webhook refuses a pod the pipeline gives an unauthorized reference
				// (unauthorized.go), as inject --strict does.
				if resp.Allowed || resp.Result == nil || resp.Result.Message != denial.Result.Message {
					t.Fatalf("want denial %q, got allowed=%v %v", denial.Result.Message, resp.Allowed, resp.Result)
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
