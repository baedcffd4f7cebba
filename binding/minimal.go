package binding

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

// NamePrefix starts the name of every binding Minimal generates, so that a
// generated binding never overwrites one a user wrote by hand when applied,
// and is easy to tell apart in `kubectl get`.
const NamePrefix = "sidecarctl-"

// Minimal returns the bindings that authorize every well-formed
// cross-namespace reference of sets, and nothing more.
//
// It generates one binding per SidecarSet and referenced namespace, named
// NamePrefix + the SidecarSet's name, in the referenced namespace. One
// binding per namespace for all SidecarSets would be fewer objects, but a
// binding grants every subject every resource ref: two SidecarSets sharing
// a binding would each gain access to the other's objects. One subject per
// binding keeps the grant exactly what the references need, and the name
// says whom it is for.
//
// Resource refs are sorted by kind, then name, and de-duplicated (a ConfigMap
// used by a volume and an env var is listed once). SidecarSets with the same
// name are merged, as the API server would hold only one. Malformed
// references are skipped: no binding can authorize them, and Check reports
// them. The result is sorted by namespace, then name, with TypeMeta set,
// ready to be written as YAML and applied. It is nil when nothing needs a
// binding.
func Minimal(sets []*appsv1alpha1.SidecarSet) []v1alpha1.SidecarSetResourceBinding {
	refsBySet := map[string][]Reference{}
	for _, ss := range sets {
		if ss == nil {
			continue
		}
		refsBySet[ss.Name] = append(refsBySet[ss.Name], References(ss)...)
	}
	var out []v1alpha1.SidecarSetResourceBinding
	for name, refs := range refsBySet {
		for _, b := range minimalFor(name, refs) {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// minimalFor builds the binding of one SidecarSet for each namespace its
// well-formed references point into, keyed by namespace.
func minimalFor(sidecarSet string, refs []Reference) map[string]v1alpha1.SidecarSetResourceBinding {
	byNamespace := map[string]map[v1alpha1.ResourceRef]bool{}
	for _, r := range refs {
		if r.Malformed() {
			continue
		}
		if byNamespace[r.Namespace] == nil {
			byNamespace[r.Namespace] = map[v1alpha1.ResourceRef]bool{}
		}
		byNamespace[r.Namespace][v1alpha1.ResourceRef{Kind: r.Kind, Name: r.Name}] = true
	}
	out := make(map[string]v1alpha1.SidecarSetResourceBinding, len(byNamespace))
	for ns, set := range byNamespace {
		resourceRefs := make([]v1alpha1.ResourceRef, 0, len(set))
		for r := range set {
			resourceRefs = append(resourceRefs, r)
		}
		sort.Slice(resourceRefs, func(i, j int) bool {
			if resourceRefs[i].Kind != resourceRefs[j].Kind {
				return resourceRefs[i].Kind < resourceRefs[j].Kind
			}
			return resourceRefs[i].Name < resourceRefs[j].Name
		})
		out[ns] = v1alpha1.SidecarSetResourceBinding{
			TypeMeta: metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.Kind},
			ObjectMeta: metav1.ObjectMeta{
				Name:      BindingName(sidecarSet),
				Namespace: ns,
			},
			Spec: v1alpha1.SidecarSetResourceBindingSpec{
				Subjects:     []v1alpha1.Subject{{Kind: v1alpha1.SubjectKindSidecarSet, Name: sidecarSet}},
				ResourceRefs: resourceRefs,
			},
		}
	}
	return out
}

// BindingName is the name Minimal gives the binding of a SidecarSet:
// NamePrefix + its name. Object names are at most 253 characters; when the
// prefix would push a long SidecarSet name past that, the name is cut and
// ends in a hash of the full SidecarSet name, so it stays unique and stable.
func BindingName(sidecarSet string) string {
	name := NamePrefix + sidecarSet
	if len(name) <= validation.DNS1123SubdomainMaxLength {
		return name
	}
	sum := sha256.Sum256([]byte(sidecarSet))
	suffix := "-" + hex.EncodeToString(sum[:])[:10]
	cut := name[:validation.DNS1123SubdomainMaxLength-len(suffix)]
	// A subdomain label must end in an alphanumeric character; the cut may
	// have left a '-' or '.' at the end.
	return strings.TrimRight(cut, "-.") + suffix
}
