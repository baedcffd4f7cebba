package manifest

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// edit makes the node tree n say what value says, changing only what differs: a subtree
// whose value is unchanged is kept as parsed (comments, key order, quoting, the text of its
// numbers), changed scalars are replaced where they stand, keys that are gone are removed,
// new keys go where Kubernetes' field order puts them among the keys already there, and list
// items are matched by name (or by value) so that kept items keep their comments. t is the
// Go type of value when known (field order), nil otherwise; templatePath is where a
// workload keeps its pod template.
//
// It returns the node to use in place of n (n itself unless its kind changed).
func edit(c *types, n *kyaml.Node, value any, t reflect.Type, templatePath []string, path []string) *kyaml.Node {
	if n.Kind == kyaml.DocumentNode {
		if len(n.Content) == 1 {
			n.Content[0] = edit(c, n.Content[0], value, t, templatePath, path)
			return n
		}
	}
	if n.Kind == kyaml.AliasNode {
		if equalValue(n, value) {
			return n
		}
		// The anchor's value is used elsewhere too: this place gets its own copy.
		n = expandAliases(n.Alias)
	}
	// Mappings and sequences are edited in place, key by key and item by item, which
	// changes nothing where nothing changed; a scalar is replaced only when its value did.
	switch v := value.(type) {
	case map[string]any:
		if n.Kind == kyaml.MappingNode {
			if len(merged(n)) > 0 && equalValue(n, v) {
				return n // unchanged: its merge keys stay
			}
			editMapping(c, n, v, t, templatePath, path)
			return n
		}
	case []any:
		if n.Kind == kyaml.SequenceNode {
			editSequence(c, n, v, elemType(t), templatePath, path)
			return n
		}
	}
	if n.Kind == kyaml.ScalarNode && equalScalar(scalarValue(n), value) {
		return n
	}
	repl := newNode(c, value, t)
	if n.Kind == kyaml.ScalarNode && repl.Kind == kyaml.ScalarNode && repl.Tag == "!!str" {
		// A changed string keeps its quotes, and a block scalar its style while it has lines.
		switch {
		case n.Style&(kyaml.DoubleQuotedStyle|kyaml.SingleQuotedStyle) != 0:
			repl.Style = n.Style
		case n.Style&(kyaml.LiteralStyle|kyaml.FoldedStyle) != 0 && containsNewline(repl.Value):
			repl.Style = n.Style
		}
	}
	repl.HeadComment, repl.LineComment, repl.FootComment = n.HeadComment, n.LineComment, n.FootComment
	return repl
}

func containsNewline(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return true
		}
	}
	return false
}

// editMapping edits the pairs of mapping n to say m.
func editMapping(c *types, n *kyaml.Node, m map[string]any, t reflect.Type, templatePath, path []string) {
	if len(merged(n)) > 0 {
		// Merge keys bring values from elsewhere; the edited mapping spells them out.
		flattenMerges(n)
	}
	seen := make(map[string]bool, len(m))
	kept := n.Content[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		v, found := m[key.Value]
		if !found || seen[key.Value] {
			continue // removed (or a repeated key, which the reader's value already settled)
		}
		seen[key.Value] = true
		childPath := append(path, key.Value)
		kept = append(kept, key, edit(c, val, v, c.fieldType(t, key.Value, templatePath, childPath), templatePath, childPath))
	}
	n.Content = kept
	var added []string
	for k := range m {
		if !seen[k] {
			added = append(added, k)
		}
	}
	slices.Sort(added)
	for _, k := range added {
		childPath := append(path, k)
		pair := []*kyaml.Node{stringNode(k), newNode(c, m[k], c.fieldType(t, k, templatePath, childPath))}
		at := insertAt(c, n, k, t)
		n.Content = slices.Insert(n.Content, 2*at, pair...)
	}
}

// insertAt is the pair index where a new key goes: before the first key that comes after it
// in the type's field order (map keys: in sorted order, when the keys there are sorted), at
// the end otherwise.
func insertAt(c *types, n *kyaml.Node, key string, t reflect.Type) int {
	pairs := len(n.Content) / 2
	if t == nil {
		return pairs
	}
	if t.Kind() == reflect.Map {
		for i := 1; i < pairs; i++ {
			if n.Content[2*i].Value < n.Content[2*i-2].Value {
				return pairs // not sorted: a hand edit appends
			}
		}
		for i := 0; i < pairs; i++ {
			if n.Content[2*i].Value > key {
				return i
			}
		}
		return pairs
	}
	ranks := c.fieldRanks(t)
	r, known := ranks[key]
	if !known {
		return pairs
	}
	for i := 0; i < pairs; i++ {
		if other, ok := ranks[n.Content[2*i].Value]; ok && other > r {
			return i
		}
	}
	return pairs
}

// editSequence edits the items of sequence n to say items. Items are matched by name when
// every item has one (containers, volumes, env ...), else by value; items of unnamed lists
// left over are paired in order, so an edited item keeps its comments.
func editSequence(c *types, n *kyaml.Node, items []any, t reflect.Type, templatePath, path []string) {
	old := n.Content
	match := make([]int, len(items))
	for i := range match {
		match[i] = -1
	}
	used := make([]bool, len(old))
	oldNames, oldNamed := nodeNames(old)
	newNames, newNamed := valueNames(items)
	named := oldNamed && newNamed
	if named {
		index := make(map[itemKey]int, len(old))
		for j, name := range oldNames {
			index[name] = j
		}
		for i, name := range newNames {
			if j, ok := index[name]; ok && !used[j] {
				match[i], used[j] = j, true
			}
		}
	} else {
		for i, it := range items {
			for j := range old {
				if !used[j] && equalValue(old[j], it) {
					match[i], used[j] = j, true
					break
				}
			}
		}
		j := 0
		for i := range items {
			if match[i] >= 0 {
				continue
			}
			for j < len(old) && used[j] {
				j++
			}
			if j < len(old) {
				match[i], used[j] = j, true
			}
		}
	}
	same := len(items) == len(old)
	for i := range match {
		same = same && match[i] == i
	}
	out := old
	if !same {
		out = make([]*kyaml.Node, len(items))
	}
	for i, it := range items {
		if match[i] >= 0 {
			out[i] = edit(c, old[match[i]], it, t, templatePath, path)
		} else {
			out[i] = newNode(c, it, t)
		}
	}
	n.Content = out
}

// itemKey is an item's name and which item of that name it is (lists such as env may
// repeat a name).
type itemKey struct {
	name string
	nth  int
}

// nodeNames returns the key of every item, and whether every item is a mapping with a plain
// string name.
func nodeNames(items []*kyaml.Node) ([]itemKey, bool) {
	names := make([]itemKey, len(items))
	count := map[string]int{}
	for i, it := range items {
		if it.Kind == kyaml.AliasNode {
			it = it.Alias
		}
		if it.Kind != kyaml.MappingNode {
			return nil, false
		}
		name, ok := "", false
		for j := 0; j+1 < len(it.Content); j += 2 {
			if it.Content[j].Value == "name" && it.Content[j+1].Kind == kyaml.ScalarNode {
				name, ok = it.Content[j+1].Value, true
			}
		}
		if !ok {
			return nil, false
		}
		count[name]++
		names[i] = itemKey{name, count[name]}
	}
	return names, true
}

func valueNames(items []any) ([]itemKey, bool) {
	names := make([]itemKey, len(items))
	count := map[string]int{}
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, false
		}
		name, ok := m["name"].(string)
		if !ok {
			return nil, false
		}
		count[name]++
		names[i] = itemKey{name, count[name]}
	}
	return names, true
}

// newNode builds the node of a value that injection added, its keys in Kubernetes' field
// order (t's), map keys sorted.
func newNode(c *types, value any, t reflect.Type) *kyaml.Node {
	switch v := value.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if ranks := c.fieldRanks(t); ranks != nil {
			slices.SortStableFunc(keys, func(a, b string) int {
				ra, okA := ranks[a]
				rb, okB := ranks[b]
				switch {
				case okA && okB:
					return ra - rb
				case okA:
					return -1
				case okB:
					return 1
				}
				return 0
			})
		}
		n := &kyaml.Node{Kind: kyaml.MappingNode, Tag: "!!map"}
		for _, k := range keys {
			n.Content = append(n.Content, stringNode(k), newNode(c, v[k], c.fieldType(t, k, nil, nil)))
		}
		return n
	case []any:
		n := &kyaml.Node{Kind: kyaml.SequenceNode, Tag: "!!seq"}
		for _, it := range v {
			n.Content = append(n.Content, newNode(c, it, elemType(t)))
		}
		return n
	case string:
		return stringNode(v)
	case bool:
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
	case nil:
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!null", Value: "null"}
	case int64:
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v, 10)}
	case int:
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
	case float64:
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!float", Value: formatFloat(v)}
	}
	data, err := json.Marshal(value)
	if err != nil {
		return stringNode(fmt.Sprint(value))
	}
	return &kyaml.Node{Kind: kyaml.ScalarNode, Value: string(data)}
}

// stringNode is a new string. One that a YAML 1.1 reader (kubectl's) would take for
// something else ("yes", "1.0", "~") is double-quoted, as sigs.k8s.io/yaml writes it.
func stringNode(s string) *kyaml.Node {
	n := &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!str", Value: s}
	if _, isString := plainValue(s).(string); !isString || s == "" {
		n.Style = kyaml.DoubleQuotedStyle
	}
	return n
}

// formatFloat spells a float as encoding/json does, and infinities and NaN as YAML does.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	case math.IsNaN(f):
		return ".nan"
	}
	data, _ := json.Marshal(f)
	return string(data)
}
