package pipeline

import (
	"github.com/sidecarctl/sidecarctl/binding"
	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/platform"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// Check is what `check` reports: the admission findings (what the emulated Kruise drops from a
// SidecarSet, its schema in v1.3 to v1.7 modes or its Kubernetes types in any mode, is an error), what Kruise v1.3 (virtual nodes) would drop or refuse (an error for SidecarSets
// whose selector requires a virtual node), and every cross-namespace reference checked
// against the bindings. It returns the findings, sorted by object, and the bindings that
// would authorize the unauthorized references, one per SidecarSet and namespace, in order of
// first use.
func (s *State) Check() (finding.List, []*bindingv1alpha1.SidecarSetResourceBinding) {
	var out finding.List
	for _, f := range s.findings {
		if f.Code == finding.PostV13Feature || f.Code == finding.NewerKruiseFeature || f.Code == finding.SidecarFieldDropped {
			f.Severity, f.Object = finding.Error, "SidecarSet "+f.SidecarSet
		}
		out.Add(f)
	}
	var fixes []*bindingv1alpha1.SidecarSetResourceBinding
	seen := map[string]bool{}
	for _, c := range s.created {
		name := "SidecarSet " + c.SidecarSet.Name
		if !sidecarset.CapabilitiesOf(s.opts.Engine.Version).VirtualNodeFeatures {
			sev := finding.Info
			if platform.SelectorRequiresVirtualNode(c.SidecarSet.Spec.Selector) {
				sev = finding.Error
			}
			v13 := append(sidecarset.V13Compatibility(c.SidecarSet), sidecarset.FieldsDroppedBy(sidecarset.KruiseV13, c.SidecarSet, c.Fields)...)
			for _, f := range v13 {
				f.Severity, f.Object = sev, name
				out.Add(f)
			}
		}
		for _, b := range binding.Check(c.SidecarSet, s.bindings) {
			out.Add(s.opts.grade(b.Finding))
			if b.Binding != nil && b.Severity == finding.Error {
				key := b.Binding.Namespace + "/" + b.Binding.Name
				if !seen[key] {
					seen[key] = true
					fixes = append(fixes, b.Binding)
				}
			}
		}
	}
	out = append(out, s.unknownSubjects()...)
	out.SortByObject()
	return out, fixes
}
