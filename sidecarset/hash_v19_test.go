package sidecarset

import (
	"strings"
	"testing"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
)

// TestHashWithFields checks the hash vectors of Kruise v1.9.0's new sidecar fields
// (pkg/control/sidecarcontrol/hash_test.go at v1.9.0; sidecarset/BEHAVIOUR.md §8.7): the
// fields count from v1.9 only, at their place in the sidecar's JSON.
func TestHashWithFields(t *testing.T) {
	t.Parallel()
	ss := &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{Containers: []appsv1alpha1.SidecarContainer{
		{Container: corev1.Container{Name: "container1", Image: "test-image"}}}}}
	fields := func(cf kruisev1beta1.ContainerFields) *kruisev1beta1.Fields {
		f := &kruisev1beta1.Fields{}
		f.Set(false, "container1", cf)
		return f
	}
	policy := &kruisev1beta1.ResourcesPolicy{TargetContainersMode: kruisev1beta1.ModeSum, TargetContainersNameRegex: ".*",
		ResourcesExpr: kruisev1beta1.ResourcesExpr{Limits: &kruisev1beta1.ResourceExprList{CPU: "cpu*50%"}}}
	tests := []struct {
		name              string
		fields            *kruisev1beta1.Fields
		v                 Version
		want, wantNoImage string
	}{
		{"plain", nil, KruiseV19, "w26c4x8fz245642fdv499b464248f974xddx4x55z5dw55bc6x66464fxz77dc78", ""},
		{"shareVolumeDevicePolicy {}", fields(kruisev1beta1.ContainerFields{ShareVolumeDevicePolicy: &appsv1alpha1.ShareVolumePolicy{}}), KruiseV19,
			"fb4fzc6w2cxcvwdddbzzbzxx864c44fcc464f544vwzvb29vvfw9x6vzd42xwcfc", "ff4bz4d952d28z77w4zdc848v4w9w44xx9xfwd8c98v84782zwv62z8bx62f9c5d"},
		{"shareVolumeDevicePolicy enabled", fields(kruisev1beta1.ContainerFields{ShareVolumeDevicePolicy: &appsv1alpha1.ShareVolumePolicy{Type: appsv1alpha1.ShareVolumePolicyEnabled}}), KruiseV19,
			"d4f44vdd6db928c2844x45v48f96427d4d44v5569967dd7w8fc694fb8wwbv494", ""},
		{"resourcesPolicy", fields(kruisev1beta1.ContainerFields{ResourcesPolicy: policy}), KruiseV19,
			"bd8644d7ddz67cv8bzzwwzw2z2f87w5zf44w674x8bc47z2xc27z4zz489f85w25", "494wz4224ccfc4d46wx9w866ff42854xfdx79c549d8vfb4c95xvd7xx98w25b4b"},
		{"v1.8 removes the fields", fields(kruisev1beta1.ContainerFields{ResourcesPolicy: policy}), KruiseV18,
			"w26c4x8fz245642fdv499b464248f974xddx4x55z5dw55bc6x66464fxz77dc78", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := HashWithFields(ss, tc.fields, true, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("hash = %s, want %s", got, tc.want)
			}
			if tc.wantNoImage == "" {
				return
			}
			if got, _ := HashWithFields(ss, tc.fields, false, tc.v); got != tc.wantNoImage {
				t.Errorf("without-image hash = %s, want %s", got, tc.wantNoImage)
			}
		})
	}
}

// TestRevisionWithFields: a SidecarSet without the new fields records the same
// ControllerRevision in v1.8 and v1.9 (sidecarset/BEHAVIOUR.md §8.7); in v1.9 the fields are
// part of the stored containers, so its name changes with them, and the data carries them.
func TestRevisionWithFields(t *testing.T) {
	t.Parallel()
	ss := &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{Containers: []appsv1alpha1.SidecarContainer{
		{Container: corev1.Container{Name: "container1", Image: "test-image"}}}}}
	ss.Name = "ss1"
	f := &kruisev1beta1.Fields{}
	f.Set(false, "container1", kruisev1beta1.ContainerFields{ShareVolumeDevicePolicy: &appsv1alpha1.ShareVolumePolicy{Type: "enabled"}})
	name := func(f *kruisev1beta1.Fields, v Version) (string, string) {
		cr, err := NewControllerRevisionWithFields(ss, f, nil, v)
		if err != nil {
			t.Fatal(err)
		}
		return cr.Name, string(cr.Data.Raw)
	}
	plain18, _ := name(nil, KruiseV18)
	plain19, _ := name(nil, KruiseV19)
	fields18, _ := name(f, KruiseV18)
	fields19, data := name(f, KruiseV19)
	if plain18 != plain19 || fields18 != plain18 {
		t.Errorf("names %s (v1.8), %s (v1.9), %s (v1.8 with fields): want one name", plain18, plain19, fields18)
	}
	if fields19 == plain19 {
		t.Errorf("v1.9 with shareVolumeDevicePolicy: name %s unchanged", fields19)
	}
	if want := `"shareVolumeDevicePolicy":{"type":"enabled"}`; !strings.Contains(data, want) {
		t.Errorf("data %s lacks %s", data, want)
	}
}
