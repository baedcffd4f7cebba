package server

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

func filebeatSet(selector map[string]string) *appsv1alpha1.SidecarSet {
	return &appsv1alpha1.SidecarSet{
		ObjectMeta: metav1.ObjectMeta{Name: "filebeat"},
		Spec: appsv1alpha1.SidecarSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-system/filebeat-config"}}}}},
		},
	}
}

var filebeatBinding = bindingv1alpha1.SidecarSetResourceBinding{
	ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "kube-system"},
	Spec: bindingv1alpha1.SidecarSetResourceBindingSpec{
		Subjects:     []bindingv1alpha1.Subject{{Kind: bindingv1alpha1.SubjectKindSidecarSet, Name: "filebeat"}},
		ResourceRefs: []bindingv1alpha1.ResourceRef{{Kind: bindingv1alpha1.ResourceKindConfigMap, Name: "filebeat-config"}},
	},
}

func TestDesiredMirrors(t *testing.T) {
	t.Parallel()
	namespaces := []*corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, {ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "sidecarctl-system"}}}
	src := client.ObjectKey{Namespace: "kube-system", Name: "filebeat-config"}
	tests := []struct {
		name     string
		set      *appsv1alpha1.SidecarSet
		bindings []bindingv1alpha1.SidecarSetResourceBinding
		want     []mirrorKey
	}{
		{"authorized: every eligible namespace but the source's and excluded ones", filebeatSet(map[string]string{"app": "web"}),
			[]bindingv1alpha1.SidecarSetResourceBinding{filebeatBinding},
			[]mirrorKey{{kind: bindingv1alpha1.ResourceKindConfigMap, targetNamespace: "shop", source: src}}},
		{"no binding: nothing is copied", filebeatSet(map[string]string{"app": "web"}), nil, nil},
		{"virtual-node only: the kubelet reads namespace/name itself", filebeatSet(map[string]string{"alibabacloud.com/eci": "true"}),
			[]bindingv1alpha1.SidecarSetResourceBinding{filebeatBinding}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := desiredMirrors([]*appsv1alpha1.SidecarSet{tc.set}, tc.bindings, namespaces, map[string]bool{"sidecarctl-system": true})
			var keys []mirrorKey
			for k := range got {
				keys = append(keys, k)
			}
			if diff := cmp.Diff(tc.want, keys, cmp.AllowUnexported(mirrorKey{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
