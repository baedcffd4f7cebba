package server

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/pipeline"
)

// unauthorizedDenial refuses a pod the pipeline says a cluster must refuse
// (PodResult.Unauthorized): injection would give it a ConfigMap or Secret reference of another
// namespace that no SidecarSetResourceBinding authorizes, or a malformed one. The SidecarSet
// webhook admits such a reference only with its binding, so a stored SidecarSet has one only
// when its binding was deleted or changed since: a regular-node pod would get a name no
// kubelet resolves (without a binding there is no mirror) and a virtual-node pod a reference
// the platform does not authorize. Refusing says so when the pod is created, instead of
// leaving a pod that never starts. Offline, `inject` reports the same findings as warnings
// and `inject --strict` refuses the pod.
func unauthorizedDenial(res *pipeline.PodResult) (admission.Response, bool) {
	if len(res.Unauthorized) == 0 {
		return admission.Response{}, false
	}
	messages := make([]string, len(res.Unauthorized))
	causes := make([]metav1.StatusCause, len(res.Unauthorized))
	for i, f := range res.Unauthorized {
		messages[i] = f.Message
		causes[i] = metav1.StatusCause{Type: metav1.CauseType(f.Code), Message: f.Message, Field: f.Field}
	}
	denied := admission.Denied(strings.Join(messages, "; "))
	denied.Result.Details = &metav1.StatusDetails{Causes: causes}
	return denied, true
}
