package translate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sidecarctl/sidecarctl/platform"
)

// TestForStampedWorkloads: after stamping, the selection labels say which workloads got
// profiles, and their platform is the one the profiles were compiled for.
func TestForStampedWorkloads(t *testing.T) {
	t.Parallel()
	stamped := parseObject(t, `apiVersion: agents.kruise.io/v1alpha1
kind: SandboxSet
metadata: {name: s}
spec:
  template:
    metadata:
      labels: {alibabacloud.com/acs: "true", runtime.sidecarctl.dev/csi: "true", runtime.sidecarctl.dev/agent-runtime: "true", runtime.sidecarctl.dev/off: "false"}
`)
	plainECI := parseObject(t, `apiVersion: v1
kind: Pod
metadata: {name: p, labels: {alibabacloud.com/eci: "true"}}
`)
	got, err := StampedProfiles(stamped)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"agent-runtime", "csi"}, got); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	if got, _ := StampedProfiles(plainECI); len(got) != 0 {
		t.Errorf("a pod without selection labels got profiles %v", got)
	}
	// The ECI pod got no profile, so it does not count: no disagreement, ACS wins.
	o, err := Options{}.ForStampedWorkloads(stamped, plainECI)
	if err != nil {
		t.Fatal(err)
	}
	if o.Platform != platform.ACS {
		t.Errorf("platform %q, want %q", o.Platform, platform.ACS)
	}
}
