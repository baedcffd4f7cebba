package manifest

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"

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
			if err := writeYAML(w, i, obj); err != nil {
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

// WriteDocuments is Write for documents read by Read: each document is written as a
// hand edit of its source would be (see RenderDocument), and JSON output keeps a single
// document as itself.
func WriteDocuments(w io.Writer, docs []Document, format string) error {
	// Documents render independently, so they are rendered in parallel (encoding is most of
	// the cost of a large stream) and written in order.
	rendered := make([]Rendered, len(docs))
	errs := make([]error, len(docs))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	renderer := NewRenderer()
	for i := range docs {
		g.Go(func() error {
			rendered[i], errs[i] = renderer.Render(&docs[i], format)
			return nil
		})
	}
	_ = g.Wait()
	for i := range docs {
		if errs[i] != nil {
			return errs[i] // the first failing document, whatever finished first
		}
	}
	out := NewWriter(w, format)
	for _, r := range rendered {
		if err := out.Write(r); err != nil {
			return err
		}
	}
	return out.Close()
}

func writeYAML(w io.Writer, i int, obj *unstructured.Unstructured) error {
	if i > 0 {
		if _, err := io.WriteString(w, "---\n"); err != nil {
			return err
		}
	}
	out, err := encodeObjectYAML(obj)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// encodeObjectYAML encodes an object that has no source to edit, keys sorted.
func encodeObjectYAML(obj *unstructured.Unstructured) ([]byte, error) {
	// The object is already a JSON-shaped tree (maps, slices, strings, int64, float64,
	// bools), so it can go to the YAML encoder directly: the same encoder and key order as
	// sigs.k8s.io/yaml.Marshal, without its JSON encode and YAML re-parse.
	out, err := goyaml.Marshal(obj.Object)
	if err != nil {
		return nil, fmt.Errorf("encode %s as YAML: %w", describe(obj), err)
	}
	return out, nil
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
