package pipeline

import (
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/translate"
)

// noteFinding and translateFinding bridge the engine packages' own finding types until they
// report finding.Finding themselves.
func noteFinding(n sidecarset.Note) finding.Finding {
	return finding.Finding{Severity: finding.Severity(n.Severity), Code: finding.Code(n.Reason), SidecarSet: n.SidecarSet, Message: n.Message}
}

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
