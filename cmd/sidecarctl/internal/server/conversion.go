package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
)

// PathConvertSidecarSet is where the SidecarSet CRD's conversion webhook points in standalone
// mode (Kruise v1.9 serves its own at /convert: sidecarset/BEHAVIOUR.md §8).
const PathConvertSidecarSet = "/convert-sidecarset"

// maxConversionBody bounds a ConversionReview: the API server sends a whole list page in one
// review, so it is larger than one object's 1.5 MiB, but never unbounded.
const maxConversionBody = 64 << 20

// SidecarSetConverter is the SidecarSet CRD's conversion webhook: it converts between
// apps.kruise.io/v1alpha1 and v1beta1 as Kruise v1.9 does (kruisev1beta1.Convert), on
// unstructured objects, so fields its types do not know pass through.
type SidecarSetConverter struct {
	Metrics *Metrics
}

// ServeHTTP answers one apiextensions.k8s.io/v1 ConversionReview.
func (h *SidecarSetConverter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxConversionBody+1))
	if err != nil {
		http.Error(w, fmt.Sprintf("read ConversionReview: %v", err), http.StatusBadRequest)
		return
	}
	if len(body) > maxConversionBody {
		http.Error(w, fmt.Sprintf("ConversionReview larger than %d bytes", maxConversionBody), http.StatusRequestEntityTooLarge)
		return
	}
	var review apiextensionsv1.ConversionReview
	if err := json.Unmarshal(body, &review); err != nil {
		http.Error(w, fmt.Sprintf("decode ConversionReview: %v", err), http.StatusBadRequest)
		return
	}
	if review.Request == nil {
		http.Error(w, "ConversionReview without a request", http.StatusBadRequest)
		return
	}
	review.Response = ConvertSidecarSets(review.Request)
	review.Request = nil
	result := "converted"
	if review.Response.Result.Status != metav1.StatusSuccess {
		result = "error"
	}
	if h.Metrics != nil {
		h.Metrics.Admissions.WithLabelValues("sidecarset-conversion", result).Inc()
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(&review); err != nil {
		http.Error(w, fmt.Sprintf("encode ConversionReview: %v", err), http.StatusInternalServerError)
	}
}

// ConvertSidecarSets converts every object of req to req.DesiredAPIVersion. One object that
// cannot be converted fails the whole review, as the API server requires: it never stores a
// partial conversion.
func ConvertSidecarSets(req *apiextensionsv1.ConversionRequest) *apiextensionsv1.ConversionResponse {
	resp := &apiextensionsv1.ConversionResponse{UID: req.UID, Result: metav1.Status{Status: metav1.StatusSuccess}}
	for i, raw := range req.Objects {
		out, err := convertOne(raw.Raw, req.DesiredAPIVersion)
		if err != nil {
			resp.ConvertedObjects = nil
			resp.Result = metav1.Status{Status: metav1.StatusFailure, Message: fmt.Sprintf("objects[%d]: %v", i, err)}
			return resp
		}
		resp.ConvertedObjects = append(resp.ConvertedObjects, runtime.RawExtension{Raw: out})
	}
	return resp
}

func convertOne(raw []byte, apiVersion string) ([]byte, error) {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	// Numbers keep their text: a conversion must not turn an unknown field's large integer
	// into a float.
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	if kind, _ := obj["kind"].(string); kind != kruisev1beta1.Kind {
		return nil, fmt.Errorf("kind %q: this webhook converts only %s", kind, kruisev1beta1.Kind)
	}
	converted, err := kruisev1beta1.Convert(obj, apiVersion)
	if err != nil {
		return nil, err
	}
	return json.Marshal(converted)
}
