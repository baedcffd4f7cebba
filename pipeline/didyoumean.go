package pipeline

import (
	"reflect"
	"regexp"
	"strings"

	"github.com/sidecarctl/sidecarctl/finding"
)

// suggestField returns the known JSON field name closest to the unknown last segment of
// path in the type of into, or "" when none is close. path is what strict decoding reports,
// e.g. "spec.containers[0].podInjectionPolicy".
func suggestField(into any, path string) string {
	segments := strings.Split(indexPattern.ReplaceAllString(path, ""), ".")
	t := reflect.TypeOf(into)
	for _, seg := range segments[:len(segments)-1] {
		t = fieldType(t, seg)
		if t == nil {
			return ""
		}
	}
	known := jsonFields(deref(t))
	if known == nil {
		return ""
	}
	unknown := segments[len(segments)-1]
	if near := finding.Closest(unknown, known); near != "" {
		return strings.TrimSuffix(path, unknown) + near
	}
	return ""
}

var indexPattern = regexp.MustCompile(`\[[^\]]*\]`)

// deref strips pointers, slices, arrays and maps down to the element type.
func deref(t reflect.Type) reflect.Type {
	for t != nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
	return nil
}

// fieldType returns the type of the JSON field name of t's struct (inline fields included).
func fieldType(t reflect.Type, name string) reflect.Type {
	t = deref(t)
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "" && (f.Anonymous || strings.Contains(opts, "inline")) {
			if ft := fieldType(f.Type, name); ft != nil {
				return ft
			}
			continue
		}
		if tag == name {
			return f.Type
		}
	}
	return nil
}

// jsonFields lists the JSON field names of a struct type, inline fields included.
func jsonFields(t reflect.Type) []string {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-":
		case tag == "" && (f.Anonymous || strings.Contains(opts, "inline")):
			out = append(out, jsonFields(deref(f.Type))...)
		case tag != "":
			out = append(out, tag)
		}
	}
	return out
}
