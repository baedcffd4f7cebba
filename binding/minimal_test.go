package binding_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/sidecarctl/sidecarctl/binding"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// TestMinimal compares Minimal's output for testdata/minimal/<case>/
// sidecarsets.yaml with bindings.golden.yaml there, and checks that the
// generated bindings are valid and authorize every well-formed reference.
func TestMinimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir          string
		wantBindings int
	}{
		{dir: "seed", wantBindings: 1},
		{dir: "several", wantBindings: 3},
		{dir: "duplicate-names", wantBindings: 1},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("testdata", "minimal", tc.dir)
			sets := readSidecarSets(t, filepath.Join(dir, "sidecarsets.yaml"))
			got := binding.Minimal(sets)
			golden.Assert(t, filepath.Join(dir, "bindings.golden.yaml"), marshalDocs(t, got))

			if len(got) != tc.wantBindings {
				t.Errorf("Minimal returned %d bindings, want %d", len(got), tc.wantBindings)
			}
			for i := range got {
				if errs := binding.ValidateBinding(&got[i]); len(errs) > 0 {
					t.Errorf("generated binding %s/%s is invalid: %v", got[i].Namespace, got[i].Name, errs.ToAggregate())
				}
				if n := len(got[i].Spec.Subjects); n != 1 {
					t.Errorf("generated binding %s/%s has %d subjects, want 1 (least privilege)", got[i].Namespace, got[i].Name, n)
				}
			}
			for _, ss := range sets {
				for _, f := range binding.Check(ss, got) {
					if f.Code == finding.UnauthorizedReference {
						t.Errorf("Minimal's bindings leave a reference unauthorized: %s", f.Message)
					}
				}
			}
		})
	}
}

func TestMinimalNothingNeeded(t *testing.T) {
	t.Parallel()
	local := &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{
		Volumes: []corev1.Volume{cmVolume("config", "filebeat-config"), secretVolume("bad", "a/b/c")},
	}}
	local.Name = "local"
	tests := []struct {
		name string
		sets []*appsv1alpha1.SidecarSet
	}{
		{name: "no SidecarSets", sets: nil},
		{name: "nil SidecarSet", sets: []*appsv1alpha1.SidecarSet{nil}},
		{name: "local and malformed references only", sets: []*appsv1alpha1.SidecarSet{local}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := binding.Minimal(tc.sets); got != nil {
				t.Errorf("Minimal = %v, want nil", got)
			}
		})
	}
}

// TestMinimalIsDeterministic feeds the same SidecarSets in both orders:
// map iteration inside Minimal must not leak into its output.
func TestMinimalIsDeterministic(t *testing.T) {
	t.Parallel()
	sets := readSidecarSets(t, "testdata/minimal/several/sidecarsets.yaml")
	want := binding.Minimal(sets)
	for i := 0; i < 20; i++ {
		reversed := []*appsv1alpha1.SidecarSet{sets[1], sets[0]}
		if diff := cmp.Diff(want, binding.Minimal(reversed)); diff != "" {
			t.Fatalf("Minimal depends on input order (-want +got):\n%s", diff)
		}
	}
}

func TestBindingName(t *testing.T) {
	t.Parallel()
	// 253 characters, valid SidecarSet names; with the prefix they need cutting.
	long := strings.Repeat("a", 240) + "." + strings.Repeat("b", 12)
	sibling := strings.Repeat("a", 240) + "." + strings.Repeat("c", 12) // same text up to the cut
	// The cut falls right after the dot, which must not end the name.
	dotAtCut := strings.Repeat("a", 230) + "." + strings.Repeat("b", 22)
	tests := []struct {
		name    string
		in      string
		want    string // prefix of the result; empty means "check the properties only"
		wantLen int
	}{
		{name: "short", in: "filebeat-sidecarset", want: "sidecarctl-filebeat-sidecarset", wantLen: 30},
		{name: "fits exactly", in: strings.Repeat("x", 242), want: "sidecarctl-" + strings.Repeat("x", 242), wantLen: 253},
		{name: "too long", in: long, wantLen: 253},
		{name: "too long, differs after the cut", in: sibling, wantLen: 253},
		{name: "cut after a dot", in: dotAtCut, want: "sidecarctl-" + strings.Repeat("a", 230) + "-", wantLen: 252},
	}
	seen := map[string]string{}
	for _, tc := range tests {
		got := binding.BindingName(tc.in)
		if tc.want != "" && !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: BindingName = %q, want it to start with %q", tc.name, got, tc.want)
		}
		if len(got) != tc.wantLen {
			t.Errorf("%s: len(BindingName) = %d, want %d", tc.name, len(got), tc.wantLen)
		}
		if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
			t.Errorf("%s: BindingName %q is not a valid object name: %v", tc.name, got, errs)
		}
		if got != binding.BindingName(tc.in) {
			t.Errorf("%s: BindingName is not stable", tc.name)
		}
		if prev, ok := seen[got]; ok {
			t.Errorf("%s: BindingName %q collides with the one for %q", tc.name, got, prev)
		}
		seen[got] = tc.in
	}
}
