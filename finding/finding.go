package finding

import (
	"sort"
	"strings"
)

// Severity grades a Finding.
type Severity string

const (
	// Error blocks: the command fails (exit 1) or the webhook denies.
	Error Severity = "error"
	// Warning flags something that works but may not do what the user intends.
	Warning Severity = "warning"
	// Rewrite means sidecarctl changed what the input says, on purpose and visibly.
	Rewrite Severity = "rewrite"
	// Info records a decision the output depends on.
	Info Severity = "info"
)

// Code is a stable snake_case reason code. Scripts, tests, metrics and Events match on codes,
// never on messages: add codes, never rename them.
type Code string

// Finding is one decision or problem, as data.
type Finding struct {
	Severity Severity `json:"severity"`
	Code     Code     `json:"reason"`
	// Object names what the finding is about, kubectl-style: "SidecarSet filebeat",
	// "Pod default/echo-server", "profile csi". Empty when the context says it.
	Object string `json:"object,omitempty"`
	// SidecarSet is the SidecarSet the finding is attributed to, when there is one.
	SidecarSet string `json:"sidecarSet,omitempty"`
	// Field is the field path in Object the finding points at (field.Path syntax).
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// String renders a finding as one report line: "severity code: object: field: message".
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(string(f.Severity))
	b.WriteByte(' ')
	b.WriteString(string(f.Code))
	b.WriteByte(':')
	for _, part := range []string{f.Object, f.Field} {
		if part != "" {
			b.WriteByte(' ')
			b.WriteString(part)
			b.WriteByte(':')
		}
	}
	b.WriteByte(' ')
	b.WriteString(f.Message)
	return b.String()
}

// HidesMistake reports the warnings that hide a user's mistake: an unknown field (a typo the
// API server drops or kubectl rejects), an unknown feature gate, a runtime no profile
// defines, a namespace/name reference no binding authorizes or a malformed one, two
// containers of a pod sharing a name (the API server rejects the pod), a binding subject
// naming a SidecarSet not in the state. --strict makes them errors.
func (c Code) HidesMistake() bool {
	switch c {
	case UnknownField, UnknownFeatureGate, RuntimeNotInProfiles, UnauthorizedReference, MalformedReference, ContainerNameConflict, UnknownBindingSubject:
		return true
	}
	return false
}

// IsRefusal reports whether c says Kruise refuses a pod or a SidecarSet.
func (c Code) IsRefusal() bool {
	d, ok := Lookup(c)
	return ok && d.Area == AreaRefusal
}

// Strict returns f as --strict grades it: a warning that hides a mistake becomes an error.
func (f Finding) Strict() Finding {
	if f.Severity == Warning && f.Code.HidesMistake() {
		f.Severity = Error
	}
	return f
}

// List is an ordered collection of findings.
type List []Finding

// Add appends a finding.
func (l *List) Add(f Finding) { *l = append(*l, f) }

// Errors returns the findings of severity Error.
func (l List) Errors() List {
	var out List
	for _, f := range l {
		if f.Severity == Error {
			out = append(out, f)
		}
	}
	return out
}

// HasErrors reports whether any finding is an Error.
func (l List) HasErrors() bool {
	for _, f := range l {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// SortByObject orders the findings by Object, keeping the order within an object.
func (l List) SortByObject() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Object < l[j].Object })
}
