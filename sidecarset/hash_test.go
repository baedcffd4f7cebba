package sidecarset

import (
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// The vectors come from Kruise's own hash tests (pkg/control/sidecarcontrol/hash_test.go at
// v1.8.0), listed in sidecarset/BEHAVIOUR.md §3.3.
func TestHashVectors(t *testing.T) {
	t.Parallel()
	always := corev1.ContainerRestartPolicyAlways
	plain := appsv1alpha1.SidecarContainer{Container: corev1.Container{Name: "container1", Image: "test-image"}}
	native := plain
	native.RestartPolicy = &always
	docExample := appsv1alpha1.SidecarContainer{Container: corev1.Container{Name: "sidecar1", Image: "centos:6.7", Command: []string{"sleep", "999d"}}}
	defaulted := &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{Containers: []appsv1alpha1.SidecarContainer{docExample}}}
	Default(defaulted, KruiseV18)

	tests := []struct {
		name      string
		ss        *appsv1alpha1.SidecarSet
		withImage bool
		want      string
	}{
		{"single container", &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{Containers: []appsv1alpha1.SidecarContainer{plain}}}, true,
			"w26c4x8fz245642fdv499b464248f974xddx4x55z5dw55bc6x66464fxz77dc78"},
		{"plain init container does not count", &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{Containers: []appsv1alpha1.SidecarContainer{plain}, InitContainers: []appsv1alpha1.SidecarContainer{plain}}}, true,
			"w26c4x8fz245642fdv499b464248f974xddx4x55z5dw55bc6x66464fxz77dc78"},
		{"native init container counts", &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{Containers: []appsv1alpha1.SidecarContainer{plain}, InitContainers: []appsv1alpha1.SidecarContainer{native}}}, true,
			"4xwx4d4844vd4v9x79wb4xbxf4xb29475cc4446v8cz2c2f2f5c5bw448vd42z8w"},
		{"without image", &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{Containers: []appsv1alpha1.SidecarContainer{plain}}}, false,
			"8wzddb4dvv9c6x8zdc77z4z75987424f457dfv6724ddw6zbdx467wz5x24fc759"},
		{"defaulted doc example", defaulted, true, "2xd6x7272b8v26fc9fcc4zw47vwcvcv2fcd45d6xvb2w2cwdw9x4f74v495949z2"},
		{"defaulted doc example without image", defaulted, false, "4zv6464d6c4bb89d2298d2w2cww65d2d5f89bd72zcxw4dbcf85f44774f6c4794"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Hash(tc.ss, tc.withImage, KruiseV18)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Hash() = %s, want %s", got, tc.want)
			}
		})
	}
}
