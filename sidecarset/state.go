package sidecarset

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
)

// Kruise's own namespace and the ConfigMap that holds its patchPodMetadata whitelist.
const (
	KruiseNamespace         = "kruise-system"
	KruiseConfigurationName = "kruise-configuration"
	WhitelistKey            = "SidecarSet_PatchPodMetadata_WhiteList"
)

// State is the cluster state the webhooks see: stored SidecarSets, Namespaces, Kruise's
// configuration ConfigMap and ControllerRevisions. It is not safe for concurrent writes;
// build it, then share it read-only.
type State struct {
	opts        Options
	sidecarSets []*appsv1alpha1.SidecarSet
	byName      map[string]*appsv1alpha1.SidecarSet
	namespaces  map[string]*corev1.Namespace
	configMaps  map[string]*corev1.ConfigMap
	revisions   []*appsv1.ControllerRevision
	// selectors holds each stored SidecarSet's compiled selectors, built once in Store so
	// that no admission parses a selector.
	selectors map[*appsv1alpha1.SidecarSet]*compiledSelectors
	// kept holds, for a stored SidecarSet Kruise dropped fields of, the fields injection puts
	// back (none with Options.KruiseExact).
	kept map[*appsv1alpha1.SidecarSet]*keptFields
	// index is the namespace index, rebuilt lazily after a change. Readers may run
	// concurrently (the webhook shares one State between requests), hence the atomic pointer
	// and the build lock.
	index    atomic.Pointer[stateIndex]
	buildMu  sync.Mutex
	findings finding.List
}

// stateIndex is one build of the namespace index.
type stateIndex struct {
	// byNS maps a namespace (or clusterScope) to its SidecarSets sorted by name.
	byNS map[string][]*appsv1alpha1.SidecarSet
	// all holds every SidecarSet sorted by name.
	all []*appsv1alpha1.SidecarSet
	// labels is the candidate index on selector labels, built on first use only: State.Create
	// rebuilds the namespace index once per SidecarSet, and only admissions need this one.
	labelsOnce sync.Once
	labels     *labelIndex
}

const clusterScope = "\x00cluster-scope"

// NewState returns an empty cluster state whose webhooks behave as opts says.
func NewState(opts Options) *State {
	return &State{
		opts:       opts,
		byName:     map[string]*appsv1alpha1.SidecarSet{},
		namespaces: map[string]*corev1.Namespace{},
		configMaps: map[string]*corev1.ConfigMap{},
		selectors:  map[*appsv1alpha1.SidecarSet]*compiledSelectors{},
		kept:       map[*appsv1alpha1.SidecarSet]*keptFields{},
	}
}

// Options returns the options the state was built with.
func (s *State) Options() Options { return s.opts }

// AddNamespace records a Namespace (its labels matter for namespaceSelector).
func (s *State) AddNamespace(ns *corev1.Namespace) { s.namespaces[ns.Name] = ns.DeepCopy() }

// Namespace returns a recorded Namespace.
func (s *State) Namespace(name string) (*corev1.Namespace, bool) {
	ns, ok := s.namespaces[name]
	return ns, ok
}

// AddConfigMap records a ConfigMap. Kruise reads only kruise-system/kruise-configuration.
func (s *State) AddConfigMap(cm *corev1.ConfigMap) {
	s.configMaps[cm.Namespace+"/"+cm.Name] = cm.DeepCopy()
}

// AddControllerRevision records a ControllerRevision (history for injectionStrategy.revision).
func (s *State) AddControllerRevision(cr *appsv1.ControllerRevision) {
	s.revisions = append(s.revisions, cr.DeepCopy())
}

// ControllerRevisions returns the recorded ControllerRevisions.
func (s *State) ControllerRevisions() []*appsv1.ControllerRevision { return s.revisions }

// Findings returns what State.Create observed while admitting SidecarSets: fields the Kruise
// version drops, clashes its validation lets through.
func (s *State) Findings() finding.List { return s.findings }

// SidecarSets returns the stored SidecarSets in creation order.
func (s *State) SidecarSets() []*appsv1alpha1.SidecarSet { return s.sidecarSets }

// SidecarSet returns a stored SidecarSet by name.
func (s *State) SidecarSet(name string) (*appsv1alpha1.SidecarSet, bool) {
	ss, ok := s.byName[name]
	return ss, ok
}

// Create admits ss the way a cluster with Kruise does: the SidecarSet mutating webhook
// (defaults and hash annotations), then the validating webhook against the SidecarSets
// created before it, then storage, then (with Options.RecordRevisions) the controller's first
// ControllerRevision. It returns the stored object, or an *AdmissionError with Kruise's reason.
func (s *State) Create(in *appsv1alpha1.SidecarSet) (*appsv1alpha1.SidecarSet, error) {
	ss := in.DeepCopy()
	v := s.opts.version()
	// Kruise's CRD schema and its Kubernetes types decide what is left of the SidecarSet
	// before its webhooks see it (sidecarset/BEHAVIOUR.md §5.1, §7.2).
	s.findings = append(s.findings, pruneSchema(ss, v)...)
	dropped := dropNewerFields(ss, v)
	s.findings = append(s.findings, droppedFindings(ss, dropped, v, s.opts.KruiseExact)...)
	if !s.opts.SkipDefaulting {
		if err := Mutate(ss, v); err != nil {
			return nil, err
		}
	}
	if !s.opts.SkipValidation {
		old := s.byName[ss.Name]
		env := s.ValidationEnv()
		if errs := Validate(ss, old, env); len(errs) > 0 {
			agg := errs.ToAggregate()
			return nil, &AdmissionError{SidecarSet: ss.Name, Stage: StageValidatingWebhook, Code: finding.RefusedByValidatingWebhook,
				Message: agg.Error(), Errs: errs, Err: agg}
		}
		s.findings = append(s.findings, ConflictsKruiseAccepts(ss, env)...)
	}
	if s.opts.RecordRevisions {
		cr, err := NewControllerRevision(ss, s.revisionsOf(ss.Name), v)
		if err != nil {
			return nil, &AdmissionError{SidecarSet: ss.Name, Stage: StageController, Code: finding.RefusedByController,
				Message: err.Error(), Err: err}
		}
		s.revisions = append(s.revisions, cr)
		ss.Status.LatestRevision = cr.Name
	}
	kept, err := s.keep(in, dropped)
	if err != nil {
		return nil, err
	}
	s.store(ss, kept)
	return ss, nil
}

// keep returns what injection puts back of the fields Kruise dropped from in: their values in
// in, defaulted as Kruise defaults; nil with Options.KruiseExact.
func (s *State) keep(in *appsv1alpha1.SidecarSet, dropped []droppedField) (*keptFields, error) {
	if s.opts.KruiseExact || len(dropped) == 0 {
		return nil, nil
	}
	full := in.DeepCopy()
	if !s.opts.SkipDefaulting {
		Default(full, s.opts.version())
	}
	return keepDropped(full, dropped)
}

// Mutate is what Kruise's SidecarSet mutating webhook does: the defaults, then the two hash
// annotations, computed without the fields Kruise's Kubernetes types lack (Kruise drops them
// on decoding; Mutate leaves them to the caller, State.Create drops them). A failure is an *AdmissionError of that webhook. State.Create, the pipeline's
// admission of stored SidecarSets that never met a mutating webhook, and serve's SidecarSet
// defaulting webhook all call it.
func Mutate(ss *appsv1alpha1.SidecarSet, v Version) error {
	Default(ss, v)
	if err := SetHashAnnotations(ss, v); err != nil {
		return &AdmissionError{SidecarSet: ss.Name, Stage: StageMutatingWebhook, Code: finding.RefusedByMutatingWebhook,
			Message: err.Error(), Err: err}
	}
	return nil
}

// Store records ss as this Kruise version's cache holds it, replacing a SidecarSet of the same
// name: for SidecarSets read from a cluster, where Kruise's webhooks already ran. Kruise
// decodes them into its Kubernetes types, so fields its CRD schema or types do not know are
// gone for it (the schema's quietly: this is reading, not admitting; a field the types lack is
// reported and, unless Options.KruiseExact, still injected, sidecarset/BEHAVIOUR.md §7.2). ss
// itself is stored, and modified when something is dropped.
func (s *State) Store(ss *appsv1alpha1.SidecarSet) {
	v := s.opts.version()
	pruneSchema(ss, v)
	var full *appsv1alpha1.SidecarSet
	if !s.opts.KruiseExact {
		full = ss.DeepCopy()
	}
	dropped := dropNewerFields(ss, v)
	s.findings = append(s.findings, droppedFindings(ss, dropped, v, s.opts.KruiseExact)...)
	var kept *keptFields
	if full != nil {
		// The values were taken from a JSON round trip of a typed object: they encode.
		kept, _ = keepDropped(full, dropped)
	}
	s.store(ss, kept)
}

func (s *State) store(ss *appsv1alpha1.SidecarSet, kept *keptFields) {
	if old, ok := s.byName[ss.Name]; ok {
		delete(s.selectors, old)
		delete(s.kept, old)
		for i := range s.sidecarSets {
			if s.sidecarSets[i] == old {
				s.sidecarSets[i] = ss
			}
		}
	} else {
		s.sidecarSets = append(s.sidecarSets, ss)
	}
	s.byName[ss.Name] = ss
	s.selectors[ss] = compileSelectors(ss)
	if kept != nil {
		s.kept[ss] = kept
	}
	s.index.Store(nil)
}

func (s *State) revisionsOf(name string) []*appsv1.ControllerRevision {
	var out []*appsv1.ControllerRevision
	for _, cr := range s.revisions {
		if cr.Labels[LabelSidecarSetName] == name {
			out = append(out, cr)
		}
	}
	return out
}

// Candidates returns the SidecarSets Kruise's pod webhook would consider for a pod in
// namespace ns, in the order this engine uses: v1.8 lists the SidecarSets indexed under the
// pod's namespace, then the cluster-scoped ones (Kruise >= v1.7's field index); v1.3 lists all.
// Kruise's order inside each group comes from a Go map and is undefined; sidecarctl sorts each
// group by name so that results are reproducible.
func (s *State) Candidates(ns string) []*appsv1alpha1.SidecarSet {
	idx := s.buildIndex()
	if !s.opts.behaviour().NamespaceIndex {
		return idx.all
	}
	local, cluster := idx.byNS[ns], idx.byNS[clusterScope]
	out := make([]*appsv1alpha1.SidecarSet, 0, len(local)+len(cluster))
	out = append(out, local...)
	return append(out, cluster...)
}

func (s *State) buildIndex() *stateIndex {
	if idx := s.index.Load(); idx != nil {
		return idx
	}
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	if idx := s.index.Load(); idx != nil {
		return idx
	}
	idx := &stateIndex{byNS: map[string][]*appsv1alpha1.SidecarSet{}}
	idx.all = append([]*appsv1alpha1.SidecarSet(nil), s.sidecarSets...)
	sort.SliceStable(idx.all, func(i, j int) bool { return idx.all[i].Name < idx.all[j].Name })
	for _, ss := range idx.all {
		for _, key := range indexKeys(ss) {
			idx.byNS[key] = append(idx.byNS[key], ss)
		}
	}
	s.index.Store(idx)
	return idx
}

// indexKeys mirrors Kruise's SidecarSet namespace field index: spec.namespace, else the
// kubernetes.io/metadata.name label of namespaceSelector (matchLabels, then the first In
// expression), else cluster scope.
func indexKeys(ss *appsv1alpha1.SidecarSet) []string {
	if ss.Spec.Namespace != "" {
		return []string{ss.Spec.Namespace}
	}
	if sel := ss.Spec.NamespaceSelector; sel != nil {
		if v, ok := sel.MatchLabels[corev1.LabelMetadataName]; ok {
			return []string{v}
		}
		for _, e := range sel.MatchExpressions {
			if e.Key == corev1.LabelMetadataName && e.Operator == "In" {
				return uniqueStrings(e.Values)
			}
		}
	}
	return []string{clusterScope}
}

func uniqueStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func (s *State) whitelistConfigMap() (*corev1.ConfigMap, bool) {
	cm, ok := s.configMaps[KruiseNamespace+"/"+KruiseConfigurationName]
	return cm, ok
}

func (s *State) String() string {
	return fmt.Sprintf("State{%d sidecarsets, %d namespaces}", len(s.sidecarSets), len(s.namespaces))
}
