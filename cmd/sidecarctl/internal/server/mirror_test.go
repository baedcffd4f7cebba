package server

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
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
	ns := func(name string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelMetadataName: name}}}
	}
	namespaces := []*corev1.Namespace{ns("shop"), ns("other"), ns("kube-system"), ns("sidecarctl-system")}
	src := client.ObjectKey{Namespace: "kube-system", Name: "filebeat-config"}
	shopOnly := filebeatSet(map[string]string{"app": "web"})
	shopOnly.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "shop"}}
	tests := []struct {
		name     string
		set      *appsv1alpha1.SidecarSet
		bindings []bindingv1alpha1.SidecarSetResourceBinding
		version  sidecarset.Version
		want     []mirrorKey
	}{
		{"authorized: every eligible namespace but the source's and excluded ones", filebeatSet(map[string]string{"app": "web"}),
			[]bindingv1alpha1.SidecarSetResourceBinding{filebeatBinding}, "",
			[]mirrorKey{{kind: bindingv1alpha1.ResourceKindConfigMap, targetNamespace: "other", source: src},
				{kind: bindingv1alpha1.ResourceKindConfigMap, targetNamespace: "shop", source: src}}},
		{"no binding: nothing is copied", filebeatSet(map[string]string{"app": "web"}), nil, "", nil},
		{"virtual-node only: the kubelet reads namespace/name itself", filebeatSet(map[string]string{"alibabacloud.com/eci": "true"}),
			[]bindingv1alpha1.SidecarSetResourceBinding{filebeatBinding}, "", nil},
		{"namespaceSelector: only the namespaces it selects", shopOnly, []bindingv1alpha1.SidecarSetResourceBinding{filebeatBinding}, "",
			[]mirrorKey{{kind: bindingv1alpha1.ResourceKindConfigMap, targetNamespace: "shop", source: src}}},
		{"namespaceSelector in v1.3: pruned, every namespace", shopOnly, []bindingv1alpha1.SidecarSetResourceBinding{filebeatBinding}, sidecarset.KruiseV13,
			[]mirrorKey{{kind: bindingv1alpha1.ResourceKindConfigMap, targetNamespace: "other", source: src},
				{kind: bindingv1alpha1.ResourceKindConfigMap, targetNamespace: "shop", source: src}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := &pipeline.Input{Namespaces: namespaces, Creations: []pipeline.Creation{{SidecarSet: tc.set, Source: "test"}}}
			for i := range tc.bindings {
				in.Bindings = append(in.Bindings, pipeline.Sourced[*bindingv1alpha1.SidecarSetResourceBinding]{Object: &tc.bindings[i]})
			}
			st, err := pipeline.Admit(in, pipeline.Options{Trust: pipeline.Stored, Engine: sidecarset.Options{Version: tc.version}})
			if err != nil {
				t.Fatal(err)
			}
			got := desiredMirrors(st, namespaces, map[string]bool{"sidecarctl-system": true})
			var keys []mirrorKey
			for k := range got {
				keys = append(keys, k)
			}
			slices.SortFunc(keys, func(a, b mirrorKey) int { return strings.Compare(a.targetNamespace, b.targetNamespace) })
			if diff := cmp.Diff(tc.want, keys, cmp.AllowUnexported(mirrorKey{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
