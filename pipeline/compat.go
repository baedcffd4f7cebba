package pipeline

import (
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/translate"
)

// translateFinding bridges translate's own finding type until it reports finding.Finding.
func translateFinding(f translate.Finding) finding.Finding {
	obj := f.Object
	if f.Profile != "" {
		if obj != "" {
			obj += ": "
		}
		obj += "profile " + f.Profile
	}
	return finding.Finding{Severity: finding.Severity(f.Severity), Code: finding.Code(f.Reason), Object: obj, Field: f.Field, Message: f.Message}
}
