package binding

import (
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

// ValidateBinding checks a binding the way the API server and sidecarctl's
// validating webhook should refuse it: a namespace and a name, at least one
// subject and one resource ref, subject kind SidecarSet, resource kind
// ConfigMap or Secret, names that are DNS-1123 subdomains (so a
// `<namespace>/<name>` in a ref, which a binding cannot express, is
// refused), and no duplicate entries. It returns every problem, with field
// paths from the object's root, in field order; nil means valid.
//
// The CRD enforces the same rules except the namespace (set by the API
// server) and the metadata name; this function gives offline tools and the
// webhook the same answer with Kubernetes' messages.
func ValidateBinding(b *v1alpha1.SidecarSetResourceBinding) field.ErrorList {
	var errs field.ErrorList
	meta := field.NewPath("metadata")
	if b.Name == "" {
		errs = append(errs, field.Required(meta.Child("name"), "a binding needs a name"))
	} else {
		errs = append(errs, dnsSubdomain(meta.Child("name"), b.Name)...)
	}
	if b.Namespace == "" {
		errs = append(errs, field.Required(meta.Child("namespace"),
			"a binding authorizes objects of its own namespace, so it needs one"))
	} else {
		for _, msg := range validation.IsDNS1123Label(b.Namespace) {
			errs = append(errs, field.Invalid(meta.Child("namespace"), b.Namespace, msg))
		}
	}

	spec := field.NewPath("spec")
	subjects := spec.Child("subjects")
	if len(b.Spec.Subjects) == 0 {
		errs = append(errs, field.Required(subjects, "at least one SidecarSet must be named"))
	}
	seenSubjects := map[v1alpha1.Subject]bool{}
	for i, s := range b.Spec.Subjects {
		at := subjects.Index(i)
		if s.Kind != v1alpha1.SubjectKindSidecarSet {
			errs = append(errs, field.NotSupported(at.Child("kind"), s.Kind,
				[]v1alpha1.SubjectKind{v1alpha1.SubjectKindSidecarSet}))
		}
		errs = append(errs, requiredName(at.Child("name"), s.Name)...)
		if seenSubjects[s] {
			errs = append(errs, field.Duplicate(at, string(s.Kind)+" "+s.Name))
		}
		seenSubjects[s] = true
	}

	refs := spec.Child("resourceRefs")
	if len(b.Spec.ResourceRefs) == 0 {
		errs = append(errs, field.Required(refs, "at least one ConfigMap or Secret must be named"))
	}
	seenRefs := map[v1alpha1.ResourceRef]bool{}
	for i, r := range b.Spec.ResourceRefs {
		at := refs.Index(i)
		if r.Kind != v1alpha1.ResourceKindConfigMap && r.Kind != v1alpha1.ResourceKindSecret {
			errs = append(errs, field.NotSupported(at.Child("kind"), r.Kind,
				[]v1alpha1.ResourceKind{v1alpha1.ResourceKindConfigMap, v1alpha1.ResourceKindSecret}))
		}
		errs = append(errs, requiredName(at.Child("name"), r.Name)...)
		if seenRefs[r] {
			errs = append(errs, field.Duplicate(at, string(r.Kind)+" "+r.Name))
		}
		seenRefs[r] = true
	}
	return errs
}

func requiredName(path *field.Path, name string) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	return dnsSubdomain(path, name)
}

func dnsSubdomain(path *field.Path, name string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}
