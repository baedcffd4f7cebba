package pipeline_test

import (
	"strings"
	"testing"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// TestCreationOrder: `kubectl get sidecarsets -o yaml` lists by name; admitted in creation
// order, the SidecarSet created second is the one Kruise refused, whatever the file order.
func TestCreationOrder(t *testing.T) {
	first := strings.Replace(plainSidecarSet, "  name: logs\n", "  name: zz-first\n  creationTimestamp: \"2026-01-01T00:00:00Z\"\n  resourceVersion: \"100\"\n", 1)
	second := strings.Replace(conflictingSidecarSet, "  name: logs-too\n", "  name: aa-second\n  creationTimestamp: \"2026-01-01T00:00:00Z\"\n  resourceVersion: \"205\"\n", 1)
	later := strings.Replace(conflictingSidecarSet, "  name: logs-too\n", "  name: mm-later\n  creationTimestamp: \"2026-02-01T00:00:00Z\"\n", 1)
	handWritten := strings.Replace(conflictingSidecarSet, "  name: logs-too\n", "  name: a-new\n", 1)
	st, err := admit(t, pipeline.Options{KeepGoing: true}, handWritten, later, second, first)
	if err != nil {
		t.Fatal(err)
	}
	var created []string
	for _, c := range st.Created() {
		created = append(created, c.SidecarSet.Name)
	}
	if strings.Join(created, ",") != "zz-first" {
		t.Errorf("stored %v, want only zz-first (created first)", created)
	}
	var refused []string
	for _, f := range st.Findings() {
		if f.Code == finding.RefusedByValidatingWebhook {
			refused = append(refused, f.SidecarSet)
		}
	}
	if strings.Join(refused, ",") != "aa-second,mm-later,a-new" {
		t.Errorf("refused %v, want aa-second, mm-later, a-new in creation order", refused)
	}
}
