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
	exclude := metav1.LabelSelectorRequirement{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn,
		Values: []string{"kube-system", "sidecarctl-system"}}
	tests := []struct {
		name    string
		sets    []*appsv1alpha1.SidecarSet
		patches []translate.AppPatch
		mode    Mode
		want    [][2]*metav1.LabelSelector // object, namespace selector per pod webhook, in name order
	}{
		{name: "nothing can inject: no pod webhook"},
		{name: "empty selectors never match", sets: []*appsv1alpha1.SidecarSet{set("a", "", nil), set("b", "", map[string]string{})}},
		{
			name: "identical selectors share one webhook",
			sets: []*appsv1alpha1.SidecarSet{set("a", "", map[string]string{"app": "web"}), set("b", "", map[string]string{"app": "web"})},
			want: [][2]*metav1.LabelSelector{{{MatchLabels: map[string]string{"app": "web"}}, {MatchExpressions: []metav1.LabelSelectorRequirement{exclude}}}},
		},
		{
			name: "spec.namespace narrows the namespace selector",
			sets: []*appsv1alpha1.SidecarSet{set("a", "shop", map[string]string{"app": "web"})},
			want: [][2]*metav1.LabelSelector{{{MatchLabels: map[string]string{"app": "web"}},
				{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "shop"}, MatchExpressions: []metav1.LabelSelectorRequirement{exclude}}}},
		},
		{
			name: "kruise mode: SidecarSets with namespace/name references, for the mirror rewrite",
			mode: KruiseMode,
			sets: []*appsv1alpha1.SidecarSet{set("plain", "", map[string]string{"app": "web"}), func() *appsv1alpha1.SidecarSet {
				ss := set("crossns", "", map[string]string{"app": "logs"})
				ss.Spec.Volumes = []corev1.Volume{{Name: "c", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "kube-system/cfg"}}}}}
				return ss
			}()},
			want: [][2]*metav1.LabelSelector{{{MatchLabels: map[string]string{"app": "logs"}}, {MatchExpressions: []metav1.LabelSelectorRequirement{exclude}}}},
		},
		{
			name:    "kruise mode: only profiles",
			mode:    KruiseMode,
			sets:    []*appsv1alpha1.SidecarSet{set("a", "", map[string]string{"app": "web"})},
			patches: []translate.AppPatch{{Profile: "csi", Selector: map[string]string{"runtime.sidecarctl.dev/csi": "true"}}},
			want: [][2]*metav1.LabelSelector{{{MatchLabels: map[string]string{"runtime.sidecarctl.dev/csi": "true"}},
				{MatchExpressions: []metav1.LabelSelectorRequirement{exclude}}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := opts
			o.Mode = tc.mode
			cfg := MutatingWebhookConfiguration(tc.sets, tc.patches, o)
			var got [][2]*metav1.LabelSelector
			for _, wh := range cfg.Webhooks {
				if wh.Rules[0].Resources[0] != "pods" {
					continue
				}
				if *wh.FailurePolicy != admissionregistrationv1.Fail || *wh.ReinvocationPolicy != admissionregistrationv1.IfNeededReinvocationPolicy {
					t.Errorf("%s: want failurePolicy Fail and reinvocation IfNeeded", wh.Name)
				}
				if *wh.ClientConfig.Service.Path != PathMutatePod {
					t.Errorf("%s: path %s", wh.Name, *wh.ClientConfig.Service.Path)
				}
				got = append(got, [2]*metav1.LabelSelector{wh.ObjectSelector, wh.NamespaceSelector})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("pod webhooks (-want +got):\n%s", diff)
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
