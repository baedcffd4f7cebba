package manifest

import (
	"encoding/json"
	"math"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// equalValue reports whether node n reads as value.
func equalValue(n *kyaml.Node, value any) bool {
	switch n.Kind {
	case kyaml.DocumentNode:
		return equalValue(content(n), value)
	case kyaml.AliasNode:
		return n.Alias != nil && equalValue(n.Alias, value)
	case kyaml.ScalarNode:
		return equalScalar(scalarValue(n), value)
	case kyaml.SequenceNode:
		items, ok := value.([]any)
		if !ok || len(items) != len(n.Content) {
			return false
		}
		for i, c := range n.Content {
			if !equalValue(c, items[i]) {
				return false
			}
		}
		return true
	case kyaml.MappingNode:
		m, ok := value.(map[string]any)
		if !ok {
			return false
		}
		if len(merged(n)) > 0 {
			v, err := nodeValue(n)
			return err == nil && equalTree(v, m)
		}
		if len(n.Content)/2 != len(m) {
			return false
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, found := m[n.Content[i].Value]
			if !found || !equalValue(n.Content[i+1], v) {
				return false
			}
		}
		return true
	}
	return false
}

// equalTree compares decoded values, numbers by value whatever their Go type.
func equalTree(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, found := y[k]
			if !found || !equalTree(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalTree(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return equalScalar(a, b)
}

func equalScalar(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && (fa == fb || (math.IsNaN(fa) && math.IsNaN(fb)))
	}
	switch a.(type) {
	case map[string]any, []any:
		return false
	}
	switch b.(type) {
	case map[string]any, []any:
		return false
	}
	return a == b
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// expandAliases returns a copy of n with aliases replaced by copies of what they point at, merge
// keys spelled out and anchors dropped.
func expandAliases(n *kyaml.Node) *kyaml.Node {
	if n.Kind == kyaml.AliasNode && n.Alias != nil {
		c := expandAliases(n.Alias)
		c.HeadComment, c.LineComment, c.FootComment = n.HeadComment, n.LineComment, n.FootComment
		return c
	}
	c := *n
	c.Anchor = ""
	c.Content = make([]*kyaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = expandAliases(child)
	}
	if c.Kind == kyaml.MappingNode {
		flattenMerges(&c)
	}
	return &c
}

// flattenMerges replaces a mapping's merge keys by the pairs they bring in that the mapping
// does not set itself.
func flattenMerges(n *kyaml.Node) {
	sources := merged(n)
	if len(sources) == 0 {
		return
	}
	var own []*kyaml.Node
	set := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !isMerge(n.Content[i]) {
			own = append(own, n.Content[i], n.Content[i+1])
			set[n.Content[i].Value] = true
		}
	}
	var brought []*kyaml.Node
	// Highest precedence last in sources: walk backwards so the first one seen wins.
	for s := len(sources) - 1; s >= 0; s-- {
		src := expandAliases(sources[s])
		for i := 0; i+1 < len(src.Content); i += 2 {
			if k := src.Content[i].Value; !set[k] {
				set[k] = true
				brought = append(brought, src.Content[i], src.Content[i+1])
			}
		}
	}
	n.Content = append(brought, own...)
}
