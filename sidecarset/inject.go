package sidecarset

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// Request describes the admission request a pod arrives in.
type Request struct {
	// Namespace is the request namespace; a pod without metadata.namespace gets it, and ""
	// means "default", as when a client creates a pod without a namespace.
	Namespace string
	// Operation is CREATE unless set. Kruise injects nothing on UPDATE.
	Operation Operation
	// SubResource is set for pods/status, pods/binding and the like, which Kruise ignores.
	SubResource string
	// MatchedOnly keeps Result.Decisions to the SidecarSets that matched (same order as the
	// full result) and counts the others in Result.Skipped by reason. Candidates then come
	// from an index on selector labels and namespaces, so the cost of an admission does not
	// grow with the number of SidecarSets: the webhook wants this, explain does not.
	MatchedOnly bool
}

// Inject is the one injection code path: it does what the SidecarSet part of Kruise's pod
// mutating webhook does with pod, given the cluster state st (kruise-sidecarset.md 1 and 2).
// The input pod is not modified. A *RefusalError means Kruise would refuse the pod.
func Inject(st *State, in *corev1.Pod, req Request) (*Result, error) {
	pod := in.DeepCopy()
	res := &Result{Pod: pod}
	ns := req.Namespace
	if ns == "" {
		ns = metav1NamespaceDefault
	}
	if pod.Namespace == "" {
		pod.Namespace = ns
	}
	op := req.Operation
	if op == "" {
		op = Create
	}
	if req.MatchedOnly {
		res.Skipped = map[Reason]int{}
	}
	var candidates []*appsv1alpha1.SidecarSet
	if !req.MatchedOnly {
		candidates = st.Candidates(pod.Namespace)
	}
	skipAll := func(reason Reason, msg string) *Result {
		if req.MatchedOnly {
			if n := st.candidateCount(pod.Namespace); n > 0 {
				res.Skipped[reason] = n
			}
		}
		for _, ss := range candidates {
			res.Decisions = append(res.Decisions, Decision{SidecarSet: ss.Name, Reason: reason, Message: msg})
		}
		res.Changed = podChanged(in, pod)
		return res
	}
	if req.SubResource != "" || (op != Create && op != Update) {
		return skipAll(ReasonNotPodCreate, "Kruise injects only on pod CREATE requests"), nil
	}
	if !isActivePod(pod) {
		return skipAll(ReasonPodInactive, "the pod is Succeeded, Failed or being deleted"), nil
	}

	var matched []*appsv1alpha1.SidecarSet
	decisionOf := map[string]int{}
	// accept records a matched set, in candidate order, with the revision it injects.
	accept := func(ss *appsv1alpha1.SidecarSet) error {
		chosen, pinned, err := st.suitableRevision(ss, pod)
		if err != nil {
			return &RefusalError{SidecarSet: ss.Name, Message: err.Error()}
		}
		d := Decision{SidecarSet: ss.Name, Injected: true, Reason: ReasonInjected}
		if pinned {
			d.Reason = ReasonPinnedRevision
			d.Message = "injected the pinned revision " + chosen.Status.LatestRevision
		}
		decisionOf[ss.Name] = len(res.Decisions)
		res.Decisions = append(res.Decisions, d)
		matched = append(matched, chosen)
		return nil
	}
	if req.MatchedOnly {
		if err := st.matchIndexed(pod, res.Skipped, accept); err != nil {
			return nil, err
		}
	}
	for _, ss := range candidates {
		m, err := st.match(ss, pod)
		if err != nil {
			return nil, err
		}
		if !m.matched {
			res.Decisions = append(res.Decisions, Decision{SidecarSet: ss.Name, Reason: m.reason, Message: m.message})
			continue
		}
		if err := accept(ss); err != nil {
			return nil, err
		}
	}
	if !req.MatchedOnly {
		res.Decisions = append(res.Decisions, st.outOfIndex(pod.Namespace, candidates)...)
	}
	if len(matched) == 0 {
		res.Changed = podChanged(in, pod)
		return res, nil
	}
	if op == Update {
		// Kruise's community build finds the pod's availability unchanged and returns.
		for _, ss := range matched {
			d := &res.Decisions[decisionOf[ss.Name]]
			d.Injected, d.Reason, d.Message = false, ReasonMatchedNothingToInject, "Kruise injects nothing on pod UPDATE"
		}
		res.Changed = podChanged(in, pod)
		return res, nil
	}

	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	for _, ss := range matched {
		if err := patchPodMetadata(pod, ss); err != nil {
			return nil, &RefusalError{SidecarSet: ss.Name, Message: err.Error()}
		}
	}
	b, err := st.build(pod, matched)
	if err != nil {
		return nil, err
	}
	for _, ss := range matched {
		d := &res.Decisions[decisionOf[ss.Name]]
		names := b.injectedBy[ss.Name]
		msg := "injected " + strings.Join(names, ", ")
		if d.Message != "" {
			msg = d.Message + ": " + strings.Join(names, ", ")
		}
		d.Message = msg
	}
	if len(b.containers) == 0 && len(b.initContainers) == 0 {
		if len(pod.Annotations) == 0 && len(in.Annotations) == 0 {
			pod.Annotations = in.Annotations
		}
		res.Changed = podChanged(in, pod)
		return res, nil
	}
	v := st.opts.version()
	sort.SliceStable(b.initContainers, func(i, j int) bool {
		return b.initContainers[i].container.Name < b.initContainers[j].container.Name
	})
	if v == KruiseV13 {
		for _, s := range b.initContainers {
			// v1.3 appends even when the name exists; an identical container means the pod
			// was injected already, and appending it again would only break idempotency.
			if hasIdentical(pod.Spec.InitContainers, &s.container) {
				continue
			}
			pod.Spec.InitContainers = append(pod.Spec.InitContainers, s.container)
		}
	} else {
		pod.Spec.InitContainers = placeSidecars(pod.Spec.InitContainers, b.initContainers, false, &res.Replaced)
	}
	pod.Spec.Containers = placeSidecars(pod.Spec.Containers, b.containers, v == KruiseV13, &res.Replaced)
	pod.Spec.Volumes = mergeVolumes(pod.Spec.Volumes, b.volumes)
	pod.Spec.ImagePullSecrets = mergeSecrets(pod.Spec.ImagePullSecrets, b.secrets)
	for k, val := range b.annotations {
		pod.Annotations[k] = val
	}
	if dups := duplicateNames(&pod.Spec); len(dups) > 0 {
		res.Notes = append(res.Notes, Note{Reason: ReasonNameConflict, Severity: "warning",
			Message: fmt.Sprintf("the pod has more than one container named %s: Kruise's webhook lets it through and the API server rejects it", strings.Join(dups, ", "))})
	}
	res.Notes = append(res.Notes, b.notes...)
	res.Changed = podChanged(in, pod)
	return res, nil
}

const metav1NamespaceDefault = "default"

// outOfIndex explains the SidecarSets the namespace index leaves out (v1.8): they are indexed
// under another namespace, so they never reach the match test.
func (s *State) outOfIndex(ns string, candidates []*appsv1alpha1.SidecarSet) []Decision {
	all := s.buildIndex().all
	if len(candidates) == len(all) {
		return nil
	}
	in := make(map[string]bool, len(candidates))
	for _, ss := range candidates {
		in[ss.Name] = true
	}
	var out []Decision
	for _, ss := range all {
		if in[ss.Name] {
			continue
		}
		out = append(out, Decision{SidecarSet: ss.Name, Reason: ReasonNamespaceMismatch,
			Message: fmt.Sprintf("indexed under namespace %s, the pod is in %q", strings.Join(indexKeys(ss), ","), ns)})
	}
	return out
}

// podChanged reports whether pod differs from in. Injection nearly always changes a list's
// length, which settles it without the reflective deep comparison that would otherwise be a
// tenth of an admission's engine time.
func podChanged(in, pod *corev1.Pod) bool {
	if len(in.Spec.Containers) != len(pod.Spec.Containers) || len(in.Spec.InitContainers) != len(pod.Spec.InitContainers) ||
		len(in.Spec.Volumes) != len(pod.Spec.Volumes) || len(in.Annotations) != len(pod.Annotations) ||
		in.Namespace != pod.Namespace {
		return true
	}
	return !equality.Semantic.DeepEqual(in, pod)
}

// IsRefusal reports whether err means Kruise would refuse the pod.
func IsRefusal(err error) bool {
	var r *RefusalError
	return errors.As(err, &r)
}

func hasIdentical(list []corev1.Container, c *corev1.Container) bool {
	for i := range list {
		if list[i].Name == c.Name && equality.Semantic.DeepEqual(list[i], *c) {
			return true
		}
	}
	return false
}
