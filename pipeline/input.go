package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"

	appsv1alpha1 "github.com/openkruise/kruise-api/apps/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"

	bindingv1alpha1 "github.com/sidecarctl/sidecarctl/binding/v1alpha1"
	"github.com/sidecarctl/sidecarctl/config"
	"github.com/sidecarctl/sidecarctl/finding"
	"github.com/sidecarctl/sidecarctl/kruisev1beta1"
	"github.com/sidecarctl/sidecarctl/translate"
)

// Item is one object read from somewhere, with a description of where for messages
// ("state.yaml: document 2 (SidecarSet x)").
type Item struct {
	Object *unstructured.Unstructured
	Source string
}

// Input is the cluster state, typed, in creation order.
type Input struct {
	// Creations are the SidecarSets and the injection-profile ConfigMaps (whose SidecarSets
	// are created where the ConfigMap stands), in creation order.
	Creations           []Creation
	Namespaces          []*corev1.Namespace
	ConfigMaps          []Sourced[*corev1.ConfigMap]
	ControllerRevisions []*appsv1.ControllerRevision
	Bindings            []Sourced[*bindingv1alpha1.SidecarSetResourceBinding]
	// Findings are what decoding noticed (unknown fields).
	Findings finding.List
}

// Creation is one SidecarSet, or one sandbox-injection-config ConfigMap whose profiles
// become SidecarSets, at its place in creation order.
type Creation struct {
	Source     string
	SidecarSet *appsv1alpha1.SidecarSet
	Profiles   *corev1.ConfigMap
	// APIVersion is the SidecarSet's version as read (apps.kruise.io/v1alpha1 or v1beta1; a
	// v1beta1 SidecarSet is held in its v1alpha1 conversion). Commands pass the documents they
	// read through unchanged, so a SidecarSet is written back in this version.
	APIVersion string
	// Fields are the SidecarSet's Kruise v1.9 sidecar fields, which kruise-api's v1alpha1
	// types lack (nil when it has none).
	Fields *kruisev1beta1.Fields
}

// Sourced is an object with where it came from.
type Sourced[T any] struct {
	Object T
	Source string
}

var (
	gkSidecarSet         = schema.GroupKind{Group: "apps.kruise.io", Kind: "SidecarSet"}
	gkNamespace          = schema.GroupKind{Kind: "Namespace"}
	gkConfigMap          = schema.GroupKind{Kind: "ConfigMap"}
	gkControllerRevision = schema.GroupKind{Group: "apps", Kind: "ControllerRevision"}
	gkBinding            = schema.GroupKind{Group: bindingv1alpha1.Group, Kind: bindingv1alpha1.Kind}
)

// IsStateKind reports whether obj is a kind Decode reads as cluster state.
func IsStateKind(obj *unstructured.Unstructured) bool {
	switch obj.GroupVersionKind().GroupKind() {
	case gkSidecarSet, gkNamespace, gkConfigMap, gkControllerRevision, gkBinding:
		return true
	}
	return false
}

// Decode types the state objects of items, in order. Other kinds (workloads next to their
// SidecarSets) are skipped: they are not state. Unknown fields are findings, not errors: the
// API server with kubectl's default validation refuses them, without it drops them, and
// sidecarctl never drops a user's field silently.
func Decode(items []Item) (*Input, error) {
	in := &Input{}
	for _, it := range items {
		switch it.Object.GroupVersionKind().GroupKind() {
		case gkSidecarSet:
			c, err := in.decodeSidecarSet(it)
			if err != nil {
				return nil, err
			}
			in.Creations = append(in.Creations, c)
		case gkNamespace:
			ns := &corev1.Namespace{}
			if err := in.decode(it, ns); err != nil {
				return nil, err
			}
			in.Namespaces = append(in.Namespaces, ns)
		case gkConfigMap:
			cm := &corev1.ConfigMap{}
			if err := in.decode(it, cm); err != nil {
				return nil, err
			}
			if IsProfiles(cm) {
				in.Creations = append(in.Creations, Creation{Source: it.Source, Profiles: cm})
			}
			in.ConfigMaps = append(in.ConfigMaps, Sourced[*corev1.ConfigMap]{Object: cm, Source: it.Source})
		case gkControllerRevision:
			cr := &appsv1.ControllerRevision{}
			if err := in.decode(it, cr); err != nil {
				return nil, err
			}
			in.ControllerRevisions = append(in.ControllerRevisions, cr)
		case gkBinding:
			b := &bindingv1alpha1.SidecarSetResourceBinding{}
			if err := in.decode(it, b); err != nil {
				return nil, err
			}
			in.Bindings = append(in.Bindings, Sourced[*bindingv1alpha1.SidecarSetResourceBinding]{Object: b, Source: it.Source})
		}
	}
	return in, nil
}

// decode converts one object strictly; each unknown field becomes a finding with the
// closest known field name when one is near.
func (in *Input) decode(it Item, into any) error {
	return in.decodeAt(it, it.Object.Object, into, "")
}

// decodeAt decodes obj, a part of it.Object at the field path prefix ("" for the whole
// object), strictly into into.
func (in *Input) decodeAt(it Item, obj any, into any, prefix string) error {
	raw, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", it.Source, strings.TrimSuffix(prefix, "."), err)
	}
	strict, err := kjson.UnmarshalStrict(raw, into)
	if err != nil {
		if prefix != "" {
			return fmt.Errorf("%s: %s: %w", it.Source, strings.TrimSuffix(prefix, "."), err)
		}
		return fmt.Errorf("%s: %w", it.Source, err)
	}
	for _, e := range strict {
		f := unknownField(it, into, e)
		if f.Field != "" {
			f.Field = prefix + f.Field
		}
		in.Findings.Add(f)
	}
	return nil
}

// unknownField turns a strict-decoding error into a finding: the field path, what the API
// server will do, and the nearest known name.
func unknownField(it Item, into any, e error) finding.Finding {
	msg := e.Error()
	path, ok := strings.CutPrefix(msg, `unknown field "`)
	if ok {
		path = strings.TrimSuffix(path, `"`)
	} else {
		path = ""
	}
	f := finding.Finding{Severity: finding.Warning, Code: finding.UnknownField, Object: it.Source, Field: path}
	if path == "" {
		f.Message = msg + " (the API server drops it)"
		return f
	}
	f.Message = fmt.Sprintf("unknown field %s: kubectl rejects it (server-side field validation is Strict by default since Kubernetes 1.27); with --validate=false the API server drops it", path)
	if hint := suggestField(into, path); hint != "" {
		f.Message += fmt.Sprintf("; did you mean %s?", hint)
	}
	return f
}

// IsProfiles reports whether a ConfigMap holds injection profiles.
func IsProfiles(cm *corev1.ConfigMap) bool { return cm.Name == config.ConfigMapName }

// isAppPatches reports whether a ConfigMap holds app-container patches (translate's output).
func isAppPatches(cm *corev1.ConfigMap) bool { return cm.Name == translate.AppPatchConfigMapName }
