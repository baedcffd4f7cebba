package sidecarsettest

import (
	"encoding/json"
	"fmt"

	"github.com/google/go-cmp/cmp"
)

// hashAnnotations returns the annotations whose hashes the comparison normalises.
func hashAnnotations() []string {
	return []string{"kruise.io/sidecarset-hash", "kruise.io/sidecarset-hash-without-image"}
}

// CompareOptions mirror compare.py's flags.
type CompareOptions struct {
	StrictTime bool
}

// Diff compares an expected pod (oracle JSON) with an actual one the way
// sidecarset/sidecarsettest/compare.py does (CONFORMANCE.md §4): the hash annotations are
// compared as parsed JSON, updateTimestamp is ignored unless StrictTime, and null/{}/[] values
// are dropped. It returns "" when they agree, else a (-want +got) diff.
func Diff(expected, actual []byte, opts CompareOptions) (string, error) {
	want, err := normalise(expected, opts)
	if err != nil {
		return "", fmt.Errorf("expected: %w", err)
	}
	got, err := normalise(actual, opts)
	if err != nil {
		return "", fmt.Errorf("actual: %w", err)
	}
	return cmp.Diff(want, got), nil
}

func normalise(doc []byte, opts CompareOptions) (any, error) {
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	if md, ok := v["metadata"].(map[string]any); ok {
		if ann, ok := md["annotations"].(map[string]any); ok {
			for _, key := range hashAnnotations() {
				s, ok := ann[key].(string)
				if !ok {
					continue
				}
				var parsed map[string]any
				if json.Unmarshal([]byte(s), &parsed) != nil {
					continue
				}
				for _, entry := range parsed {
					if e, ok := entry.(map[string]any); ok && !opts.StrictTime {
						delete(e, "updateTimestamp")
					}
				}
				ann[key] = parsed
			}
		}
	}
	return prune(v), nil
}

func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			x = prune(x)
			if isEmpty(x) {
				continue
			}
			out[k] = x
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = prune(x)
		}
		return out
	}
	return v
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}
