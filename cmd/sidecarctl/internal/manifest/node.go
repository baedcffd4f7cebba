package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// parseNode parses one document's bytes into a YAML node tree: YAML through kyaml (comments,
// styles, anchors kept), JSON through encoding/json's tokens so that numbers keep their exact
// text. It returns the document's content node.
func parseNode(data []byte, format string) (*kyaml.Node, error) {
	data = lf(data) // written back with the document's line endings
	if format == FormatJSON {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		return jsonNode(dec)
	}
	var doc kyaml.Node
	if err := kyaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

// jsonNode reads one JSON value from dec as a node: objects and arrays in flow style,
// strings double-quoted, numbers with their text.
func jsonNode(dec *json.Decoder) (*kyaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		kind, tag, end := kyaml.MappingNode, "!!map", json.Delim('}')
		if t == '[' {
			kind, tag, end = kyaml.SequenceNode, "!!seq", ']'
		}
		n := &kyaml.Node{Kind: kind, Tag: tag, Style: kyaml.FlowStyle}
		for dec.More() {
			if kind == kyaml.MappingNode {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!str", Value: key.(string), Style: kyaml.DoubleQuotedStyle})
			}
			child, err := jsonNode(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, child)
		}
		if tok, err := dec.Token(); err != nil || tok != end {
			return nil, fmt.Errorf("want %q: %w", end, err)
		}
		return n, nil
	case string:
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!str", Value: t, Style: kyaml.DoubleQuotedStyle}, nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(t), ".eE") {
			tag = "!!float"
		}
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: tag, Value: string(t)}, nil
	case bool:
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, nil
	case nil:
		return &kyaml.Node{Kind: kyaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// content skips the document node around a document's value.
func content(n *kyaml.Node) *kyaml.Node {
	if n != nil && n.Kind == kyaml.DocumentNode && len(n.Content) == 1 {
		return n.Content[0]
	}
	return n
}

// usesAnchors reports whether the tree has an anchor, an alias or a merge key.
func usesAnchors(n *kyaml.Node) bool {
	if n.Anchor != "" || n.Kind == kyaml.AliasNode || (n.Kind == kyaml.ScalarNode && n.Tag == "!!merge") {
		return true
	}
	for _, c := range n.Content {
		if usesAnchors(c) {
			return true
		}
	}
	return false
}

// scalarValue is the value of a scalar node as the manifest reader decodes it (YAML 1.1 as
// sigs.k8s.io/yaml reads it, then JSON numbers as int64 when they fit, float64 otherwise).
func scalarValue(n *kyaml.Node) any {
	if n.Style&(kyaml.DoubleQuotedStyle|kyaml.SingleQuotedStyle|kyaml.LiteralStyle|kyaml.FoldedStyle) != 0 {
		return n.Value
	}
	if n.Style&kyaml.TaggedStyle != 0 {
		// An explicit tag; a plain scalar's Tag is go.yaml.in/yaml/v3's YAML 1.2 reading, not
		// the reader's YAML 1.1 one, and is not used.
		switch n.Tag {
		case "!!str", "!!binary", "!!timestamp":
			return n.Value
		case "!!null":
			return nil
		}
	}
	return plainValue(n.Value)
}

// plainValue reads a plain scalar as sigs.k8s.io/yaml (YAML 1.1) and then the JSON reader
// do.
func plainValue(v string) any {
	switch v {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false
	case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
		return math.Inf(1)
	case "-.inf", "-.Inf", "-.INF":
		return math.Inf(-1)
	}
	if !numeric(v) {
		return v // spares the parsers' errors, which allocate
	}
	plain := strings.ReplaceAll(v, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return i
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return float64(u)
	}
	if f, err := strconv.ParseFloat(plain, 64); err == nil {
		// sigs.k8s.io/yaml writes a float as JSON, where an integral one below 1e21 has no
		// fraction, and the JSON reader makes it an int64 when it fits.
		if f == math.Trunc(f) && math.Abs(f) < 9e18 {
			return int64(f)
		}
		return f
	}
	return v
}

// numeric reports whether v is made of what YAML 1.1 numbers are written with, starting as
// one does: a cheap test before the parsers.
func numeric(v string) bool {
	if c := v[0]; c != '-' && c != '+' && c != '.' && (c < '0' || c > '9') {
		return false
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c == '.', c == '_', c == '+', c == '-':
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == 'x', c == 'X', c == 'o', c == 'O':
		default:
			return false
		}
	}
	return true
}

// nodeObject is the value of a document's node tree as the reader decodes YAML (through
// sigs.k8s.io/yaml, YAML 1.1, then JSON), without the JSON round trip. It says false where
// the two might differ (merge keys, keys that are not strings, tags it does not know,
// infinities), and the caller decodes the bytes the slow way.
func nodeObject(n *kyaml.Node) (any, bool) {
	switch n.Kind {
	case kyaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, false
		}
		return nodeObject(n.Content[0])
	case kyaml.AliasNode:
		if n.Alias == nil {
			return nil, false
		}
		return nodeObject(n.Alias)
	case kyaml.ScalarNode:
		if n.Style&kyaml.TaggedStyle != 0 {
			switch n.Tag {
			case "!!str", "!!int", "!!float", "!!bool", "!!null":
			default:
				return nil, false
			}
		}
		v := scalarValue(n)
		if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			return nil, false
		}
		return v, true
	case kyaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, ok := nodeObject(c)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	case kyaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			if key.Kind != kyaml.ScalarNode || isMerge(key) {
				return nil, false
			}
			if _, isString := scalarValue(key).(string); !isString {
				return nil, false
			}
			if _, dup := out[key.Value]; dup {
				// The slow way refuses a key given twice, with its line.
				return nil, false
			}
			v, ok := nodeObject(n.Content[i+1])
			if !ok {
				return nil, false
			}
			out[key.Value] = v
		}
		return out, true
	}
	return nil, false
}

// nodeValue is the value of a node tree, aliases and merge keys resolved.
func nodeValue(n *kyaml.Node) (any, error) {
	switch n.Kind {
	case kyaml.DocumentNode:
		return nodeValue(content(n))
	case kyaml.AliasNode:
		if n.Alias == nil {
			return nil, errors.New("alias without anchor")
		}
		return nodeValue(n.Alias)
	case kyaml.ScalarNode:
		return scalarValue(n), nil
	case kyaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := nodeValue(c)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case kyaml.MappingNode:
		out := map[string]any{}
		for _, m := range merged(n) {
			v, err := nodeValue(m)
			if err != nil {
				return nil, err
			}
			if mm, ok := v.(map[string]any); ok {
				for k, x := range mm {
					out[k] = x
				}
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if isMerge(n.Content[i]) {
				continue
			}
			v, err := nodeValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected YAML node kind %d", n.Kind)
}

func isMerge(key *kyaml.Node) bool {
	return key.Kind == kyaml.ScalarNode && (key.Tag == "!!merge" || (key.Value == "<<" && key.Style == 0 && key.Tag != "!!str"))
}

// merged returns the mappings a mapping's merge keys ("<<: *base") bring in, lowest
// precedence first.
func merged(n *kyaml.Node) []*kyaml.Node {
	var out []*kyaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !isMerge(n.Content[i]) {
			continue
		}
		v := n.Content[i+1]
		if v.Kind == kyaml.SequenceNode {
			// In "<<: [*a, *b]" the first has precedence.
			for j := len(v.Content) - 1; j >= 0; j-- {
				out = append(out, v.Content[j])
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

// errNotJSON says a value has no JSON spelling (an infinite or NaN float).
var errNotJSON = errors.New("not representable in JSON")

// writeJSONString writes s as a JSON string without HTML escaping, as the JSON writer does.
func writeJSONString(w io.Writer, s string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return err
}
