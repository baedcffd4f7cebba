package sidecarset_test

import (
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// TestV13PrunesNewerFields: State.Create stores a SidecarSet without the container and volume
// fields newer than the Kubernetes types of the Kruise version (the list in newerfields.go),
// with one sidecar_field_dropped finding per field: those newer than 1.22 in v1.3 mode, those
// newer than 1.30 in v1.8 mode. V13Compatibility reports the v1.3 ones as post_v1_3_feature
// without touching the SidecarSet.
func TestV13PrunesNewerFields(t *testing.T) {
	t.Parallel()
	newSS := func() *appsv1alpha1.SidecarSet {
		c := withMounts(sc("agent", ""), mount("certs", "/certs"))
		c.SecurityContext = &corev1.SecurityContext{AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}}
		c.Env = []corev1.EnvVar{{Name: "TOKEN", ValueFrom: &corev1.EnvVarSource{
			FileKeyRef: &corev1.FileKeySelector{VolumeName: "certs", Path: "env", Key: "TOKEN"}}}}
		c.RestartPolicyRules = []corev1.ContainerRestartRule{{Action: corev1.ContainerRestartRuleActionRestart}}
		c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9090}}}
		ss := sidecarSet("ss", c)
		return withVolumes(ss, corev1.Volume{Name: "certs", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{{PodCertificate: &corev1.PodCertificateProjection{SignerName: "example.com/s"}}}}}})
	}
	newerThan130 := []string{
		"spec.containers[0].env[0].valueFrom.fileKeyRef",
		"spec.containers[0].restartPolicyRules",
		"spec.volumes[0].projected.sources[0].podCertificate",
	}
	newerThan122 := []string{
		"spec.containers[0].env[0].valueFrom.fileKeyRef",
		"spec.containers[0].livenessProbe.grpc",
		"spec.containers[0].restartPolicyRules",
		"spec.containers[0].securityContext.appArmorProfile",
		"spec.volumes[0].projected.sources[0].podCertificate",
	}
	check := func(t *testing.T, code finding.Code, version string, want []string, got finding.List) {
		t.Helper()
		var fields []string
		for _, f := range got {
			fields = append(fields, f.Field)
			if f.Code != code || f.Severity != finding.Warning || f.SidecarSet != "ss" || !strings.Contains(f.Message, version) {
				t.Errorf("finding %+v, want a %s warning of ss naming %s", f, code, version)
			}
		}
		diff(t, "finding fields", want, fields)
	}

	t.Run("State.Create in v1.3 mode", func(t *testing.T) {
		t.Parallel()
		// Validation is skipped: the valueFrom that loses its fileKeyRef is left empty, which
		// Kubernetes' validation (and so v1.3's webhook) then refuses.
		st := sidecarset.NewState(sidecarset.Options{Version: sidecarset.KruiseV13, SkipValidation: true})
		stored, err := st.Create(newSS())
		if err != nil {
			t.Fatal(err)
		}
		check(t, finding.SidecarFieldDropped, "Kruise v1.3", newerThan122, st.Findings())
		c := stored.Spec.Containers[0]
		if c.SecurityContext.AppArmorProfile != nil || c.Env[0].ValueFrom.FileKeyRef != nil || c.RestartPolicyRules != nil ||
			c.LivenessProbe.GRPC != nil || stored.Spec.Volumes[0].Projected.Sources[0].PodCertificate != nil {
			t.Errorf("stored SidecarSet keeps a newer field: %+v", stored.Spec)
		}
	})
	t.Run("V13Compatibility", func(t *testing.T) {
		t.Parallel()
		ss := newSS()
		check(t, finding.PostV13Feature, "Kruise v1.3", newerThan122, sidecarset.V13Compatibility(ss))
		if ss.Spec.Containers[0].SecurityContext.AppArmorProfile == nil {
			t.Error("V13Compatibility modified its input")
		}
	})
	t.Run("State.Create in v1.8 mode", func(t *testing.T) {
		t.Parallel()
		st := sidecarset.NewState(sidecarset.Options{SkipValidation: true})
		stored, err := st.Create(newSS())
		if err != nil {
			t.Fatal(err)
		}
		check(t, finding.SidecarFieldDropped, "Kruise v1.8", newerThan130, st.Findings())
		if c := stored.Spec.Containers[0]; c.SecurityContext.AppArmorProfile == nil || c.LivenessProbe.GRPC == nil || c.Env[0].ValueFrom.FileKeyRef != nil {
			t.Errorf("v1.8 stores %+v: want appArmorProfile and grpc (Kubernetes 1.30 has them), no fileKeyRef", c)
		}
	})
}
