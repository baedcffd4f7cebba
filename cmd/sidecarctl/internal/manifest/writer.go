package manifest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

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
