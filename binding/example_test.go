package binding_test

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/binding"
	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

// A SidecarSet for pods on regular nodes that mounts a ConfigMap of
// kube-system without a binding: an error (no binding) and a warning (a
// regular kubelet cannot mount it).
func ExampleCheck() {
	ss := &appsv1alpha1.SidecarSet{
		ObjectMeta: metav1.ObjectMeta{Name: "filebeat"},
		Spec: appsv1alpha1.SidecarSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "echo-server"}},
			Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-system/filebeat-config"}},
			}}},
		},
	}
	for _, f := range binding.Check(ss, nil) {
		fmt.Println(f.Severity, f.Code, f.Field)
	}
	// Output:
	// error unauthorized_reference spec.volumes[0].configMap.name
	// warning cross_namespace_on_regular_node spec.volumes[0].configMap.name
}

func ExampleMinimal() {
	ss := &appsv1alpha1.SidecarSet{
		ObjectMeta: metav1.ObjectMeta{Name: "filebeat"},
		Spec: appsv1alpha1.SidecarSetSpec{
			Volumes: []corev1.Volume{
				{Name: "config", VolumeSource: corev1.VolumeSource{
					ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-system/filebeat-config"}},
				}},
				{Name: "creds", VolumeSource: corev1.VolumeSource{
					Secret: &corev1.SecretVolumeSource{SecretName: "kube-system/es-credentials"},
				}},
			},
		},
	}
	for _, b := range binding.Minimal([]*appsv1alpha1.SidecarSet{ss}) {
		fmt.Printf("%s/%s grants SidecarSet %s:\n", b.Namespace, b.Name, b.Spec.Subjects[0].Name)
		for _, r := range b.Spec.ResourceRefs {
			fmt.Println(" ", r.Kind, r.Name)
		}
	}
	// Output:
	// kube-system/sidecarctl-filebeat grants SidecarSet filebeat:
	//   ConfigMap filebeat-config
	//   Secret es-credentials
}

func ExampleValidateBinding() {
	b := &v1alpha1.SidecarSetResourceBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "filebeat", Namespace: "kube-system"},
		Spec: v1alpha1.SidecarSetResourceBindingSpec{
			Subjects:     []v1alpha1.Subject{{Kind: "SidecarSet", Name: "filebeat"}},
			ResourceRefs: []v1alpha1.ResourceRef{{Kind: "Service", Name: "elasticsearch"}},
		},
	}
	for _, err := range binding.ValidateBinding(b) {
		fmt.Println(err)
	}
	// Output:
	// spec.resourceRefs[0].kind: Unsupported value: "Service": supported values: "ConfigMap", "Secret"
}
