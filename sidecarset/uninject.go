package sidecarset

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// UninjectResult is the outcome of Uninject.
type UninjectResult struct {
	// Pod is the result (a copy; the input is never modified).
	Pod *corev1.Pod
	// Changed reports whether Pod differs from the input.
	Changed bool
	// Removed says what went, per SidecarSet whose injection was undone, in name order.
	Removed []Removal
	// Kept names the SidecarSets the pod records whose injection was left in place; the
	// findings say why.
	Kept []string
	// Findings are what was left or could not be told, with the input pod's field paths.
	// Object is left empty: the caller knows which pod it passed.
	Findings finding.List
}

// Removal is what Uninject took out of the pod for one SidecarSet.
type Removal struct {
	// SidecarSet is empty for IS_INJECTED init containers when several SidecarSets the state
	// lacks could have injected them.
	SidecarSet string `json:"sidecarSet"`
	// Checked reports whether the sidecars were compared with what the SidecarSet of the
	// state injects; false when the state does not hold it (finding.UninjectUnchecked).
	Checked          bool     `json:"checked"`
	Containers       []string `json:"containers,omitempty"`
	InitContainers   []string `json:"initContainers,omitempty"`
	Volumes          []string `json:"volumes,omitempty"`
	ImagePullSecrets []string `json:"imagePullSecrets,omitempty"`
	// Annotations are the keys deleted or rewritten on its behalf.
	Annotations []string `json:"annotations,omitempty"`
}

// Uninject removes from pod what the SidecarSets it records injected, reading Kruise's
// bookkeeping (sidecarset/BEHAVIOUR.md §3.1) and checking every sidecar against what the
// SidecarSet of st injects; st may be nil or lack a SidecarSet, which is then unchecked. It
// is Inject's inverse: for a pod Inject accepted, Uninject(st, Inject(st, pod)) is pod, but
// for what injection does not record (§3.4, "What cannot be told"). A SidecarSet whose
// sidecars were edited, or whose injection replaced a container of the pod, is left in place
// whole, with a finding; what cannot be undone exactly (§3.4) is left and reported per field.
// The input is not modified. The error is a hash annotation that does not parse, which Kruise
// refuses too.
func Uninject(st *State, in *corev1.Pod) (*UninjectResult, error) {
	if st == nil {
		st = NewState(Options{})
	}
	pod := in.DeepCopy()
	res := &UninjectResult{Pod: pod}
	bk, err := readBookkeeping(pod)
	if err != nil {
		return nil, err
	}
	var plans []*setPlan
	for _, name := range bk.sidecarSets() {
		plans = append(plans, st.planUninject(name, pod, bk))
	}
	claimed := claimedNames(plans)
	for _, p := range plans {
		if p.ss != nil {
			p.checkPlacement(pod, claimed, st.opts.behaviour())
		}
	}
	plans = append(plans, attributeOrphans(pod, plans, claimed, &res.Findings)...)

	u := undo{pod: pod, plans: plans, bk: bk}
	for _, p := range plans {
		if p.kept() {
			res.Kept = append(res.Kept, p.name)
			res.Findings = append(res.Findings, p.findings...)
		}
	}
	u.run(res)
	res.Changed = !equality.Semantic.DeepEqual(in, res.Pod)
	return res, nil
}

// bookkeeping is what Kruise recorded on the pod about its injections (BEHAVIOUR.md §3.1).
type bookkeeping struct {
	hashes, hashesWI map[string]hashEntry
	// injected is kruise.io/sidecarset-injected-list in the pod's order.
	injected []string
	working  map[string]string
}

func readBookkeeping(pod *corev1.Pod) (*bookkeeping, error) {
	a := pod.Annotations
	bk := &bookkeeping{working: parseWorkingHotUpgrade(a[AnnotationWorkingHotUpgrade])}
	var err error
	for _, h := range []struct {
		key  string
		into *map[string]hashEntry
	}{{AnnotationHash, &bk.hashes}, {AnnotationHashWithoutImage, &bk.hashesWI}} {
		if *h.into, err = parseHashAnnotation(h.key, a[h.key]); err != nil {
			return nil, fmt.Errorf("%s: %w", field.NewPath("metadata", "annotations").Key(h.key), err)
		}
	}
	for _, n := range strings.Split(a[AnnotationInjectedList], ",") {
		if n != "" {
			bk.injected = append(bk.injected, n)
		}
	}
	return bk, nil
}

// allListedIn reports whether plans include every SidecarSet of the injected list, and the
// list names at least one.
func (bk *bookkeeping) allListedIn(plans []*setPlan) bool {
	if len(bk.injected) == 0 {
		return false
	}
	for _, n := range bk.injected {
		if !slices.ContainsFunc(plans, func(p *setPlan) bool { return p.name == n }) {
			return false
		}
	}
	return true
}

// sidecarSets returns the recorded SidecarSet names, sorted.
func (bk *bookkeeping) sidecarSets() []string {
	set := map[string]bool{}
	for _, m := range []map[string]hashEntry{bk.hashes, bk.hashesWI} {
		for n := range m {
			set[n] = true
		}
	}
	for _, n := range bk.injected {
		set[n] = true
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// entry returns the recorded hash entry of a SidecarSet (the with-image one first).
func (bk *bookkeeping) entry(name string) (hashEntry, bool) {
	if e, ok := bk.hashes[name]; ok {
		return e, true
	}
	e, ok := bk.hashesWI[name]
	return e, ok
}

// setPlan is what one recorded SidecarSet injected into the pod, as far as it can be told.
type setPlan struct {
	name string
	// ss is the SidecarSet version the sidecars are checked against; nil when unchecked.
	ss *appsv1alpha1.SidecarSet
	// claims are the (init) containers it injected; index -1 for the absent ones.
	claims []claim
	// volumes are the SidecarSet volumes its sidecars' mounts queued (BEHAVIOUR.md §2.5);
	// checked plans only.
	volumes []corev1.Volume
	// hotBases are its hot-upgrade sidecars' base names (§2.13).
	hotBases []string
	// findings say why its injection is left in place; none when it is undone.
	findings finding.List
}

func (p *setPlan) kept() bool { return len(p.findings) > 0 }

func (p *setPlan) keep(code finding.Code, path, msg string) {
	p.findings.Add(finding.Finding{Severity: finding.Warning, Code: code, SidecarSet: p.name, Field: path, Message: msg})
}

// claim is one (init) container a SidecarSet injected.
type claim struct {
	init  bool
	name  string
	index int
	// expected is what the SidecarSet injects (checked plans only), policy its placement.
	expected *corev1.Container
	policy   appsv1alpha1.PodInjectPolicyType
}

func (c claim) path() string {
	list := "containers"
	if c.init {
		list = "initContainers"
	}
	return field.NewPath("spec", list).Index(c.index).String()
}

// planUninject finds what SidecarSet name injected: checked against the version of the state
// the pod records when the state holds it, else from the recorded sidecarList alone.
func (s *State) planUninject(name string, pod *corev1.Pod, bk *bookkeeping) *setPlan {
	p := &setPlan{name: name}
	entry, recorded := bk.entry(name)
	live, ok := s.SidecarSet(name)
	if !ok {
		p.claimRecorded(pod, entry, bk)
		for _, c := range p.claims {
			if c.index >= 0 && !marked(&listOf(pod, c.init)[c.index]) {
				p.keep(finding.UninjectEdited, c.path(), fmt.Sprintf(
					"container %s, which the pod records as SidecarSet %s's sidecar, carries no %s=true: edited after injection; left in place", c.name, name, EnvIsInjected))
			}
		}
		return p
	}
	ss, same := s.injectedVersion(live, entry, recorded)
	p.ss = ss
	p.check(s, pod, entry, same)
	return p
}

// claimRecorded claims the sidecars the recorded sidecarList names: a container (or native
// sidecar) of that name, else its hot-upgrade pair <name>-1, <name>-2.
func (p *setPlan) claimRecorded(pod *corev1.Pod, entry hashEntry, bk *bookkeeping) {
	for _, base := range entry.SidecarList {
		if c, ok := findByName(pod, base); ok {
			p.claims = append(p.claims, c)
			continue
		}
		one, ok1 := findByName(pod, base+"-1")
		two, ok2 := findByName(pod, base+"-2")
		_, working := bk.working[base]
		if ok1 && ok2 && one.init == two.init && (working || pod.Annotations[AnnotationVersionPrefix+one.name] != "") {
			p.claims = append(p.claims, one, two)
			p.hotBases = append(p.hotBases, base)
		}
	}
}

// findByName finds a container by name, in containers first, then init containers.
func findByName(pod *corev1.Pod, name string) (claim, bool) {
	for _, init := range []bool{false, true} {
		for i := range listOf(pod, init) {
			if listOf(pod, init)[i].Name == name {
				return claim{init: init, name: name, index: i}, true
			}
		}
	}
	return claim{}, false
}

func listOf(pod *corev1.Pod, init bool) []corev1.Container {
	if init {
		return pod.Spec.InitContainers
	}
	return pod.Spec.Containers
}

// claimedNames are the names every plan claims, per list ("c/" and "i/" prefixes).
func claimedNames(plans []*setPlan) map[string]bool {
	out := map[string]bool{}
	for _, p := range plans {
		for _, c := range p.claims {
			out[listKey(c.init, c.name)] = true
		}
	}
	return out
}

func listKey(init bool, name string) string {
	if init {
		return "i/" + name
	}
	return "c/" + name
}

// attributeOrphans handles the containers that carry IS_INJECTED=true and that no plan
// claims. Plain init containers are in no sidecarList but v1.7.0's (BEHAVIOUR.md §3.2):
// without the state they belong to a recorded SidecarSet the state lacks, the one such set or,
// with several, an unattributed plan. Every other one is reported and left.
func attributeOrphans(pod *corev1.Pod, plans []*setPlan, claimed map[string]bool, fs *finding.List) []*setPlan {
	var unchecked []*setPlan
	for _, p := range plans {
		if p.ss == nil {
			unchecked = append(unchecked, p)
		}
	}
	var extra []*setPlan
	owner := func() *setPlan {
		if len(unchecked) == 1 {
			return unchecked[0]
		}
		if len(extra) == 0 {
			extra = append(extra, &setPlan{})
		}
		return extra[0]
	}
	for _, init := range []bool{true, false} {
		for i := range listOf(pod, init) {
			c := &listOf(pod, init)[i]
			if claimed[listKey(init, c.Name)] || !marked(c) {
				continue
			}
			cl := claim{init: init, name: c.Name, index: i}
			if init && len(unchecked) > 0 {
				o := owner()
				o.claims = append(o.claims, cl)
				continue
			}
			fs.Add(finding.Finding{Severity: finding.Warning, Code: finding.UninjectUnrecorded, Field: cl.path(), Message: fmt.Sprintf(
				"container %s carries %s=true, but no SidecarSet the pod's annotations record injected it: left in place", c.Name, EnvIsInjected)})
		}
	}
	return extra
}

// injectedVersion is the version of live the pod was injected with: live itself when the
// pod records its hash (or no hash), else the ControllerRevision the pod records, else one
// holding the recorded hash. same reports whether the version found carries the recorded
// hash.
func (s *State) injectedVersion(live *appsv1alpha1.SidecarSet, entry hashEntry, recorded bool) (*appsv1alpha1.SidecarSet, bool) {
	if !recorded || entry.Hash == live.Annotations[AnnotationHash] {
		return live, true
	}
	for _, cr := range s.revisionsOf(live.Name) {
		if !inKruiseNamespace(cr) || (cr.Name != entry.ControllerRevision && cr.Annotations[AnnotationHash] != entry.Hash) {
			continue
		}
		if restored, err := s.restore(live, cr); err == nil && restored.Annotations[AnnotationHash] == entry.Hash {
			return restored, true
		}
	}
	return live, false
}

// marked reports whether c carries IS_INJECTED=true in any entry: the mark injection leaves,
// whatever a Kruise release reads of it (BEHAVIOUR.md §2.6).
func marked(c *corev1.Container) bool {
	return isInjectedContainer(c, behaviour{IsInjectedAnyEntry: true})
}
