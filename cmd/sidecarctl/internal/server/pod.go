package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// PodHandler is the pod mutating webhook.
type PodHandler struct {
	Snapshot *Snapshot
	Metrics  *Metrics
	// Recorder, if set, gets an Event on the pod's owner for every refusal.
	Recorder events.EventRecorder
}

var _ admission.Handler = &PodHandler{}

// Handle injects the pod. The patch is computed from the request's raw JSON to a lossless
// merge of the engine's result into it, so fields the engine does not own (including ones this
// build's Go types do not know) are never removed.
func (h *PodHandler) Handle(ctx context.Context, req admission.Request) admission.Response {
	start := time.Now()
	resp, result := h.handle(ctx, req)
	if h.Metrics != nil {
		h.Metrics.Admissions.WithLabelValues("pod", result).Inc()
		h.Metrics.Latency.WithLabelValues("pod").Observe(time.Since(start).Seconds())
	}
	return resp
}

func (h *PodHandler) handle(ctx context.Context, req admission.Request) (admission.Response, string) {
	if req.Resource.Resource != "pods" || req.SubResource != "" {
		return admission.Allowed("not a pod"), "unchanged"
	}
	op := sidecarset.Operation(req.Operation)
	if op != sidecarset.Create && op != sidecarset.Update {
		return admission.Allowed("not a create"), "unchanged"
	}
	pod := &corev1.Pod{}
	if err := decodeObject(req.Object.Raw, pod); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("decode pod: %w", err)), "error"
	}
	view, err := h.Snapshot.View(ctx)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err), "error"
	}
	// MatchedOnly: candidates come from the selector index, so the cost stays flat in the
	// number of SidecarSets; the sets that did not match are only counted, by reason.
	res, err := view.State.InjectPod(pod, sidecarset.Request{Namespace: req.Namespace, Operation: op, MatchedOnly: true})
	if err != nil && res == nil {
		return admission.Errored(http.StatusInternalServerError, err), "error"
	}
	if h.Metrics != nil {
		for _, d := range res.Decisions {
			h.Metrics.Decisions.WithLabelValues(string(d.Reason)).Inc()
		}
		for reason, n := range res.Skipped {
			h.Metrics.Decisions.WithLabelValues(string(reason)).Add(float64(n))
		}
	}
	if res.Refusal != nil {
		h.event(pod, req.Namespace, "InjectionRefused", fmt.Sprintf("%v (%s)", err, res.Refusal.Code))
		denied := admission.Denied(err.Error())
		// Kruise's message stays as it is; the code and the field path travel as the cause.
		denied.Result.Details = &metav1.StatusDetails{Causes: []metav1.StatusCause{{
			Type: metav1.CauseType(res.Refusal.Code), Message: res.Refusal.Message, Field: res.Refusal.Field}}}
		return denied, "refused"
	}
	if denied, ok := unauthorizedDenial(res); ok {
		h.event(pod, req.Namespace, "InjectionRefused", denied.Result.Message)
		return denied, "refused"
	}
	for _, d := range res.Decisions {
		if eventWorthy(d.Reason) {
			h.event(pod, req.Namespace, "SidecarSetSkipped", fmt.Sprintf("SidecarSet %s not injected (%s): %s", d.SidecarSet, d.Reason, d.Message))
		}
	}
	var warnings []string
	for _, f := range res.Findings {
		if f.Severity == finding.Warning || f.Severity == finding.Error {
			warnings = append(warnings, f.Message)
			h.event(pod, req.Namespace, "InjectionWarning", fmt.Sprintf("%s (%s)", f.Message, f.Code))
		}
	}
	if !res.Changed {
		return admission.Allowed("").WithWarnings(warnings...), "unchanged"
	}
	// Injection usually only inserts list items and sets metadata keys: then the patch comes
	// straight from the typed pods, and every byte of the request it does not insert stays.
	trusted := len(res.Replaced) == 0 && len(res.AppPatches) == 0 && !res.Mirrored
	if ops, ok := insertOnlyPatch(pod, res.Pod, trusted); ok {
		return admission.Patched("", ops...).WithWarnings(warnings...), "injected"
	}
	return losslessResponse(req.Object.Raw, pod, res.Pod).WithWarnings(warnings...), "injected"
}

// eventWorthy are the skip reasons an owner should hear about: a SidecarSet meant for the
// pod that did not inject. Selector and namespace mismatches are the normal case for every
// other pod and would only flood the owner's events.
func eventWorthy(r finding.Code) bool {
	return r == finding.InjectionPaused || r == finding.NamespaceNotFound
}

// event records a refusal on the pod's controller, which exists (the pod does not yet).
func (h *PodHandler) event(pod *corev1.Pod, namespace, reason, note string) {
	if h.Recorder == nil {
		return
	}
	for _, ref := range pod.OwnerReferences {
		if ref.Controller == nil || !*ref.Controller {
			continue
		}
		h.Recorder.Eventf(&corev1.ObjectReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name,
			UID: ref.UID, Namespace: namespace}, nil, corev1.EventTypeWarning, reason, "Inject", "%s", note)
	}
}
