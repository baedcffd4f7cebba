package server

import (
	"context"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/binding"
	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

// BindingValidator is the validating webhook for SidecarSetResourceBindings.
type BindingValidator struct {
	Metrics *Metrics
}

// Handle validates a binding create or update.
func (h *BindingValidator) Handle(_ context.Context, req admission.Request) admission.Response {
	b := &bindingv1alpha1.SidecarSetResourceBinding{}
	if err := decodeObject(req.Object.Raw, b); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if b.Namespace == "" {
		b.Namespace = req.Namespace
	}
	result := "allowed"
	defer func() {
		if h.Metrics != nil {
			h.Metrics.Admissions.WithLabelValues("binding", result).Inc()
		}
	}()
	if errs := binding.ValidateBinding(b); len(errs) > 0 {
		result = "denied"
		return admission.Errored(http.StatusUnprocessableEntity,
			apierrors.NewInvalid(bindingv1alpha1.GroupVersion.WithKind(bindingv1alpha1.Kind).GroupKind(), b.Name, errs))
	}
	return admission.Allowed("")
}
