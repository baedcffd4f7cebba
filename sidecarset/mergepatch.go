package sidecarset

import (
	"encoding/json"
	"errors"
)

// Kruise merges MergePatchJson annotations with the classic (pre-v5 module) evanphx
// json-patch MergePatch. Its output differs from a plain RFC 7386 merge in ways a pod shows:
// objects it had to open are re-encoded with sorted keys, values it did not open keep their
// text (numbers such as 1.0 or 12345678901234567890, nested key order), nulls are pruned
// from what the patch adds, and a patch that is neither an object nor an array is an error.
// mergePatchKruise reproduces that behaviour from a description of the algorithm
// (sidecarset/BEHAVIOUR.md §2.11).

var (
	errBadJSONDoc   = errors.New("Invalid JSON Document")
	errBadJSONPatch = errors.New("Invalid JSON Patch")
)

// jsonNode is a lazily opened JSON value: raw until something needs its members.
type jsonNode struct {
	raw json.RawMessage
	obj map[string]*jsonNode // set once opened as an object; nil members are JSON null
	arr []*jsonNode          // set once opened as an array
}

func (n *jsonNode) MarshalJSON() ([]byte, error) {
	switch {
	case n.obj != nil:
		return json.Marshal(n.obj)
	case n.arr != nil:
		return json.Marshal(n.arr)
	}
	return n.raw, nil
}

func (n *jsonNode) UnmarshalJSON(b []byte) error {
	n.raw = append(json.RawMessage(nil), b...)
	return nil
}

func (n *jsonNode) intoObject() (map[string]*jsonNode, bool) {
	if n.obj != nil {
		return n.obj, true
	}
	var m map[string]*jsonNode
	if json.Unmarshal(n.raw, &m) != nil || m == nil {
		return nil, false
	}
	n.obj = m
	return m, true
}

func (n *jsonNode) intoArray() ([]*jsonNode, bool) {
	if n.arr != nil {
		return n.arr, true
	}
	var a []*jsonNode
	if json.Unmarshal(n.raw, &a) != nil || a == nil {
		return nil, false
	}
	n.arr = a
	return a, true
}

func mergePatchKruise(doc, patch string) (string, error) {
	if !json.Valid([]byte(doc)) {
		return "", errBadJSONDoc
	}
	if !json.Valid([]byte(patch)) {
		return "", errBadJSONPatch
	}
	var d, p map[string]*jsonNode
	docErr := json.Unmarshal([]byte(doc), &d)
	patchErr := json.Unmarshal([]byte(patch), &p)
	if docErr == nil && d == nil {
		return "", errBadJSONDoc
	}
	if patchErr == nil && p == nil {
		return "", errBadJSONPatch
	}
	var out any
	switch {
	case docErr == nil && patchErr == nil:
		mergeObjects(d, p)
		out = d
	case patchErr == nil:
		// The document is not an object: the patch, without its nulls, replaces it.
		out = pruneObjectNulls(p)
	default:
		var a []*jsonNode
		if err := json.Unmarshal([]byte(patch), &a); err != nil {
			return "", errBadJSONPatch
		}
		out = pruneArrayNulls(a)
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func mergeObjects(doc, patch map[string]*jsonNode) {
	for k, v := range patch {
		if v == nil {
			delete(doc, k)
			continue
		}
		cur, ok := doc[k]
		if !ok || cur == nil {
			pruneNulls(v)
			doc[k] = v
			continue
		}
		doc[k] = mergeNodes(cur, v)
	}
}

func mergeNodes(cur, patch *jsonNode) *jsonNode {
	curObj, ok := cur.intoObject()
	if !ok {
		pruneNulls(patch)
		return patch
	}
	patchObj, ok := patch.intoObject()
	if !ok {
		return patch
	}
	mergeObjects(curObj, patchObj)
	return cur
}

func pruneNulls(n *jsonNode) {
	if obj, ok := n.intoObject(); ok {
		pruneObjectNulls(obj)
	} else if arr, ok := n.intoArray(); ok {
		n.arr = pruneArrayNulls(arr)
	}
}

func pruneObjectNulls(obj map[string]*jsonNode) map[string]*jsonNode {
	for k, v := range obj {
		if v == nil {
			delete(obj, k)
		} else {
			pruneNulls(v)
		}
	}
	return obj
}

func pruneArrayNulls(arr []*jsonNode) []*jsonNode {
	out := []*jsonNode{}
	for _, v := range arr {
		if v != nil {
			pruneNulls(v)
			out = append(out, v)
		}
	}
	return out
}
