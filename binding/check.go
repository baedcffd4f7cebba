package binding

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"

	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/platform"
)

// Finding is one problem with one reference of one SidecarSet: a finding.Finding (Severity,
// Code, Object "SidecarSet <name>", SidecarSet, Field, Message) plus the referenced object.
// The codes are finding.MalformedReference, finding.UnauthorizedReference (both
// finding.Error) and finding.CrossNamespaceOnRegularNode (finding.Warning).
type Finding struct {
	finding.Finding
	// Kind, Namespace and Name identify the referenced object; Namespace and
	// Name are empty for a malformed reference, whose Value says what was
	// written.
	Kind      v1alpha1.ResourceKind `json:"kind"`
	Namespace string                `json:"namespace,omitempty"`
	Name      string                `json:"name,omitempty"`
	Value     string                `json:"value"`
	// Binding, set for unauthorized references, is the binding that would
	// authorize this reference: the one Minimal generates for this
	// SidecarSet in the object's namespace, ready to apply. Every finding of
	// the same SidecarSet and namespace carries the same binding, so
	// applying any or all of them gives the same object.
	Binding *v1alpha1.SidecarSetResourceBinding `json:"binding,omitempty"`
}

// Check decides for every reference References finds in ss whether bindings
// authorize it, and returns one Finding per problem, in reference order:
//
//   - malformed_reference (error) for a value that is not `<namespace>/<name>`;
//   - unauthorized_reference (error) unless a binding in the object's
//     namespace lists {kind: SidecarSet, name: ss.Name} in spec.subjects and
//     {kind, name} of the object in spec.resourceRefs;
//   - cross_namespace_on_regular_node (warning) for every well-formed
//     reference, authorized or not, when ss's selector does not require a
//     virtual node (see platform.SelectorRequiresVirtualNode): a regular
//     kubelet cannot mount it unless the pod is pointed at a copy in its own
//     namespace (see RewriteToMirrors).
//
// Bindings with an empty namespace authorize nothing, because a binding
// only ever authorizes objects of its own namespace; callers that read
// bindings from files set the namespace (kubectl's default) first. Bindings
// are not validated here; see ValidateBinding. Check returns nil when there
// is nothing to report.
func Check(ss *appsv1alpha1.SidecarSet, bindings []v1alpha1.SidecarSetResourceBinding) []Finding {
	refs := References(ss)
	if len(refs) == 0 {
		return nil
	}
	granted := grantsFor(ss.Name, bindings)
	virtual := platform.SelectorRequiresVirtualNode(ss.Spec.Selector)
	suggested := minimalFor(ss.Name, refs)

	var findings []Finding
	for _, ref := range refs {
		f := Finding{
			Finding: finding.Finding{
				Object:     "SidecarSet " + ss.Name,
				SidecarSet: ss.Name,
				Field:      ref.Path.String(),
			},
			Kind:      ref.Kind,
			Namespace: ref.Namespace,
			Name:      ref.Name,
			Value:     ref.Value,
		}
		if ref.Malformed() {
			f.Code, f.Severity = finding.MalformedReference, finding.Error
			f.Message = fmt.Sprintf("SidecarSet %s references %s %q at %s, which is not a valid <namespace>/<name>: %s",
				ss.Name, ref.Kind, ref.Value, f.Field, ref.Problem)
			findings = append(findings, f)
			continue
		}
		if !granted[grant{ref.Namespace, ref.Kind, ref.Name}] {
			u := f
			u.Code, u.Severity = finding.UnauthorizedReference, finding.Error
			u.Message = fmt.Sprintf("SidecarSet %s references %s %s/%s at %s, but no SidecarSetResourceBinding in namespace %s names SidecarSet %s as a subject and %s %s as a resource%s",
				ss.Name, ref.Kind, ref.Namespace, ref.Name, u.Field, ref.Namespace, ss.Name, ref.Kind, ref.Name,
				nearMiss(ss.Name, ref, bindings))
			b := suggested[ref.Namespace]
			u.Binding = &b
			findings = append(findings, u)
		}
		if !virtual {
			w := f
			w.Code, w.Severity = finding.CrossNamespaceOnRegularNode, finding.Warning
			w.Message = fmt.Sprintf("SidecarSet %s references %s %s/%s at %s, but its selector does not require a virtual node (%s), and a regular kubelet cannot mount an object of another namespace",
				ss.Name, ref.Kind, ref.Namespace, ref.Name, w.Field, virtualNodeHint)
			findings = append(findings, w)
		}
	}
	return findings
}

// Unauthorized returns the findings of Check that block: malformed_reference and
// unauthorized_reference, both finding.Error, in reference order, without the
// cross_namespace_on_regular_node warnings. It is the one question every path that admits a
// SidecarSet asks: a non-empty result refuses it, nil means every reference is well formed
// and authorized.
func Unauthorized(ss *appsv1alpha1.SidecarSet, bindings []v1alpha1.SidecarSetResourceBinding) []Finding {
	var out []Finding
	for _, f := range Check(ss, bindings) {
		if f.Severity == finding.Error {
			out = append(out, f)
		}
	}
	return out
}

// grant is one object a SidecarSet may reference.
type grant struct {
	namespace string
	kind      v1alpha1.ResourceKind
	name      string
}

// grantsFor collects what the bindings allow the named SidecarSet to use. A
// binding grants every subject every resource ref, in its own namespace.
func grantsFor(sidecarSet string, bindings []v1alpha1.SidecarSetResourceBinding) map[grant]bool {
	granted := map[grant]bool{}
	for i := range bindings {
		b := &bindings[i]
		if b.Namespace == "" || !namesSubject(b, sidecarSet) {
			continue
		}
		for _, r := range b.Spec.ResourceRefs {
			granted[grant{b.Namespace, r.Kind, r.Name}] = true
		}
	}
	return granted
}

func namesSubject(b *v1alpha1.SidecarSetResourceBinding, sidecarSet string) bool {
	for _, s := range b.Spec.Subjects {
		if s.Kind == v1alpha1.SubjectKindSidecarSet && s.Name == sidecarSet {
			return true
		}
	}
	return false
}

func namesResource(b *v1alpha1.SidecarSetResourceBinding, kind v1alpha1.ResourceKind, name string) bool {
	for _, r := range b.Spec.ResourceRefs {
		if r.Kind == kind && r.Name == name {
			return true
		}
	}
	return false
}

// nearMiss explains the most likely mistake when a binding almost
// authorizes ref, because "no binding" is confusing when the user can see
// one. It returns "" when no binding comes close.
func nearMiss(sidecarSet string, ref Reference, bindings []v1alpha1.SidecarSetResourceBinding) string {
	other := otherKind(ref.Kind)
	for i := range bindings {
		b := &bindings[i]
		if b.Namespace != ref.Namespace && namesSubject(b, sidecarSet) && namesResource(b, ref.Kind, ref.Name) {
			if b.Namespace == "" {
				return fmt.Sprintf("; binding %s names both but has no namespace", b.Name)
			}
			return fmt.Sprintf("; binding %s/%s names both but authorizes only objects of namespace %s", b.Namespace, b.Name, b.Namespace)
		}
	}
	for i := range bindings {
		b := &bindings[i]
		if b.Namespace != ref.Namespace {
			continue
		}
		if namesSubject(b, sidecarSet) && namesResource(b, other, ref.Name) {
			return fmt.Sprintf("; binding %s/%s names %s %s, not %s", b.Namespace, b.Name, other, ref.Name, ref.Kind)
		}
		if !namesResource(b, ref.Kind, ref.Name) {
			continue
		}
		for _, s := range b.Spec.Subjects {
			if s.Name == sidecarSet && s.Kind != v1alpha1.SubjectKindSidecarSet {
				return fmt.Sprintf("; binding %s/%s names the SidecarSet with kind %q, not %q", b.Namespace, b.Name, s.Kind, v1alpha1.SubjectKindSidecarSet)
			}
		}
		return fmt.Sprintf("; binding %s/%s shares it with other SidecarSets only", b.Namespace, b.Name)
	}
	return ""
}

// otherKind returns Secret for ConfigMap and ConfigMap for Secret: the kind
// a user most likely confused with k.
func otherKind(k v1alpha1.ResourceKind) v1alpha1.ResourceKind {
	if k == v1alpha1.ResourceKindConfigMap {
		return v1alpha1.ResourceKindSecret
	}
	return v1alpha1.ResourceKindConfigMap
}

// virtualNodeHint names the labels a selector can require to reach only virtual nodes, whose
// kubelet resolves `<namespace>/<name>` (translate/PLATFORMS.md §3.1; binding/BINDINGS.md §1).
const virtualNodeHint = platform.LabelVirtualNode + `, ` + platform.LabelECI + ` or ` + platform.LabelACS + ` "true"`
