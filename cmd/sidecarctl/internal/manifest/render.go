package manifest

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
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

// blankMark stands for a blank line while a document is parsed and encoded: the YAML
// encoder keeps comments, not blank lines.
const blankMark = "#sidecarctl:blank-line"

// markBlankLines parses the document's text again with its blank lines turned into
// blankMark comments, and returns that tree when it means what parsed does (a blank line
// inside a block scalar is text, not layout: then parsed is returned).
func markBlankLines(text []byte, parsed *kyaml.Node) *kyaml.Node {
	text = lf(text)
	if bytes.Contains(text, []byte(blankMark)) {
		return parsed
	}
	lines := bytes.Split(text, []byte("\n"))
	var marked bytes.Buffer
	block := -1 // the indentation of the line that opened the block scalar we are in
	for i, line := range lines {
		trimmed := bytes.TrimSpace(line)
		ind := len(line) - len(bytes.TrimLeft(line, " "))
		if len(trimmed) > 0 {
			if block >= 0 && ind <= block {
				block = -1
			}
			if block < 0 && opensBlockScalar(trimmed) {
				block = ind
			}
		}
		if len(trimmed) == 0 && block < 0 && i+1 < len(lines) {
			// At the indentation of the next line that has content.
			ind := 0
			for _, next := range lines[i+1:] {
				if len(bytes.TrimSpace(next)) > 0 {
					ind = len(next) - len(bytes.TrimLeft(next, " "))
					break
				}
			}
			marked.WriteString(strings.Repeat(" ", ind) + blankMark)
		} else {
			marked.Write(line)
		}
		if i+1 < len(lines) {
			marked.WriteByte('\n')
		}
	}
	n, err := parseNode(marked.Bytes(), FormatYAML)
	if err != nil {
		return parsed
	}
	want, err := nodeValue(parsed)
	if err != nil {
		return parsed
	}
	if got, err := nodeValue(n); err != nil || !equalTree(want, got) {
		return parsed
	}
	return n
}

// opensBlockScalar reports whether a line ends with a block scalar's indicator ("key: |",
// "- >-", "key: |2+").
func opensBlockScalar(line []byte) bool {
	if i := bytes.Index(line, []byte(" #")); i >= 0 {
		line = bytes.TrimSpace(line[:i])
	}
	line = bytes.TrimRight(line, "+-0123456789")
	return bytes.HasSuffix(line, []byte("|")) || bytes.HasSuffix(line, []byte(">"))
}

// unmarkBlankLines turns blankMark comments back into blank lines.
func unmarkBlankLines(data []byte) []byte {
	if !bytes.Contains(data, []byte(blankMark)) {
		return data
	}
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if string(bytes.TrimSpace(line)) == blankMark {
			lines[i] = nil
		}
	}
	return bytes.Join(lines, []byte("\n"))
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

// Writer writes rendered documents in order, one at a time: YAML documents separated by
// "---" lines, JSON as one object alone or a `v1 List` of several, kubectl -o name lines.
// Only the first JSON document is held back (until a second one says the output is a
// list), so a stream is written as it is rendered.
type Writer struct {
	out    io.Writer
	format string
	count  int
	first  Rendered
	eol    string
	types  *types
}

// NewWriter returns a Writer of format to out.
func NewWriter(out io.Writer, format string) *Writer {
	return &Writer{out: out, format: format, eol: "\n", types: newTypes()}
}

// Write writes one document.
func (w *Writer) Write(r Rendered) error {
	w.count++
	switch w.format {
	case FormatYAML:
		if w.count > 1 {
			if _, err := io.WriteString(w.out, "---"+r.eol); err != nil {
				return err
			}
		}
		if _, err := w.out.Write(r.data); err != nil {
			return err
		}
		if !bytes.HasSuffix(r.data, []byte("\n")) {
			_, err := io.WriteString(w.out, r.eol)
			return err
		}
		return nil
	case FormatJSON:
		switch w.count {
		case 1:
			w.first, w.eol = r, r.eol
			return nil
		case 2:
			if err := w.writeItem(w.first, listHeader); err != nil {
				return err
			}
		}
		return w.writeItem(r, ",")
	}
	_, err := w.out.Write(r.data)
	return err
}

const (
	listHeader = "{\n    \"apiVersion\": \"v1\",\n    \"items\": ["
	listFooter = "\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
	emptyList  = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
)

// writeItem writes a JSON document as an item of the v1 List, after lead.
func (w *Writer) writeItem(r Rendered, lead string) error {
	data := lead + w.eol + "        " + string(r.data)
	if w.eol != "\n" {
		data = strings.ReplaceAll(data, "\n", w.eol)
		data = strings.ReplaceAll(data, "\r\r\n", "\r\n")
	}
	_, err := io.WriteString(w.out, data)
	return err
}

// Close ends the output: the JSON document or list held back.
func (w *Writer) Close() error {
	if w.format != FormatJSON {
		return nil
	}
	var data string
	switch w.count {
	case 0:
		data = emptyList
	case 1:
		one, err := renderSingleJSON(w.types, w.first.doc)
		if err != nil {
			return err
		}
		data = string(one) + "\n"
	default:
		data = listFooter
	}
	if w.eol != "\n" {
		data = strings.ReplaceAll(data, "\n", w.eol)
		data = strings.ReplaceAll(data, "\r\r\n", "\r\n")
	}
	_, err := io.WriteString(w.out, data)
	return err
}

// renderSingleJSON renders the one document of a JSON output as itself: its bytes when it
// was JSON and nobody changed it, else with its own indentation (kubectl's four spaces for
// YAML sources).
func renderSingleJSON(c *types, d *Document) ([]byte, error) {
	if d.Raw != nil && d.Format == FormatJSON && !d.FromList {
		return bytes.TrimRight(d.Raw, " \t\r\n"), nil
	}
	indent := "    "
	if d.text != nil && d.Format == FormatJSON {
		indent = d.layout.jsonIndent
	}
	out, err := renderJSON(c, d, indent, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d, err)
	}
	return out, nil
}

// name is kubectl's -o name for a document: kind.group/name.
func name(d *Document) string {
	kind := strings.ToLower(d.Object.GetKind())
	if g := d.Object.GroupVersionKind().Group; g != "" {
		kind += "." + g
	}
	return kind + "/" + d.Object.GetName()
}
