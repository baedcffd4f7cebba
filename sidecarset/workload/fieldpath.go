package workload

import (
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
// its list indices: "containers.image" -> "containers[1].image". It returns dotted unchanged
// when no value fits.
func indexedPath(raw any, dotted, got string) string {
	if p, ok := findPath(raw, strings.Split(dotted, "."), got); ok {
		return strings.TrimPrefix(p, ".")
	}
	return dotted
}

// findPath returns the path below v as a suffix: ".key" per field, "[i]" per list item.
func findPath(v any, parts []string, got string) (string, bool) {
	if list, ok := v.([]any); ok && (len(parts) > 0 || got != "array") {
		for i, item := range list {
			if rest, ok := findPath(item, parts, got); ok {
				return "[" + strconv.Itoa(i) + "]" + rest, true
			}
		}
		return "", false
	}
	if len(parts) == 0 {
		return "", jsonKind(v) == got
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	child, found := m[parts[0]]
	if !found {
		return "", false
	}
	rest, ok := findPath(child, parts[1:], got)
	if !ok {
		return "", false
	}
	return "." + parts[0] + rest, true
}
