package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sidecarctl/sidecarctl/config/manifests"
)

func TestConversionPathMatchesManifest(t *testing.T) {
	if PathConvertSidecarSet != manifests.ConversionPath {
		t.Errorf("server converts at %q, the CRD of without-kruise calls %q", PathConvertSidecarSet, manifests.ConversionPath)
	}
}

// TestSidecarSetConverter sends ConversionReviews as the API server does and checks each
// converted object, byte for byte where it matters: unknown fields and their number text kept.
func TestSidecarSetConverter(t *testing.T) {
	const alpha = `{"apiVersion":"apps.kruise.io/v1alpha1","kind":"SidecarSet","metadata":{"name":"a",` +
		`"labels":{"apps.kruise.io/sidecarset-custom-version":"v2","team":"x"}},` +
		`"spec":{"namespace":"ns1","x-big":12345678901234567890,"containers":[{"name":"c","image":"i","x-new":{"deep":1.50}}]}}`
	const beta = `{"apiVersion":"apps.kruise.io/v1beta1","kind":"SidecarSet","metadata":{"name":"b"},` +
		`"spec":{"customVersion":"v7","namespaceSelector":{"matchLabels":{"team":"a"}}}}`
	tests := []struct {
		name    string
		desired string
		objects []string
		want    []string
		failure string
	}{
		{
			name:    "v1alpha1 to v1beta1",
			desired: "apps.kruise.io/v1beta1",
			objects: []string{alpha},
			want: []string{`{"apiVersion":"apps.kruise.io/v1beta1","kind":"SidecarSet","metadata":{"labels":{"team":"x"},"name":"a"},` +
				`"spec":{"containers":[{"image":"i","name":"c","x-new":{"deep":1.50}}],"customVersion":"v2",` +
				`"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"ns1"}},"x-big":12345678901234567890}}`},
		},
		{
			name:    "v1beta1 to v1alpha1",
			desired: "apps.kruise.io/v1alpha1",
			objects: []string{beta},
			want: []string{`{"apiVersion":"apps.kruise.io/v1alpha1","kind":"SidecarSet","metadata":{"labels":{"apps.kruise.io/sidecarset-custom-version":"v7"},"name":"b"},` +
				`"spec":{"namespaceSelector":{"matchLabels":{"team":"a"}}}}`},
		},
		{
			name:    "a list, in order",
			desired: "apps.kruise.io/v1beta1",
			objects: []string{beta, alpha},
			want:    nil, // checked by count below
		},
		{
			name:    "another kind fails the whole review",
			desired: "apps.kruise.io/v1beta1",
			objects: []string{alpha, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}`},
			failure: `objects[1]: kind "Pod": this webhook converts only SidecarSet`,
		},
		{
			name:    "an unknown version",
			desired: "apps.kruise.io/v2",
			objects: []string{alpha},
			failure: `objects[0]: convert SidecarSet from "apps.kruise.io/v1alpha1" to "apps.kruise.io/v2"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &apiextensionsv1.ConversionReview{TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "ConversionReview"},
				Request: &apiextensionsv1.ConversionRequest{UID: "u1", DesiredAPIVersion: tc.desired}}
			for _, o := range tc.objects {
				req.Request.Objects = append(req.Request.Objects, runtime.RawExtension{Raw: []byte(o)})
			}
			body, _ := json.Marshal(req)
			rec := httptest.NewRecorder()
			(&SidecarSetConverter{}).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, PathConvertSidecarSet, bytes.NewReader(body)))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var got apiextensionsv1.ConversionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Response == nil || got.Response.UID != "u1" || got.Request != nil {
				t.Fatalf("response = %+v, want one for uid u1 and no request", got)
			}
			if tc.failure != "" {
				if got.Response.Result.Status != metav1.StatusFailure || !strings.Contains(got.Response.Result.Message, tc.failure) ||
					len(got.Response.ConvertedObjects) != 0 {
					t.Errorf("result %+v with %d objects, want a failure saying %q and no objects", got.Response.Result,
						len(got.Response.ConvertedObjects), tc.failure)
				}
				return
			}
			if got.Response.Result.Status != metav1.StatusSuccess || len(got.Response.ConvertedObjects) != len(tc.objects) {
				t.Fatalf("result %+v with %d objects, want success with %d", got.Response.Result, len(got.Response.ConvertedObjects), len(tc.objects))
			}
			for i, w := range tc.want {
				if g := string(got.Response.ConvertedObjects[i].Raw); g != w {
					t.Errorf("object %d:\n got %s\nwant %s", i, g, w)
				}
			}
			for i, o := range got.Response.ConvertedObjects {
				var meta metav1.TypeMeta
				_ = json.Unmarshal(o.Raw, &meta)
				if meta.APIVersion != tc.desired {
					t.Errorf("object %d in %s, want %s", i, meta.APIVersion, tc.desired)
				}
			}
		})
	}
}

func TestSidecarSetConverterRefusesBadRequests(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":          "{",
		"no request":        `{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview"}`,
		"wrong field types": `{"request":{"uid":3}}`,
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			(&SidecarSetConverter{}).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, PathConvertSidecarSet, strings.NewReader(body)))
			if rec.Code != http.StatusBadRequest {
				t.Errorf("status %d, want 400: %s", rec.Code, rec.Body)
			}
		})
	}
}
