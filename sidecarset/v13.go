package sidecarset

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// pruneForV13 removes what a Kruise v1.3.0 installation silently drops from a SidecarSet at
// creation (sidecarset/BEHAVIOUR.md §5.1, §5.2): fields its CRD schema (the rows of
// behaviourOf that v1.3 lacks) or its Kubernetes 1.22 types (newerfields.go) do not know. Each
// removal is returned as a finding, because v1.3 itself says nothing; so are the
// init-container settings v1.3 keeps but ignores.
func pruneForV13(ss *appsv1alpha1.SidecarSet) finding.List {
	v13 := behaviourOf(KruiseV13)
	var out finding.List
	warn := func(path *field.Path, msg string) {
		out.Add(finding.Finding{Severity: finding.Warning, Code: finding.PostV13Feature, SidecarSet: ss.Name,
			Field: path.String(), Message: msg})
	}
	spec := field.NewPath("spec")
	if ss.Spec.NamespaceSelector != nil && !v13.NamespaceSelector {
		ss.Spec.NamespaceSelector = nil
		warn(spec.Child("namespaceSelector"), "Kruise v1.3 prunes namespaceSelector, so the SidecarSet injects into matching pods of every namespace")
	}
	if ss.Spec.UpdateStrategy.PriorityStrategy != nil && !v13.PriorityStrategy {
		ss.Spec.UpdateStrategy.PriorityStrategy = nil
		warn(spec.Child("updateStrategy", "priorityStrategy"), "Kruise v1.3 prunes priorityStrategy (added in v1.5)")
	}
	for i := range ss.Spec.InitContainers {
		p := spec.Child("initContainers").Index(i)
		c := &ss.Spec.InitContainers[i]
		restartPolicy := p.Child("restartPolicy").String()
		for _, nf := range ContainerFieldsNewerThanV13(&c.Container, p, true) {
			if nf.Path.String() == restartPolicy && !v13.NativeSidecars {
				warn(nf.Path, fmt.Sprintf("Kruise v1.3 drops restartPolicy, so native sidecar %s becomes a blocking init container and the pod never leaves its init phase", c.Name))
				continue
			}
			warn(nf.Path, droppedByV13(nf))
		}
		if c.PodInjectPolicy == appsv1alpha1.BeforeAppContainerType && !v13.PlacesInitContainers {
			warn(p.Child("podInjectPolicy"), "Kruise v1.3 ignores podInjectPolicy on init containers and appends them after the pod's own")
		}
		if c.ShareVolumePolicy.Type == appsv1alpha1.ShareVolumePolicyEnabled && !v13.InitContainersShareVolumes {
			warn(p.Child("shareVolumePolicy"), "Kruise v1.3 does not share pod volumes with init containers")
		}
	}
	for i := range ss.Spec.Containers {
		for _, nf := range ContainerFieldsNewerThanV13(&ss.Spec.Containers[i].Container, spec.Child("containers").Index(i), true) {
			warn(nf.Path, droppedByV13(nf))
		}
	}
	for i := range ss.Spec.Volumes {
		for _, nf := range VolumeFieldsNewerThanV13(&ss.Spec.Volumes[i], spec.Child("volumes").Index(i), true) {
			warn(nf.Path, droppedByV13(nf))
		}
	}
	return out
}

func droppedByV13(nf NewerField) string {
	return fmt.Sprintf("Kubernetes 1.22 types, which Kruise v1.3 is built with, lack %s (Kubernetes %s); Kruise v1.3 drops it", nf.What, nf.Since)
}

// V13Compatibility lists what Kruise v1.3.0 (Alibaba Cloud virtual nodes) would silently
// drop, ignore or refuse in ss: the pruning State.Create does in v1.3 mode, plus the
// post-1.3 behaviours the SidecarSet relies on. ss is not modified.
func V13Compatibility(ss *appsv1alpha1.SidecarSet) finding.List {
	v13 := behaviourOf(KruiseV13)
	out := pruneForV13(ss.DeepCopy())
	p := field.NewPath("spec")
	warn := func(path *field.Path, msg string) {
		out.Add(finding.Finding{Severity: finding.Warning, Code: finding.PostV13Feature, SidecarSet: ss.Name,
			Field: path.String(), Message: msg})
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
