package server

import (
	"context"
	"net/http"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

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
	before := &appsv1alpha1.SidecarSet{}
	if err := decodeObject(req.Object.Raw, before); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	ss := before.DeepCopy()
	if err := sidecarset.Mutate(ss, h.Version); err != nil {
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
	ss := &appsv1alpha1.SidecarSet{}
	if err := decodeObject(req.Object.Raw, ss); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	var old *appsv1alpha1.SidecarSet
	if len(req.OldObject.Raw) > 0 {
		old = &appsv1alpha1.SidecarSet{}
		if err := decodeObject(req.OldObject.Raw, old); err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
	}
	view, err := h.Snapshot.View(ctx)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	errs, findings := view.State.ValidateSidecarSet(ss, old)
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
