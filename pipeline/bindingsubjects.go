package pipeline

import (
	"fmt"
	"strings"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/finding"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// unknownSubjects reports the binding subjects that name a SidecarSet the state does not hold:
// in a repository checked before it is applied, a typo more often than a SidecarSet to come.
func (s *State) unknownSubjects() finding.List {
	var names []string
	known := map[string]bool{}
	for _, c := range s.created {
		names = append(names, c.SidecarSet.Name)
		known[c.SidecarSet.Name] = true
	}
	var out finding.List
	for _, b := range s.bindings {
		for i, subj := range b.Spec.Subjects {
			if subj.Kind != bindingv1alpha1.SubjectKindSidecarSet || known[subj.Name] {
				continue
			}
			msg := fmt.Sprintf("names SidecarSet %s, which is not in the state", subj.Name)
			if len(names) > 0 {
				msg += " (SidecarSets: " + strings.Join(names, ", ") + ")"
			}
			if near := finding.Closest(subj.Name, names); near != "" {
				msg += "; did you mean " + near + "?"
			}
			out.Add(s.opts.grade(finding.Finding{Severity: finding.Warning, Code: finding.UnknownBindingSubject,
				Object: "SidecarSetResourceBinding " + b.Namespace + "/" + b.Name,
				Field:  field.NewPath("spec", "subjects").Index(i).Child("name").String(), Message: msg}))
		}
	}
	return out
}
