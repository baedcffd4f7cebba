package translate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sidecarctl/sidecarctl/finding"
)

// Findings use package finding's one vocabulary. A finding about a profile has the Object
// "profile <name>" (and, once compiled, the SidecarSet the profile became); a finding about
// a workload has the workload as its Object and names the profile at the start of the
// message, so every report line still says which profile it concerns.

// profileObjectPrefix starts the Object of every profile finding.
const profileObjectPrefix = "profile "

// profileObject names a profile as a finding's Object; "" for findings about the whole set.
func profileObject(profile string) string {
	if profile == "" {
		return ""
	}
	return profileObjectPrefix + profile
}

// profileOf is the inverse of profileObject.
func profileOf(f finding.Finding) string {
	return strings.TrimPrefix(f.Object, profileObjectPrefix)
}

// findings collects the findings of one compile run.
type findings struct {
	list finding.List
}

func (fs *findings) addf(sev finding.Severity, code finding.Code, profile, fieldPath, format string, args ...any) {
	fs.list.Add(finding.Finding{Severity: sev, Code: code, Object: profileObject(profile), Field: fieldPath, Message: fmt.Sprintf(format, args...)})
}

// sorted returns the findings ordered by profile (set-wide findings first), keeping the
// order within a profile, which follows the profile's own field order.
func (fs *findings) sorted() finding.List {
	out := append(finding.List(nil), fs.list...)
	out.SortByObject()
	return out
}

// err joins the error findings, each prefixed by where its profile is, or returns nil.
func (fs *findings) err(where func(profile string) string) error {
	var errs []error
	for _, f := range fs.sorted().Errors() {
		msg := where(profileOf(f))
		if f.Field != "" {
			msg += ": " + f.Field
		}
		errs = append(errs, fmt.Errorf("%s: %s (%s)", msg, f.Message, f.Code))
	}
	return errors.Join(errs...)
}

// workloadFinding is a finding about a workload (Stamp): the profile, when there is one,
// leads the message.
func workloadFinding(sev finding.Severity, code finding.Code, profile, fieldPath, msg string) finding.Finding {
	if profile != "" {
		msg = profileObject(profile) + ": " + msg
	}
	return finding.Finding{Severity: sev, Code: code, Field: fieldPath, Message: msg}
}
