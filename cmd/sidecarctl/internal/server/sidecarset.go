package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// SidecarSetDefaulter is the SidecarSet mutating webhook for clusters without Kruise: the
// defaults and hash annotations Kruise's own mutating webhook would write.
type SidecarSetDefaulter struct {
	Version sidecarset.Version
	Metrics *Metrics
}

// Handle defaults the SidecarSet.
func (h *SidecarSetDefaulter) Handle(_ context.Context, req admission.Request) admission.Response {
	start := time.Now()
	defer h.observe(start)
	before, fields, err := decodeSidecarSet(req.Object.Raw)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	ss := before.DeepCopy()
	if err := sidecarset.MutateWithFields(ss, fields, h.Version); err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	// Fields the types do not know (a newer Kruise's, a newer Kubernetes container field)
	// keep their raw value: the patch only adds what defaulting adds.
	return losslessResponse(req.Object.Raw, before, ss)
}

func (h *SidecarSetDefaulter) observe(start time.Time) {
	if h.Metrics != nil {
		h.Metrics.Latency.WithLabelValues("sidecarset-defaulting").Observe(time.Since(start).Seconds())
	}
}

// SidecarSetValidator is the SidecarSet validating webhook: Kruise's rules against the other
// SidecarSets of the cluster, plus binding authorization of namespace/name references.
type SidecarSetValidator struct {
	Snapshot *Snapshot
	Metrics  *Metrics
}

// Handle validates a SidecarSet create or update.
func (h *SidecarSetValidator) Handle(ctx context.Context, req admission.Request) admission.Response {
	start := time.Now()
	resp := h.handle(ctx, req)
	if h.Metrics != nil {
		result := "allowed"
		if !resp.Allowed {
			result = "denied"
		}
		h.Metrics.Admissions.WithLabelValues("sidecarset", result).Inc()
		h.Metrics.Latency.WithLabelValues("sidecarset").Observe(time.Since(start).Seconds())
	}
	return resp
}

func (h *SidecarSetValidator) handle(ctx context.Context, req admission.Request) admission.Response {
	ss, fields, err := decodeSidecarSet(req.Object.Raw)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	var old *appsv1alpha1.SidecarSet
	if len(req.OldObject.Raw) > 0 {
		if old, _, err = decodeSidecarSet(req.OldObject.Raw); err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
	}
	// Fresh: the SidecarSets and bindings the cache delivered before this request, such as
	// the binding applied just before the SidecarSet it authorizes.
	view, err := h.Snapshot.Fresh(ctx)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	errs, findings := view.State.ValidateSidecarSet(ss, old, fields)
	var warnings []string
	for _, f := range findings {
		warnings = append(warnings, f.Message)
	}
	if len(errs) > 0 {
		return admission.Errored(http.StatusUnprocessableEntity,
			apierrors.NewInvalid(appsv1alpha1.SchemeGroupVersion.WithKind("SidecarSet").GroupKind(), ss.Name, errs)).WithWarnings(warnings...)
	}
	return admission.Allowed("").WithWarnings(warnings...)
}

// decodeSidecarSet reads a SidecarSet of an admission request as every other path reads one
// (pipeline.Decode): either served version, with Kruise v1.9's sidecar fields, which
// kruise-api's types lack, taken off into fields so that defaulting hashes them and
// validation applies their rules.
func decodeSidecarSet(raw []byte) (*appsv1alpha1.SidecarSet, *kruisev1beta1.Fields, error) {
	// Case-sensitive, duplicates refused, integers kept (decodeObject), as the API server.
	var m map[string]any
	if err := decodeObject(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("decode SidecarSet: %w", err)
	}
	obj := &unstructured.Unstructured{Object: m}
	in, err := pipeline.Decode([]pipeline.Item{{Object: obj, Source: "SidecarSet " + obj.GetName()}})
	if err != nil {
		return nil, nil, err
	}
	if len(in.Creations) != 1 || in.Creations[0].SidecarSet == nil {
		return nil, nil, fmt.Errorf("decode SidecarSet: the request holds a %s", obj.GroupVersionKind())
	}
	return in.Creations[0].SidecarSet, in.Creations[0].Fields, nil
}
