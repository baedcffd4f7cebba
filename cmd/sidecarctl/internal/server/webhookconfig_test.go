package server

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/translate"
)

func set(name, ns string, sel map[string]string) *appsv1alpha1.SidecarSet {
	ss := &appsv1alpha1.SidecarSet{ObjectMeta: metav1.ObjectMeta{Name: name}}
	ss.Spec.Namespace = ns
	if sel != nil {
		ss.Spec.Selector = &metav1.LabelSelector{MatchLabels: sel}
	}
	return ss
}

func TestPodWebhookScopes(t *testing.T) {
	t.Parallel()
	opts := WebhookConfigOptions{Name: "sidecarctl", ServiceNamespace: "sidecarctl-system", ServiceName: "sidecarctl-webhook",
		ExcludeNamespaces: []string{"kube-system", "sidecarctl-system"}}
	exclude := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "kubernetes.io/metadata.name",
		Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system", "sidecarctl-system"}}}}
	tests := []struct {
		name    string
		sets    []*appsv1alpha1.SidecarSet
		patches []translate.AppPatch
		mode    Mode
		want    *string // the pod webhook's one match condition; nil: no pod webhook
	}{
		{name: "nothing can inject: no pod webhook"},
		{name: "empty selectors never match", sets: []*appsv1alpha1.SidecarSet{set("a", "", nil), set("b", "", map[string]string{})}},
		{
			name: "selectors sharing a key share it; spec.namespace is left to the handler",
			sets: []*appsv1alpha1.SidecarSet{set("a", "", map[string]string{"app": "web"}), set("b", "shop", map[string]string{"app": "db"})},
			want: ptr(`has(object.metadata.labels) && {"app": ["db", "web"]}.exists(k, vs, k in object.metadata.labels && ("*" in vs || object.metadata.labels[k] in vs))`),
		},
		{
			name: "kruise mode: SidecarSets with namespace/name references, for the mirror rewrite",
			mode: KruiseMode,
			sets: []*appsv1alpha1.SidecarSet{set("plain", "", map[string]string{"plain": "web"}), func() *appsv1alpha1.SidecarSet {
				ss := set("crossns", "", map[string]string{"logs": "on"})
				ss.Spec.Volumes = []corev1.Volume{{Name: "c", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "kube-system/cfg"}}}}}
				return ss
			}()},
			want: ptr(`has(object.metadata.labels) && {"logs": ["on"]}.exists(k, vs, k in object.metadata.labels && ("*" in vs || object.metadata.labels[k] in vs))`),
		},
		{
			name:    "kruise mode: only profiles",
			mode:    KruiseMode,
			sets:    []*appsv1alpha1.SidecarSet{set("a", "", map[string]string{"app": "web"})},
			patches: []translate.AppPatch{{Profile: "csi", Selector: map[string]string{"runtime.sidecarctl.dev/csi": "true"}}},
			want:    ptr(`has(object.metadata.labels) && {"runtime.sidecarctl.dev/csi": ["true"]}.exists(k, vs, k in object.metadata.labels && ("*" in vs || object.metadata.labels[k] in vs))`),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := opts
			o.Mode = tc.mode
			cfg := MutatingWebhookConfiguration(tc.sets, tc.patches, o)
			wh, ok := podWebhook(t, cfg)
			if ok != (tc.want != nil) {
				t.Fatalf("pod webhook present = %t, want %t", ok, tc.want != nil)
			}
			if ok {
				if *wh.FailurePolicy != admissionregistrationv1.Fail || *wh.ReinvocationPolicy != admissionregistrationv1.IfNeededReinvocationPolicy {
					t.Errorf("%s: want failurePolicy Fail and reinvocation IfNeeded", wh.Name)
				}
				if *wh.ClientConfig.Service.Path != PathMutatePod {
					t.Errorf("%s: path %s", wh.Name, *wh.ClientConfig.Service.Path)
				}
				if diff := cmp.Diff(exclude, wh.NamespaceSelector); diff != "" {
					t.Errorf("namespaceSelector (-want +got):\n%s", diff)
				}
				want := []admissionregistrationv1.MatchCondition{{Name: podConditionName, Expression: *tc.want}}
				if diff := cmp.Diff(want, wh.MatchConditions); diff != "" {
					t.Errorf("match conditions (-want +got):\n%s", diff)
				}
			}
			sidecarSetWebhook := false
			for _, wh := range cfg.Webhooks {
				sidecarSetWebhook = sidecarSetWebhook || wh.Rules[0].Resources[0] == "sidecarsets"
			}
			if sidecarSetWebhook != (tc.mode != KruiseMode) {
				t.Errorf("SidecarSet defaulting webhook present = %t in mode %q", sidecarSetWebhook, tc.mode)
			}
		})
	}
}
