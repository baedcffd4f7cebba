package sidecarset_test

import (
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// TestV19Validation is §8.9 scenarios 10 and 11: Kruise v1.9's rules for resourcesPolicy and
// sleep hooks, with its messages and field paths, against v1.8.
func TestV19Validation(t *testing.T) {
	t.Parallel()
	cpuOnly := &kruisev1beta1.ResourceExprList{CPU: "cpu*50%"}
	sleep := func(seconds int64) appsv1alpha1.SidecarContainer {
		c := sc("proxy", "")
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: seconds}}}
		return c
	}
	withLimits := sc("proxy", "")
	withLimits.Resources.Limits = rl("cpu", "1")
	for _, tc := range []struct {
		name   string
		v      sidecarset.Version
		c      appsv1alpha1.SidecarContainer
		init   bool
		fields kruisev1beta1.ContainerFields
		want   string // "" accepts
	}{
		{"policy with resources", sidecarset.KruiseV19, withLimits, false, policy(kruisev1beta1.ModeSum, ".*", cpuOnly, nil),
			"spec[0].resourcesPolicy: Invalid value: "},
		{"policy with resources, v1.8 strips it", sidecarset.KruiseV18, withLimits, false, policy(kruisev1beta1.ModeSum, ".*", cpuOnly, nil), ""},
		{"empty regex", sidecarset.KruiseV19, sc("proxy", ""), false, policy(kruisev1beta1.ModeSum, "", cpuOnly, nil),
			"spec[0].resourcesPolicy.targetContainersNameRegex: Required value: invalid empty regex"},
		{"bad regex", sidecarset.KruiseV19, sc("proxy", ""), false, policy(kruisev1beta1.ModeSum, "(", cpuOnly, nil),
			`spec[0].resourcesPolicy.targetContainersNameRegex: Invalid value: "(": invalid regex pattern: `},
		{"no expressions", sidecarset.KruiseV19, sc("proxy", ""), false, policy(kruisev1beta1.ModeSum, ".*", nil, nil),
			"at least one of limits or requests must be configured"},
		{"negative at cpu=1", sidecarset.KruiseV19, sc("proxy", ""), false, policy(kruisev1beta1.ModeSum, ".*", &kruisev1beta1.ResourceExprList{CPU: "cpu - 2"}, nil),
			`spec[0].resourcesPolicy.resourcesExpr.limits.cpu: Invalid value: "cpu - 2": invalid expression: calculation result is negative`},
		{"memory in a cpu field", sidecarset.KruiseV19, sc("proxy", ""), false, policy(kruisev1beta1.ModeSum, ".*", &kruisev1beta1.ResourceExprList{CPU: "memory*50%"}, nil),
			"invalid expression: undefined variable: memory"},
		{"mode outside the CRD enum", sidecarset.KruiseV19, sc("proxy", ""), false, policy("avg", ".*", cpuOnly, nil),
			`spec.containers[0].resourcesPolicy.targetContainersMode: Unsupported value: "avg"`},
		{"accepted quirks", sidecarset.KruiseV19, sc("proxy", ""), false, policy(kruisev1beta1.ModeSum, ".*", &kruisev1beta1.ResourceExprList{CPU: "cpu*2m", Memory: "MEMORY*50%"},
			&kruisev1beta1.ResourceExprList{Memory: "100Mb"}), ""},
		{"plain init container", sidecarset.KruiseV19, sc("init", ""), true, policy(kruisev1beta1.ModeSum, ".*", cpuOnly, nil),
			"spec[0].resourcesPolicy: Invalid value: "},
		{"native init container", sidecarset.KruiseV19, native(sc("init", "")), true, policy(kruisev1beta1.ModeSum, ".*", cpuOnly, nil), ""},
		{"sleep 5 s, v1.8", sidecarset.KruiseV18, sleep(5), false, kruisev1beta1.ContainerFields{},
			"spec.containers[0].lifecycle.preStop.sleep: Invalid value: 5: must be greater than 0 and less than terminationGracePeriodSeconds (0)"},
		{"sleep 5 s, v1.9", sidecarset.KruiseV19, sleep(5), false, kruisev1beta1.ContainerFields{}, ""},
		{"sleep 30 s, v1.9", sidecarset.KruiseV19, sleep(30), false, kruisev1beta1.ContainerFields{}, ""},
		{"sleep 60 s, v1.9", sidecarset.KruiseV19, sleep(60), false, kruisev1beta1.ContainerFields{},
			"spec.containers[0].lifecycle.preStop.sleep: Invalid value: 60: must be greater than 0 and less than terminationGracePeriodSeconds (30). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep."},
		{"sleep 0 s, v1.9", sidecarset.KruiseV19, sleep(0), false, kruisev1beta1.ContainerFields{}, "terminationGracePeriodSeconds (30)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ss := notUpdate(sidecarSet("ss", tc.c))
			f := fieldsOf(map[string]kruisev1beta1.ContainerFields{tc.c.Name: tc.fields}, nil)
			if tc.init {
				ss = notUpdate(withInit(sidecarSet("ss"), tc.c))
				f = fieldsOf(nil, map[string]kruisev1beta1.ContainerFields{tc.c.Name: tc.fields})
			}
			_, err := sidecarset.NewState(sidecarset.Options{Version: tc.v}).CreateWithFields(ss, f)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestV19Defaults: v1.9 no longer fills the iSCSI, RBD, AzureDisk and ScaleIO defaults, and
// defaults nothing inside resourcesPolicy (sidecarset/BEHAVIOUR.md §8.6).
func TestV19Defaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    sidecarset.Version
		want string
	}{{sidecarset.KruiseV18, "default"}, {sidecarset.KruiseV19, ""}} {
		iscsi := corev1.Volume{Name: "disk", VolumeSource: corev1.VolumeSource{ISCSI: &corev1.ISCSIVolumeSource{TargetPortal: "p", IQN: "i"}}}
		ss := withVolumes(sidecarSet("ss", sc("agent", "")), iscsi)
		sidecarset.Default(ss, tc.v)
		if got := ss.Spec.Volumes[0].ISCSI.ISCSIInterface; got != tc.want {
			t.Errorf("%s: iscsiInterface = %q, want %q", tc.v, got, tc.want)
		}
	}
}
