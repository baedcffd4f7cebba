package sidecarset

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

func isHotUpgrade(sc *appsv1alpha1.SidecarContainer) bool {
	return sc.UpgradeStrategy.UpgradeType == appsv1alpha1.SidecarContainerHotUpgrade
}

// hotUpgradePair turns sidecar X into X-1 (working, real image) and X-2 (empty image), each
// with SIDECARSET_VERSION(_ALT) env read from the pod annotations this function returns
// (sidecarset/BEHAVIOUR.md §2.13).
func hotUpgradePair(sc *appsv1alpha1.SidecarContainer) ([2]corev1.Container, map[string]string) {
	var pair [2]corev1.Container
	annotations := map[string]string{}
	for i := range pair {
		c := *sc.Container.DeepCopy()
		c.Name = fmt.Sprintf("%s-%d", sc.Name, i+1)
		if i == 1 {
			c.Image = sc.UpgradeStrategy.HotUpgradeEmptyImage
		}
		c.Env = append(c.Env,
			corev1.EnvVar{Name: "SIDECARSET_VERSION", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
				FieldPath: fmt.Sprintf("metadata.annotations['%s%s']", AnnotationVersionPrefix, c.Name)}}},
			corev1.EnvVar{Name: "SIDECARSET_VERSION_ALT", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
				FieldPath: fmt.Sprintf("metadata.annotations['%s%s']", AnnotationVersionAltPrefix, c.Name)}}},
		)
		pair[i] = c
	}
	// "1" marks the working container of a first injection; the alt annotations let the
	// controller tell the pair apart during a hot upgrade.
	annotations[AnnotationVersionPrefix+pair[0].Name] = "1"
	annotations[AnnotationVersionPrefix+pair[1].Name] = "0"
	annotations[AnnotationVersionAltPrefix+pair[0].Name] = "0"
	annotations[AnnotationVersionAltPrefix+pair[1].Name] = "1"
	return pair, annotations
}
