package binding

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/platform"
)

// MirrorPrefix starts the name of every copy MirrorName names.
const MirrorPrefix = "sidecarctl-"

// MirrorName is the deterministic name of the copy of the ConfigMap or Secret namespace/name
// in another namespace: MirrorPrefix + namespace + "." + name. A namespace has no dot, so two
// sources never share a copy's name. A regular kubelet mounts only objects of the pod's
// namespace; Alibaba's virtual nodes read namespace/name themselves, so only regular-node pods
// use copies. Past 253 characters the name is cut and ends in a hash of namespace/name, so it
// stays unique, stable and a valid object name.
func MirrorName(namespace, name string) string {
	n := MirrorPrefix + namespace + "." + name
	if len(n) <= validation.DNS1123SubdomainMaxLength {
		return n
	}
	sum := sha256.Sum256([]byte(namespace + "/" + name))
	// A dot before the hash's '-' would make an empty DNS label.
	return strings.TrimRight(n[:240], ".") + "-" + hex.EncodeToString(sum[:])[:12]
}

// Rewrite is one reference RewriteToMirrors changed.
type Rewrite struct {
	// Kind is what the reference names: ConfigMap or Secret.
	Kind v1alpha1.ResourceKind `json:"kind"`
	// Field is the reference's path in the pod, e.g. spec.volumes[0].configMap.name.
	Field string `json:"field"`
	// From is the `<namespace>/<name>` the pod had, To what it has now: MirrorName of it, or
	// the plain name when the object is in the pod's own namespace.
	From string `json:"from"`
	To   string `json:"to"`
}

// Mirrored reports whether the reference now names a copy, not the object itself (which is
// in the pod's own namespace).
func (r Rewrite) Mirrored() bool {
	_, name, _ := strings.Cut(r.From, "/")
	return r.To != name
}

// Finding reports the rewrite as a finding.ReferenceMirrored of severity finding.Rewrite.
// Object is empty: the caller names the pod, which at admission often has no name yet.
func (r Rewrite) Finding() finding.Finding {
	msg := fmt.Sprintf("%s %s at %s now names %s, the copy in the pod's namespace: a regular kubelet cannot mount an object of another namespace",
		r.Kind, r.From, r.Field, r.To)
	if !r.Mirrored() {
		msg = fmt.Sprintf("%s %s at %s now names %s: the object is in the pod's own namespace, where a regular kubelet looks for it",
			r.Kind, r.From, r.Field, r.To)
	}
	return finding.Finding{Severity: finding.Rewrite, Code: finding.ReferenceMirrored, Field: r.Field, Message: msg}
}

// RewriteToMirrors points the `<namespace>/<name>` ConfigMap and Secret references of a
// regular-node pod at objects its kubelet can mount, in place, and returns what it changed in
// the order of the pod's fields (volumes, init containers, containers; the same fields
// References reads in a SidecarSet):
//
//   - a reference into the pod's own namespace becomes the plain name;
//   - a reference some binding grants (a binding of the object's namespace that lists the
//     object in spec.resourceRefs, whichever SidecarSet it names: the pod does not say which
//     SidecarSet injected the reference) becomes MirrorName of it, the copy sidecarctl serve
//     keeps in every namespace an authorized SidecarSet reaches;
//   - any other reference, malformed or not granted, stays as it was: nothing is copied
//     without a binding.
//
// A pod on a virtual node (platform.IsVirtualNode of its labels) is left alone: its kubelet
// resolves `<namespace>/<name>` itself. RewriteToMirrors returns nil when nothing changed.
func RewriteToMirrors(pod *corev1.Pod, bindings []v1alpha1.SidecarSetResourceBinding) []Rewrite {
	if pod == nil || platform.IsVirtualNode(pod.Labels) {
		return nil
	}
	granted := grantsToAny(bindings)
	var out []Rewrite
	rewrite := func(kind v1alpha1.ResourceKind, name *string, path *field.Path) {
		ref, ok := parseReference(kind, *name, path)
		if !ok || ref.Malformed() {
			return
		}
		var to string
		switch {
		case ref.Namespace == pod.Namespace:
			to = ref.Name
		case granted[grant{ref.Namespace, kind, ref.Name}]:
			to = MirrorName(ref.Namespace, ref.Name)
		default:
			return
		}
		out = append(out, Rewrite{Kind: kind, Field: path.String(), From: *name, To: to})
		*name = to
	}
	spec := field.NewPath("spec")
	for i := range pod.Spec.Volumes {
		visitVolume(&pod.Spec.Volumes[i], spec.Child("volumes").Index(i), rewrite)
	}
	for i := range pod.Spec.InitContainers {
		visitContainer(&pod.Spec.InitContainers[i], spec.Child("initContainers").Index(i), rewrite)
	}
	for i := range pod.Spec.Containers {
		visitContainer(&pod.Spec.Containers[i], spec.Child("containers").Index(i), rewrite)
	}
	return out
}

// grantsToAny collects every object some binding shares, whatever SidecarSets it names.
func grantsToAny(bindings []v1alpha1.SidecarSetResourceBinding) map[grant]bool {
	granted := map[grant]bool{}
	for i := range bindings {
		b := &bindings[i]
		if b.Namespace == "" {
			continue
		}
		for _, r := range b.Spec.ResourceRefs {
			granted[grant{b.Namespace, r.Kind, r.Name}] = true
		}
	}
	return granted
}
