package pipeline_test

import (
	"strings"
	"testing"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

const v1beta1SidecarSet = `
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: proxy
spec:
  customVersion: v2
  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
  selector: {matchLabels: {app: web}}
  initContainers:
  - name: mesh
    image: mesh:1
    restartPolicy: Always
    shareVolumeDevicePolicy: {type: enabled}
  containers:
  - name: proxy
    image: envoy:1.30
    resourcesPolicy:
      targetContainersMode: sum
      resourcesExpr: {limits: {cpu: "cpu*50%"}, requsts: {cpu: "1"}}
  updateStrategy: {type: NotUpdate}
`

// TestDecodeV1Beta1: a v1beta1 SidecarSet is read in its v1alpha1 conversion with its v1.9
// sidecar fields beside it (the CRD default of the regex applied, unknown fields inside them
// reported at their full path), and admitted only in 1.9 mode.
func TestDecodeV1Beta1(t *testing.T) {
	t.Parallel()
	in, err := pipeline.Decode(items(t, v1beta1SidecarSet))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Creations) != 1 {
		t.Fatalf("creations: %+v", in.Creations)
	}
	c := in.Creations[0]
	if c.APIVersion != kruisev1beta1.APIVersion {
		t.Errorf("APIVersion = %q", c.APIVersion)
	}
	if got := c.SidecarSet.Labels[kruisev1beta1.LabelCustomVersion]; got != "v2" {
		t.Errorf("custom version label = %q, want v2", got)
	}
	if rp := c.Fields.Get(false, "proxy").ResourcesPolicy; rp == nil || rp.TargetContainersNameRegex != ".*" || rp.ResourcesExpr.Limits.CPU != "cpu*50%" {
		t.Errorf("proxy's resourcesPolicy = %+v", rp)
	}
	if !c.Fields.Get(true, "mesh").DeviceShareEnabled() {
		t.Error("mesh's shareVolumeDevicePolicy is lost")
	}
	found := false
	for _, f := range in.Findings {
		if f.Code == finding.UnknownField && f.Field == "spec.containers[0].resourcesPolicy.resourcesExpr.requsts" {
			found = true
		}
	}
	if !found {
		t.Errorf("findings %v: want an unknown_field on spec.containers[0].resourcesPolicy.resourcesExpr.requsts", in.Findings)
	}

	if _, err := pipeline.Admit(in, pipeline.Options{}); err == nil || !strings.Contains(err.Error(), "--kruise-version 1.9") {
		t.Errorf("v1.8 admit: err = %v, want a hint at --kruise-version 1.9", err)
	}
	st, err := pipeline.Admit(in, pipeline.Options{Engine: sidecarset.Options{Version: sidecarset.KruiseV19}})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Created()) != 1 {
		t.Errorf("created: %+v", st.Created())
	}
}

// TestV19GateInOlderRelease: the v1.9 sort gate in another mode is a warning, as kruise-manager
// of that release does not have it.
func TestV19GateInOlderRelease(t *testing.T) {
	t.Parallel()
	gates := sidecarset.FeatureGates{sidecarset.GateSortSidecarContainersByName: true}
	for _, tc := range []struct {
		v    sidecarset.Version
		want bool
	}{{sidecarset.KruiseV18, true}, {sidecarset.KruiseV13, true}, {sidecarset.KruiseV19, false}} {
		st, err := pipeline.Admit(&pipeline.Input{}, pipeline.Options{Engine: sidecarset.Options{Version: tc.v, FeatureGates: gates}})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, f := range st.Findings() {
			got = got || (f.Code == finding.UnknownFeatureGate && strings.Contains(f.Message, "Kruise v"+string(tc.v)))
		}
		if got != tc.want {
			t.Errorf("%s: warned %v, want %v (%v)", tc.v, got, tc.want, st.Findings())
		}
	}
}
