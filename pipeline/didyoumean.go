package pipeline

import (
	"reflect"
	"regexp"
	"strings"
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
	if near := Closest(unknown, known); near != "" {
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

// Closest returns the candidate nearest to name by edit distance (case-insensitive), or ""
// when none is within a third of name's length (at least one edit): a typo, not another word.
func Closest(name string, candidates []string) string {
	best, bestD := "", -1
	limit := max(1, len(name)/3)
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if d <= limit && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
