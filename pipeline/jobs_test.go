package pipeline_test

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/platform"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// jobPod is a pod as the API server creates it for a Job: the Job's labels and owner, and
// restartPolicy Never from the Job's template.
func jobPod(labels map[string]string) *corev1.Pod {
	l := map[string]string{"app": "batch", "job-name": "report", "batch.kubernetes.io/job-name": "report",
		"batch.kubernetes.io/controller-uid": "1f2e3d4c", "controller-uid": "1f2e3d4c"}
	for k, v := range labels {
		l[k] = v
	}
	ctrl := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "report-x7k2p", Namespace: "default", Labels: l,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "report", UID: "1f2e3d4c", Controller: &ctrl}}},
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "report", Image: "report:1"}}},
	}
}

// sidecarSetYAML is a SidecarSet selecting app=batch with one sidecar: a container with env,
// or a native sidecar.
func sidecarSetYAML(native bool, env ...string) string {
	var e strings.Builder
	for i := 0; i+1 < len(env); i += 2 {
		fmt.Fprintf(&e, "    - name: %s\n      value: %q\n", env[i], env[i+1])
	}
	list, extra := "containers", ""
	if native {
		list, extra = "initContainers", "    restartPolicy: Always\n"
	}
	envBlock := ""
	if e.Len() > 0 {
		envBlock = "    env:\n" + e.String()
	}
	return fmt.Sprintf(`apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: log-shipper
spec:
  selector:
    matchLabels:
      app: batch
  updateStrategy:
    type: NotUpdate
  %s:
  - name: shipper
    image: shipper:1
%s%s`, list, extra, envBlock)
}

// TestJobSidecars: for a Job's pod, each injected sidecar either ends with the app on the
// pod's platform or is reported with the fix for that platform.
func TestJobSidecars(t *testing.T) {
	eci := map[string]string{platform.LabelECI: "true"}
	acs := map[string]string{platform.LabelACS: "true"}
	for _, tc := range []struct {
		name     string
		set      string
		labels   map[string]string
		opts     pipeline.Options
		want     finding.Code // "" when no job finding is expected
		severity finding.Severity
		mention  string
	}{
		{name: "regular node, plain sidecar", set: sidecarSetYAML(false), want: finding.JobSidecarBlocksCompletion, severity: finding.Warning, mention: "native sidecar"},
		{name: "regular node, native sidecar", set: sidecarSetYAML(true)},
		{name: "terminator env without the gate", set: sidecarSetYAML(false, "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT", "true"),
			want: finding.JobSidecarBlocksCompletion, severity: finding.Warning, mention: "SidecarTerminator"},
		{name: "terminator env with the gate", set: sidecarSetYAML(false, "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT", "true"),
			opts: pipeline.Options{Engine: sidecarset.Options{FeatureGates: sidecarset.FeatureGates{"SidecarTerminator": true}}},
			want: finding.JobSidecarTerminates, severity: finding.Info},
		{name: "Kruise v1.3", set: sidecarSetYAML(false), opts: pipeline.Options{Engine: sidecarset.Options{Version: sidecarset.KruiseV13}},
			want: finding.JobSidecarBlocksCompletion, severity: finding.Warning, mention: "has neither native sidecars"},
		{name: "ECI without env", set: sidecarSetYAML(false), labels: eci, want: finding.JobSidecarBlocksCompletion, severity: finding.Warning, mention: "ECI_CONTAINER_TYPE=sidecar"},
		{name: "ECI, type only", set: sidecarSetYAML(false, "ECI_CONTAINER_TYPE", "sidecar"), labels: eci,
			want: finding.JobSidecarBlocksCompletion, severity: finding.Warning, mention: "ECI_CONTAINER_IGNORE_EXIT_CODE=true"},
		{name: "ECI, both", set: sidecarSetYAML(false, "ECI_CONTAINER_TYPE", "sidecar", "ECI_CONTAINER_IGNORE_EXIT_CODE", "true"), labels: eci,
			want: finding.JobSidecarTerminates, severity: finding.Info},
		{name: "ACS without env", set: sidecarSetYAML(false), labels: acs, want: finding.JobSidecarBlocksCompletion, severity: finding.Warning, mention: "__IS_SIDECAR__"},
		{name: "ACS, __IS_SIDECAR__", set: sidecarSetYAML(false, "__IS_SIDECAR__", "true"), labels: acs, want: finding.JobSidecarTerminates, severity: finding.Info},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := admit(t, tc.opts, tc.set)
			if err != nil {
				t.Fatal(err)
			}
			res, err := st.InjectPod(jobPod(tc.labels), sidecarset.Request{Namespace: "default"})
			if err != nil {
				t.Fatal(err)
			}
			var got []finding.Finding
			for _, f := range res.Findings {
				if f.Code == finding.JobSidecarBlocksCompletion || f.Code == finding.JobSidecarTerminates {
					got = append(got, f)
				}
			}
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("want no job finding, got %v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one %s finding, got %v", tc.want, got)
			}
			f := got[0]
			if f.Code != tc.want || f.Severity != tc.severity || f.SidecarSet != "log-shipper" || f.Field != "spec.containers[0]" ||
				!strings.Contains(f.Message, tc.mention) {
				t.Errorf("got %+v; want %s %s mentioning %q", f, tc.severity, tc.want, tc.mention)
			}
		})
	}
	t.Run("a Deployment's pod is not concerned", func(t *testing.T) {
		st, err := admit(t, pipeline.Options{}, sidecarSetYAML(false))
		if err != nil {
			t.Fatal(err)
		}
		pod := jobPod(nil)
		pod.Spec.RestartPolicy = corev1.RestartPolicyAlways
		res, err := st.InjectPod(pod, sidecarset.Request{Namespace: "default"})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			if f.Code == finding.JobSidecarBlocksCompletion {
				t.Errorf("unexpected %s", f)
			}
		}
	})
}

// TestJobAdvicePerRelease: the fix offered for a plain sidecar of a Job's pod on a regular node
// is what the emulated release has: native sidecars from v1.7, Kruise's job sidecar terminator
// (SidecarTerminator gate) from v1.4, neither in v1.3; the terminator's env works only where the
// terminator exists.
func TestJobAdvicePerRelease(t *testing.T) {
	type has struct{ native, terminator bool }
	want := map[sidecarset.Version]has{
		sidecarset.KruiseV13:  {},
		sidecarset.KruiseV14:  {terminator: true},
		sidecarset.KruiseV150: {terminator: true},
		sidecarset.KruiseV151: {terminator: true},
		sidecarset.KruiseV16:  {terminator: true},
		sidecarset.KruiseV170: {native: true, terminator: true},
		sidecarset.KruiseV171: {native: true, terminator: true},
		sidecarset.KruiseV18:  {native: true, terminator: true},
		sidecarset.KruiseV19:  {native: true, terminator: true},
	}
	for _, v := range sidecarset.Releases() {
		w, ok := want[v]
		if !ok {
			t.Errorf("Kruise %s: no expected Job advice; add the release here", v)
			continue
		}
		t.Run(string(v), func(t *testing.T) {
			job := func(set string, gates sidecarset.FeatureGates) finding.Finding {
				t.Helper()
				st, err := admit(t, pipeline.Options{Engine: sidecarset.Options{Version: v, FeatureGates: gates}}, set)
				if err != nil {
					t.Fatal(err)
				}
				res, err := st.InjectPod(jobPod(nil), sidecarset.Request{Namespace: "default"})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range res.Findings {
					if f.Code == finding.JobSidecarBlocksCompletion || f.Code == finding.JobSidecarTerminates {
						return f
					}
				}
				t.Fatalf("no job finding in %v", res.Findings)
				return finding.Finding{}
			}
			plain := job(sidecarSetYAML(false), nil)
			if plain.Code != finding.JobSidecarBlocksCompletion {
				t.Fatalf("plain sidecar: %s", plain)
			}
			if got := strings.Contains(plain.Message, "make it a native sidecar"); got != w.native {
				t.Errorf("advises a native sidecar: %v, want %v: %s", got, w.native, plain.Message)
			}
			if got := strings.Contains(plain.Message, "set env KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT=true"); got != w.terminator {
				t.Errorf("advises the job sidecar terminator: %v, want %v: %s", got, w.terminator, plain.Message)
			}
			if !w.native && !w.terminator && !strings.Contains(plain.Message, "end it from the app") {
				t.Errorf("offers no fix: %s", plain.Message)
			}
			env := job(sidecarSetYAML(false, "KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT", "true"), sidecarset.FeatureGates{"SidecarTerminator": true})
			if got := env.Code == finding.JobSidecarTerminates; got != w.terminator {
				t.Errorf("terminator env with the gate ends the sidecar: %v, want %v: %s", got, w.terminator, env)
			}
		})
	}
}
