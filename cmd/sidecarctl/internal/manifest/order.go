package manifest

import (
	"reflect"
	"slices"
	"strings"
	"sync"

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

// types caches what edits ask of the Go types (field order, field types), one type at a
// time: reflection over corev1.Container on every new container was a tenth of a run.
type types struct {
	mu sync.Mutex
	m  map[reflect.Type]*typeInfo
}

type typeInfo struct {
	ranks  map[string]int          // JSON field name -> declaration order, inline structs in place
	fields map[string]reflect.Type // JSON field name -> type
}

func newTypes() *types { return &types{m: map[reflect.Type]*typeInfo{}} }

// info returns what the cache knows of struct type t (nil for other kinds).
func (c *types) info(t reflect.Type) *typeInfo {
	if t == nil {
		return nil
	}
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ti, ok := c.m[t]; ok {
		return ti
	}
	ti := &typeInfo{ranks: map[string]int{}, fields: map[string]reflect.Type{}}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, inline := jsonName(f)
			if inline {
				walk(deref(f.Type))
				continue
			}
			if _, dup := ti.ranks[name]; name != "" && !dup {
				ti.ranks[name], ti.fields[name] = len(ti.ranks), f.Type
			}
		}
	}
	walk(t)
	c.m[t] = ti
	return ti
}

// fieldRanks numbers the JSON fields of struct type t in declaration order; nil when t is
// not a struct.
func (c *types) fieldRanks(t reflect.Type) map[string]int {
	if ti := c.info(t); ti != nil {
		return ti.ranks
	}
	return nil
}

// fieldType is the type of key in a value of type t, or, where t is unknown, the type the
// path has in every object (metadata) or in a workload (its pod template).
func (c *types) fieldType(t reflect.Type, key string, templatePath, path []string) reflect.Type {
	if t == nil {
		switch {
		case len(path) == 1 && key == "metadata":
			return objectMetaType
		case len(templatePath) > 0 && slices.Equal(path, templatePath):
			return templateType
		}
		return nil
	}
	if d := deref(t); d.Kind() == reflect.Map {
		return d.Elem()
	}
	if ti := c.info(t); ti != nil {
		return ti.fields[key]
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
