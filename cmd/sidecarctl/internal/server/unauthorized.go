package server

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
)

// unauthorizedDenial refuses a pod that injection would give a ConfigMap or Secret reference
// of another namespace that no SidecarSetResourceBinding authorizes (or a malformed one).
// The SidecarSet webhook admits such a reference only with its binding, so a stored
// SidecarSet has one only when its binding was deleted or changed since: a regular-node pod
// would get a name no kubelet resolves (without a binding there is no mirror) and a
// virtual-node pod a reference the platform does not authorize. Refusing says so when the
// pod is created, instead of leaving a pod that never starts. Offline, `inject` reports the
// same findings as warnings and `inject --strict` refuses the pod.
func unauthorizedDenial(res *pipeline.PodResult) (admission.Response, bool) {
	var messages []string
	var causes []metav1.StatusCause
	for _, f := range res.Findings {
		if f.Code != finding.UnauthorizedReference && f.Code != finding.MalformedReference {
			continue
		}
		messages = append(messages, f.Message)
		causes = append(causes, metav1.StatusCause{Type: metav1.CauseType(f.Code), Message: f.Message, Field: f.Field})
	}
	if len(messages) == 0 {
		return admission.Response{}, false
	}
	denied := admission.Denied(strings.Join(messages, "; "))
	denied.Result.Details = &metav1.StatusDetails{Causes: causes}
	return denied, true
}
