package pipeline

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// AuditTemplate audits the pod template of a workload (any kind package workload knows, but a
// Pod: AuditPod audits those) as AuditPod audits a pod, its controller's pod: the rows name the
// workload ("Deployment.apps default/web") and fields in it. A template that matches a
// SidecarSet but lacks its sidecars is an info row (audit_not_injected): Kruise injects them
// into its pods at creation, so the manifest does not show what runs; a warning when the
// template carries a container of a sidecar's name, written by hand, which Kruise replaces
// with the SidecarSet's at pod creation. One rendered with
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
			if own := s.ownSidecars(r.SidecarSet, pod); len(own) > 0 {
				// Kruise puts a sidecar whose name the pod uses in that container's place
				// (sidecarset/BEHAVIOUR.md §2.3): the hand-written one is silently replaced.
				r.Severity = finding.Warning
				r.Detail = fmt.Sprintf("the pod template matches SidecarSet %s and carries its own %s, which Kruise replaces with the SidecarSet's at pod creation; `sidecarctl migrate` moves such sidecars to SidecarSets",
					r.SidecarSet, strings.Join(own, ", "))
			}
		}
		rows = append(rows, r)
	}
	return rows, true, nil
}

// ownSidecars are the containers of pod named like the SidecarSet's sidecars.
func (s *State) ownSidecars(sidecarSet string, pod *corev1.Pod) []string {
	var out []string
	for _, c := range s.created {
		if c.SidecarSet.Name != sidecarSet {
			continue
		}
		for _, list := range [][]appsv1alpha1.SidecarContainer{c.SidecarSet.Spec.InitContainers, c.SidecarSet.Spec.Containers} {
			for _, sc := range list {
				for _, pc := range append(slices.Clone(pod.Spec.InitContainers), pod.Spec.Containers...) {
					if pc.Name == sc.Name {
						out = append(out, pc.Name)
					}
				}
			}
		}
	}
	return out
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
