package binding_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/binding"
	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

// ref is a Reference with its path as text, so cmp can compare it (a
// field.Path has unexported fields).
type ref struct {
	Kind            v1alpha1.ResourceKind
	Namespace, Name string
	Value           string
	Path            string
	Problem         string
}

func flatten(refs []binding.Reference) []ref {
	var out []ref
	for _, r := range refs {
		out = append(out, ref{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name, Value: r.Value, Path: r.Path.String(), Problem: r.Problem})
	}
	return out
}

// Builders for the smallest SidecarSet holding one reference in one place.

func cmVolume(name, cm string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: cm}}}}
}

func secretVolume(name, secret string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		Secret: &corev1.SecretVolumeSource{SecretName: secret}}}
}

func projectedVolume(name string, sources ...corev1.VolumeProjection) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		Projected: &corev1.ProjectedVolumeSource{Sources: sources}}}
}

func cmEnv(name, cm string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: cm}, Key: "k"}}}
}

func secretEnv(name, secret string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: "k"}}}
}

func sidecar(name string, env []corev1.EnvVar, envFrom []corev1.EnvFromSource) appsv1alpha1.SidecarContainer {
	return appsv1alpha1.SidecarContainer{Container: corev1.Container{Name: name, Image: "busybox", Env: env, EnvFrom: envFrom}}
}

func TestReferences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec appsv1alpha1.SidecarSetSpec
		want []ref
	}{
		{
			name: "configMap volume",
			spec: appsv1alpha1.SidecarSetSpec{Volumes: []corev1.Volume{cmVolume("config", "kube-system/filebeat-config")}},
			want: []ref{{Kind: "ConfigMap", Namespace: "kube-system", Name: "filebeat-config", Value: "kube-system/filebeat-config", Path: "spec.volumes[0].configMap.name"}},
		},
		{
			name: "secret volume",
			spec: appsv1alpha1.SidecarSetSpec{Volumes: []corev1.Volume{cmVolume("local", "local-config"), secretVolume("tls", "certs/agent-tls")}},
			want: []ref{{Kind: "Secret", Namespace: "certs", Name: "agent-tls", Value: "certs/agent-tls", Path: "spec.volumes[1].secret.secretName"}},
		},
		{
			name: "projected configMap and secret sources",
			spec: appsv1alpha1.SidecarSetSpec{Volumes: []corev1.Volume{projectedVolume("bundle",
				corev1.VolumeProjection{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
				corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "obs/agent.conf"}}},
				corev1.VolumeProjection{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "obs/agent-key"}}},
			)}},
			want: []ref{
				{Kind: "ConfigMap", Namespace: "obs", Name: "agent.conf", Value: "obs/agent.conf", Path: "spec.volumes[0].projected.sources[1].configMap.name"},
				{Kind: "Secret", Namespace: "obs", Name: "agent-key", Value: "obs/agent-key", Path: "spec.volumes[0].projected.sources[2].secret.name"},
			},
		},
		{
			name: "env valueFrom in a container",
			spec: appsv1alpha1.SidecarSetSpec{Containers: []appsv1alpha1.SidecarContainer{
				sidecar("agent", []corev1.EnvVar{{Name: "PLAIN", Value: "a/b"}, cmEnv("LEVEL", "obs/agent"), secretEnv("TOKEN", "obs/token")}, nil),
			}},
			want: []ref{
				{Kind: "ConfigMap", Namespace: "obs", Name: "agent", Value: "obs/agent", Path: "spec.containers[0].env[1].valueFrom.configMapKeyRef.name"},
				{Kind: "Secret", Namespace: "obs", Name: "token", Value: "obs/token", Path: "spec.containers[0].env[2].valueFrom.secretKeyRef.name"},
			},
		},
		{
			name: "envFrom in a container",
			spec: appsv1alpha1.SidecarSetSpec{Containers: []appsv1alpha1.SidecarContainer{
				sidecar("first", nil, nil),
				sidecar("agent", nil, []corev1.EnvFromSource{
					{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "obs/agent-env"}}},
					{Prefix: "S_", SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "obs/agent-secret-env"}}},
				}),
			}},
			want: []ref{
				{Kind: "ConfigMap", Namespace: "obs", Name: "agent-env", Value: "obs/agent-env", Path: "spec.containers[1].envFrom[0].configMapRef.name"},
				{Kind: "Secret", Namespace: "obs", Name: "agent-secret-env", Value: "obs/agent-secret-env", Path: "spec.containers[1].envFrom[1].secretRef.name"},
			},
		},
		{
			name: "env and envFrom in an init container",
			spec: appsv1alpha1.SidecarSetSpec{InitContainers: []appsv1alpha1.SidecarContainer{
				sidecar("setup", []corev1.EnvVar{secretEnv("KEY", "vault/setup-key")},
					[]corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "vault/setup"}}}}),
			}},
			want: []ref{
				{Kind: "Secret", Namespace: "vault", Name: "setup-key", Value: "vault/setup-key", Path: "spec.initContainers[0].env[0].valueFrom.secretKeyRef.name"},
				{Kind: "ConfigMap", Namespace: "vault", Name: "setup", Value: "vault/setup", Path: "spec.initContainers[0].envFrom[0].configMapRef.name"},
			},
		},
		{
			name: "field order: init containers, containers, volumes",
			spec: appsv1alpha1.SidecarSetSpec{
				Volumes:        []corev1.Volume{cmVolume("v", "ns/vol")},
				Containers:     []appsv1alpha1.SidecarContainer{sidecar("c", []corev1.EnvVar{cmEnv("C", "ns/ctr")}, nil)},
				InitContainers: []appsv1alpha1.SidecarContainer{sidecar("i", []corev1.EnvVar{cmEnv("I", "ns/init")}, nil)},
			},
			want: []ref{
				{Kind: "ConfigMap", Namespace: "ns", Name: "init", Value: "ns/init", Path: "spec.initContainers[0].env[0].valueFrom.configMapKeyRef.name"},
				{Kind: "ConfigMap", Namespace: "ns", Name: "ctr", Value: "ns/ctr", Path: "spec.containers[0].env[0].valueFrom.configMapKeyRef.name"},
				{Kind: "ConfigMap", Namespace: "ns", Name: "vol", Value: "ns/vol", Path: "spec.volumes[0].configMap.name"},
			},
		},
		{
			name: "local names are not cross-namespace",
			spec: appsv1alpha1.SidecarSetSpec{
				Volumes:    []corev1.Volume{cmVolume("a", "filebeat-config"), secretVolume("b", "tls"), projectedVolume("c")},
				Containers: []appsv1alpha1.SidecarContainer{sidecar("c", []corev1.EnvVar{cmEnv("A", "cfg"), secretEnv("B", "")}, nil)},
			},
			want: nil,
		},
		{
			name: "malformed values",
			spec: appsv1alpha1.SidecarSetSpec{Volumes: []corev1.Volume{
				cmVolume("two-slashes", "a/b/c"),
				cmVolume("no-namespace", "/x"),
				secretVolume("no-name", "x/"),
				cmVolume("bad-namespace", "Kube_System/cfg"),
				secretVolume("dotted-namespace", "kube.system/cfg"),
				cmVolume("bad-name", "kube-system/Filebeat_Config"),
			}},
			want: []ref{
				{Kind: "ConfigMap", Value: "a/b/c", Path: "spec.volumes[0].configMap.name", Problem: "more than one slash"},
				{Kind: "ConfigMap", Value: "/x", Path: "spec.volumes[1].configMap.name", Problem: "empty namespace before the slash"},
				{Kind: "Secret", Value: "x/", Path: "spec.volumes[2].secret.secretName", Problem: "empty name after the slash"},
				{Kind: "ConfigMap", Value: "Kube_System/cfg", Path: "spec.volumes[3].configMap.name",
					Problem: `namespace "Kube_System": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
				{Kind: "Secret", Value: "kube.system/cfg", Path: "spec.volumes[4].secret.secretName",
					Problem: `namespace "kube.system": must not contain dots`},
				{Kind: "ConfigMap", Value: "kube-system/Filebeat_Config", Path: "spec.volumes[5].configMap.name",
					Problem: `name "Filebeat_Config": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ss := &appsv1alpha1.SidecarSet{Spec: tc.spec}
			ss.Name = "test"
			got := binding.References(ss)
			if diff := cmp.Diff(tc.want, flatten(got)); diff != "" {
				t.Errorf("References (-want +got):\n%s", diff)
			}
			for _, r := range got {
				if r.Malformed() != (r.Problem != "") {
					t.Errorf("%s: Malformed() = %v with Problem %q", r.Path, r.Malformed(), r.Problem)
				}
			}
		})
	}
}

func TestReferencesSeed(t *testing.T) {
	t.Parallel()
	sets := readSidecarSets(t, "testdata/seed/filebeat-sidecarset.yaml")
	want := []ref{{Kind: "ConfigMap", Namespace: "kube-system", Name: "filebeat-config", Value: "kube-system/filebeat-config", Path: "spec.volumes[0].configMap.name"}}
	if diff := cmp.Diff(want, flatten(binding.References(sets[0]))); diff != "" {
		t.Errorf("References (-want +got):\n%s", diff)
	}
}

func TestReferencesNil(t *testing.T) {
	t.Parallel()
	if got := binding.References(nil); got != nil {
		t.Errorf("References(nil) = %v, want nil", got)
	}
}

func TestReferenceString(t *testing.T) {
	t.Parallel()
	ss := &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{Volumes: []corev1.Volume{
		cmVolume("ok", "kube-system/filebeat-config"), secretVolume("bad", "a/b/c"),
	}}}
	var got []string
	for _, r := range binding.References(ss) {
		got = append(got, r.String())
	}
	want := []string{"ConfigMap kube-system/filebeat-config", "Secret a/b/c"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}
}
