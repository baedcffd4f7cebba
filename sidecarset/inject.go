package sidecarset

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
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
// mutating webhook does with pod, given the cluster state st (sidecarset/BEHAVIOUR.md §1 and
// §2). The input pod is not modified. When Kruise would refuse the pod, Inject returns both a
// *RefusalError and a Result whose Decisions still cover every candidate (explain reads
// them) and whose Pod is an unmodified copy of the input.
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
		res.Skipped = map[finding.Code]int{}
	}
	var candidates []*appsv1alpha1.SidecarSet
	if !req.MatchedOnly {
		candidates = st.Candidates(pod.Namespace)
	}
	skipAll := func(reason finding.Code, msg string) *Result {
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
		return skipAll(finding.NotPodRequest, "Kruise injects only on pod CREATE requests"), nil
	}
	if !isActivePod(pod) {
		return skipAll(finding.PodInactive, "the pod is Succeeded, Failed or being deleted"), nil
	}

	w := walk{st: st, pod: pod, res: res, matchedOnly: req.MatchedOnly, decisionOf: map[string]int{}}
	if req.MatchedOnly {
		if err := st.matchIndexed(pod, res.Skipped, w.visit); err != nil {
			return nil, err
		}
	}
	for _, ss := range candidates {
		m, err := st.match(ss, pod)
		if err := w.visit(ss, m, err); err != nil {
			return nil, err
		}
	}
	if !req.MatchedOnly {
		res.Decisions = append(res.Decisions, st.outOfIndex(pod.Namespace, candidates)...)
	}
	if w.refusal != nil {
		return w.refused(in)
	}
	matched := w.matched
	if len(matched) == 0 {
		res.Changed = podChanged(in, pod)
		return res, nil
	}
	if op == Update {
		// Kruise's community build finds the pod's availability unchanged and returns.
		for _, ss := range matched {
			d := &res.Decisions[w.decisionOf[ss.Name]]
			d.Injected, d.Reason, d.Message = false, finding.MatchedNothingToInject, "Kruise injects nothing on pod UPDATE"
		}
		res.Changed = podChanged(in, pod)
		return res, nil
	}

	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	for _, ss := range matched {
		if r := patchPodMetadata(pod, ss); r != nil {
			w.refusal = r
			return w.refused(in)
		}
	}
	b, err := st.build(pod, matched, w.pinnedFields)
	if err != nil {
		var r *RefusalError
		if errors.As(err, &r) {
			w.refusal = r
			return w.refused(in)
		}
		return nil, err
	}
	for _, ss := range matched {
		d := &res.Decisions[w.decisionOf[ss.Name]]
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
		return res, st.kruisePatch(in, res, nil)
	}
	res.Findings = append(res.Findings, b.findings...)
	bh := st.opts.behaviour()
	sort.SliceStable(b.initContainers, func(i, j int) bool {
		return b.initContainers[i].container.Name < b.initContainers[j].container.Name
	})
	if bh.PlacesInitContainers {
		pod.Spec.InitContainers = placeSidecars(pod.Spec.InitContainers, b.initContainers, false, &res.Replaced)
	} else {
		for _, s := range b.initContainers {
			// Before placement existed Kruise appends even when the name exists; an identical
			// container means the pod was injected already, and appending it again would only
			// break idempotency.
			if hasIdentical(pod.Spec.InitContainers, &s.container) {
				continue
			}
			pod.Spec.InitContainers = append(pod.Spec.InitContainers, s.container)
		}
	}
	if bh.SortContainersGate && st.opts.FeatureGates.Enabled(GateSortSidecarContainersByName) {
		// Kruise v1.9 (#1983): every injected container, of all sets, by name.
		sort.SliceStable(b.containers, func(i, j int) bool {
			return b.containers[i].container.Name < b.containers[j].container.Name
		})
	}
	pod.Spec.Containers = placeSidecars(pod.Spec.Containers, b.containers, !bh.EmptyInjectPolicyAfter, &res.Replaced)
	pod.Spec.Volumes = mergeVolumes(pod.Spec.Volumes, b.volumes)
	pod.Spec.ImagePullSecrets = mergeSecrets(pod.Spec.ImagePullSecrets, b.secrets)
	for k, val := range b.annotations {
		pod.Annotations[k] = val
	}
	if dups := duplicateNames(&pod.Spec); len(dups) > 0 {
		res.Findings.Add(finding.Finding{Severity: finding.Warning, Code: finding.ContainerNameConflict,
			SidecarSet: injectorOf(b, matched, dups),
			Message:    fmt.Sprintf("the pod has more than one container named %s: Kruise's webhook lets it through and the API server rejects it", strings.Join(dups, ", "))})
	}
	res.Changed = podChanged(in, pod)
	return res, st.kruisePatch(in, res, b.names())
}

// walk is one pass over the candidates in Kruise's order. Kruise stops at the first
// refusal; the walk goes on without injecting, so that every candidate still gets the
// decision explain shows.
type walk struct {
	st          *State
	pod         *corev1.Pod
	res         *Result
	matchedOnly bool
	// matched are the SidecarSets to inject (the pinned revision where one was chosen),
	// decisionOf their index in res.Decisions; after a refusal, matching sets are recorded
	// in decisionOf only.
	matched    []*appsv1alpha1.SidecarSet
	decisionOf map[string]int
	refusal    *RefusalError
	// pinnedFields holds the v1.9 sidecar fields of the pinned revisions in matched.
	pinnedFields map[*appsv1alpha1.SidecarSet]*kruisev1beta1.Fields
}

// refuseOrFail records err as the pod's refusal when it is one, and returns any other error.
func (w *walk) refuseOrFail(err error) error {
	var r *RefusalError
	if !errors.As(err, &r) {
		return err
	}
	w.refuse(r)
	return nil
}

// visit records one candidate's match verdict (err is match's refusal, if any).
func (w *walk) visit(ss *appsv1alpha1.SidecarSet, m matchResult, err error) error {
	if err != nil {
		return w.refuseOrFail(err)
	}
	if !m.matched {
		if w.matchedOnly {
			w.res.Skipped[m.reason]++
		} else {
			w.res.Decisions = append(w.res.Decisions, Decision{SidecarSet: ss.Name, Reason: m.reason, Message: m.message})
		}
		return nil
	}
	if w.refusal != nil {
		// Kruise never gets this far; refused fills in the decision.
		w.decisionOf[ss.Name] = len(w.res.Decisions)
		w.res.Decisions = append(w.res.Decisions, Decision{SidecarSet: ss.Name, Reason: finding.PodRefused})
		return nil
	}
	chosen, pinnedFields, pinned, err := w.st.suitableRevision(ss, w.pod)
	if err != nil {
		return w.refuseOrFail(err)
	}
	if pinned {
		if w.pinnedFields == nil {
			w.pinnedFields = map[*appsv1alpha1.SidecarSet]*kruisev1beta1.Fields{}
		}
		w.pinnedFields[chosen] = pinnedFields
	}
	d := Decision{SidecarSet: ss.Name, Injected: true, Reason: finding.Injected}
	if pinned {
		d.Reason = finding.PinnedRevision
		d.Message = "injected the pinned revision " + chosen.Status.LatestRevision
	}
	w.decisionOf[ss.Name] = len(w.res.Decisions)
	w.res.Decisions = append(w.res.Decisions, d)
	w.matched = append(w.matched, chosen)
	return nil
}

// refuse records a refusal found while walking: the refusing set's decision carries it.
func (w *walk) refuse(r *RefusalError) {
	w.res.Decisions = append(w.res.Decisions, Decision{SidecarSet: r.SidecarSet, Reason: r.Code, Message: r.Message, Field: r.Field})
	if w.refusal == nil {
		w.refusal = r
	}
}

// refused turns the result into the record of a refused pod: the refusing SidecarSet carries
// the refusal's code, every other matched one finding.PodRefused, and the pod is the input.
func (w *walk) refused(in *corev1.Pod) (*Result, error) {
	r := w.refusal
	for name, i := range w.decisionOf {
		d := &w.res.Decisions[i]
		d.Injected = false
		if name == r.SidecarSet {
			d.Reason, d.Message, d.Field = r.Code, r.Message, r.Field
			continue
		}
		d.Reason = finding.PodRefused
		d.Message = fmt.Sprintf("matched, but Kruise refuses the pod because of SidecarSet %s (%s)", r.SidecarSet, r.Code)
	}
	w.res.Pod, w.res.Changed, w.res.Replaced, w.res.Findings = in.DeepCopy(), false, nil, nil
	return w.res, r
}

// injectorOf names the first matched SidecarSet that injected a container named in names;
// empty when only the pod's own containers clash.
func injectorOf(b *built, matched []*appsv1alpha1.SidecarSet, names []string) string {
	for _, ss := range matched {
		for _, what := range b.injectedBy[ss.Name] {
			_, name, _ := strings.Cut(what, "container ")
			if slices.Contains(names, name) {
				return ss.Name
			}
		}
	}
	return ""
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
		out = append(out, Decision{SidecarSet: ss.Name, Reason: finding.NamespaceMismatch,
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

func hasIdentical(list []corev1.Container, c *corev1.Container) bool {
	for i := range list {
		if list[i].Name == c.Name && equality.Semantic.DeepEqual(list[i], *c) {
			return true
		}
	}
	return false
}
