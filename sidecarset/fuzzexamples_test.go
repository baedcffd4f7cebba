package sidecarset_test

import (
	"encoding/json"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// fuzzDefault is what the default mode (without Options.KruiseExact) must do with a fuzz
// example where it reports more than Kruise or keeps what Kruise loses.
type fuzzDefault struct {
	// keep is an RFC 6902 patch turning Kruise's pod into the default mode's: the user's fields
	// Kruise loses or moves stay where the user wrote them (empty: Kruise's pod exactly).
	keep string
	// code is the finding the default mode reports (in the state's findings or the
	// injection's), on field; its message names the Kruise release.
	code  finding.Code
	field string
}

// fuzzDefaults lists, by example name, the examples whose default run differs from a plain
// exact match (sidecarset/BEHAVIOUR.md §7 for the kept fields, §4.8 for the warned overlaps).
var fuzzDefaults = map[string]fuzzDefault{
	"v1.3/v13-strips-newer-pod-fields": {keep: `[{"op": "add", "path": "/spec/containers/1/lifecycle/stopSignal", "value": "SIGTERM"}]`,
		code: finding.PodFieldDropped, field: "spec.containers[1].lifecycle.stopSignal"},
	"v1.8/patch-shift-field-lost": {keep: `[{"op": "add", "path": "/spec/containers/1/lifecycle/stopSignal", "value": "SIGTERM"}]`,
		code: finding.PodFieldDropped, field: "spec.containers[1].lifecycle.stopSignal"},
	"v1.8/patch-shift-field-transplanted": {keep: `[{"op": "remove", "path": "/spec/containers/1/lifecycle/stopSignal"},
		{"op": "add", "path": "/spec/containers/2/lifecycle/stopSignal", "value": "SIGTERM"}]`,
		code: finding.PodFieldMoved, field: "spec.containers[2].lifecycle.stopSignal"},
	"v1.3/sidecar-newer-field-dropped": {keep: `[{"op": "add", "path": "/spec/initContainers/0/securityContext/appArmorProfile", "value": {"type": ""}}]`,
		code: finding.SidecarFieldDropped, field: "spec.initContainers[0].securityContext.appArmorProfile"},
	"v1.8/sidecar-newer-field-dropped": {keep: `[{"op": "add", "path": "/spec/containers/0/lifecycle/stopSignal", "value": "SIGTERM"}]`,
		code: finding.SidecarFieldDropped, field: "spec.containers[0].lifecycle.stopSignal"},
	"v1.3/selector-exists-overlap": {code: finding.SidecarSetConflictAccepted, field: "spec.volumes"},
	"v1.8/selector-exists-overlap": {code: finding.SidecarSetConflictAccepted, field: "spec.volumes"},
	"v1.8/namespace-overlap-quirk": {code: finding.SidecarSetConflictAccepted, field: "spec.containers"},
	"v1.9/patch-shift-field-lost": {keep: `[{"op": "add", "path": "/spec/containers/1/lifecycle/stopSignal", "value": "SIGTERM"}]`,
		code: finding.PodFieldDropped, field: "spec.containers[1].lifecycle.stopSignal"},
	"v1.9/patch-shift-field-transplanted": {keep: `[{"op": "remove", "path": "/spec/containers/1/lifecycle/stopSignal"},
		{"op": "add", "path": "/spec/containers/2/lifecycle/stopSignal", "value": "SIGTERM"}]`,
		code: finding.PodFieldMoved, field: "spec.containers[2].lifecycle.stopSignal"},
	"v1.9/sidecar-newer-field-dropped": {keep: `[{"op": "add", "path": "/spec/containers/0/lifecycle/stopSignal", "value": "SIGTERM"}]`,
		code: finding.SidecarFieldDropped, field: "spec.containers[0].lifecycle.stopSignal"},
	"v1.9/selector-exists-overlap": {code: finding.SidecarSetConflictAccepted, field: "spec.volumes"},
}

// TestFuzzExamples runs the minimised generated cases on which sidecarctl once decided
// differently from Kruise (sidecarsettest.FuzzExamples) through the engine in the Kruise
// version that produced each output. With KruiseExact every one is Kruise's outcome exactly;
// without it, the same, except what fuzzDefaults says.
func TestFuzzExamples(t *testing.T) {
	t.Parallel()
	cases, err := sidecarsettest.FuzzExamples()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no fuzz examples embedded")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			opts := caseOptions(t, c)
			t.Run("kruise-exact", func(t *testing.T) {
				exact := opts
				exact.KruiseExact = true
				_, res, err := runCaseWith(t, c, exact)
				assertKruise(t, c, podJSON(t, res, err), err)
			})
			t.Run("default", func(t *testing.T) {
				st, res, err := runCaseWith(t, c, opts)
				want, ok := fuzzDefaults[c.Name]
				if !ok {
					assertKruise(t, c, podJSON(t, res, err), err)
					return
				}
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				kept := c.Expected
				if want.keep != "" {
					patch, perr := jsonpatch.DecodePatch([]byte(want.keep))
					if perr != nil {
						t.Fatal(perr)
					}
					if kept, perr = patch.Apply(c.Expected); perr != nil {
						t.Fatal(perr)
					}
				}
				diff, derr := sidecarsettest.Diff(kept, podJSON(t, res, nil), sidecarsettest.CompareOptions{StrictTime: true})
				if derr != nil {
					t.Fatal(derr)
				}
				if diff != "" {
					t.Errorf("default pod: Kruise's with the user's fields kept (-want +got):\n%s", diff)
				}
				all := append(append(finding.List(nil), st.Findings()...), res.Findings...)
				for _, f := range all {
					if f.Code == want.code && f.Field == want.field && f.Severity == finding.Warning &&
						strings.Contains(f.Message, "Kruise v"+c.Kruise) {
						return
					}
				}
				t.Errorf("findings %v: want a %s warning on %s naming Kruise v%s", all, want.code, want.field, c.Kruise)
			})
		})
	}
}

func podJSON(t *testing.T, res *sidecarset.Result, err error) []byte {
	t.Helper()
	if err != nil || res == nil {
		return nil
	}
	raw, merr := json.Marshal(res.Pod)
	if merr != nil {
		t.Fatal(merr)
	}
	return raw
}
