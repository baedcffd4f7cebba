package kruisev1beta1

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	in := obj(t, `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s}, spec: {
	  initContainers: [{name: native, restartPolicy: Always, resourcesPolicy: {targetContainersMode: max, resourcesExpr: {limits: {cpu: "cpu"}}}}],
	  containers: [{name: a}, {name: b, shareVolumeDevicePolicy: {type: enabled},
	    resourcesPolicy: {targetContainersMode: sum, targetContainersNameRegex: "", resourcesExpr: {}}}]}}`)
	rest, parts := Split(in)
	wantRest := obj(t, `{apiVersion: apps.kruise.io/v1alpha1, metadata: {name: s}, spec: {
	  initContainers: [{name: native, restartPolicy: Always}], containers: [{name: a}, {name: b}]}}`)
	if diff := cmp.Diff(wantRest, rest); diff != "" {
		t.Errorf("rest (-want +got):\n%s", diff)
	}
	if _, still := in["spec"].(map[string]any)["containers"].([]any)[1].(map[string]any)["resourcesPolicy"]; !still {
		t.Error("Split changed its input")
	}
	wantParts := []Part{
		{Init: true, Index: 0, Name: "native", Raw: obj(t, `{resourcesPolicy: {targetContainersMode: max, targetContainersNameRegex: ".*", resourcesExpr: {limits: {cpu: "cpu"}}}}`)},
		{Init: false, Index: 1, Name: "b", Raw: obj(t, `{shareVolumeDevicePolicy: {type: enabled}, resourcesPolicy: {targetContainersMode: sum, targetContainersNameRegex: "", resourcesExpr: {}}}`)},
	}
	if diff := cmp.Diff(wantParts, parts); diff != "" {
		t.Errorf("parts (-want +got):\n%s", diff)
	}
	f := &Fields{}
	for _, p := range parts {
		raw, _ := json.Marshal(p.Raw)
		var c ContainerFields
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		f.Set(p.Init, p.Name, c)
	}
	if got := f.Get(true, "native").ResourcesPolicy.TargetContainersNameRegex; got != ".*" {
		t.Errorf("defaulted regex = %q", got)
	}
	if !f.Get(false, "b").DeviceShareEnabled() || f.Get(false, "a").DeviceShareEnabled() {
		t.Error("DeviceShareEnabled")
	}
	cp := f.DeepCopy()
	cp.Get(true, "native").ResourcesPolicy.ResourcesExpr.Limits.CPU = "changed"
	if f.Get(true, "native").ResourcesPolicy.ResourcesExpr.Limits.CPU != "cpu" {
		t.Error("DeepCopy shares the policy")
	}
	var none *Fields
	if !none.Empty() || !none.Get(false, "x").IsZero() || none.DeepCopy() != nil {
		t.Error("nil Fields")
	}
}
