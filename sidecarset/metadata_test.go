package sidecarset

import (
	"testing"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPatchPodMetadataMergeSortsKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, existing string
		patches        []string
		want           string
	}{
		{"two sets compose", "", []string{`{"log-agent":1}`, `{"envoy":2}`}, `{"envoy":2,"log-agent":1}`},
		{"null removes a key", `{"c":3,"a":1}`, []string{`{"b":2,"a":null}`}, `{"b":2,"c":3}`},
		{"first value is verbatim", "", []string{`{"z":1, "a":2}`}, `{"z":1, "a":2}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{}}}
			if tc.existing != "" {
				pod.Annotations["key1"] = tc.existing
			}
			for _, p := range tc.patches {
				ss := &appsv1alpha1.SidecarSet{Spec: appsv1alpha1.SidecarSetSpec{PatchPodMetadata: []appsv1alpha1.SidecarSetPatchPodMetadata{{
					Annotations: map[string]string{"key1": p}, PatchPolicy: appsv1alpha1.SidecarSetMergePatchJsonPatchPolicy}}}}
				if err := patchPodMetadata(pod, ss); err != nil {
					t.Fatal(err)
				}
			}
			if got := pod.Annotations["key1"]; got != tc.want {
				t.Errorf("key1 = %s, want %s", got, tc.want)
			}
		})
	}
}

// encodeHashes must write what encoding/json writes, byte for byte.
func TestEncodeHashesMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	now := metav1.NewTime(time.Date(2024, 5, 1, 8, 0, 0, 0, time.FixedZone("x", 3600)))
	tests := []map[string]hashEntry{
		{},
		{"b": {UpdateTimestamp: now, Hash: "h1", SidecarSetName: "b", SidecarList: []string{"x", "y"}, ControllerRevision: "b-123"},
			"a": {Hash: "h0", SidecarSetName: "a"}},
		{"odd<&>\"name\u2028": {UpdateTimestamp: now, Hash: "é\n", SidecarSetName: "tab\there", SidecarList: []string{}}},
	}
	for i, m := range tests {
		if got, want := encodeHashes(m), encodeJSON(m); got != want {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
