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

func TestMergePatchKruise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, patch, want, wantErr string
	}{
		{name: "sibling keys compose, top level sorted", doc: `{"log-agent":1}`, patch: `{"envoy":2}`, want: `{"envoy":2,"log-agent":1}`},
		{name: "untouched values keep their text", doc: `{"u":"x","k":{"z":1,"a":2},"n":1.0,"big":12345678901234567890}`, patch: `{"b":2}`,
			want: `{"b":2,"big":12345678901234567890,"k":{"z":1,"a":2},"n":1.0,"u":"x"}`},
		{name: "opened objects are re-encoded sorted", doc: `{"k":{"z":1,"a":2}}`, patch: `{"k":{"m":3}}`, want: `{"k":{"a":2,"m":3,"z":1}}`},
		{name: "null deletes", doc: `{"c":3,"a":1}`, patch: `{"b":2,"a":null}`, want: `{"b":2,"c":3}`},
		{name: "nulls pruned from added objects", doc: `{}`, patch: `{"x":{"y":null,"z":1}}`, want: `{"x":{"z":1}}`},
		{name: "string patch is invalid", doc: `{"a":1}`, patch: `"str"`, wantErr: "Invalid JSON Patch"},
		{name: "non-JSON document", doc: `old`, patch: `{"a":1}`, wantErr: "Invalid JSON Document"},
		{name: "non-object document is replaced", doc: `"old"`, patch: `{"a":1,"b":null}`, want: `{"a":1}`},
		{name: "array patch", doc: `{"a":1}`, patch: `[1,null,{"b":null}]`, want: `[1,{}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := mergePatchKruise(tc.doc, tc.patch)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}
