package sidecarset

import (
	corev1 "k8s.io/api/core/v1"
)

// Explain returns a decision for every SidecarSet about pod without injecting: which sets
// match and, for the others, why not. Unlike Inject it does not stop at a refusal; the set
// that makes Kruise refuse the pod gets ReasonRefused. Inject's Decisions carry the same
// codes for pods Kruise accepts, so explain output for those comes from Inject itself.
func Explain(st *State, in *corev1.Pod, req Request) []Decision {
	pod := in.DeepCopy()
	if pod.Namespace == "" {
		pod.Namespace = req.Namespace
		if pod.Namespace == "" {
			pod.Namespace = metav1NamespaceDefault
		}
	}
	candidates := st.Candidates(pod.Namespace)
	var out []Decision
	for _, ss := range candidates {
		if !isActivePod(pod) {
			out = append(out, Decision{SidecarSet: ss.Name, Reason: ReasonPodInactive, Message: "the pod is Succeeded, Failed or being deleted"})
			continue
		}
		m, err := st.match(ss, pod)
		if err != nil {
			out = append(out, Decision{SidecarSet: ss.Name, Reason: ReasonRefused, Message: err.Error()})
			continue
		}
		if !m.matched {
			out = append(out, Decision{SidecarSet: ss.Name, Reason: m.reason, Message: m.message})
			continue
		}
		if _, _, err := st.suitableRevision(ss, pod); err != nil {
			out = append(out, Decision{SidecarSet: ss.Name, Reason: ReasonRefused, Message: err.Error()})
			continue
		}
		out = append(out, Decision{SidecarSet: ss.Name, Injected: true, Reason: ReasonInjected, Message: "matches the pod"})
	}
	return append(out, st.outOfIndex(pod.Namespace, candidates)...)
}
