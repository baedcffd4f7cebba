package binding

import (
	"strconv"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
)

// Reference is a `<namespace>/<name>` reference from a SidecarSet to a
// ConfigMap or Secret of another namespace, or a value with a slash that is
// not a valid one (see Problem).
type Reference struct {
	// Kind is what the field refers to: ConfigMap or Secret.
	Kind v1alpha1.ResourceKind
	// Namespace and Name are the two halves of Value. Both are empty when
	// the value is malformed.
	Namespace string
	Name      string
	// Value is the reference exactly as written in the SidecarSet.
	Value string
	// Path is where the value was found, e.g. spec.volumes[0].configMap.name.
	Path *field.Path
	// Problem says why Value is not a valid `<namespace>/<name>`, e.g.
	// "more than one slash"; it is empty for a well-formed reference.
	Problem string
}

// Malformed reports whether the value has a slash but is not a valid
// `<namespace>/<name>`.
func (r Reference) Malformed() bool { return r.Problem != "" }

// String returns `Kind namespace/name`, or the raw value when it is malformed.
func (r Reference) String() string {
	if r.Malformed() {
		return string(r.Kind) + " " + r.Value
	}
	return string(r.Kind) + " " + r.Namespace + "/" + r.Name
}

// References returns every cross-namespace ConfigMap and Secret reference a
// SidecarSet makes, in the order of the SidecarSet's fields: init containers,
// containers, then volumes. It looks at
//
//   - volumes[].configMap.name and volumes[].secret.secretName,
//   - volumes[].projected.sources[].configMap.name and .secret.name,
//   - env[].valueFrom.configMapKeyRef.name and .secretKeyRef.name,
//   - envFrom[].configMapRef.name and .secretRef.name
//
// of containers and initContainers. A value without a slash names an object
// in the pod's own namespace and is not returned. A value with a slash is
// returned either split into namespace and name, or, when it is not exactly
// one DNS-1123 label, a slash and one DNS-1123 subdomain, with Problem set.
//
// Other object references a pod can carry (imagePullSecrets, CSI
// nodePublishSecretRef and the like) are not covered: ACK documents the
// `<namespace>/<name>` form only for ConfigMap and Secret sources.
func References(ss *appsv1alpha1.SidecarSet) []Reference {
	if ss == nil {
		return nil
	}
	var refs []Reference
	collect := func(kind v1alpha1.ResourceKind, name *string, path *field.Path) {
		if ref, ok := parseReference(kind, *name, path); ok {
			refs = append(refs, ref)
		}
	}
	spec := field.NewPath("spec")
	for i := range ss.Spec.InitContainers {
		visitContainer(&ss.Spec.InitContainers[i].Container, spec.Child("initContainers").Index(i), collect)
	}
	for i := range ss.Spec.Containers {
		visitContainer(&ss.Spec.Containers[i].Container, spec.Child("containers").Index(i), collect)
	}
	for i := range ss.Spec.Volumes {
		visitVolume(&ss.Spec.Volumes[i], spec.Child("volumes").Index(i), collect)
	}
	return refs
}

// visitFunc is called with every ConfigMap or Secret name a container or volume holds: what
// it refers to, a pointer to the name (so RewriteToMirrors can change it) and its path.
type visitFunc func(kind v1alpha1.ResourceKind, name *string, path *field.Path)

// visitContainer calls visit for the env and envFrom references of a container, in field
// order. It is the one list of container fields References and RewriteToMirrors look at.
func visitContainer(c *corev1.Container, path *field.Path, visit visitFunc) {
	for i := range c.Env {
		vf := c.Env[i].ValueFrom
		if vf == nil {
			continue
		}
		from := path.Child("env").Index(i).Child("valueFrom")
		if ref := vf.ConfigMapKeyRef; ref != nil {
			visit(v1alpha1.ResourceKindConfigMap, &ref.Name, from.Child("configMapKeyRef", "name"))
		}
		if ref := vf.SecretKeyRef; ref != nil {
			visit(v1alpha1.ResourceKindSecret, &ref.Name, from.Child("secretKeyRef", "name"))
		}
	}
	for i := range c.EnvFrom {
		env := &c.EnvFrom[i]
		from := path.Child("envFrom").Index(i)
		if ref := env.ConfigMapRef; ref != nil {
			visit(v1alpha1.ResourceKindConfigMap, &ref.Name, from.Child("configMapRef", "name"))
		}
		if ref := env.SecretRef; ref != nil {
			visit(v1alpha1.ResourceKindSecret, &ref.Name, from.Child("secretRef", "name"))
		}
	}
}

// visitVolume calls visit for the ConfigMap and Secret references of a volume, projected
// sources included, in field order.
func visitVolume(v *corev1.Volume, path *field.Path, visit visitFunc) {
	if cm := v.ConfigMap; cm != nil {
		visit(v1alpha1.ResourceKindConfigMap, &cm.Name, path.Child("configMap", "name"))
	}
	if s := v.Secret; s != nil {
		visit(v1alpha1.ResourceKindSecret, &s.SecretName, path.Child("secret", "secretName"))
	}
	if p := v.Projected; p != nil {
		for i := range p.Sources {
			src := &p.Sources[i]
			at := path.Child("projected", "sources").Index(i)
			if cm := src.ConfigMap; cm != nil {
				visit(v1alpha1.ResourceKindConfigMap, &cm.Name, at.Child("configMap", "name"))
			}
			if s := src.Secret; s != nil {
				visit(v1alpha1.ResourceKindSecret, &s.Name, at.Child("secret", "name"))
			}
		}
	}
}

// parseReference turns a name found at path into a Reference. It returns false for a name
// without a slash, which names an object in the pod's own namespace.
func parseReference(kind v1alpha1.ResourceKind, value string, path *field.Path) (Reference, bool) {
	if !strings.Contains(value, "/") {
		return Reference{}, false
	}
	ref := Reference{Kind: kind, Value: value, Path: path}
	if problem := parseProblem(value); problem != "" {
		ref.Problem = problem
	} else {
		ref.Namespace, ref.Name, _ = strings.Cut(value, "/")
	}
	return ref, true
}

// parseProblem says what is wrong with a value that contains a slash, or
// returns "" when it is a valid `<namespace>/<name>`. Namespaces are DNS-1123
// labels and ConfigMap/Secret names DNS-1123 subdomains, as the core API
// validates them; a reference that could never name a real object is a
// finding, not something to bind.
func parseProblem(value string) string {
	if strings.Count(value, "/") > 1 {
		return "more than one slash"
	}
	ns, name, _ := strings.Cut(value, "/")
	switch {
	case ns == "":
		return "empty namespace before the slash"
	case name == "":
		return "empty name after the slash"
	}
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return "namespace " + strconv.Quote(ns) + ": " + strings.Join(errs, "; ")
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return "name " + strconv.Quote(name) + ": " + strings.Join(errs, "; ")
	}
	return ""
}
