package manifest

import (
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/sidecarset/workload"
)

// Kubernetes' field order is the order of the Go types' fields (what the API server writes).
// The types of the parts injection changes are known: a Pod, the pod template of a workload
// kind sidecarctl knows, and every object's metadata.

var (
	podType        = reflect.TypeFor[corev1.Pod]()
	templateType   = reflect.TypeFor[corev1.PodTemplateSpec]()
	objectMetaType = reflect.TypeFor[metav1.ObjectMeta]()
)

// rootType returns the Go type of obj when it is a Pod, and where a workload keeps its pod
// template otherwise.
func rootType(obj *unstructured.Unstructured) (reflect.Type, []string) {
	kind, ok := workload.Lookup(obj.GroupVersionKind().GroupKind())
	if !ok {
		return nil, nil
	}
	if kind.IsPod() {
		return podType, nil
	}
	return nil, kind.Template
}

// fieldType is the type of key in a value of type t, or, where t is unknown, the type the
// path has in every object (metadata) or in a workload (its pod template).
func fieldType(t reflect.Type, key string, templatePath, path []string) reflect.Type {
	if t == nil {
		switch {
		case len(path) == 1 && key == "metadata":
			return objectMetaType
		case len(templatePath) > 0 && slices.Equal(path, templatePath):
			return templateType
		}
		return nil
	}
	t = deref(t)
	switch t.Kind() {
	case reflect.Map:
		return t.Elem()
	case reflect.Struct:
		if f, ok := jsonField(t, key); ok {
			return f.Type
		}
	}
	return nil
}

// elemType is the type of a list's items.
func elemType(t reflect.Type) reflect.Type {
	if t == nil {
		return nil
	}
	t = deref(t)
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		return t.Elem()
	}
	return nil
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fieldRanks numbers the JSON fields of struct type t in declaration order, inline structs
// in place; nil when t is not a struct.
func fieldRanks(t reflect.Type) map[string]int {
	if t == nil {
		return nil
	}
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	ranks := map[string]int{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, inline := jsonName(f)
			if inline {
				walk(deref(f.Type))
				continue
			}
			if name != "" {
				ranks[name] = len(ranks)
			}
		}
	}
	walk(t)
	return ranks
}

// jsonField finds the field of struct t that has JSON name key, looking into inline structs.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, inline := jsonName(f)
		if inline {
			if g, ok := jsonField(deref(f.Type), key); ok {
				return g, true
			}
			continue
		}
		if name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// jsonName is a field's JSON name, and whether the field is inlined (embedded without a name
// or tagged ",inline").
func jsonName(f reflect.StructField) (string, bool) {
	tag, hasTag := f.Tag.Lookup("json")
	name, opts, _ := strings.Cut(tag, ",")
	if name == "-" {
		return "", false
	}
	if (f.Anonymous && name == "") || (name == "" && strings.Contains(opts, "inline")) {
		return "", deref(f.Type).Kind() == reflect.Struct
	}
	if !f.IsExported() {
		return "", false
	}
	if !hasTag || name == "" {
		return f.Name, false
	}
	return name, false
}
