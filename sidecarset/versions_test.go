package sidecarset

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// wantBehaviour is the release table of sidecarset/BEHAVIOUR.md §5.14, written out by hand:
// for each bool row of behaviourOf, one character per emulated release, oldest first (1.3,
// 1.4, 1.5.0, 1.5.1, 1.6, 1.7.0, 1.7.1, 1.8, 1.9): '+' true, '-' false. A new release adds a
// column to every row.
var wantBehaviour = map[string]string{
	"NamespaceIndex":                      "-----++++",
	"NamespaceSelector":                   "-++++++++",
	"PartialRevisionPolicy":               "-------++",
	"RevisionReplacesSpec":                "---++++++",
	"InitContainersShareVolumes":          "--+++++++",
	"NativeSidecars":                      "-----++++",
	"SidecarListHasInitContainers":        "-----++++",
	"SidecarListOnlyNativeInitContainers": "------+++",
	"HashEntryForEveryMatchedSet":         "+--------",
	"HashEntryForInitOnlySet":             "+--++++++",
	"MergesInjectedList":                  "-++++++++",
	"IsInjectedAnyEntry":                  "-++++++++",
	"RecordsEveryHotUpgradeSidecar":       "-++++++++",
	"PlacesInitContainers":                "-----++++",
	"EmptyInjectPolicyAfter":              "-----++++",
	"DefaultsInitContainerPolicies":       "-----++++",
	"ProjectedServiceAccountTokens":       "--+++++++",
	"RefusesPartitionWithSelector":        "-------++",
	"PriorityStrategy":                    "--+++++++",
	"ValidationStopsBeforeConflicts":      "-----++++",
	"InitHandlersForbidden":               "----+++++",
	"JobSidecarTerminator":                "-++++++++",
	"VirtualNodeFeatures":                 "+--------",
	"PositionalPodPatch":                  "--+++++++",
	"StoresV1Beta1":                       "--------+",
	"ContainerFields":                     "--------+",
	"DeviceVolumes":                       "--------+",
	"SortContainersGate":                  "--------+",
	"SleepHookGrace":                      "--------+",
	"LegacyVolumeDefaults":                "++++++++-",
}

// wantKubernetes is the Kubernetes types row (kubernetesTypesOf), in the same columns.
var wantKubernetes = []int{22, 22, 24, 24, 26, 28, 28, 30, 32}

// TestBehaviourTable: every row of behaviourOf has the values the release notes give, at
// every release boundary; every row changes somewhere, and every boundary changes some row
// (a release that behaves as its predecessor is not worth a mode).
func TestBehaviourTable(t *testing.T) {
	rels := Releases()
	if len(rels) != len(wantKubernetes) {
		t.Fatalf("releases %v: the expected table has %d columns", rels, len(wantKubernetes))
	}
	rows := make([]reflect.Value, len(rels))
	for i, v := range rels {
		rows[i] = reflect.ValueOf(behaviourOf(v))
	}
	typ := rows[0].Type()
	boundaryChanges := make([]int, len(rels))
	for f := 0; f < typ.NumField(); f++ {
		name := typ.Field(f).Name
		var got strings.Builder
		for i := range rels {
			switch val := rows[i].Field(f).Interface().(type) {
			case bool:
				got.WriteByte("-+"[btoi(val)])
			case int:
				if name != "KubernetesTypes" || val != wantKubernetes[i] {
					t.Errorf("%s in %s is %d, want %d", name, rels[i], val, wantKubernetes[i])
				}
			default:
				t.Fatalf("row %s has type %T: the README table renders only bool and int rows", name, val)
			}
			if i > 0 && rows[i].Field(f).Interface() != rows[i-1].Field(f).Interface() {
				boundaryChanges[i]++
			}
		}
		if want, ok := wantBehaviour[name]; ok {
			if got.String() != want {
				t.Errorf("%s: got %s, want %s (columns %v)", name, got.String(), want, rels)
			}
		} else if name != "KubernetesTypes" {
			t.Errorf("row %s is missing from wantBehaviour", name)
		}
		if first := rows[0].Field(f).Interface(); allEqual(rows, f, first) {
			t.Errorf("row %s is %v in every release: not a difference", name, first)
		}
	}
	for i := 1; i < len(rels); i++ {
		if boundaryChanges[i] == 0 {
			t.Errorf("%s behaves exactly as %s", rels[i], rels[i-1])
		}
	}
	if behaviourOf("") != behaviourOf(KruiseV18) || (Options{}).behaviour() != behaviourOf(KruiseV18) {
		t.Error("the zero Version does not behave as v1.8")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func allEqual(rows []reflect.Value, f int, v any) bool {
	for _, r := range rows {
		if r.Field(f).Interface() != v {
			return false
		}
	}
	return true
}

// TestParseVersion: a minor release is its last patch's behaviour, a tag the release whose code
// it runs, and anything else is refused with the list of releases.
func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Version
		err  bool
	}{
		{in: "", want: KruiseV18},
		{in: "1.8", want: KruiseV18},
		{in: "v1.8.4", want: KruiseV18},
		{in: "1.8.0", want: KruiseV18},
		{in: "1.3", want: KruiseV13},
		{in: "v1.3.0", want: KruiseV13},
		{in: "1.4", want: KruiseV14},
		{in: "1.4.2", want: KruiseV14},
		{in: "1.5", want: KruiseV151},
		{in: "1.5.0", want: KruiseV150},
		{in: "v1.5.1", want: KruiseV151},
		{in: "1.5.5", want: KruiseV151},
		{in: "1.6", want: KruiseV16},
		{in: "1.6.0", want: KruiseV16},
		{in: "1.7", want: KruiseV171},
		{in: "1.7.0", want: KruiseV170},
		{in: "1.7.1", want: KruiseV171},
		{in: "v1.7.4", want: KruiseV171},
		{in: "1.7.5", want: KruiseV18}, // the tag is on the 1.8 line
		{in: " v1.6.4 ", want: KruiseV16},
		{in: "1.2", err: true},
		{in: "1.10", err: true},
		{in: "2.0", err: true},
		{in: "1", err: true},
		{in: "1.5.x", err: true},
		{in: "1.05", err: true},
		{in: "latest", err: true},
	} {
		got, err := ParseVersion(tc.in)
		switch {
		case tc.err && err == nil:
			t.Errorf("ParseVersion(%q) = %q, want an error", tc.in, got)
		case tc.err && !strings.Contains(err.Error(), "1.3, 1.4, 1.5.0, 1.5.1, 1.6, 1.7.0, 1.7.1, 1.8"):
			t.Errorf("ParseVersion(%q): %v does not list the releases", tc.in, err)
		case !tc.err && (err != nil || got != tc.want):
			t.Errorf("ParseVersion(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestVersionNames: every release parses as itself, names itself in messages and says which
// tags it stands for.
func TestVersionNames(t *testing.T) {
	for _, v := range Releases() {
		if got, err := ParseVersion(string(v)); err != nil || got != v {
			t.Errorf("ParseVersion(%q) = %q, %v", v, got, err)
		}
		if got := v.kruise(); got != "Kruise v"+string(v) {
			t.Errorf("%q names itself %q", v, got)
		}
		if v.Tags() == "" || !strings.HasPrefix(v.Tags(), "v"+string(v)) {
			t.Errorf("%q stands for tags %q", v, v.Tags())
		}
	}
	if got := Version("").kruise(); got != "Kruise v1.8" {
		t.Errorf("the zero Version names itself %q", got)
	}
}

// TestNewerFieldsPerRelease: a pod with one field of each Kubernetes release from 1.23 to 1.31
// shows each emulated release the fields newer than its types (newerfields.go), no others.
func TestNewerFieldsPerRelease(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	spec := corev1.PodSpec{
		OS:                        &corev1.PodOS{Name: corev1.Linux},                                      // 1.23
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{MinDomains: ptrTo[int32](2)}},       // 1.24
		HostUsers:                 ptrTo(false),                                                           // 1.25
		SchedulingGates:           []corev1.PodSchedulingGate{{Name: "wait"}},                             // 1.26
		SecurityContext:           &corev1.PodSecurityContext{AppArmorProfile: &corev1.AppArmorProfile{}}, // 1.30
		InitContainers:            []corev1.Container{{Name: "native", RestartPolicy: &always}},           // 1.28
		Containers: []corev1.Container{{
			Name:         "app",
			ResizePolicy: []corev1.ContainerResizePolicy{{ResourceName: corev1.ResourceCPU}},                 // 1.27
			Lifecycle:    &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{}}}, // 1.29
		}},
		Volumes: []corev1.Volume{{Name: "img", VolumeSource: corev1.VolumeSource{Image: &corev1.ImageVolumeSource{}}}}, // 1.31
	}
	for _, tc := range []struct {
		v    Version
		want string
	}{
		{KruiseV13, "1.23 1.24 1.25 1.26 1.27 1.28 1.29 1.30 1.31"},
		{KruiseV14, "1.23 1.24 1.25 1.26 1.27 1.28 1.29 1.30 1.31"},
		{KruiseV150, "1.25 1.26 1.27 1.28 1.29 1.30 1.31"},
		{KruiseV151, "1.25 1.26 1.27 1.28 1.29 1.30 1.31"},
		{KruiseV16, "1.27 1.28 1.29 1.30 1.31"},
		{KruiseV170, "1.29 1.30 1.31"},
		{KruiseV171, "1.29 1.30 1.31"},
		{KruiseV18, "1.31"},
	} {
		found := map[string]bool{}
		for _, f := range PodFieldsNewerThan(tc.v, spec.DeepCopy(), field.NewPath("spec"), false) {
			found[f.Since] = true
		}
		var got []string
		for since := range found {
			got = append(got, since)
		}
		sort.Strings(got)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s sees fields of Kubernetes %v, want %s", tc.v, got, tc.want)
		}
	}
}
