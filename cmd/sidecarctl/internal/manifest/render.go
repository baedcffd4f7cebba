package manifest

import (
	"bytes"
	"fmt"
	"strings"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// Rendered is one document encoded for a Writer.
type Rendered struct {
	doc    *Document
	format string
	data   []byte
	eol    string
}

// RenderDocument encodes one document in format, as a hand edit of its source would read:
//
//   - a document nobody changed (Raw set) that was YAML is its bytes as read, and in JSON
//     output a JSON one alone in the output is too;
//   - a changed document is its source's node tree with only what changed edited in (see
//     edit), written with the source's indentation, sequence style and line endings;
//     comments, key order, quoting, flow style, anchors and the text of numbers stay;
//   - an object without a source (built by the caller) is encoded from Object, keys sorted.
//
// FormatName gives kubectl's -o name line.
func RenderDocument(d *Document, format string) (Rendered, error) {
	return NewRenderer().Render(d, format)
}

// Renderer renders documents (RenderDocument) with what it learnt of the Go types kept
// from one document to the next; it is safe for concurrent use.
type Renderer struct {
	types *types
}

// NewRenderer returns a Renderer.
func NewRenderer() *Renderer { return &Renderer{types: newTypes()} }

// Render is RenderDocument.
func (rd *Renderer) Render(d *Document, format string) (Rendered, error) {
	c := rd.types
	r := Rendered{doc: d, format: format, eol: "\n"}
	if d.text != nil {
		r.eol = d.layout.lineEnding()
	}
	var err error
	switch format {
	case FormatName:
		r.data = []byte(name(d) + "\n")
	case FormatYAML:
		r.data, err = renderYAML(c, d)
	case FormatJSON:
		r.data, err = renderJSON(c, d, "    ", 2)
	default:
		err = fmt.Errorf("unsupported output format %q: want %s or %s", format, FormatYAML, FormatJSON)
	}
	if err != nil {
		return r, fmt.Errorf("%s: %w", d, err)
	}
	return r, nil
}

func renderYAML(c *types, d *Document) ([]byte, error) {
	if d.Raw != nil && d.Format == FormatYAML && !d.FromList {
		return d.Raw, nil
	}
	n, err := d.edited(c)
	if err != nil || n == nil {
		if err == nil {
			return encodeObjectYAML(d.Object)
		}
		return nil, err
	}
	if d.Format == FormatJSON {
		blockStyle(n)
	}
	out, err := encodeYAML(n, d.layout)
	if err != nil || !d.layout.anchors || d.Raw != nil {
		return out, err
	}
	// An edit may have dropped an anchor that an alias elsewhere still names, or changed
	// what an alias stands for: the output must read back as the object, or the document is
	// written with its aliases spelled out.
	if back, err := parseNode(out, FormatYAML); err == nil {
		if v, err := nodeValue(back); err == nil && equalTree(v, d.Object.Object) {
			return out, nil
		}
	}
	fresh, err := parseNode(d.text, d.Format)
	if err != nil {
		return encodeObjectYAML(d.Object)
	}
	t, templatePath := rootType(d.Object)
	d.node = edit(c, expandAliases(fresh), d.Object.Object, t, templatePath, nil)
	return encodeYAML(d.node, d.layout)
}

// encodeYAML writes a node tree with the layout of its source.
func encodeYAML(n *kyaml.Node, l layout) ([]byte, error) {
	plainMergeKeys(n)
	var buf bytes.Buffer
	style := kyaml.CompactSequenceStyle
	if l.wide {
		style = kyaml.WideSequenceStyle
	}
	enc := kyaml.NewEncoderWithOptions(&buf, &kyaml.EncoderOptions{SeqIndent: style})
	enc.SetIndent(l.indent)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("encode YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode YAML: %w", err)
	}
	out := buf.Bytes()
	if l.blankLines {
		out = unmarkBlankLines(out)
	}
	return withLineEnding(out, l), nil
}

// plainMergeKeys drops the tag of merge keys, which the encoder would otherwise write out
// ("!!merge <<:").
func plainMergeKeys(n *kyaml.Node) {
	if n.Kind == kyaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Tag == "!!merge" {
				k.Tag = ""
			}
		}
	}
	for _, c := range n.Content {
		plainMergeKeys(c)
	}
}

// renderJSON encodes d as JSON indented by indent, depth levels deep (where it stands as an
// item of a v1 List).
func renderJSON(c *types, d *Document, indent string, depth int) ([]byte, error) {
	n, err := d.edited(c)
	if err != nil {
		return nil, err
	}
	if n == nil {
		n = newNode(c, d.Object.Object, nil)
	}
	var buf bytes.Buffer
	if err := writeJSONNode(&buf, content(n), indent, strings.Repeat(indent, depth)); err != nil {
		return nil, err
	}
	return withLineEnding(buf.Bytes(), d.layout), nil
}

// edited returns the document's node tree with Object's changes edited in (nil when the
// document has no source). A document whose anchors an edit would have changed elsewhere
// is edited again with its aliases spelled out.
func (d *Document) edited(c *types) (*kyaml.Node, error) {
	if d.node == nil {
		if d.text == nil {
			return nil, nil
		}
		n, err := parseNode(d.text, d.Format)
		if err != nil {
			// The reader took it (YAML 1.1 as kubectl reads it); written from its object.
			d.text = nil
			return nil, nil
		}
		d.node = n
	}
	if d.Raw != nil {
		return d.node, nil // unchanged
	}
	if d.layout.blankLines && !d.FromList {
		d.node = markBlankLines(d.text, d.node)
	}
	t, templatePath := rootType(d.Object)
	n := edit(c, d.node, d.Object.Object, t, templatePath, nil)
	if d.layout.anchors && !equalValue(n, d.Object.Object) {
		// An anchored value was edited in place and its aliases changed with it: parse again
		// and edit with every alias spelled out.
		fresh, err := parseNode(d.text, d.Format)
		if err != nil || d.FromList {
			// A list item's anchors may stand in other items: it is written from its object.
			d.text, d.node = nil, nil
			return nil, nil
		}
		n = edit(c, expandAliases(fresh), d.Object.Object, t, templatePath, nil)
	}
	d.node = n
	return n, nil
}

// blockStyle turns a JSON document's flow style into YAML's block style.
func blockStyle(n *kyaml.Node) {
	n.Style &^= kyaml.FlowStyle
	if n.Kind == kyaml.ScalarNode && n.Style&kyaml.DoubleQuotedStyle != 0 {
		// Quotes go where a YAML 1.1 reader would still read the string as a string.
		if _, isString := plainValue(n.Value).(string); isString && n.Value != "" {
			n.Style &^= kyaml.DoubleQuotedStyle
		}
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

func withLineEnding(data []byte, l layout) []byte {
	if !l.crlf {
		return data
	}
	return bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
}
