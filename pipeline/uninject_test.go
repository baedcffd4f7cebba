package pipeline_test

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/pipeline/pipelinetest"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// reportedCorpus are the corpus cases whose injection cannot be undone, with what uninject
// reports instead (sidecarset/BEHAVIOUR.md §3.4), in every Kruise release.
func reportedCorpus() map[string][]string {
	return map[string][]string{
		"100-pod-has-container-with-sidecar-name": {"uninject_replaced_container spec.containers[0]"},
	}
}

// TestUninjectCorpus: for every conformance case Kruise injects, uninjecting the injected pod
// through the pipeline gives the pod back, as the object it was written (lossless write-back
// of workload.Mutate), with the namespace the pod webhook fills in (§1.1); the cases of
// reportedCorpus are left in place with their findings.
func TestUninjectCorpus(t *testing.T) {
	t.Parallel()
	var injecting atomic.Int32
	t.Cleanup(func() {
		if n := injecting.Load(); n < 25 {
			t.Errorf("only %d corpus cases inject: the round trip covers too little", n)
		}
	})
	sidecarsettest.ForEach(t, func(t *testing.T, c *sidecarsettest.Case) {
		if uninjectRoundTrip(t, c, reportedCorpus()[c.Name]) {
			injecting.Add(1)
		}
	})
}

// TestUninjectReleaseCorpus is TestUninjectCorpus in the other emulated Kruise releases, on
// the cases whose outputs the corpus holds for them.
func TestUninjectReleaseCorpus(t *testing.T) {
	t.Parallel()
	sidecarsettest.ForEachRelease(t, func(t *testing.T, c *sidecarsettest.Case) {
		uninjectRoundTrip(t, c, reportedCorpus()[strings.TrimPrefix(c.Name, "v"+c.Kruise+"/")])
	})
}

// uninjectRoundTrip injects c's pod and uninjects it: the pod comes back, or with reported
// (codes and fields) it is left in place with those findings. It reports whether Kruise
// injected anything.
func uninjectRoundTrip(t *testing.T, c *sidecarsettest.Case, reported []string) bool {
	t.Helper()
	if _, refused := c.ExpectsRefusal(); refused {
		return false
	}
	st, err := pipeline.Admit(pipelinetest.Input(c), pipelinetest.Options(c))
	if err != nil {
		t.Fatal(err)
	}
	original := casePod(t, c)
	obj := &unstructured.Unstructured{Object: casePod(t, c)}
	injected, err := st.InjectObject(obj, c.Pod.Namespace, pipelinetest.Operation(c))
	if err != nil {
		t.Fatal(err)
	}
	if !injected.Changed() {
		return false
	}
	if original["metadata"].(map[string]any)["namespace"] == nil {
		original["metadata"].(map[string]any)["namespace"] = "default"
	}
	before := obj.DeepCopy()
	res, err := st.UninjectObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	if reported != nil {
		if diff := cmp.Diff(reported, findingCodes(res.Pod)); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before.Object, obj.Object); diff != "" {
			t.Errorf("the pod changed although its injection is left in place:\n%s", diff)
		}
		return true
	}
	if codes := findingCodes(res.Pod); len(codes) > 0 {
		t.Errorf("findings: %v", codes)
	}
	if diff := cmp.Diff(original, obj.Object); diff != "" {
		t.Errorf("uninject(inject(pod)) != pod (-want +got):\n%s", diff)
	}
	return true
}

// casePod is the case's pod as written in the case file.
func casePod(t *testing.T, c *sidecarsettest.Case) map[string]any {
	t.Helper()
	var raw struct {
		Pod map[string]any `json:"pod"`
	}
	if err := json.Unmarshal(c.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	return raw.Pod
}

func findingCodes(r *sidecarset.UninjectResult) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, strings.TrimSpace(string(f.Code)+" "+f.Field))
	}
	return out
}

// TestUninjectScenarios: the pipeline's own scenarios (profiles, app-container parts, v1.3
// stored state) inject and uninject; what remains is the pod with only the steps that are not
// a SidecarSet's (app-container parts), i.e. the pipeline's result with SidecarSets skipped,
// plus the SidecarSet volumes those parts mount: a volume a remaining container uses stays.
func TestUninjectScenarios(t *testing.T) {
	t.Parallel()
	// The scenarios whose injection is not undone exactly: the mirror rewrite changed the
	// SidecarSet's volume, which then is not the SidecarSet's.
	reportedScenarios := map[string][]string{
		"mirror-rewrite": {"uninject_pod_volume spec.volumes[0]"},
	}
	scenarios, err := pipelinetest.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			st, err := sc.Admit()
			if err != nil {
				t.Skipf("the state is refused: %v", err)
			}
			req := sidecarset.Request{Namespace: sc.Pod.Namespace}
			injected, err := st.InjectPod(sc.Pod, req)
			if err != nil || !injected.Changed {
				return
			}
			opts, err := sc.Options()
			if err != nil {
				t.Fatal(err)
			}
			opts.SkipSidecarSets, opts.MirrorReferences = true, false
			in, err := sc.Input()
			if err != nil {
				t.Fatal(err)
			}
			appOnly, err := pipeline.Admit(in, opts)
			if err != nil {
				t.Fatal(err)
			}
			want, err := appOnly.InjectPod(sc.Pod, req)
			if err != nil {
				t.Fatal(err)
			}
			res, err := st.UninjectPod(injected.Pod)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(reportedScenarios[sc.Name], findingCodes(res)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if _, reported := reportedScenarios[sc.Name]; reported {
				return
			}
			if diff := cmp.Diff(podJSON(t, want.Pod), podJSON(t, withoutVolumesMountedBy(t, res.Pod, want.Pod))); diff != "" {
				t.Errorf("uninject(inject(pod)) != the pod with its app-container parts (-want +got):\n%s", diff)
			}
		})
	}
}

func podJSON(t *testing.T, pod *corev1.Pod) any {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// withoutVolumesMountedBy returns got without the volumes that want lacks and one of want's
// containers mounts: the SidecarSet volumes an app-container part relies on.
func withoutVolumesMountedBy(t *testing.T, got, want *corev1.Pod) *corev1.Pod {
	t.Helper()
	has, mounted := map[string]bool{}, map[string]bool{}
	for _, v := range want.Spec.Volumes {
		has[v.Name] = true
	}
	for _, c := range append(append([]corev1.Container(nil), want.Spec.InitContainers...), want.Spec.Containers...) {
		for _, m := range c.VolumeMounts {
			mounted[m.Name] = true
		}
	}
	out := got.DeepCopy()
	out.Spec.Volumes = nil
	for _, v := range got.Spec.Volumes {
		if !has[v.Name] && mounted[v.Name] {
			continue
		}
		out.Spec.Volumes = append(out.Spec.Volumes, v)
	}
	return out
}

// TestUninjectCorpusThroughWorkloads: the same round trip with each case's pod as the template
// of workloads of several kinds (template paths of package workload), written back losslessly.
func TestUninjectCorpusThroughWorkloads(t *testing.T) {
	t.Parallel()
	kinds := []struct {
		apiVersion, kind string
		path             []string
	}{
		{"apps/v1", "Deployment", []string{"spec", "template"}},
		{"batch/v1", "CronJob", []string{"spec", "jobTemplate", "spec", "template"}},
		{"apps.kruise.io/v1alpha1", "CloneSet", []string{"spec", "template"}},
		{"agents.kruise.io/v1alpha1", "SandboxSet", []string{"spec", "template"}},
	}
	sidecarsettest.ForEach(t, func(t *testing.T, c *sidecarsettest.Case) {
		if _, refused := c.ExpectsRefusal(); refused || c.Pod.Status.Phase != "" || c.Pod.Namespace == "" ||
			c.Name == "100-pod-has-container-with-sidecar-name" {
			return // refusals, pod-only properties and the reported case are covered above
		}
		st, err := pipeline.Admit(pipelinetest.Input(c), pipelinetest.Options(c))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range kinds {
			pod := casePod(t, c)
			md := pod["metadata"].(map[string]any)
			template := map[string]any{"metadata": map[string]any{"labels": md["labels"]}, "spec": pod["spec"]}
			if a, ok := md["annotations"]; ok {
				template["metadata"].(map[string]any)["annotations"] = a
			}
			obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": k.apiVersion, "kind": k.kind,
				"metadata": map[string]any{"name": "w", "namespace": c.Pod.Namespace}}}
			if err := unstructured.SetNestedField(obj.Object, template, k.path...); err != nil {
				t.Fatal(err)
			}
			original := obj.DeepCopy()
			injected, err := st.InjectObject(obj, c.Pod.Namespace, pipelinetest.Operation(c))
			if err != nil {
				t.Fatal(err)
			}
			if !injected.Changed() {
				return
			}
			res, err := st.UninjectObject(obj)
			if err != nil {
				t.Fatal(err)
			}
			if codes := findingCodes(res.Pod); len(codes) > 0 {
				t.Errorf("%s: findings %v", k.kind, codes)
			}
			if diff := cmp.Diff(original.Object, obj.Object); diff != "" {
				t.Errorf("%s: uninject(inject(x)) != x (-want +got):\n%s", k.kind, diff)
			}
		}
	})
}
