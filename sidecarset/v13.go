package sidecarset

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/finding"
)

// pruneForV13 removes what a Kruise v1.3.0 installation silently drops from a SidecarSet at
// creation (kruise-v13-differences.md): fields its CRD schema or its Kubernetes 1.22 types do
// not know. Each removal is returned as a finding, because v1.3 itself says nothing.
func pruneForV13(ss *appsv1alpha1.SidecarSet) finding.List {
	var notes finding.List
	note := func(path *field.Path, msg string) { notes.Add(postV13(ss.Name, path, msg)) }
	spec := field.NewPath("spec")
	if ss.Spec.NamespaceSelector != nil {
		ss.Spec.NamespaceSelector = nil
		note(spec.Child("namespaceSelector"), "Kruise v1.3 prunes namespaceSelector, so the SidecarSet injects into matching pods of every namespace")
	}
	if ss.Spec.UpdateStrategy.PriorityStrategy != nil {
		ss.Spec.UpdateStrategy.PriorityStrategy = nil
		note(spec.Child("updateStrategy", "priorityStrategy"), "Kruise v1.3 prunes priorityStrategy (added in v1.5)")
	}
	for i := range ss.Spec.InitContainers {
		p := spec.Child("initContainers").Index(i)
		c := &ss.Spec.InitContainers[i]
		if c.RestartPolicy != nil {
			c.RestartPolicy = nil
			note(p.Child("restartPolicy"), fmt.Sprintf("Kruise v1.3 drops restartPolicy, so native sidecar %s becomes a blocking init container and the pod never leaves its init phase", c.Name))
		}
		if c.PodInjectPolicy == appsv1alpha1.BeforeAppContainerType {
			note(p.Child("podInjectPolicy"), "Kruise v1.3 ignores podInjectPolicy on init containers and appends them after the pod's own")
		}
		if c.ShareVolumePolicy.Type == appsv1alpha1.ShareVolumePolicyEnabled {
			note(p.Child("shareVolumePolicy"), "Kruise v1.3 does not share pod volumes with init containers")
		}
		notes = append(notes, pruneContainerForV13(ss.Name, &c.Container, p)...)
	}
	for i := range ss.Spec.Containers {
		notes = append(notes, pruneContainerForV13(ss.Name, &ss.Spec.Containers[i].Container, spec.Child("containers").Index(i))...)
	}
	for i := range ss.Spec.Volumes {
		vol := &ss.Spec.Volumes[i]
		p := spec.Child("volumes").Index(i)
		if vol.Image != nil {
			vol.Image = nil
			note(p.Child("image"), "Kubernetes 1.22 types have no image volumes; Kruise v1.3 drops the source")
		}
		if pr := vol.Projected; pr != nil {
			for j := range pr.Sources {
				if pr.Sources[j].ClusterTrustBundle != nil {
					pr.Sources[j].ClusterTrustBundle = nil
					note(p.Child("projected", "sources").Index(j), "Kruise v1.3 drops clusterTrustBundle projections")
				}
			}
		}
	}
	return notes
}

// pruneContainerForV13 drops container fields that Kubernetes 1.22's types do not have.
func pruneContainerForV13(set string, c *corev1.Container, p *field.Path) finding.List {
	var notes finding.List
	drop := func(child string, what string) {
		notes.Add(postV13(set, p.Child(child), fmt.Sprintf("Kubernetes 1.22 types have no %s; Kruise v1.3 drops it", what)))
	}
	if c.ResizePolicy != nil {
		c.ResizePolicy = nil
		drop("resizePolicy", "resizePolicy")
	}
	if c.RestartPolicy != nil {
		c.RestartPolicy = nil
		drop("restartPolicy", "container restartPolicy")
	}
	if len(c.Resources.Claims) > 0 {
		c.Resources.Claims = nil
		drop("resources", "resource claims")
	}
	probes := []struct {
		name  string
		probe *corev1.Probe
	}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}}
	for _, pr := range probes {
		if pr.probe != nil && pr.probe.GRPC != nil {
			pr.probe.GRPC = nil
			drop(pr.name, "gRPC probes")
		}
	}
	if lc := c.Lifecycle; lc != nil {
		for _, h := range []*corev1.LifecycleHandler{lc.PostStart, lc.PreStop} {
			if h != nil && h.Sleep != nil {
				h.Sleep = nil
				drop("lifecycle", "sleep handlers")
			}
		}
		if lc.StopSignal != nil {
			lc.StopSignal = nil
			drop("lifecycle", "stopSignal")
		}
	}
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].RecursiveReadOnly != nil {
			c.VolumeMounts[i].RecursiveReadOnly = nil
			drop("volumeMounts", "recursiveReadOnly")
		}
	}
	return notes
}

// V13Compatibility lists what Kruise v1.3.0 (Alibaba Cloud virtual nodes) would silently
// drop, ignore or refuse in ss: the pruning State.Create does in v1.3 mode, plus the
// post-1.3 behaviours the SidecarSet relies on. ss is not modified.
func V13Compatibility(ss *appsv1alpha1.SidecarSet) finding.List {
	notes := pruneForV13(ss.DeepCopy())
	p := field.NewPath("spec")
	add := func(path *field.Path, msg string) { notes.Add(postV13(ss.Name, path, msg)) }
	if r := ss.Spec.InjectionStrategy.Revision; r != nil && r.Policy == appsv1alpha1.PartialSidecarSetInjectRevisionPolicy {
		add(p.Child("injectionStrategy", "revision", "policy"), "Kruise v1.3 refuses the Partial policy (added in v1.8)")
	}
	hot := 0
	for _, c := range ss.Spec.Containers {
		if isHotUpgrade(&c) {
			hot++
		}
	}
	if hot > 1 {
		add(p.Child("containers"), "Kruise v1.3 records only the last hot-upgrade sidecar in kruise.io/sidecarset-working-hotupgrade-container, so the others are never upgraded")
	}
	return notes
}

// postV13 is a finding about something Kruise v1.3 drops, ignores or refuses at path.
func postV13(set string, path *field.Path, msg string) finding.Finding {
	return finding.Finding{Severity: finding.Warning, Code: finding.PostV13Feature, SidecarSet: set, Field: path.String(), Message: msg}
}
