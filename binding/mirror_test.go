package binding_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/sidecarctl/sidecarctl/binding"
	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/finding"
)

// referencingPod is a pod with a reference in every place RewriteToMirrors looks, plus a
// plain name and a malformed one it must leave alone. at maps each reference's field path and
// value to the value the pod gets: the identity for the input, the expected rewrites for the
// wanted pod.
func referencingPod(namespace string, labels map[string]string, at func(path, value string) string) *corev1.Pod {
	cm := func(path, value string) corev1.Volume { return cmVolume("v", at(path, value)) }
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: namespace, Labels: labels},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{
				cm("spec.volumes[0].configMap.name", "kube-system/filebeat-config"),
				cm("spec.volumes[1].configMap.name", "shop/local"),
				secretVolume("s", at("spec.volumes[2].secret.secretName", "kube-system/not-granted")),
				projectedVolume("p",
					corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{
						Name: at("spec.volumes[3].projected.sources[0].configMap.name", "kube-system/filebeat-config")}}},
					corev1.VolumeProjection{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{
						Name: at("spec.volumes[3].projected.sources[1].secret.name", "kube-system/es-credentials")}}}),
				cm("spec.volumes[4].configMap.name", "plain"),
				secretVolume("bad", at("spec.volumes[5].secret.secretName", "kube-system/a/b")),
			},
			InitContainers: []corev1.Container{{Name: "init", Env: []corev1.EnvVar{
				cmEnv("A", at("spec.initContainers[0].env[0].valueFrom.configMapKeyRef.name", "kube-system/filebeat-config")),
				{Name: "B", Value: "kube-system/filebeat-config"},
			}}},
			Containers: []corev1.Container{{Name: "app",
				Env: []corev1.EnvVar{secretEnv("C", at("spec.containers[0].env[0].valueFrom.secretKeyRef.name", "kube-system/es-credentials"))},
				EnvFrom: []corev1.EnvFromSource{
					{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{
						Name: at("spec.containers[0].envFrom[0].configMapRef.name", "kube-system/filebeat-config")}}},
					{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{
						Name: at("spec.containers[0].envFrom[1].secretRef.name", "shop/creds")}}},
				},
			}},
		},
	}
}

func TestRewriteToMirrors(t *testing.T) {
	t.Parallel()
	cm, sec := v1alpha1.ResourceKindConfigMap, v1alpha1.ResourceKindSecret
	filebeat := binding.MirrorName("kube-system", "filebeat-config")
	es := binding.MirrorName("kube-system", "es-credentials")
	granting := func(namespace, sidecarSet string, refs ...v1alpha1.ResourceRef) []v1alpha1.SidecarSetResourceBinding {
		return []v1alpha1.SidecarSetResourceBinding{newBinding(namespace, "b", subject(sidecarSet), refs...)}
	}
	authorized := granting("kube-system", "filebeat", configMap("filebeat-config"), secret("es-credentials"))
	all := []binding.Rewrite{
		{Kind: cm, Field: "spec.volumes[0].configMap.name", From: "kube-system/filebeat-config", To: filebeat},
		{Kind: cm, Field: "spec.volumes[1].configMap.name", From: "shop/local", To: "local"},
		{Kind: cm, Field: "spec.volumes[3].projected.sources[0].configMap.name", From: "kube-system/filebeat-config", To: filebeat},
		{Kind: sec, Field: "spec.volumes[3].projected.sources[1].secret.name", From: "kube-system/es-credentials", To: es},
		{Kind: cm, Field: "spec.initContainers[0].env[0].valueFrom.configMapKeyRef.name", From: "kube-system/filebeat-config", To: filebeat},
		{Kind: sec, Field: "spec.containers[0].env[0].valueFrom.secretKeyRef.name", From: "kube-system/es-credentials", To: es},
		{Kind: cm, Field: "spec.containers[0].envFrom[0].configMapRef.name", From: "kube-system/filebeat-config", To: filebeat},
		{Kind: sec, Field: "spec.containers[0].envFrom[1].secretRef.name", From: "shop/creds", To: "creds"},
	}
	ownNamespaceOnly := []binding.Rewrite{all[1], all[7]}

	tests := []struct {
		name      string
		namespace string
		labels    map[string]string
		bindings  []v1alpha1.SidecarSetResourceBinding
		want      []binding.Rewrite
	}{
		{name: "regular node: granted references to mirrors, own namespace to plain names",
			namespace: "shop", labels: map[string]string{"app": "web"}, bindings: authorized, want: all},
		{name: "virtual-node label false is a regular node",
			namespace: "shop", labels: map[string]string{"alibabacloud.com/eci": "false"}, bindings: authorized, want: all},
		{name: "a binding for another SidecarSet grants too: the pod does not say which SidecarSet injected",
			namespace: "shop", bindings: granting("kube-system", "fluent-bit", configMap("filebeat-config"), secret("es-credentials")), want: all},
		{name: "no binding: only the own namespace's references",
			namespace: "shop", want: ownNamespaceOnly},
		{name: "a binding grants only objects of its own namespace",
			namespace: "shop", bindings: granting("monitoring", "filebeat", configMap("filebeat-config"), secret("es-credentials")), want: ownNamespaceOnly},
		{name: "a binding without a namespace grants nothing",
			namespace: "shop", bindings: granting("", "filebeat", configMap("filebeat-config"), secret("es-credentials")), want: ownNamespaceOnly},
		{name: "a binding of the other kinds grants nothing",
			namespace: "shop", bindings: granting("kube-system", "filebeat", secret("filebeat-config"), configMap("es-credentials")), want: ownNamespaceOnly},
		{name: "pod in the source namespace: plain names, nothing mirrored",
			namespace: "kube-system", bindings: authorized, want: []binding.Rewrite{
				{Kind: cm, Field: "spec.volumes[0].configMap.name", From: "kube-system/filebeat-config", To: "filebeat-config"},
				{Kind: sec, Field: "spec.volumes[2].secret.secretName", From: "kube-system/not-granted", To: "not-granted"},
				{Kind: cm, Field: "spec.volumes[3].projected.sources[0].configMap.name", From: "kube-system/filebeat-config", To: "filebeat-config"},
				{Kind: sec, Field: "spec.volumes[3].projected.sources[1].secret.name", From: "kube-system/es-credentials", To: "es-credentials"},
				{Kind: cm, Field: "spec.initContainers[0].env[0].valueFrom.configMapKeyRef.name", From: "kube-system/filebeat-config", To: "filebeat-config"},
				{Kind: sec, Field: "spec.containers[0].env[0].valueFrom.secretKeyRef.name", From: "kube-system/es-credentials", To: "es-credentials"},
				{Kind: cm, Field: "spec.containers[0].envFrom[0].configMapRef.name", From: "kube-system/filebeat-config", To: "filebeat-config"},
			}},
		{name: "ECI pod: its kubelet resolves namespace/name",
			namespace: "shop", labels: map[string]string{"alibabacloud.com/eci": "true"}, bindings: authorized, want: nil},
		{name: "ACS pod", namespace: "shop", labels: map[string]string{"alibabacloud.com/acs": "true"}, bindings: authorized, want: nil},
		{name: "virtual-node pod", namespace: "shop", labels: map[string]string{"serverless.alibabacloud.com/virtual-node": "true"},
			bindings: authorized, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			to := map[string]string{}
			for _, r := range tc.want {
				to[r.Field] = r.To
			}
			pod := referencingPod(tc.namespace, tc.labels, func(_, value string) string { return value })
			wantPod := referencingPod(tc.namespace, tc.labels, func(path, value string) string {
				if v, ok := to[path]; ok {
					return v
				}
				return value
			})
			got := binding.RewriteToMirrors(pod, tc.bindings)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rewrites (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantPod, pod); diff != "" {
				t.Errorf("rewritten pod (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRewriteToMirrorsNilPod(t *testing.T) {
	t.Parallel()
	if got := binding.RewriteToMirrors(nil, nil); got != nil {
		t.Errorf("RewriteToMirrors(nil) = %v, want nil", got)
	}
}

func TestRewriteFinding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		rewrite      binding.Rewrite
		wantMirrored bool
		want         finding.Finding
	}{
		{
			name:         "mirror",
			rewrite:      binding.Rewrite{Kind: v1alpha1.ResourceKindConfigMap, Field: "spec.volumes[0].configMap.name", From: "kube-system/filebeat-config", To: "sidecarctl-kube-system.filebeat-config"},
			wantMirrored: true,
			want: finding.Finding{Severity: finding.Rewrite, Code: finding.ReferenceMirrored, Field: "spec.volumes[0].configMap.name",
				Message: "ConfigMap kube-system/filebeat-config at spec.volumes[0].configMap.name now names sidecarctl-kube-system.filebeat-config, the copy in the pod's namespace: a regular kubelet cannot mount an object of another namespace"},
		},
		{
			name:    "own namespace",
			rewrite: binding.Rewrite{Kind: v1alpha1.ResourceKindSecret, Field: "spec.containers[0].envFrom[1].secretRef.name", From: "shop/creds", To: "creds"},
			want: finding.Finding{Severity: finding.Rewrite, Code: finding.ReferenceMirrored, Field: "spec.containers[0].envFrom[1].secretRef.name",
				Message: "Secret shop/creds at spec.containers[0].envFrom[1].secretRef.name now names creds: the object is in the pod's own namespace, where a regular kubelet looks for it"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.rewrite.Mirrored(); got != tc.wantMirrored {
				t.Errorf("Mirrored = %v, want %v", got, tc.wantMirrored)
			}
			if diff := cmp.Diff(tc.want, tc.rewrite.Finding()); diff != "" {
				t.Errorf("Finding (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMirrorName(t *testing.T) {
	t.Parallel()
	// "sidecarctl-kube-system." is 23 characters; with a 230-character name the result is 253.
	fits := strings.Repeat("x", 230)
	// Too long for kube-system, and its 240th character is the dot, which must not stand
	// before the hash's '-'.
	long := strings.Repeat("a", 216) + "." + strings.Repeat("b", 40)
	sibling := strings.Repeat("a", 216) + "." + strings.Repeat("c", 40) // same text up to the cut
	tests := []struct {
		name      string
		namespace string
		in        string
		want      string // prefix of the result
		wantLen   int
	}{
		{name: "short", namespace: "kube-system", in: "filebeat-config", want: "sidecarctl-kube-system.filebeat-config", wantLen: 38},
		{name: "fits exactly", namespace: "kube-system", in: fits, want: "sidecarctl-kube-system." + fits, wantLen: 253},
		{name: "same name, other namespace", namespace: "kube-public", in: fits, want: "sidecarctl-kube-public." + fits, wantLen: 253},
		{name: "too long, cut after a dot", namespace: "kube-system", in: long, want: "sidecarctl-kube-system." + strings.Repeat("a", 216) + "-", wantLen: 252},
		{name: "too long, differs after the cut", namespace: "kube-system", in: sibling, want: "sidecarctl-kube-system." + strings.Repeat("a", 216) + "-", wantLen: 252},
		{name: "too long, longer namespace", namespace: "monitoring-and-logging", in: long, want: "sidecarctl-monitoring-and-logging.", wantLen: 253},
	}
	seen := map[string]string{}
	for _, tc := range tests {
		got := binding.MirrorName(tc.namespace, tc.in)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: MirrorName = %q, want it to start with %q", tc.name, got, tc.want)
		}
		if len(got) != tc.wantLen {
			t.Errorf("%s: len(MirrorName) = %d, want %d", tc.name, len(got), tc.wantLen)
		}
		if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
			t.Errorf("%s: MirrorName %q is not a valid object name: %v", tc.name, got, errs)
		}
		if got != binding.MirrorName(tc.namespace, tc.in) {
			t.Errorf("%s: MirrorName is not stable", tc.name)
		}
		if prev, ok := seen[got]; ok {
			t.Errorf("%s: MirrorName %q collides with the one for %q", tc.name, got, prev)
		}
		seen[got] = tc.namespace + "/" + tc.in
	}
}
