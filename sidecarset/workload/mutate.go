package workload

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sidecarctl/sidecarctl/finding"
)

// Outcome is what Mutate did with one object.
type Outcome struct {
	// Kind is the table entry used; zero for an unsupported kind.
	Kind Kind
	// Object names the object as "Kind namespace/name" for reports.
	Object string
	// Reason is the code (finding.Mutated, Unchanged, UnsupportedKind or NoPodTemplate),
	// Message one human sentence saying the same.
	Reason  finding.Code
	Message string
}

// Changed reports whether the object was modified.
func (o Outcome) Changed() bool { return o.Reason == finding.Mutated }

// Mutate hands the pod of obj to fn and writes fn's changes back into obj.
//
// For a Pod the object itself is the pod. For other supported kinds the pod is
// built from the template at the kind's path: template metadata and spec, with
// the object's namespace and name, because that is what SidecarSet matching
// sees when the workload's controller creates its pods (template labels,
// object namespace). The pod's name and namespace are not written back into
// the template.
//
// An object without a namespace gives a pod without one: callers that apply
// kubectl's default namespace set it on obj first.
//
// The write-back goes through MergeLossless, so fields outside the Go types
// survive. obj is modified only when fn returned nil and changed something;
// on an error obj is left as it was.
func Mutate(obj *unstructured.Unstructured, fn func(pod *corev1.Pod) error) (Outcome, error) {
	gk := obj.GroupVersionKind().GroupKind()
	out := Outcome{Object: describe(obj)}
	kind, ok := Lookup(gk)
	if !ok {
		out.Reason = finding.UnsupportedKind
		out.Message = fmt.Sprintf("%s has no pod template sidecarctl knows; passed through unchanged", out.Object)
		return out, nil
	}
	out.Kind = kind
	if kind.IsPod() {
		return mutatePod(obj, fn, out)
	}
	return mutateTemplate(obj, fn, out)
}

func mutatePod(obj *unstructured.Unstructured, fn func(pod *corev1.Pod) error, out Outcome) (Outcome, error) {
	pod := &corev1.Pod{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, pod); err != nil {
		return out, fmt.Errorf("%s: %w", out.Object, decodeError(obj.Object, pod, "", err))
	}
	before, err := runtime.DefaultUnstructuredConverter.ToUnstructured(pod)
	if err != nil {
		return out, fmt.Errorf("%s: encode pod: %w", out.Object, err)
	}
	if err := fn(pod); err != nil {
		return out, fmt.Errorf("%s: %w", out.Object, err)
	}
	after, err := runtime.DefaultUnstructuredConverter.ToUnstructured(pod)
	if err != nil {
		return out, fmt.Errorf("%s: encode mutated pod: %w", out.Object, err)
	}
	if reflect.DeepEqual(before, after) {
		return unchanged(out), nil
	}
	merged, ok := MergeLossless(obj.Object, before, after).(map[string]any)
	if !ok {
		return out, fmt.Errorf("%s: merged pod is not an object", out.Object)
	}
	obj.Object = merged
	return mutated(out, "the pod"), nil
}

func mutateTemplate(obj *unstructured.Unstructured, fn func(pod *corev1.Pod) error, out Outcome) (Outcome, error) {
	path := out.Kind.TemplatePath()
	value, found, err := unstructured.NestedFieldNoCopy(obj.Object, out.Kind.Template...)
	if err != nil {
		return out, fmt.Errorf("%s: %s: %w", out.Object, path, err)
	}
	if !found || value == nil {
		out.Reason = finding.NoPodTemplate
		out.Message = fmt.Sprintf("%s has no inline pod template at %s; passed through unchanged", out.Object, path)
		return out, nil
	}
	raw, ok := value.(map[string]any)
	if !ok {
		return out, fmt.Errorf("%s: %s: want an object, got %s", out.Object, path, kindPhrase(jsonKind(value)))
	}

	template := &corev1.PodTemplateSpec{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, template); err != nil {
		return out, fmt.Errorf("%s: %w", out.Object, decodeError(raw, template, path.String()+".", err))
	}
	before, err := runtime.DefaultUnstructuredConverter.ToUnstructured(template)
	if err != nil {
		return out, fmt.Errorf("%s: %s: encode: %w", out.Object, path, err)
	}

	pod := &corev1.Pod{ObjectMeta: *template.ObjectMeta.DeepCopy(), Spec: *template.Spec.DeepCopy()}
	pod.APIVersion, pod.Kind = "v1", "Pod"
	pod.Namespace, pod.Name = obj.GetNamespace(), obj.GetName()
	if err := fn(pod); err != nil {
		return out, fmt.Errorf("%s: %s: %w", out.Object, path, err)
	}

	result := &corev1.PodTemplateSpec{ObjectMeta: pod.ObjectMeta, Spec: pod.Spec}
	// The name and namespace were lent to the pod for matching; the template
	// keeps its own.
	result.Namespace, result.Name = template.Namespace, template.Name
	after, err := runtime.DefaultUnstructuredConverter.ToUnstructured(result)
	if err != nil {
		return out, fmt.Errorf("%s: %s: encode mutated template: %w", out.Object, path, err)
	}
	if reflect.DeepEqual(before, after) {
		return unchanged(out), nil
	}
	// The parent exists (the template was found under it); assigning in place
	// avoids SetNestedField's deep copy of a value we just built.
	parent, _, _ := unstructured.NestedFieldNoCopy(obj.Object, out.Kind.Template[:len(out.Kind.Template)-1]...)
	parent.(map[string]any)[out.Kind.Template[len(out.Kind.Template)-1]] = MergeLossless(raw, before, after)
	return mutated(out, "the pod template at "+path.String()), nil
}

func unchanged(out Outcome) Outcome {
	out.Reason = finding.Unchanged
	out.Message = fmt.Sprintf("%s: nothing to change; left as it was", out.Object)
	return out
}

func mutated(out Outcome, where string) Outcome {
	out.Reason = finding.Mutated
	out.Message = fmt.Sprintf("%s: changed %s", out.Object, where)
	return out
}

// describe names an object for messages: "Kind.group ns/name". The group is
// part of it because Kruise reuses the names StatefulSet and DaemonSet.
func describe(obj *unstructured.Unstructured) string {
	kind := obj.GetKind()
	if group := obj.GroupVersionKind().Group; group != "" {
		kind += "." + group
	}
	name := obj.GetName()
	if ns := obj.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	if name == "" {
		return kind
	}
	return kind + " " + name
}

// decodeError says where a value of the wrong type is: the unstructured converter's error
// names no field, so the object is decoded again through encoding/json, whose type error
// does. prefix locates the decoded part in the object ("spec.template.").
func decodeError(raw map[string]any, into any, prefix string, err error) error {
	data, jerr := json.Marshal(raw)
	if jerr != nil {
		return err
	}
	var te *json.UnmarshalTypeError
	if jerr := json.Unmarshal(data, into); errors.As(jerr, &te) && te.Field != "" {
		path, value := locate(raw, te.Field, te.Value)
		return &FieldTypeError{Field: prefix + path, Got: te.Value, Value: value, Want: typeName(te.Type), Err: err}
	}
	return err
}

// FieldTypeError is a value of the wrong type in a manifest, at its field path; it wraps the
// decoder's error, whose wording is Go's.
type FieldTypeError struct {
	Field, Got, Want string
	// Value is the value found, for a scalar ("" otherwise).
	Value string
	Err   error
}

func (e *FieldTypeError) Error() string {
	got := kindPhrase(e.Got)
	if e.Value != "" {
		got += " (" + e.Value + ")"
	}
	return fmt.Sprintf("%s: %s where the field wants %s", e.Field, got, e.Want)
}

func (e *FieldTypeError) Unwrap() error { return e.Err }

// typeName says a Go type the way a manifest author thinks of it.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return "a number"
	case reflect.Pointer:
		return typeName(t.Elem())
	}
	return t.String()
}
