package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// sizedSidecarSet has a Kruise v1.9 resourcesPolicy (with the CRD default the API server
// adds) on its sidecar; regex is its targetContainersNameRegex.
func sizedSidecarSet(regex string) []byte {
	return []byte(`{"apiVersion":"apps.kruise.io/v1alpha1","kind":"SidecarSet","metadata":{"name":"sized"},
"spec":{"selector":{"matchLabels":{"app":"web"}},"containers":[{"name":"agent","image":"agent:1",
"resourcesPolicy":{"targetContainersMode":"sum","targetContainersNameRegex":"` + regex + `",
"resourcesExpr":{"limits":{"cpu":"max(cpu*50%, 50m)"}}}}]}}`)
}

func sidecarSetRequest(raw []byte) admission.Request {
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: "1", Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw},
		Resource: metav1.GroupVersionResource{Group: "apps.kruise.io", Version: "v1alpha1", Resource: "sidecarsets"}}}
}

// TestSidecarSetWebhooksReadV19Fields: in 1.9 mode the defaulting webhook hashes the sidecar's
// resourcesPolicy, as Kruise v1.9 does (a v1.8 hash without it would make every pod look
// outdated), and the validating webhook applies its rules; v1.8 hashes without it.
func TestSidecarSetWebhooksReadV19Fields(t *testing.T) {
	// defaulted is the SidecarSet as the defaulting webhook leaves it, what the validating
	// webhook then sees in a cluster.
	defaulted := func(v sidecarset.Version, raw []byte) []byte {
		t.Helper()
		resp := (&SidecarSetDefaulter{Version: v}).Handle(context.Background(), sidecarSetRequest(raw))
		if !resp.Allowed {
			t.Fatalf("%s: denied: %v", v, resp.Result)
		}
		out := applyResponse(t, raw, resp)
		if !strings.Contains(string(out), `"resourcesPolicy"`) {
			t.Fatalf("%s: the defaulted SidecarSet lost resourcesPolicy", v)
		}
		return out
	}
	hashOf := func(v sidecarset.Version, raw []byte) string {
		t.Helper()
		var ss appsv1alpha1.SidecarSet
		if err := json.Unmarshal(defaulted(v, raw), &ss); err != nil {
			t.Fatal(err)
		}
		return ss.Annotations[sidecarset.AnnotationHash]
	}
	// The same SidecarSet with another expression: the 1.9 hash changes, the 1.8 one not.
	other := []byte(strings.Replace(string(sizedSidecarSet(".*")), "cpu*50%", "cpu*40%", 1))
	if a, b := hashOf(sidecarset.KruiseV19, sizedSidecarSet(".*")), hashOf(sidecarset.KruiseV19, other); a == "" || a == b {
		t.Errorf("1.9 hashes %q and %q: want resourcesPolicy to count", a, b)
	}
	if a, b := hashOf(sidecarset.KruiseV18, sizedSidecarSet(".*")), hashOf(sidecarset.KruiseV18, other); a != b {
		t.Errorf("1.8 hashes %q and %q: want resourcesPolicy not to count (Kruise v1.8 drops it)", a, b)
	}

	st, err := pipeline.Admit(&pipeline.Input{}, pipeline.Options{Engine: sidecarset.Options{Version: sidecarset.KruiseV19}})
	if err != nil {
		t.Fatal(err)
	}
	h := &SidecarSetValidator{Snapshot: NewStaticSnapshot(&View{State: st})}
	if resp := h.Handle(context.Background(), sidecarSetRequest(defaulted(sidecarset.KruiseV19, sizedSidecarSet(".*")))); !resp.Allowed {
		t.Errorf("a valid resourcesPolicy denied: %v", resp.Result)
	}
	resp := h.Handle(context.Background(), sidecarSetRequest(defaulted(sidecarset.KruiseV19, sizedSidecarSet(""))))
	if resp.Allowed || !strings.Contains(resp.Result.Message, "targetContainersNameRegex") {
		t.Errorf("an empty targetContainersNameRegex: allowed=%v %v, want a denial naming the field", resp.Allowed, resp.Result)
	}
}
