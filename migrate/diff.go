package migrate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// fieldDiff is one field whose value differs: Want is the original's (or the SidecarSet's),
// Got the other side's; nil means absent.
type fieldDiff struct {
	Path      *field.Path
	Want, Got any
}

// diffObjects converts both sides to their JSON form and lists the leaf fields that differ,
// under path. A map on one side only differs in each of its leaves; the items past the end of
// the shorter of two lists each differ as a whole.
func diffObjects(path *field.Path, want, got any) ([]fieldDiff, error) {
	w, err := toJSONValue(want)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g, err := toJSONValue(got)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []fieldDiff
	diffValues(path, w, g, &out)
	return out, nil
}

// toJSONValue is v as the API server would see it: maps, lists and scalars.
func toJSONValue(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, nil
	}
	if reflect.ValueOf(v).Kind() == reflect.Struct || reflect.ValueOf(v).Kind() == reflect.Pointer {
		return runtime.DefaultUnstructuredConverter.ToUnstructured(v)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(raw, &out)
	return out, err
}

func diffValues(path *field.Path, want, got any, out *[]fieldDiff) {
	wm, wIsMap := want.(map[string]any)
	gm, gIsMap := got.(map[string]any)
	// A map on one side only differs in each of its leaves.
	if wIsMap && got == nil {
		gm, gIsMap = map[string]any{}, true
	}
	if gIsMap && want == nil {
		wm, wIsMap = map[string]any{}, true
	}
	if wIsMap && gIsMap {
		keys := make([]string, 0, len(wm)+len(gm))
		for k := range wm {
			keys = append(keys, k)
		}
		for k := range gm {
			if _, ok := wm[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			diffValues(path.Child(k), wm[k], gm[k], out)
		}
		return
	}
	wl, wIsList := want.([]any)
	gl, gIsList := got.([]any)
	if wIsList && got == nil {
		gIsList = true
	}
	if gIsList && want == nil {
		wIsList = true
	}
	if wIsList && gIsList {
		// Items past the shorter list differ as a whole, one by one.
		for i := range max(len(wl), len(gl)) {
			var w, g any
			if i < len(wl) {
				w = wl[i]
			}
			if i < len(gl) {
				g = gl[i]
			}
			if i >= len(wl) || i >= len(gl) {
				if !reflect.DeepEqual(w, g) {
					*out = append(*out, fieldDiff{Path: path.Index(i), Want: w, Got: g})
				}
				continue
			}
			diffValues(path.Index(i), w, g, out)
		}
		return
	}
	if isEmpty(want) && isEmpty(got) {
		return
	}
	if !reflect.DeepEqual(want, got) {
		*out = append(*out, fieldDiff{Path: path, Want: want, Got: got})
	}
}

// isEmpty treats an absent field, an empty map and an empty list alike, as omitempty does.
func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

// show renders a value of a fieldDiff for a message: compact JSON, cut after 80 characters.
func show(v any) string {
	if v == nil {
		return "(none)"
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(raw)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
