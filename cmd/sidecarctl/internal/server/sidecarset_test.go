package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// unknownEverywhere is a SidecarSet with a field its Go types do not know at every level:
// top level, metadata, spec, a newer Kruise's sidecar field (resourcesPolicy), a newer
// Kubernetes container field (lifecycle.stopSignal), inside a volume, an init container, and
// a number too big for float64.
const unknownEverywhere = `{"apiVersion":"apps.kruise.io/v1alpha1","kind":"SidecarSet","futureTop":{"a":1},
"metadata":{"name":"logs","futureMeta":"x"},
"spec":{"futureSpec":[1,2,3],"selector":{"matchLabels":{"app":"web"}},
"containers":[{"name":"agent","image":"agent:1","resourcesPolicy":{"targetContainerMode":"sum"},
  "lifecycle":{"stopSignal":"SIGUSR1","preStop":{"exec":{"command":["sh"]},"futureHandler":true}},"futureContainer":12345678901234567890}],
"initContainers":[{"name":"init","image":"init:1","futureInit":{"b":[{"c":"d"}]}}],
"volumes":[{"name":"data","emptyDir":{},"futureVolume":"y"}]}}`

// TestSidecarSetDefaulterIsLossless: the defaulting webhook adds Kruise's defaults and hash
// annotations and never removes or rewrites a field it does not own.
func TestSidecarSetDefaulterIsLossless(t *testing.T) {
	raw := []byte(unknownEverywhere)
	h := &SidecarSetDefaulter{Version: sidecarset.KruiseV18}
	resp := h.Handle(context.Background(), admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: "1", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw},
		Resource: metav1.GroupVersionResource{Group: "apps.kruise.io", Version: "v1alpha1", Resource: "sidecarsets"}}})
	if !resp.Allowed {
		t.Fatalf("denied: %v", resp.Result)
	}
	for _, op := range resp.Patches {
		if op.Operation == "remove" {
			t.Errorf("patch removes %s", op.Path)
		}
		if strings.Contains(op.Path, "future") || strings.Contains(op.Path, "stopSignal") || strings.Contains(op.Path, "resourcesPolicy") {
			t.Errorf("patch touches a field it does not own: %s %s", op.Operation, op.Path)
		}
	}
	got := string(applyResponse(t, raw, resp))
	for _, want := range []string{`"futureTop":{"a":1}`, `"futureMeta":"x"`, `"futureSpec":[1,2,3]`,
		`"resourcesPolicy":{"targetContainerMode":"sum"}`, `"stopSignal":"SIGUSR1"`, `"futureHandler":true`,
		`"futureContainer":12345678901234567890`, `"futureInit":{"b":[{"c":"d"}]}`, `"futureVolume":"y"`} {
		if !strings.Contains(got, want) {
			t.Errorf("defaulted SidecarSet lost %s:\n%s", want, got)
		}
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(got), &out); err != nil {
		t.Fatal(err)
	}
	md := out["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	if ann[sidecarset.AnnotationHash] == nil || ann[sidecarset.AnnotationHashWithoutImage] == nil {
		t.Errorf("no hash annotations: %v", md)
	}
	spec := out["spec"].(map[string]any)
	agent := spec["containers"].([]any)[0].(map[string]any)
	if agent["podInjectPolicy"] != "BeforeAppContainer" || agent["imagePullPolicy"] == nil {
		t.Errorf("the container was not defaulted: %v", agent)
	}
}
