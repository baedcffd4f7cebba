package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// AuditRow is one problem `audit` reports: about a pod and a SidecarSet, or about a SidecarSet
// alone (Pod empty).
type AuditRow struct {
	SidecarSet string           `json:"sidecarSet"`
	Pod        string           `json:"pod,omitempty"`
	Severity   finding.Severity `json:"severity"`
	Reason     finding.Code     `json:"reason"`
	Field      string           `json:"field,omitempty"`
	Detail     string           `json:"detail"`
}

// AuditCounts are one SidecarSet's pods as Kruise's status counts them (matchedPods: the pods
// that match and carry its injection; updatedPods: those injected with its latest hash;
// updatedReadyPods: those of them Ready), with the matching pods that lack its injection and
// those whose sidecars were removed or edited by hand.
type AuditCounts struct {
	SidecarSet   string `json:"sidecarSet"`
	Matched      int    `json:"matched"`
	Updated      int    `json:"updated"`
	UpdatedReady int    `json:"updatedReady"`
	Missing      int    `json:"missing"`
	Edited       int    `json:"edited"`
}

// VolumeSource is a ConfigMap or Secret an injected volume of a pod points at.
type VolumeSource struct {
	SidecarSet string `json:"sidecarSet"`
	Pod        string `json:"pod"`
	Volume     string `json:"volume"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// PodAudit is what AuditPod found in one pod.
type PodAudit struct {
	// Pod is "namespace/name".
	Pod string
	// Rows are the pod's problems, Counts its contribution to each SidecarSet that matched
	// it, Volumes the ConfigMaps and Secrets its injected volumes point at.
	Rows    []AuditRow
	Counts  []AuditCounts
	Volumes []VolumeSource
}

// AuditPod audits one running (or stored) pod against the state. Which SidecarSets match it
// is the pipeline's own decision: the pod without what the SidecarSets injected
// (UninjectPod) and without Kruise's bookkeeping annotations goes through InjectPod as a pod
// CREATE, as Kruise saw it at creation. Each SidecarSet that matches is then compared with
// what the pod records (sidecarset.RecordedInjections): no record is audit_not_injected, an
// older hash audit_outdated, a recorded sidecar the pod lacks audit_sidecar_removed, and
// uninject's edit check (finding.UninjectEdited) audit_sidecar_edited.
func (s *State) AuditPod(pod *corev1.Pod) (*PodAudit, error) {
	ns := pod.Namespace
	if ns == "" {
		ns = "default"
	}
	out := &PodAudit{Pod: ns + "/" + pod.Name}
	recs, err := sidecarset.RecordedInjections(pod)
	if err != nil {
		return nil, fmt.Errorf("pod %s: %w", out.Pod, err)
	}
	un, err := s.UninjectPod(pod)
	if err != nil {
		return nil, fmt.Errorf("pod %s: %w", out.Pod, err)
	}
	base := un.Pod.DeepCopy()
	for _, key := range []string{sidecarset.AnnotationHash, sidecarset.AnnotationHashWithoutImage, sidecarset.AnnotationInjectedList} {
		delete(base.Annotations, key)
	}
	res, err := s.InjectPod(base, sidecarset.Request{Namespace: ns, Operation: sidecarset.Create})
	var refusal *sidecarset.RefusalError
	if err != nil && !errors.As(err, &refusal) {
		return nil, fmt.Errorf("pod %s: %w", out.Pod, err)
	}
	matched := map[string]bool{}
	for _, d := range res.Decisions {
		if isMatch(d.Reason) {
			matched[d.SidecarSet] = true
		}
	}
	for _, c := range s.created {
		ss := c.SidecarSet
		if !matched[ss.Name] {
			continue
		}
		counts := AuditCounts{SidecarSet: ss.Name}
		i := slices.IndexFunc(recs, func(r sidecarset.RecordedInjection) bool { return r.SidecarSet == ss.Name })
		if i < 0 {
			counts.Missing++
			out.Counts = append(out.Counts, counts)
			out.row(ss.Name, finding.Warning, finding.AuditNotInjected, "", fmt.Sprintf(
				"the pod matches SidecarSet %s, which would inject %s at its creation now, but carries none of its injection",
				ss.Name, strings.Join(sidecarNames(res.Pod, base), ", ")))
			continue
		}
		rec := recs[i]
		counts.Matched++
		if latest := ss.Annotations[sidecarset.AnnotationHash]; rec.Hash == latest {
			counts.Updated++
			if podReady(pod) {
				counts.UpdatedReady++
			}
		} else {
			out.row(ss.Name, finding.Warning, finding.AuditOutdated, "metadata.annotations["+sidecarset.AnnotationHash+"]", fmt.Sprintf(
				"the pod runs hash %s of SidecarSet %s, whose latest is %s", orNone(rec.Hash), ss.Name, latest))
		}
		edited := false
		if len(rec.Absent) > 0 {
			edited = true
			out.row(ss.Name, finding.Warning, finding.AuditSidecarRemoved, "spec.containers", fmt.Sprintf(
				"the pod records sidecar(s) %s of SidecarSet %s but no longer has them: removed by hand", strings.Join(rec.Absent, ", "), ss.Name))
		}
		for _, f := range un.Findings {
			if f.Code == finding.UninjectEdited && f.SidecarSet == ss.Name {
				edited = true
				detail, _, _ := strings.Cut(f.Message, "; its injection is left in place")
				out.row(ss.Name, finding.Warning, finding.AuditSidecarEdited, f.Field, detail)
			}
		}
		if edited {
			counts.Edited++
		}
		out.Counts = append(out.Counts, counts)
		out.Volumes = append(out.Volumes, injectedSources(pod, ss.Name, ns, out.Pod, ss.Spec.Volumes)...)
	}
	return out, nil
}

func (p *PodAudit) row(ss string, sev finding.Severity, code finding.Code, field, detail string) {
	p.Rows = append(p.Rows, AuditRow{SidecarSet: ss, Pod: p.Pod, Severity: sev, Reason: code, Field: field, Detail: detail})
}

// isMatch reports the decisions in which a SidecarSet matched the pod (sidecarset.Result.Matched).
func isMatch(c finding.Code) bool {
	r := sidecarset.Result{Decisions: []sidecarset.Decision{{SidecarSet: "x", Reason: c}}}
	return len(r.Matched()) == 1
}

// sidecarNames are the containers injection added to base.
func sidecarNames(injected, base *corev1.Pod) []string {
	had := map[string]bool{}
	for _, c := range append(slices.Clone(base.Spec.InitContainers), base.Spec.Containers...) {
		had[c.Name] = true
	}
	var out []string
	for _, c := range append(slices.Clone(injected.Spec.InitContainers), injected.Spec.Containers...) {
		if !had[c.Name] {
			out = append(out, c.Name)
		}
	}
	if len(out) == 0 {
		return []string{"its metadata"}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none recorded)"
	}
	return s
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// injectedSources are the ConfigMaps and Secrets the pod's volumes named like the
// SidecarSet's volumes point at; a namespace/name reference names another namespace.
func injectedSources(pod *corev1.Pod, ss, ns, podName string, ssVolumes []corev1.Volume) []VolumeSource {
	names := map[string]bool{}
	for _, v := range ssVolumes {
		names[v.Name] = true
	}
	var out []VolumeSource
	add := func(volume, kind, ref string, optional *bool) {
		if ref == "" || (optional != nil && *optional) {
			return
		}
		src := VolumeSource{SidecarSet: ss, Pod: podName, Volume: volume, Kind: kind, Namespace: ns, Name: ref}
		if n, name, ok := strings.Cut(ref, "/"); ok {
			src.Namespace, src.Name = n, name
		}
		out = append(out, src)
	}
	for _, v := range pod.Spec.Volumes {
		if !names[v.Name] {
			continue
		}
		if cm := v.ConfigMap; cm != nil {
			add(v.Name, "ConfigMap", cm.Name, cm.Optional)
		}
		if sec := v.Secret; sec != nil {
			add(v.Name, "Secret", sec.SecretName, sec.Optional)
		}
		if p := v.Projected; p != nil {
			for _, s := range p.Sources {
				if s.ConfigMap != nil {
					add(v.Name, "ConfigMap", s.ConfigMap.Name, s.ConfigMap.Optional)
				}
				if s.Secret != nil {
					add(v.Name, "Secret", s.Secret.Name, s.Secret.Optional)
				}
			}
		}
	}
	return out
}

// AuditReport is what Audit found: the rows, sorted by SidecarSet, pod, reason and field,
// and the counts of every SidecarSet of the state, in creation order.
type AuditReport struct {
	Pods int `json:"pods"`
	// Templates counts the workload pod templates AuditTemplate added rows for or found clean.
	Templates int           `json:"templates,omitempty"`
	Rows      []AuditRow    `json:"rows"`
	Counts    []AuditCounts `json:"sidecarSets"`
}

// Problems counts the rows of severity warning or error.
func (r *AuditReport) Problems() int {
	n := 0
	for _, row := range r.Rows {
		if row.Severity == finding.Warning || row.Severity == finding.Error {
			n++
		}
	}
	return n
}

// Audit runs AuditPod on every pod, adds a row per SidecarSet reference no binding authorizes
// (State.Unauthorized) and, when exists is not nil, one per injected ConfigMap or Secret
// volume whose object exists reports false (a live cluster's Get).
func (s *State) Audit(pods []*corev1.Pod, exists func(VolumeSource) (bool, error)) (*AuditReport, error) {
	out := &AuditReport{Pods: len(pods), Rows: []AuditRow{}}
	index := map[string]int{}
	for _, c := range s.created {
		index[c.SidecarSet.Name] = len(out.Counts)
		out.Counts = append(out.Counts, AuditCounts{SidecarSet: c.SidecarSet.Name})
		for _, f := range s.unauthorized[c.SidecarSet.Name] {
			g := s.unauthorizedFinding(f)
			out.Rows = append(out.Rows, AuditRow{SidecarSet: c.SidecarSet.Name, Severity: g.Severity,
				Reason: finding.AuditUnauthorizedReference, Field: g.Field, Detail: g.Message})
		}
	}
	for _, pod := range pods {
		pa, err := s.AuditPod(pod)
		if err != nil {
			return nil, err
		}
		out.Rows = append(out.Rows, pa.Rows...)
		for _, c := range pa.Counts {
			t := &out.Counts[index[c.SidecarSet]]
			t.Matched += c.Matched
			t.Updated += c.Updated
			t.UpdatedReady += c.UpdatedReady
			t.Missing += c.Missing
			t.Edited += c.Edited
		}
		if exists == nil {
			continue
		}
		for _, v := range pa.Volumes {
			ok, err := exists(v)
			if err != nil {
				return nil, fmt.Errorf("pod %s: volume %s: %w", v.Pod, v.Volume, err)
			}
			if !ok {
				out.Rows = append(out.Rows, AuditRow{SidecarSet: v.SidecarSet, Pod: v.Pod, Severity: finding.Error,
					Reason: finding.AuditMissingVolumeSource, Field: "spec.volumes[" + v.Volume + "]",
					Detail: fmt.Sprintf("volume %s injected by SidecarSet %s points at %s %s/%s, which does not exist: a pod created with it now does not start", v.Volume, v.SidecarSet, v.Kind, v.Namespace, v.Name)})
			}
		}
	}
	sortAuditRows(out.Rows)
	return out, nil
}
