package pipeline

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// AuditTemplate audits the pod template of a workload (any kind package workload knows, but a
// Pod: AuditPod audits those) as AuditPod audits a pod, its controller's pod: the rows name the
// workload ("Deployment.apps default/web") and fields in it. A template that matches a
// SidecarSet but lacks its sidecars is an info row (audit_not_injected): Kruise injects them
// into its pods at creation, so the manifest does not show what runs; one rendered with
// `sidecarctl inject` that lags behind (an older hash, a sidecar removed or edited since) is a
// warning, as for a pod. Templates count in no SidecarSet's status. ok is false for an object
// without a pod template.
func (s *State) AuditTemplate(obj *unstructured.Unstructured, namespace string) (rows []AuditRow, ok bool, err error) {
	work := obj.DeepCopy()
	if work.GetNamespace() == "" {
		work.SetNamespace(namespace)
	}
	var pod *corev1.Pod
	outcome, err := workload.Mutate(work, func(p *corev1.Pod) error {
		pod = p.DeepCopy()
		return nil
	})
	if err != nil || pod == nil || outcome.Kind.IsPod() {
		return nil, false, err
	}
	pa, err := s.AuditPod(pod)
	if err != nil {
		return nil, true, err
	}
	prefix := outcome.Kind.TemplatePath().String()
	for _, r := range pa.Rows {
		r.Pod = outcome.Object
		if r.Field != "" {
			r.Field = prefix + "." + r.Field
		}
		r.Detail = strings.Replace(r.Detail, "the pod ", "the pod template ", 1)
		if r.Reason == finding.AuditNotInjected {
			r.Severity = finding.Info
			r.Detail += ": Kruise injects it into the pods at their creation"
		}
		rows = append(rows, r)
	}
	return rows, true, nil
}

// AddTemplateRows adds AuditTemplate's rows of n templates to the report, in its order.
func (r *AuditReport) AddTemplateRows(n int, rows []AuditRow) {
	r.Templates += n
	r.Rows = append(r.Rows, rows...)
	sortAuditRows(r.Rows)
}

// sortAuditRows orders rows by SidecarSet, pod (or workload), reason and field.
func sortAuditRows(rows []AuditRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.SidecarSet != b.SidecarSet {
			return a.SidecarSet < b.SidecarSet
		}
		if a.Pod != b.Pod {
			return a.Pod < b.Pod
		}
		if a.Reason != b.Reason {
			return a.Reason < b.Reason
		}
		return a.Field < b.Field
	})
}
