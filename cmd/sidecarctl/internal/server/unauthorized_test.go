package server

import (
	"testing"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

func TestUnauthorizedDenial(t *testing.T) {
	t.Parallel()
	unauthorized := finding.Finding{Code: finding.UnauthorizedReference, Severity: finding.Warning,
		Field: "spec.volumes[0].configMap.name", Message: "no binding for kube-system/cfg"}
	malformed := finding.Finding{Code: finding.MalformedReference, Severity: finding.Warning,
		Field: "spec.volumes[1].secret.secretName", Message: "not a valid <namespace>/<name>"}
	regularNode := finding.Finding{Code: finding.CrossNamespaceOnRegularNode, Severity: finding.Warning,
		Field: "spec.volumes[0].configMap.name", Message: "a regular kubelet cannot mount it"}
	tests := []struct {
		name     string
		findings finding.List
		// unauthorized are the findings of findings the pipeline says a cluster refuses.
		unauthorized finding.List
		// message is the denial's, empty when the pod is allowed.
		message string
		fields  []string
	}{
		{name: "no findings", findings: nil},
		{name: "a warning about regular nodes only", findings: finding.List{regularNode}},
		{name: "an unauthorized reference", findings: finding.List{regularNode, unauthorized}, unauthorized: finding.List{unauthorized},
			message: unauthorized.Message, fields: []string{unauthorized.Field}},
		{name: "unauthorized and malformed", findings: finding.List{unauthorized, malformed}, unauthorized: finding.List{unauthorized, malformed},
			message: unauthorized.Message + "; " + malformed.Message, fields: []string{unauthorized.Field, malformed.Field}},
		{name: "a finding of the same code the pipeline does not refuse", findings: finding.List{unauthorized}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, denied := unauthorizedDenial(&pipeline.PodResult{Findings: tt.findings, Unauthorized: tt.unauthorized})
			if denied != (tt.message != "") {
				t.Fatalf("denied = %v, want %v", denied, tt.message != "")
			}
			if !denied {
				return
			}
			if resp.Allowed || resp.Result.Message != tt.message {
				t.Errorf("allowed %v, message %q; want denied with %q", resp.Allowed, resp.Result.Message, tt.message)
			}
			var fields []string
			for _, c := range resp.Result.Details.Causes {
				fields = append(fields, c.Field)
			}
			if len(fields) != len(tt.fields) {
				t.Fatalf("cause fields %v, want %v", fields, tt.fields)
			}
			for i := range fields {
				if fields[i] != tt.fields[i] {
					t.Errorf("cause fields %v, want %v", fields, tt.fields)
				}
			}
		})
	}
}
