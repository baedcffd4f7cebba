package sidecarset

import (
	"slices"
	"sort"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/sidecarctl/sidecarctl/finding"
)

// The label index finds the SidecarSets that can match a pod without walking all of them:
// Kruise tests every candidate's selector against every pod, so its cost grows with the
// number of SidecarSets in the cluster. Each SidecarSet is filed under one requirement its
// selector cannot match without (key=value for = and In, the key alone for Exists); a pod
// only needs the sets filed under its own labels, plus the few the index cannot rule out.
// The index never changes a result: Inject with MatchedOnly returns the same matched sets in
// the same order as the full walk (TestMatchedOnlyAgreesWithFullWalk).

// indexEntry is one SidecarSet in the label index.
type indexEntry struct {
	ss   *appsv1alpha1.SidecarSet
	sel  *compiledSelectors
	rank int // position in the group's name-sorted list: Kruise's candidate order inside a group
}

type labelKV struct{ key, value string }

// labelGroup indexes the SidecarSets of one candidate group (a namespace, the cluster scope,
// or every set for v1.3).
type labelGroup struct {
	size int
	// members are the group's SidecarSets in name order (rank is the position here).
	members []*appsv1alpha1.SidecarSet
	byPair  map[labelKV][]*indexEntry
	byKey   map[string][]*indexEntry
	// always holds the sets the index cannot rule out: paused or selector-less sets, bad
	// selectors, namespaceSelector (its verdict comes before the label selector's), and
	// selectors with only negative requirements. They are tested on every pod.
	always []*indexEntry
}

type labelIndex struct {
	groups map[string]*labelGroup
	total  int
}

// labelIndexFor returns the label index of the current state, building it on first use.
func (s *State) labelIndexFor(idx *stateIndex) *labelIndex {
	idx.labelsOnce.Do(func() {
		idx.labels = s.buildLabelIndex(idx)
		idx.prev = nil
		idx.labelsBuilt.Store(idx.labels)
	})
	return idx.labels
}

func (s *State) buildLabelIndex(idx *stateIndex) *labelIndex {
	bh := s.opts.behaviour()
	li := &labelIndex{groups: map[string]*labelGroup{}, total: len(idx.all)}
	var prev map[string]*labelGroup
	if p := idx.prev; p != nil {
		// Only an index already built: another state's admissions may be building it.
		if l := p.labelsBuilt.Load(); l != nil {
			prev = l.groups
		}
	}
	file := func(groupKey string, list []*appsv1alpha1.SidecarSet) {
		// A group whose SidecarSets are those of the state this one was derived from (the
		// same pointers, so the same compiled selectors) files them the same way.
		if g := prev[groupKey]; g != nil && slices.Equal(g.members, list) {
			li.groups[groupKey] = g
			return
		}
		li.groups[groupKey] = s.fileGroup(list, bh)
	}
	if !bh.NamespaceIndex {
		file(clusterScope, idx.all)
		return li
	}
	for key, list := range idx.byNS {
		file(key, list)
	}
	return li
}

// fileGroup indexes one candidate group, list sorted by name.
func (s *State) fileGroup(list []*appsv1alpha1.SidecarSet, bh behaviour) *labelGroup {
	g := &labelGroup{size: len(list), members: list, byPair: map[labelKV][]*indexEntry{}, byKey: map[string][]*indexEntry{}}
	entries := make([]*indexEntry, len(list))
	// How many sets of the group require each key=value: a set is filed under its rarest
	// requirement so that a common label (say app.kubernetes.io/part-of) does not pull in
	// every set.
	freq := map[labelKV]int{}
	for i, ss := range list {
		e := &indexEntry{ss: ss, sel: s.selectorsOf(ss), rank: i}
		entries[i] = e
		if e.sel.selector == nil {
			continue
		}
		reqs, _ := e.sel.selector.Requirements()
		for _, r := range reqs {
			for _, v := range r.ValuesUnsorted() {
				freq[labelKV{r.Key(), v}]++
			}
		}
	}
	for _, e := range entries {
		key, values, ok := indexRequirement(e, freq, bh)
		switch {
		case !ok:
			g.always = append(g.always, e)
		case values == nil:
			g.byKey[key] = append(g.byKey[key], e)
		default:
			for _, v := range values {
				g.byPair[labelKV{key, v}] = append(g.byPair[labelKV{key, v}], e)
			}
		}
	}
	return g
}

// indexRequirement picks the requirement a set is filed under: values nil means Exists.
// ok is false when the set must be tested on every pod.
func indexRequirement(e *indexEntry, freq map[labelKV]int, bh behaviour) (key string, values []string, ok bool) {
	ss := e.ss
	if ss.Spec.InjectionStrategy.Paused || e.sel.selector == nil || e.sel.selectorErr != nil || e.sel.selector.Empty() {
		return "", nil, false
	}
	// A namespaceSelector's verdict comes before the label selector's; without the namespace
	// index, so does spec.namespace's, because every set shares one group.
	if (bh.NamespaceSelector && ss.Spec.NamespaceSelector != nil) || (!bh.NamespaceIndex && ss.Spec.Namespace != "") {
		return "", nil, false
	}
	reqs, _ := e.sel.selector.Requirements()
	best, bestCost := -1, 0
	for i, r := range reqs {
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
			cost := 0
			for _, v := range r.ValuesUnsorted() {
				cost += freq[labelKV{r.Key(), v}]
			}
			if best < 0 || cost < bestCost {
				best, bestCost = i, cost
			}
		}
	}
	if best >= 0 {
		return reqs[best].Key(), reqs[best].ValuesUnsorted(), true
	}
	for _, r := range reqs {
		if r.Operator() == selection.Exists {
			return r.Key(), nil, true
		}
	}
	return "", nil, false
}

// lookup returns the sets of g that may match podLabels, in rank order.
func (g *labelGroup) lookup(podLabels map[string]string) []*indexEntry {
	var hits []*indexEntry
	hits = append(hits, g.always...)
	for k, v := range podLabels {
		hits = append(hits, g.byPair[labelKV{k, v}]...)
		hits = append(hits, g.byKey[k]...)
	}
	if len(hits) > 1 {
		sort.Slice(hits, func(i, j int) bool { return hits[i].rank < hits[j].rank })
	}
	return hits
}

// indexedCandidates returns the candidates of a pod in namespace ns that the label index
// cannot rule out, in candidate order, plus how many candidates there are in all.
func (s *State) indexedCandidates(ns string, podLabels map[string]string) (hits []*indexEntry, candidates int) {
	li := s.labelIndexFor(s.buildIndex())
	keys := []string{ns, clusterScope}
	if !s.opts.behaviour().NamespaceIndex {
		keys = []string{clusterScope}
	}
	for _, key := range keys {
		g := li.groups[key]
		if g == nil {
			continue
		}
		candidates += g.size
		hits = append(hits, g.lookup(podLabels)...)
	}
	return hits, candidates
}

// matchIndexed is the MatchedOnly walk: it tests only the sets the index returns, handing
// each verdict to visit in candidate order, and counts the rest, whose reasons it knows
// without testing them: a set outside the pod's namespace group is a namespace mismatch, and a
// set the label index rules out is a selector mismatch (the index files only sets whose
// earlier checks pass in their group).
func (s *State) matchIndexed(pod *corev1.Pod, skipped map[finding.Code]int, visit func(*appsv1alpha1.SidecarSet, matchResult, error) error) error {
	hits, candidates := s.indexedCandidates(pod.Namespace, pod.Labels)
	li := s.labelIndexFor(s.buildIndex())
	if n := li.total - candidates; n > 0 {
		skipped[finding.NamespaceMismatch] += n
	}
	if n := candidates - len(hits); n > 0 {
		skipped[finding.SelectorMismatch] += n
	}
	for _, e := range hits {
		m, err := s.matchCompiled(e.ss, e.sel, pod, false)
		if err := visit(e.ss, m, err); err != nil {
			return err
		}
	}
	return nil
}

// candidateCount is len(Candidates(ns)) without building the list.
func (s *State) candidateCount(ns string) int {
	idx := s.buildIndex()
	if !s.opts.behaviour().NamespaceIndex {
		return len(idx.all)
	}
	return len(idx.byNS[ns]) + len(idx.byNS[clusterScope])
}
