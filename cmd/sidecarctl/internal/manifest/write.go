package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"

	"golang.org/x/sync/errgroup"

	goyaml "go.yaml.in/yaml/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Write prints objs in format:
//
//   - FormatYAML: one YAML document per object, separated by "---" lines;
//     nothing for no objects.
//   - FormatJSON: a single object as itself, any other number as a `v1 List`,
//     indented with four spaces like kubectl.
//
// Map keys are sorted, so the same objects always print the same bytes. Write
// stops at the first error; callers write into a buffer and copy it out only
// on success.
func Write(w io.Writer, objs []*unstructured.Unstructured, format string) error {
	switch format {
	case FormatYAML:
		for i, obj := range objs {
			if err := writeYAML(w, i, obj, nil); err != nil {
				return err
			}
		}
		return nil
	case FormatJSON:
		return writeJSON(w, objs)
	default:
		return fmt.Errorf("unsupported output format %q: want %s or %s", format, FormatYAML, FormatJSON)
	}
}

// WriteDocuments is Write for documents read by Read. In YAML output a
// document that still has its Raw bytes and was YAML in its source is printed
// exactly as read, comments and key order included; the rest are encoded from
// Object. JSON output always encodes Object.
func WriteDocuments(w io.Writer, docs []Document, format string) error {
	if format != FormatYAML {
		return Write(w, Objects(docs), format)
	}
	// Documents are encoded independently, so they are encoded in parallel (YAML encoding is
	// most of the cost of a large stream) and written in order.
	encoded := make([]bytes.Buffer, len(docs))
	errs := make([]error, len(docs))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range docs {
		g.Go(func() error {
			d := docs[i]
			var raw []byte
			if d.Format == FormatYAML && !d.FromList {
				raw = d.Raw
			}
			if err := writeYAML(&encoded[i], i, d.Object, raw); err != nil {
				errs[i] = fmt.Errorf("%s: %w", d, err)
			}
			return nil
		})
	}
	_ = g.Wait()
	for i := range docs {
		if errs[i] != nil {
			return errs[i] // the first failing document, whatever finished first
		}
	}
	for i := range encoded {
		if _, err := encoded[i].WriteTo(w); err != nil {
			return err
		}
	}
	return nil
}

func writeYAML(w io.Writer, i int, obj *unstructured.Unstructured, raw []byte) error {
	if i > 0 {
		if _, err := io.WriteString(w, "---\n"); err != nil {
			return err
		}
	}
	out := raw
	if out == nil {
		var err error
		// The object is already a JSON-shaped tree (maps, slices, strings, int64, float64,
		// bools), so it can go to the YAML encoder directly: the same encoder and key order
		// as sigs.k8s.io/yaml.Marshal, without its JSON encode and YAML re-parse (which were
		// most of the cost of `inject` over large streams).
		if out, err = goyaml.Marshal(obj.Object); err != nil {
			return fmt.Errorf("encode %s as YAML: %w", describe(obj), err)
		}
	}
	if _, err := w.Write(out); err != nil {
		return err
	}
	if !bytes.HasSuffix(out, []byte("\n")) {
		_, err := io.WriteString(w, "\n")
		return err
	}
	return nil
}

func writeJSON(w io.Writer, objs []*unstructured.Unstructured) error {
	var value any
	if len(objs) == 1 {
		value = objs[0].Object
	} else {
		items := make([]any, len(objs))
		for i, obj := range objs {
			items[i] = obj.Object
		}
		value = map[string]any{
			"apiVersion": "v1",
			"kind":       "List",
			"metadata":   map[string]any{"resourceVersion": ""},
			"items":      items,
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	// Shell snippets in commands (`a && b`) must stay readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	return nil
}

// FormatName prints one line per object, kubectl's -o name: kind.group/name.
const FormatName = "name"

// WriteNames writes the objects of docs as kubectl's -o name does.
func WriteNames(w io.Writer, docs []Document) error {
	for _, d := range docs {
		kind := strings.ToLower(d.Object.GetKind())
		if g := d.Object.GroupVersionKind().Group; g != "" {
			kind += "." + g
		}
		if _, err := fmt.Fprintf(w, "%s/%s\n", kind, d.Object.GetName()); err != nil {
			return err
		}
	}
	return nil
}
