package sidecarset

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// pruneSchema removes what an older Kruise's CRD schema silently drops from a SidecarSet at
// creation (sidecarset/BEHAVIOUR.md §5.1): namespaceSelector before v1.4, priorityStrategy
// before v1.5. Each removal is returned as a finding, because Kruise itself says nothing; so
// are the init-container settings releases before v1.5 or v1.7 keep but ignore. The fields Kruise's Kubernetes types
// lack are dropNewerFields' (§7).
func pruneSchema(ss *appsv1alpha1.SidecarSet, v Version) finding.List {
	bh, kruise := behaviourOf(v), v.kruise()
	code := finding.NewerKruiseFeature
	if bh.VirtualNodeFeatures {
		code = finding.PostV13Feature
	}
	var out finding.List
	warn := func(path *field.Path, msg string) {
		out.Add(finding.Finding{Severity: finding.Warning, Code: code, SidecarSet: ss.Name,
			Field: path.String(), Message: msg})
	}
	spec := field.NewPath("spec")
	if ss.Spec.NamespaceSelector != nil && !bh.NamespaceSelector {
		ss.Spec.NamespaceSelector = nil
		warn(spec.Child("namespaceSelector"), kruise+" prunes namespaceSelector (added in v1.4), so the SidecarSet injects into matching pods of every namespace")
	}
	if ss.Spec.UpdateStrategy.PriorityStrategy != nil && !bh.PriorityStrategy {
		ss.Spec.UpdateStrategy.PriorityStrategy = nil
		warn(spec.Child("updateStrategy", "priorityStrategy"), kruise+" prunes priorityStrategy (added in v1.5)")
	}
	for i := range ss.Spec.InitContainers {
		p := spec.Child("initContainers").Index(i)
		c := &ss.Spec.InitContainers[i]
		if c.PodInjectPolicy == appsv1alpha1.BeforeAppContainerType && !bh.PlacesInitContainers {
			warn(p.Child("podInjectPolicy"), kruise+" ignores podInjectPolicy on init containers and appends them after the pod's own (placed from v1.7)")
		}
		if c.ShareVolumePolicy.Type == appsv1alpha1.ShareVolumePolicyEnabled && !bh.InitContainersShareVolumes {
			warn(p.Child("shareVolumePolicy"), kruise+" does not share pod volumes with init containers (shared from v1.5)")
		}
	}
	return out
}

// V13Compatibility lists what Kruise v1.3.0 (Alibaba Cloud virtual nodes) would silently
// drop, ignore or refuse in ss: what State.Create prunes in v1.3 mode (schema and Kubernetes
// 1.22 types), plus the post-1.3 behaviours the SidecarSet relies on, all as post_v1_3_feature
// warnings. ss is not modified.
func V13Compatibility(ss *appsv1alpha1.SidecarSet) finding.List {
	v13 := behaviourOf(KruiseV13)
	copied := ss.DeepCopy()
	out := pruneSchema(copied, KruiseV13)
	p := field.NewPath("spec")
	warn := func(path *field.Path, msg string) {
		out.Add(finding.Finding{Severity: finding.Warning, Code: finding.PostV13Feature, SidecarSet: ss.Name,
			Field: path.String(), Message: msg})
	}
	for _, d := range dropNewerFields(copied, KruiseV13) {
		warn(d.Path, droppedByV13(copied, d))
	}
	if r := ss.Spec.InjectionStrategy.Revision; r != nil && r.Policy == appsv1alpha1.PartialSidecarSetInjectRevisionPolicy && !v13.PartialRevisionPolicy {
		warn(p.Child("injectionStrategy", "revision", "policy"), "Kruise v1.3 refuses the Partial policy (added in v1.8)")
	}
	hot := 0
	for _, c := range ss.Spec.Containers {
		if isHotUpgrade(&c) {
			hot++
		}
	}
	if hot > 1 && !v13.RecordsEveryHotUpgradeSidecar {
		warn(p.Child("containers"), "Kruise v1.3 records only the last hot-upgrade sidecar in kruise.io/sidecarset-working-hotupgrade-container, so the others are never upgraded")
	}
	return out
}

func droppedByV13(ss *appsv1alpha1.SidecarSet, d droppedField) string {
	if nativeMarker(d) {
		return fmt.Sprintf("Kruise v1.3 drops restartPolicy, so native sidecar %s becomes a blocking init container and the pod never leaves its init phase",
			ss.Spec.InitContainers[d.index].Name)
	}
	return fmt.Sprintf("Kubernetes 1.22 types, which Kruise v1.3 is built with, lack %s (Kubernetes %s); Kruise v1.3 drops it", d.What, d.Since)
}
