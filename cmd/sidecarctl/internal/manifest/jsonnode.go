package manifest

import (
	"bytes"
	"fmt"
	"strconv"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// writeJSONNode writes n as JSON: objects and arrays one member a line, indented by indent
// after prefix ("" indent: on one line), scalars with their text when it is JSON's.
func writeJSONNode(buf *bytes.Buffer, n *kyaml.Node, indent, prefix string) error {
	switch n.Kind {
	case kyaml.AliasNode:
		return writeJSONNode(buf, expandAliases(n), indent, prefix)
	case kyaml.MappingNode, kyaml.SequenceNode:
		if n.Kind == kyaml.MappingNode && len(merged(n)) > 0 {
			n = expandAliases(n)
		}
		open, end, step := byte('['), byte(']'), 1
		if n.Kind == kyaml.MappingNode {
			open, end, step = '{', '}', 2
		}
		buf.WriteByte(open)
		if len(n.Content) == 0 {
			buf.WriteByte(end)
			return nil
		}
		inner := prefix + indent
		for i := 0; i+step-1 < len(n.Content); i += step {
			if i > 0 {
				buf.WriteByte(',')
			}
			if indent != "" {
				buf.WriteByte('\n')
				buf.WriteString(inner)
			}
			if step == 2 {
				if err := writeJSONString(buf, n.Content[i].Value); err != nil {
					return err
				}
				buf.WriteByte(':')
				if indent != "" {
					buf.WriteByte(' ')
				}
			}
			if err := writeJSONNode(buf, n.Content[i+step-1], indent, inner); err != nil {
				return err
			}
		}
		if indent != "" {
			buf.WriteByte('\n')
			buf.WriteString(prefix)
		}
		buf.WriteByte(end)
		return nil
	case kyaml.ScalarNode:
		return writeJSONScalar(buf, n)
	}
	return fmt.Errorf("unexpected YAML node kind %d", n.Kind)
}

func writeJSONScalar(buf *bytes.Buffer, n *kyaml.Node) error {
	switch v := scalarValue(n).(type) {
	case string:
		return writeJSONString(buf, v)
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case int64, float64:
		if isJSONNumber(n.Value) {
			buf.WriteString(n.Value) // exactly as written: 12345678901234567890 stays
			return nil
		}
		if f, ok := v.(float64); ok {
			s := formatFloat(f)
			if !isJSONNumber(s) {
				return fmt.Errorf("%s: %w", n.Value, errNotJSON)
			}
			buf.WriteString(s)
			return nil
		}
		buf.WriteString(strconv.FormatInt(v.(int64), 10))
	}
	return nil
}

// isJSONNumber reports whether s is a number in JSON's grammar.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
