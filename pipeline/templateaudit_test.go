package pipeline_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

const auditDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: %s}
spec:
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      containers: [{name: main, image: app:1}]
`

// TestAuditTemplate: a workload's template is audited as its pods would be, rows naming the
// workload and fields in it; lacking a sidecar Kruise injects at pod creation is info, a
// template rendered with inject that lags behind the SidecarSet is a warning.
func TestAuditTemplate(t *testing.T) {
	t.Parallel()
	v1 := auditState(t, sprintf(auditLogSet, "1"))
	v2 := auditState(t, sprintf(auditLogSet, "2"))
	deployment := func(name, app string, injectWith ...*pipeline.State) *unstructured.Unstructured {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(sprintf(auditDeployment, name, app, app)), &obj.Object); err != nil {
			t.Fatal(err)
		}
		for _, st := range injectWith {
			if _, err := st.InjectObject(obj, "default", sidecarset.Create); err != nil {
				t.Fatal(err)
			}
		}
		return obj
	}
	handWritten := deployment("web", "web")
	containers, _, _ := unstructured.NestedSlice(handWritten.Object, "spec", "template", "spec", "containers")
	containers = append(containers, map[string]any{"name": "agent", "image": "agent:hand"})
	if err := unstructured.SetNestedSlice(handWritten.Object, containers, "spec", "template", "spec", "containers"); err != nil {
		t.Fatal(err)
	}
	pod := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(sprintf(auditPod, "web-0", "web")), &pod.Object); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		obj  *unstructured.Unstructured
		ok   bool
		rows []string
	}{
		{"matches, not injected", deployment("web", "web"), true,
			[]string{"info audit_not_injected Deployment.apps default/web "}},
		{"rendered with inject, up to date", deployment("web", "web", v2), true, nil},
		{"rendered with an older revision", deployment("web", "web", v1), true,
			[]string{"warning audit_outdated Deployment.apps default/web spec.template.metadata.annotations[kruise.io/sidecarset-hash]"}},
		{"does not match", deployment("other", "other"), true, nil},
		{"a sidecar written by hand", handWritten, true,
			[]string{"warning audit_not_injected Deployment.apps default/web "}},
		{"a Pod is AuditPod's", pod, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, ok, err := v2.AuditTemplate(tc.obj, "default")
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.ok {
				t.Errorf("ok = %v, want %v", ok, tc.ok)
			}
			var got []string
			for _, r := range rows {
				got = append(got, string(r.Severity)+" "+string(r.Reason)+" "+r.Pod+" "+r.Field)
			}
			if diff := cmp.Diff(tc.rows, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}
