package sidecarset

import (
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestValidatePodRules: what Kubernetes' pod validation refuses in a SidecarSet's containers,
// Kruise refuses too (it validates them as a fake pod).
func TestValidatePodRules(t *testing.T) {
	t.Parallel()
	bidir := corev1.MountPropagationBidirectional
	bogus := corev1.MountPropagationMode("Sideways")
	always := corev1.ContainerRestartPolicyAlways
	yes, no := true, false
	tests := []struct {
		name   string
		mutate func(c *appsv1alpha1.SidecarContainer)
		want   string
	}{
		{"bidirectional mount without privileged", func(c *appsv1alpha1.SidecarContainer) {
			c.VolumeMounts = []corev1.VolumeMount{{Name: "v", MountPath: "/v", MountPropagation: &bidir}}
		}, "spec.containers[0].volumeMounts[0].mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers"},
		{"unknown mount propagation", func(c *appsv1alpha1.SidecarContainer) {
			c.VolumeMounts = []corev1.VolumeMount{{Name: "v", MountPath: "/v", MountPropagation: &bogus}}
		}, "mountPropagation: Unsupported value"},
		{"subPath with ..", func(c *appsv1alpha1.SidecarContainer) {
			c.VolumeMounts = []corev1.VolumeMount{{Name: "v", MountPath: "/v", SubPath: "../x"}}
		}, "subPath: Invalid value: \"../x\": must not contain '..'"},
		{"probe without handler", func(c *appsv1alpha1.SidecarContainer) { c.ReadinessProbe = &corev1.Probe{} },
			"readinessProbe: Required value: must specify a handler type"},
		{"empty postStart", func(c *appsv1alpha1.SidecarContainer) {
			c.Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{}}
		}, "lifecycle.postStart: Required value: must specify a handler type"},
		// Kruise's fake pod has a grace period of 0, so every sleep action is refused
		// (sidecarset/BEHAVIOUR.md §4.5, fuzz example prestop-sleep-refused).
		{"preStop sleep", func(c *appsv1alpha1.SidecarContainer) {
			c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 1}}}
		}, "spec.containers[0].lifecycle.preStop.sleep: Invalid value: 1: must be greater than 0 and less than terminationGracePeriodSeconds (0)"},
		{"postStart sleep of 0 seconds", func(c *appsv1alpha1.SidecarContainer) {
			c.Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{}}}
		}, "lifecycle.postStart.sleep: Invalid value: 0: must be greater than 0"},
		{"preStop with exec and sleep", func(c *appsv1alpha1.SidecarContainer) {
			c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"true"}},
				Sleep: &corev1.SleepAction{Seconds: 5}}}
		}, "lifecycle.preStop.sleep: Forbidden: may not specify more than 1 handler type"},
		{"probe with exec and tcpSocket", func(c *appsv1alpha1.SidecarContainer) {
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}},
				TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}}
		}, "livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"},
		{"requests above limits", func(c *appsv1alpha1.SidecarContainer) {
			c.Resources = corev1.ResourceRequirements{Limits: corev1.ResourceList{"cpu": resource.MustParse("1")},
				Requests: corev1.ResourceList{"cpu": resource.MustParse("2")}}
		}, "must be less than or equal to cpu limit of 1"},
		{"unqualified resource name", func(c *appsv1alpha1.SidecarContainer) {
			c.Resources = corev1.ResourceRequirements{Limits: corev1.ResourceList{"foo": resource.MustParse("1")}}
		}, "must be a standard resource type or fully qualified"},
		{"value and valueFrom", func(c *appsv1alpha1.SidecarContainer) {
			c.Env = []corev1.EnvVar{{Name: "A", Value: "x", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}}}
		}, "may not be specified when `value` is not empty"},
		{"unsupported env fieldPath", func(c *appsv1alpha1.SidecarContainer) {
			c.Env = []corev1.EnvVar{{Name: "A", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.bogus"}}}}
		}, "fieldRef.fieldPath: Unsupported value: \"spec.bogus\""},
		{"duplicate port names", func(c *appsv1alpha1.SidecarContainer) {
			c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: "TCP"}, {Name: "http", ContainerPort: 81, Protocol: "TCP"}}
		}, "ports[1].name: Duplicate value: \"http\""},
		{"restartPolicy on a regular container", func(c *appsv1alpha1.SidecarContainer) { c.RestartPolicy = &always },
			"restartPolicy: Forbidden: may not be set for non-init containers"},
		{"privileged without escalation", func(c *appsv1alpha1.SidecarContainer) {
			c.SecurityContext = &corev1.SecurityContext{Privileged: &yes, AllowPrivilegeEscalation: &no}
		}, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"},
		{"image with whitespace", func(c *appsv1alpha1.SidecarContainer) { c.Image = " busybox" },
			"must not have leading or trailing whitespace"},
		{"transferEnv label key not qualified", func(c *appsv1alpha1.SidecarContainer) {
			c.TransferEnv = []appsv1alpha1.TransferEnvVar{{EnvName: "A", SourceContainerNameFrom: &appsv1alpha1.SourceContainerNameSource{
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.labels['bad key']"}}}}
		}, "transferEnv[0].sourceContainerNameFrom.fieldRef.fieldPath"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ss := &appsv1alpha1.SidecarSet{ObjectMeta: metav1.ObjectMeta{Name: "s"}, Spec: appsv1alpha1.SidecarSetSpec{
				Selector:   &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Containers: []appsv1alpha1.SidecarContainer{{Container: corev1.Container{Name: "c", Image: "busybox:1"}}},
				Volumes:    []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			}}
			tc.mutate(&ss.Spec.Containers[0])
			_, err := NewState(Options{}).Create(ss)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want a refusal containing %q, got %v", tc.want, err)
			}
		})
	}
	// Two sidecars on one hostPort collide in the pod.
	ss := &appsv1alpha1.SidecarSet{ObjectMeta: metav1.ObjectMeta{Name: "s"}, Spec: appsv1alpha1.SidecarSetSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		Containers: []appsv1alpha1.SidecarContainer{
			{Container: corev1.Container{Name: "a", Image: "a:1", Ports: []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}}}},
			{Container: corev1.Container{Name: "b", Image: "b:1", Ports: []corev1.ContainerPort{{ContainerPort: 81, HostPort: 8080}}}},
		}}}
	if _, err := NewState(Options{}).Create(ss); err == nil || !strings.Contains(err.Error(), "hostPort: Duplicate value") {
		t.Errorf("duplicate hostPort: want a refusal, got %v", err)
	}
}

// Kruise v1.3 validated SidecarSets as a pod without a service account, so a projected
// service-account token volume is refused there and accepted from v1.5 on.
func TestProjectedTokenVolumeByVersion(t *testing.T) {
	t.Parallel()
	ss := &appsv1alpha1.SidecarSet{ObjectMeta: metav1.ObjectMeta{Name: "s"}, Spec: appsv1alpha1.SidecarSetSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		Containers: []appsv1alpha1.SidecarContainer{{Container: corev1.Container{Name: "c", Image: "c:1",
			VolumeMounts: []corev1.VolumeMount{{Name: "token", MountPath: "/var/run/token"}}}}},
		Volumes: []corev1.Volume{{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}}},
	}}
	if _, err := NewState(Options{}).Create(ss); err != nil {
		t.Errorf("v1.8 refused a projected token volume: %v", err)
	}
	_, err := NewState(Options{Version: KruiseV13}).Create(ss)
	if err == nil || !strings.Contains(err.Error(), "spec.volumes[0].projected.sources[0].serviceAccountToken: Forbidden: must not be specified when serviceAccountName is not set") {
		t.Errorf("v1.3: want the projected token refused, got %v", err)
	}
}
