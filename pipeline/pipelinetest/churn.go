package pipelinetest

import (
	"encoding/json"
	"fmt"
	"time"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/pipeline"
	"github.com/sidecarctl/sidecarctl/sidecarset"
	"github.com/sidecarctl/sidecarctl/sidecarset/sidecarsettest"
)

// Churn is the corpus as one cluster: every case's SidecarSets under names of their own, as
// a cluster stores them (two per creation second, resourceVersions in creation order), the
// case namespaces (the first case's labels for a namespace several cases share) and the
// case pods. The tests of incremental state updates change it and compare the decisions on
// its pods with those of a state admitted from scratch.
type Churn struct {
	SidecarSets []*appsv1alpha1.SidecarSet
	Namespaces  []*corev1.Namespace
	Pods        []*corev1.Pod
}

// NewChurn reads the corpus.
func NewChurn() (*Churn, error) {
	cases, err := sidecarsettest.Cases()
	if err != nil {
		return nil, err
	}
	ch := &Churn{}
	seen := map[string]bool{}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, c := range cases {
		for j := range c.SidecarSets {
			ss := c.SidecarSets[j].DeepCopy()
			n := len(ch.SidecarSets)
			ss.Name = fmt.Sprintf("c%03d-%s", i, ss.Name)
			ss.UID = "uid-" + ss.UID
			ss.CreationTimestamp = metav1.NewTime(base.Add(time.Duration(n/2) * time.Second))
			ss.ResourceVersion = fmt.Sprint(100 + n)
			ch.SidecarSets = append(ch.SidecarSets, ss)
		}
		for j := range c.Namespaces {
			if !seen[c.Namespaces[j].Name] {
				seen[c.Namespaces[j].Name] = true
				ch.Namespaces = append(ch.Namespaces, c.Namespaces[j].DeepCopy())
			}
		}
		pod := c.Pod.DeepCopy()
		if pod.Namespace == "" {
			pod.Namespace = "default"
		}
		ch.Pods = append(ch.Pods, pod)
	}
	return ch, nil
}

// StoredOptions are the options of a webhook's state: Trust Stored, a fixed injection time.
func StoredOptions() pipeline.Options {
	return pipeline.Options{Trust: pipeline.Stored, Engine: sidecarset.Options{Now: FixedTime}}
}

// ChurnInput is the cluster input of sets and namespaces, as the server's cluster read makes it.
func ChurnInput(sets []*appsv1alpha1.SidecarSet, namespaces []*corev1.Namespace) *pipeline.Input {
	in := &pipeline.Input{Namespaces: namespaces}
	for _, ss := range sets {
		in.Creations = append(in.Creations, pipeline.Creation{SidecarSet: ss, Source: "SidecarSet " + ss.Name})
	}
	return in
}

// decisionView is what one admission decides, in a form two states can be compared on.
type decisionView struct {
	Pod       *corev1.Pod           `json:"pod,omitempty"`
	Changed   bool                  `json:"changed"`
	Decisions []sidecarset.Decision `json:"decisions"`
	Skipped   map[finding.Code]int  `json:"skipped,omitempty"`
	Findings  finding.List          `json:"findings,omitempty"`
	Error     string                `json:"error,omitempty"`
}

// Decisions returns what st decides for each pod, both walks (every candidate, and the
// webhook's MatchedOnly index), and what the state itself reports (creation order, findings),
// as JSON lines: equal states give equal lines.
func Decisions(st *pipeline.State, pods []*corev1.Pod) ([]string, error) {
	var out []string
	var created []string
	for _, c := range st.Created() {
		created = append(created, c.SidecarSet.Name+" "+c.Source+" "+c.SidecarSet.Annotations[sidecarset.AnnotationHash])
		for _, f := range st.Unauthorized(c.SidecarSet.Name) {
			created = append(created, "unauthorized "+f.Finding.Message)
		}
	}
	head, err := json.Marshal(struct {
		Created  []string     `json:"created"`
		Findings finding.List `json:"findings"`
	}{created, st.Findings()})
	if err != nil {
		return nil, err
	}
	out = append(out, string(head))
	for _, pod := range pods {
		for _, matchedOnly := range []bool{false, true} {
			res, err := st.InjectPod(pod, sidecarset.Request{Namespace: pod.Namespace, Operation: sidecarset.Create, MatchedOnly: matchedOnly})
			v := decisionView{}
			if err != nil {
				v.Error = err.Error()
			}
			if res != nil {
				v.Pod, v.Changed, v.Decisions, v.Skipped, v.Findings = res.Pod, res.Changed, res.Decisions, res.Skipped, res.Findings
			}
			line, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			out = append(out, fmt.Sprintf("%s matchedOnly=%v: %s", pod.Name, matchedOnly, line))
		}
	}
	return out, nil
}
