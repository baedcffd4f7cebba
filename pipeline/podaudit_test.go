package pipeline_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

const auditLogSet = `
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata: {name: log}
spec:
  selector: {matchLabels: {app: web}}
  containers:
  - name: agent
    image: agent:%s
`

const auditMeshSet = `
apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata: {name: mesh}
spec:
  selector: {matchLabels: {app: mesh}}
  containers:
  - name: proxy
    image: proxy:1
    volumeMounts: [{name: cfg, mountPath: /etc/proxy}]
  volumes:
  - name: cfg
    configMap: {name: infra/mesh-config}
`

const auditPod = `
apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: default, labels: {app: %s}}
spec:
  containers: [{name: main, image: app:1}]
`

func auditState(t *testing.T, docs ...string) *pipeline.State {
	t.Helper()
	var items []pipeline.Item
	for _, d := range docs {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(d), &obj.Object); err != nil {
			t.Fatal(err)
		}
		items = append(items, pipeline.Item{Object: obj, Source: obj.GetName()})
	}
	in, err := pipeline.Decode(items)
	if err != nil {
		t.Fatal(err)
	}
	st, err := pipeline.Admit(in, pipeline.Options{Engine: sidecarset.Options{}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func plainPod(t *testing.T, name, app string) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{}
	if err := yaml.Unmarshal([]byte(sprintf(auditPod, name, app)), pod); err != nil {
		t.Fatal(err)
	}
	return pod
}

func injectedPod(t *testing.T, st *pipeline.State, name, app string) *corev1.Pod {
	t.Helper()
	res, err := st.InjectPod(plainPod(t, name, app), sidecarset.Request{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	return res.Pod
}

func ready(pod *corev1.Pod) *corev1.Pod {
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	return pod
}

// TestAudit: pods injected by an older version of the SidecarSet, created before it, edited
// or stripped by hand, and a SidecarSet whose reference no binding allows, give one row each
// and Kruise's counts.
func TestAudit(t *testing.T) {
	t.Parallel()
	v1 := auditState(t, sprintf(auditLogSet, "1"))
	v2 := auditState(t, sprintf(auditLogSet, "2"), auditMeshSet)
	edited := injectedPod(t, v2, "edited", "web")
	edited.Spec.Containers[0].Image = "agent:hand"
	removed := injectedPod(t, v2, "removed", "web")
	removed.Spec.Containers = removed.Spec.Containers[1:]
	tests := []struct {
		name   string
		pods   []*corev1.Pod
		rows   []string
		counts pipeline.AuditCounts
	}{
		{"clean", []*corev1.Pod{ready(injectedPod(t, v2, "fresh", "web")), plainPod(t, "other", "other")},
			nil, pipeline.AuditCounts{SidecarSet: "log", Matched: 1, Updated: 1, UpdatedReady: 1}},
		{"older revision", []*corev1.Pod{ready(injectedPod(t, v1, "old", "web"))},
			[]string{"log default/old audit_outdated"}, pipeline.AuditCounts{SidecarSet: "log", Matched: 1}},
		{"created before", []*corev1.Pod{plainPod(t, "before", "web")},
			[]string{"log default/before audit_not_injected"}, pipeline.AuditCounts{SidecarSet: "log", Missing: 1}},
		{"edited", []*corev1.Pod{edited, injectedPod(t, v2, "unready", "web")},
			[]string{"log default/edited audit_sidecar_edited"}, pipeline.AuditCounts{SidecarSet: "log", Matched: 2, Updated: 2, Edited: 1}},
		{"removed", []*corev1.Pod{removed},
			[]string{"log default/removed audit_sidecar_removed"}, pipeline.AuditCounts{SidecarSet: "log", Matched: 1, Updated: 1, Edited: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := v2.Audit(tc.pods, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]string{}, tc.rows...)
			// mesh's reference to infra/mesh-config: no binding in any case.
			want = append(want, "mesh  audit_unauthorized_reference")
			var got []string
			for _, r := range rep.Rows {
				got = append(got, r.SidecarSet+" "+r.Pod+" "+string(r.Reason))
				if r.Severity != finding.Warning {
					t.Errorf("%s: severity %s", r.Reason, r.Severity)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.counts, rep.Counts[0]); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAuditMissingVolumeSource: injected ConfigMap volumes are looked up, namespace/name
// references in their namespace.
func TestAuditMissingVolumeSource(t *testing.T) {
	t.Parallel()
	st := auditState(t, sprintf(auditLogSet, "1"), auditMeshSet)
	pod := injectedPod(t, st, "m", "mesh")
	var asked []pipeline.VolumeSource
	rep, err := st.Audit([]*corev1.Pod{pod}, func(v pipeline.VolumeSource) (bool, error) {
		asked = append(asked, v)
		return false, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []pipeline.VolumeSource{{SidecarSet: "mesh", Pod: "default/m", Volume: "cfg", Kind: "ConfigMap", Namespace: "infra", Name: "mesh-config"}}
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("lookups (-want +got):\n%s", diff)
	}
	if rep.Problems() != 2 || rep.Rows[1].Reason != finding.AuditMissingVolumeSource || rep.Rows[1].Severity != finding.Error {
		t.Errorf("rows: %+v", rep.Rows)
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
