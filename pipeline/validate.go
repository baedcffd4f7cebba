package pipeline

import (
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/binding"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
	"github.com/sidecarctl/sidecarctl/sidecarset"
)

// ValidateSidecarSet is the SidecarSet validating webhook: Kruise's rules against the stored
// SidecarSets, then the authorization of every namespace/name reference by the bindings. An
// unauthorized or malformed reference is a Forbidden error (the webhook denies); the other
// binding findings (a cross-namespace reference that regular-node pods cannot mount) and the
// clashes Kruise's overlap tests miss (sidecarset.ConflictsKruiseAccepts) are returned as
// warnings. f holds the SidecarSet's Kruise v1.9 sidecar fields (Creation.Fields; nil for none).
func (s *State) ValidateSidecarSet(ss, old *appsv1alpha1.SidecarSet, f *kruisev1beta1.Fields) (field.ErrorList, finding.List) {
	env := s.sets.ValidationEnv()
	errs := sidecarset.ValidateWithFields(ss, old, f, env)
	var warnings finding.List
	if len(errs) == 0 {
		warnings = append(warnings, sidecarset.ConflictsKruiseAccepts(ss, env)...)
	}
	for _, b := range binding.Check(ss, s.bindings) {
		if b.Severity == finding.Error {
			errs = append(errs, field.Forbidden(field.NewPath(b.Field), bindingMessage(b)))
			continue
		}
		warnings.Add(b.Finding)
	}
	return errs, warnings
}

// bindingMessage says what is unauthorized and which binding would allow it.
func bindingMessage(b binding.Finding) string {
	if b.Binding == nil {
		return b.Message
	}
	return fmt.Sprintf("%s (field %s; a SidecarSetResourceBinding %s/%s naming SidecarSet %s and %s %s would allow it)",
		b.Message, b.Field, b.Binding.Namespace, b.Binding.Name, b.SidecarSet, b.Kind, b.Name)
}
