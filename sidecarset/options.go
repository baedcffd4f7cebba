package sidecarset

import (
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Operation is the admission operation of a pod request.
type Operation string

const (
	Create Operation = "CREATE"
	Update Operation = "UPDATE"
)

// Kruise feature gates the engine honours. Every other gate keeps Kruise's default and has no
// effect on SidecarSet injection.
const (
	GatePatchPodMetadataDefaultsAllowed = "SidecarSetPatchPodMetadataDefaultsAllowed"
)

// FeatureGates holds Kruise feature-gate overrides by Kruise's gate names.
type FeatureGates map[string]bool

// Enabled reports whether a gate is on; unknown gates are off, as all SidecarSet-related gates
// are off by default in Kruise v1.8.
func (g FeatureGates) Enabled(name string) bool { return g[name] }

// ParseFeatureGates parses "Name=true,Other=false".
func ParseFeatureGates(s string) (FeatureGates, error) {
	gates := FeatureGates{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("feature gate %q: want Name=true|false", part)
		}
		switch strings.ToLower(strings.TrimSpace(val)) {
		case "true":
			gates[strings.TrimSpace(name)] = true
		case "false":
			gates[strings.TrimSpace(name)] = false
		default:
			return nil, fmt.Errorf("feature gate %q: value must be true or false", part)
		}
	}
	return gates, nil
}

// String renders the gates sorted by name, for reports.
func (g FeatureGates) String() string {
	names := make([]string, 0, len(g))
	for n := range g {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s=%t", n, g[n])
	}
	return strings.Join(parts, ",")
}

// Options configure the engine. The zero value is Kruise v1.8 on CREATE with default gates.
type Options struct {
	// Version selects the Kruise behaviour to reproduce.
	Version Version
	// FeatureGates are Kruise feature-gate overrides.
	FeatureGates FeatureGates
	// AllowPrivileged mirrors kruise-manager's --allow-privileged flag (default true). Use
	// DisallowPrivileged to turn it off, so the zero value keeps Kruise's default.
	DisallowPrivileged bool
	// Now is the injection time written into the hash annotations. Zero means time.Now.
	Now metav1.Time
	// Random returns a number in [0,1) for the Partial revision policy's percentage draw
	// (Kruise draws at random too). Nil means math/rand/v2.
	Random func() float64
	// SkipDefaulting stores SidecarSets as given, the way a cluster without Kruise's
	// SidecarSet mutating webhook would (hashes stay empty).
	SkipDefaulting bool
	// SkipValidation stores SidecarSets without running the validating webhook.
	SkipValidation bool
	// RecordRevisions does what the SidecarSet controller does first after a SidecarSet is
	// stored: record a ControllerRevision and set status.latestRevision.
	RecordRevisions bool
	// KruiseExact reproduces Kruise where it loses or moves a user's field: SidecarSet fields
	// newer than its Kubernetes types are dropped from the pods it injects, and the pod's own
	// such fields are lost or moved as its patch does (sidecarset/BEHAVIOUR.md §7). Without it
	// sidecarctl keeps those fields where the user wrote them and reports what Kruise would do;
	// either way the hashes are Kruise's.
	KruiseExact bool
}

func (o Options) version() Version {
	if o.Version == "" {
		return KruiseV18
	}
	return o.Version
}

func (o Options) now() metav1.Time {
	if o.Now.IsZero() {
		return metav1.NewTime(time.Now().UTC().Truncate(time.Second))
	}
	return o.Now
}
