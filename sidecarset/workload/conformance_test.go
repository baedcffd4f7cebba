package workload_test

import (
	"encoding/json"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// wrapper puts a pod's metadata and spec into the template of a workload kind.
type wrapper struct {
	apiVersion, kind string
	path             []string
}

// wrappers returns a wrapper per workload kind.
func wrappers() []wrapper {
	return []wrapper{
		{"apps/v1", "Deployment", []string{"spec", "template"}},
		{"batch/v1", "CronJob", []string{"spec", "jobTemplate", "spec", "template"}},
		{"apps.kruise.io/v1alpha1", "CloneSet", []string{"spec", "template"}},
		{"agents.kruise.io/v1alpha1", "SandboxSet", []string{"spec", "template"}},
	}
}

// TestConformanceThroughWorkloads runs the Kruise corpus through workload.Mutate: the pod of
// each case becomes the template of a workload, and the injected template must equal the
// oracle's pod (metadata labels/annotations and spec).
func TestConformanceThroughWorkloads(t *testing.T) {
	t.Parallel()
	cases, err := sidecarsettest.Cases()
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.NewTime(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, c := range cases {
		if _, refused := c.ExpectsRefusal(); refused || c.Pod.Status.Phase != "" || c.Pod.Namespace == "" {
			continue // refusals and pod-only properties (phase, request namespace) are covered by the engine test
		}
		for _, w := range wrappers() {
			t.Run(c.Name+"/"+w.kind, func(t *testing.T) {
				t.Parallel()
				st := sidecarset.NewState(sidecarset.Options{FeatureGates: c.FeatureGates, Now: now})
				if err := c.Admit(st); err != nil {
					t.Fatal(err)
				}
				obj := wrap(t, c.Pod, w.apiVersion, w.kind, w.path)
				if _, err := workload.Mutate(obj, func(pod *corev1.Pod) error {
					res, err := sidecarset.Inject(st, pod, sidecarset.Request{})
					if err == nil {
						*pod = *res.Pod
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
				tmpl, _, _ := unstructured.NestedMap(obj.Object, w.path...)
				got, _ := json.Marshal(map[string]any{"metadata": tmpl["metadata"], "spec": tmpl["spec"]})
				var expected map[string]any
				if err := json.Unmarshal(c.Expected, &expected); err != nil {
					t.Fatal(err)
				}
				md, _ := expected["metadata"].(map[string]any)
				want, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": md["labels"], "annotations": md["annotations"]}, "spec": expected["spec"]})
				diff, err := sidecarsettest.Diff(want, got, sidecarsettest.CompareOptions{StrictTime: true})
				if err != nil {
					t.Fatal(err)
				}
				if diff != "" {
					t.Errorf("template mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func wrap(t *testing.T, pod *corev1.Pod, apiVersion, kind string, path []string) *unstructured.Unstructured {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	md := p["metadata"].(map[string]any)
	tmplMeta := map[string]any{}
	for _, k := range []string{"labels", "annotations"} {
		if v, ok := md[k]; ok {
			tmplMeta[k] = v
		}
	}
	obj := &unstructured.Unstructured{Object: map[string]any{}}
	obj.SetAPIVersion(apiVersion)
	obj.SetKind(kind)
	obj.SetName(pod.Name)
	obj.SetNamespace(pod.Namespace)
	if err := unstructured.SetNestedField(obj.Object, map[string]any{"metadata": tmplMeta, "spec": p["spec"]}, path...); err != nil {
		t.Fatal(err)
	}
	return obj
}
