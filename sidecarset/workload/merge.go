package workload

import (
	"fmt"
	"reflect"
)

// MergeLossless writes the engine's change back into the original JSON value.
//
// raw is the value as the user wrote it (decoded JSON: maps, slices, strings,
// int64/float64, bools, nil). before is raw after a round trip through the Go
// types the engine works on, and after is the engine's result through the same
// conversion. Fields the Go types do not know exist only in raw; a plain
// replacement by after would drop them. The merge therefore applies only what
// changed between before and after:
//
//	before == after (deeply)         -> raw, untouched (also keeps the user's
//	                                    spelling, e.g. `cpu: 1` vs `cpu: "1"`)
//	maps                             -> per key: raw-only keys survive, keys the
//	                                    engine removed are removed, keys it added
//	                                    are added, keys in both merge recursively
//	lists of objects with "name"     -> items matched by name (the n-th item of a
//	                                    name matches the n-th item of that name in
//	                                    before), order from after, matched items
//	                                    merge recursively
//	other lists of objects           -> an item of after equal to an unused item
//	                                    of before keeps that item's raw value; an
//	                                    item equal to none pairs with the unused
//	                                    object at its own index (an item edited
//	                                    in place, e.g. defaulted) and merges
//	anything else                    -> after
//
// raw items are paired with before items by position, since before is raw's
// own round trip; when the lengths differ (raw was not what before came from)
// list items fall back to after.
//
// The result shares unchanged subtrees with raw and added subtrees with after;
// deep-copy it if either is modified later.
func MergeLossless(raw, before, after any) any {
	if reflect.DeepEqual(before, after) {
		return raw
	}
	switch a := after.(type) {
	case map[string]any:
		b, ok := before.(map[string]any)
		if !ok {
			return after
		}
		r, _ := raw.(map[string]any)
		return mergeMap(r, b, a)
	case []any:
		b, ok := before.([]any)
		if !ok {
			return after
		}
		r, _ := raw.([]any)
		if len(r) != len(b) {
			r = nil
		}
		return mergeList(r, b, a)
	default:
		return after
	}
}

func mergeMap(raw, before, after map[string]any) map[string]any {
	out := make(map[string]any, len(raw)+len(after))
	for k, v := range raw {
		if _, known := before[k]; !known {
			if _, added := after[k]; !added {
				out[k] = v // unknown to the Go types: keep it
			}
		}
	}
	for k, a := range after {
		b, inBefore := before[k]
		if !inBefore {
			out[k] = a
			continue
		}
		r, inRaw := raw[k]
		merged := MergeLossless(r, b, a)
		if !inRaw && reflect.DeepEqual(b, a) {
			// The round trip made up this key (an empty struct, say) and the
			// engine left it alone: the user never wrote it, so neither do we.
			continue
		}
		out[k] = merged
	}
	return out
}

func mergeList(raw, before, after []any) []any {
	match := matchByName(before, after)
	if match == nil {
		match = matchByValue(before, after)
	}
	out := make([]any, len(after))
	for i, a := range after {
		j := match[i]
		switch {
		case j < 0:
			out[i] = a
		case raw == nil:
			// Without raw items to pair with, after is the best we have.
			out[i] = a
		default:
			out[i] = MergeLossless(raw[j], before[j], a)
		}
	}
	return out
}

// matchByName pairs after[i] with the index of the before item that has the
// same name and the same occurrence of that name, or -1. It returns nil when
// either list has an item that is not an object with a string name.
func matchByName(before, after []any) []int {
	beforeKeys, ok := nameKeys(before)
	if !ok {
		return nil
	}
	afterKeys, ok := nameKeys(after)
	if !ok {
		return nil
	}
	index := make(map[string]int, len(beforeKeys))
	for j, k := range beforeKeys {
		index[k] = j
	}
	match := make([]int, len(after))
	for i, k := range afterKeys {
		j, found := index[k]
		if !found {
			j = -1
		}
		match[i] = j
	}
	return match
}

// nameKeys returns "name#occurrence" for every item, so that lists that repeat
// a name (env, volumeMounts) still pair up one to one.
func nameKeys(items []any) ([]string, bool) {
	if len(items) == 0 {
		return nil, true
	}
	seen := make(map[string]int, len(items))
	keys := make([]string, len(items))
	for i, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, false
		}
		name, ok := m["name"].(string)
		if !ok {
			return nil, false
		}
		keys[i] = fmt.Sprintf("%s#%d", name, seen[name])
		seen[name]++
	}
	return keys, true
}

// matchByValue pairs after[i] with an unused before item equal to it, or -1.
// Lists without names (tolerations, ports without names, args) have no
// identity, so equality is the only safe evidence that an item is unchanged.
// An object equal to no before item is then paired with the unused before
// object at its own index: the engine edits such items in place (defaulting
// a patchPodMetadata entry's patchPolicy), and the merge keeps what the Go
// types do not know of them; an item inserted at an index whose before item
// was matched elsewhere stays unpaired.
func matchByValue(before, after []any) []int {
	used := make([]bool, len(before))
	match := make([]int, len(after))
	for i, a := range after {
		match[i] = -1
		for j, b := range before {
			if !used[j] && reflect.DeepEqual(a, b) {
				used[j] = true
				match[i] = j
				break
			}
		}
	}
	for i, a := range after {
		if match[i] >= 0 || i >= len(before) || used[i] {
			continue
		}
		_, am := a.(map[string]any)
		_, bm := before[i].(map[string]any)
		if am && bm {
			used[i] = true
			match[i] = i
		}
	}
	return match
}
