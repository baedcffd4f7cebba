package workload

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// jsonKind names the JSON type of a decoded value the way encoding/json's type errors do:
// object, array, string, number, bool.
func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return "number"
}

// kindPhrase is a JSON type as a manifest author says it, with its article.
func kindPhrase(kind string) string {
	switch kind {
	case "object":
		return "an object"
	case "array":
		return "a list"
	case "bool":
		return "true or false"
	case "null":
		return "null"
	}
	return "a " + kind
}

// indexedPath finds, under raw, the first value at the dotted field path (which names no list
// index: encoding/json's type errors do not) whose JSON type is got, and returns the path with
// its list indices and map keys: "containers.image" -> "containers[1].image",
// "metadata.labels" -> "metadata.labels[app]". It returns dotted unchanged
// when no value fits.
func indexedPath(raw any, dotted, got string) string {
	p, _ := locate(raw, dotted, got)
	return p
}

// locate is indexedPath with the value found there, as a manifest shows a scalar ("" for an
// object, a list or no value found).
func locate(raw any, dotted, got string) (string, string) {
	var value any
	p, ok := findPath(raw, strings.Split(dotted, "."), got, &value)
	if !ok {
		return dotted, ""
	}
	shown := ""
	switch v := value.(type) {
	case string:
		shown = strconv.Quote(v)
	case bool, int64, float64:
		shown = fmt.Sprint(v)
	}
	return strings.TrimPrefix(p, "."), shown
}

// findPath returns the path below v as a suffix: ".key" per field, "[i]" per list item.
func findPath(v any, parts []string, got string, found *any) (string, bool) {
	if list, ok := v.([]any); ok && (len(parts) > 0 || got != "array") {
		for i, item := range list {
			if rest, ok := findPath(item, parts, got, found); ok {
				return "[" + strconv.Itoa(i) + "]" + rest, true
			}
		}
		return "", false
	}
	if len(parts) == 0 {
		if m, ok := v.(map[string]any); ok && got != "object" {
			// A map's value (labels, annotations): Go names the map, not the key.
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if jsonKind(m[k]) == got {
					*found = m[k]
					return "[" + k + "]", true
				}
			}
		}
		*found = v
		return "", jsonKind(v) == got
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	child, present := m[parts[0]]
	if !present {
		return "", false
	}
	rest, ok := findPath(child, parts[1:], got, found)
	if !ok {
		return "", false
	}
	return "." + parts[0] + rest, true
}
