package sidecarset_test

import (
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// podFindings returns the injection findings of code, as "field" strings.
func podFindings(res *sidecarset.Result, codes ...finding.Code) []string {
	var out []string
	for _, f := range res.Findings {
		for _, c := range codes {
			if f.Code == c {
				out = append(out, string(f.Code)+" "+f.Field)
			}
		}
	}
	return out
}

func stopSignalOf(t *testing.T, pod *corev1.Pod, name string) string {
	t.Helper()
	lc := container(t, pod, name).Lifecycle
	if lc == nil || lc.StopSignal == nil {
		return ""
	}
	return string(*lc.StopSignal)
}

func withStopSignal(c corev1.Container, signal string) corev1.Container {
	s := corev1.Signal(signal)
	if c.Lifecycle == nil {
		c.Lifecycle = &corev1.Lifecycle{}
	}
	c.Lifecycle.StopSignal = &s
	return c
}

// TestPositionalPatch pins sidecarset/BEHAVIOUR.md §7.3 (Kruise v1.8): a pod container field
// newer than Kubernetes 1.30 stays at its list index in Kruise's pod.
func TestPositionalPatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ss   *appsv1alpha1.SidecarSet
		pod  func() *corev1.Pod
		// signals are the stop signals of the containers, by name: sidecarctl's, then Kruise's.
		kept, kruise map[string]string
		findings     []string
	}{
		{"a sidecar placed after the app moves nothing", sidecarSet("ss", sc("log", appsv1alpha1.AfterAppContainerType)), func() *corev1.Pod {
			pod := appPod("app")
			pod.Spec.Containers[0] = withStopSignal(pod.Spec.Containers[0], "SIGINT")
			return pod
		}, map[string]string{"app": "SIGINT"}, map[string]string{"app": "SIGINT"}, nil},
		{"two app containers shifted: each lands on its predecessor", sidecarSet("ss", sc("log", "")), func() *corev1.Pod {
			pod := appPod("a", "b")
			pod.Spec.Containers[0] = withStopSignal(pod.Spec.Containers[0], "SIGINT")
			pod.Spec.Containers[1] = withStopSignal(pod.Spec.Containers[1], "SIGQUIT")
			return pod
		}, map[string]string{"a": "SIGINT", "b": "SIGQUIT", "log": ""}, map[string]string{"log": "", "a": "SIGQUIT", "b": ""},
			[]string{"pod_field_dropped spec.containers[1].lifecycle.stopSignal", "pod_field_moved spec.containers[2].lifecycle.stopSignal"}},
		{"a sidecar replacing a container in place keeps its field", func() *appsv1alpha1.SidecarSet {
			c := sc("app", "")
			c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
			return sidecarSet("ss", c)
		}(), func() *corev1.Pod {
			pod := appPod("app")
			pod.Spec.Containers[0] = withStopSignal(pod.Spec.Containers[0], "SIGINT")
			return pod
		}, map[string]string{"app": ""}, map[string]string{"app": "SIGINT"},
			[]string{"pod_field_moved spec.containers[0].lifecycle.stopSignal"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, exact := range []bool{false, true} {
				st := cluster{opts: sidecarset.Options{KruiseExact: exact}, create: []*appsv1alpha1.SidecarSet{tc.ss}}.state(t)
				res, err := sidecarset.Inject(st, tc.pod(), sidecarset.Request{})
				if err != nil {
					t.Fatal(err)
				}
				want := tc.kept
				if exact {
					want = tc.kruise
				}
				for name, signal := range want {
					if got := stopSignalOf(t, res.Pod, name); got != signal {
						t.Errorf("KruiseExact=%t: %s stop signal %q, want %q", exact, name, got, signal)
					}
				}
				diff(t, "findings", tc.findings, podFindings(res, finding.PodFieldDropped, finding.PodFieldMoved))
				again, err := sidecarset.Inject(st, res.Pod, sidecarset.Request{})
				if err != nil || again.Changed {
					t.Errorf("KruiseExact=%t: injecting again: changed %v, err %v", exact, again != nil && again.Changed, err)
				}
			}
		})
	}
}

// TestReencodedPatch pins sidecarset/BEHAVIOUR.md §7.4 (Kruise v1.3): a pod Kruise changes
// loses every field newer than Kubernetes 1.22, its native sidecars' restartPolicy included;
// a pod it leaves alone keeps them.
func TestReencodedPatch(t *testing.T) {
	t.Parallel()
	newPod := func(labels string) *corev1.Pod {
		pod := withPodInit(appPod("app"), "mesh")
		pod.Labels["app"] = labels
		always := corev1.ContainerRestartPolicyAlways
		pod.Spec.InitContainers[0].RestartPolicy = &always
		pod.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/wait"}}
		pod.Spec.OS = &corev1.PodOS{Name: corev1.Linux}
		return pod
	}
	want := []string{
		"pod_field_dropped spec.os",
		"pod_field_dropped spec.schedulingGates",
		"pod_field_dropped spec.initContainers[0].restartPolicy",
	}
	for _, exact := range []bool{false, true} {
		opts := v13
		opts.KruiseExact = exact
		st := cluster{opts: opts, create: []*appsv1alpha1.SidecarSet{sidecarSet("ss", sc("log", ""))}}.state(t)
		res, err := sidecarset.Inject(st, newPod("x"), sidecarset.Request{})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "findings", want, podFindings(res, finding.PodFieldDropped, finding.PodFieldMoved))
		for _, f := range res.Findings {
			if !strings.Contains(f.Message, "Kruise v1.3") || !strings.Contains(f.Message, "Kubernetes 1.22") {
				t.Errorf("finding %s: want it to name Kruise v1.3 and Kubernetes 1.22", f)
			}
		}
		stripped := res.Pod.Spec.OS == nil && res.Pod.Spec.SchedulingGates == nil && res.Pod.Spec.InitContainers[0].RestartPolicy == nil
		kept := res.Pod.Spec.OS != nil && res.Pod.Spec.SchedulingGates != nil && res.Pod.Spec.InitContainers[0].RestartPolicy != nil
		if exact && !stripped || !exact && !kept {
			t.Errorf("KruiseExact=%t: pod spec %+v", exact, res.Pod.Spec)
		}

		unmatched, err := sidecarset.Inject(st, newPod("other"), sidecarset.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if unmatched.Changed || unmatched.Pod.Spec.OS == nil || len(unmatched.Findings) != 0 {
			t.Errorf("KruiseExact=%t: a pod Kruise does not change changed (%v) or was reported: %v", exact, unmatched.Changed, unmatched.Findings)
		}
	}
}
