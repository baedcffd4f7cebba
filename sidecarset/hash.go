package sidecarset

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"

	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
)

// Annotation keys Kruise writes on SidecarSets and pods.
const (
	AnnotationHash              = "kruise.io/sidecarset-hash"
	AnnotationHashWithoutImage  = "kruise.io/sidecarset-hash-without-image"
	AnnotationInjectedList      = "kruise.io/sidecarset-injected-list"
	AnnotationWorkingHotUpgrade = "kruise.io/sidecarset-working-hotupgrade-container"
	AnnotationVersionPrefix     = "version.sidecarset.kruise.io/"
	AnnotationVersionAltPrefix  = "versionalt.sidecarset.kruise.io/"
	LabelSidecarSetName         = "kruise.io/sidecarset-name"
)

// Hash returns the SidecarSet hash Kruise stores in kruise.io/sidecarset-hash: the
// SafeEncodeString of the hex SHA-256 of the JSON of {"containers", "initContainers"}, where
// init containers count only when one of them is a native sidecar (v1.7+). withImage=false
// gives the without-image variant. See sidecarset/BEHAVIOUR.md §3.3 for the algorithm and the
// test vectors (pkg/control/sidecarcontrol/hash.go at v1.8.0).
//
// Kruise hashes what its Kubernetes types decode, so a field they lack never counts
// (sidecarset/BEHAVIOUR.md §7.2): the hash is the same with or without it.
func Hash(ss *appsv1alpha1.SidecarSet, withImage bool, v Version) (string, error) {
	return HashWithFields(ss, nil, withImage, v)
}

// HashWithFields is Hash for a SidecarSet whose sidecars carry Kruise v1.9's new fields: from
// v1.9 they are part of each sidecar's JSON (sidecarset/BEHAVIOUR.md §8.7); before, Kruise has
// removed them and they do not count.
func HashWithFields(ss *appsv1alpha1.SidecarSet, f *kruisev1beta1.Fields, withImage bool, v Version) (string, error) {
	containers := kruiseTypedContainers(ss.Spec.Containers, v)
	var initContainers []appsv1alpha1.SidecarContainer
	inits := kruiseTypedContainers(ss.Spec.InitContainers, v)
	includeInit := behaviourOf(v).NativeSidecars && hasNativeSidecar(inits)
	if includeInit {
		initContainers = inits
	}
	if !withImage {
		containers = withoutImages(containers)
		initContainers = withoutImages(initContainers)
	}
	// A Go map marshals with sorted keys, so "containers" precedes "initContainers", and a
	// nil slice encodes as null, exactly as Kruise's encoding does.
	doc := map[string]any{"containers": withFields(containers, f, false, v)}
	if includeInit {
		doc["initContainers"] = withFields(initContainers, f, true, v)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("encode sidecarset %s for hashing: %w", ss.Name, err)
	}
	sum := sha256.Sum256(raw)
	return rand.SafeEncodeString(hex.EncodeToString(sum[:])), nil
}

func withoutImages(in []appsv1alpha1.SidecarContainer) []appsv1alpha1.SidecarContainer {
	if in == nil {
		return nil
	}
	out := make([]appsv1alpha1.SidecarContainer, len(in))
	for i := range in {
		out[i] = in[i]
		out[i].Image = ""
	}
	return out
}

// SetHashAnnotations (re)computes both hash annotations on ss, as the SidecarSet mutating
// webhook does after defaulting on every create and update.
func SetHashAnnotations(ss *appsv1alpha1.SidecarSet, v Version) error {
	return SetHashAnnotationsWithFields(ss, nil, v)
}

// SetHashAnnotationsWithFields is SetHashAnnotations with Kruise v1.9's new sidecar fields.
func SetHashAnnotationsWithFields(ss *appsv1alpha1.SidecarSet, f *kruisev1beta1.Fields, v Version) error {
	h, err := HashWithFields(ss, f, true, v)
	if err != nil {
		return err
	}
	hw, err := HashWithFields(ss, f, false, v)
	if err != nil {
		return err
	}
	if ss.Annotations == nil {
		ss.Annotations = map[string]string{}
	}
	ss.Annotations[AnnotationHash] = h
	ss.Annotations[AnnotationHashWithoutImage] = hw
	return nil
}

func hasNativeSidecar(cs []appsv1alpha1.SidecarContainer) bool {
	for i := range cs {
		if isNativeSidecar(&cs[i]) {
			return true
		}
	}
	return false
}

func isNativeSidecar(c *appsv1alpha1.SidecarContainer) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// withFields returns the sidecars as Kruise v1.9's types encode them, with their new fields,
// when there are any; otherwise cs itself, which encodes identically.
func withFields(cs []appsv1alpha1.SidecarContainer, f *kruisev1beta1.Fields, init bool, v Version) any {
	if f.Empty() || !behaviourOf(v).ContainerFields || cs == nil {
		return cs
	}
	out := make([]kruisev1beta1.SidecarContainer, len(cs))
	for i := range cs {
		out[i] = kruisev1beta1.Sidecar(cs[i], f.Get(init, cs[i].Name))
	}
	return out
}
