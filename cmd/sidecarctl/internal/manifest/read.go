package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"runtime"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"golang.org/x/sync/errgroup"
)

// Output and input formats.
const (
	FormatYAML = "yaml"
	FormatJSON = "json"
)

// StdinSource is the Source of documents read from "-".
const StdinSource = "<stdin>"

// Document is one object read from a manifest.
type Document struct {
	// Source is the file the object came from, as given or as found in a
	// directory, or StdinSource.
	Source string
	// Index is the document number within Source, from 1. Documents holding
	// only blanks and comments are skipped and not counted.
	Index int
	// Line is the line of Source where the document starts.
	Line int
	// FromList is set when the object was an item of a list document; Item is
	// then its position in `items`, from 0.
	FromList bool
	Item     int
	// Format is the format of the document in Source: FormatYAML or FormatJSON.
	Format string
	// Object is the decoded object. Numbers are int64 or float64.
	Object *unstructured.Unstructured
	// Raw holds the document's bytes exactly as read, so that an object nobody
	// changed can be printed back unchanged (comments included). It is nil for
	// list items, which have no bytes of their own. A caller that modifies
	// Object must set Raw to nil: the writer then edits the document's source
	// with what changed (RenderDocument).
	Raw []byte

	// text is the source document (the whole list for list items), kept when Raw is
	// dropped; layout is how it is written; node is its parsed tree (for list items the
	// item's), parsed when first needed.
	text   []byte
	layout layout
	node   *kyaml.Node
}

// String locates the document for messages:
// "deploy.yaml: document 2 (Deployment team-a/web)".
func (d Document) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: document %d", d.Source, d.Index)
	if d.FromList {
		fmt.Fprintf(&b, ", %s", field.NewPath("items").Index(d.Item))
	}
	if d.Object != nil {
		if who := describe(d.Object); who != "" {
			fmt.Fprintf(&b, " (%s)", who)
		}
	}
	return b.String()
}

// describe names an object as "Kind ns/name", with what is known of it.
func describe(obj *unstructured.Unstructured) string {
	name := obj.GetName()
	if ns := obj.GetNamespace(); ns != "" && name != "" {
		name = ns + "/" + name
	}
	return strings.TrimSpace(obj.GetKind() + " " + name)
}

// Read reads the objects in paths with kubectl -f semantics: a path is a
// file (read whatever its extension), a directory (its .yaml, .yml and .json
// files in lexical order, and those of its subdirectories when recursive is
// set), or "-" for stdin. Documents are returned in input order, lists
// flattened in place. Any error fails the whole read, so a caller never acts
// on part of its input.
func Read(paths []string, recursive bool, stdin io.Reader) ([]Document, error) {
	var docs []Document
	usedStdin := false
	for _, path := range paths {
		if path == "-" {
			if usedStdin {
				return nil, errors.New(`"-" (stdin) can be given only once`)
			}
			usedStdin = true
			if stdin == nil {
				return nil, errors.New(`"-" given but there is no stdin`)
			}
			data, err := io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", StdinSource, err)
			}
			got, err := Parse(StdinSource, data)
			if err != nil {
				return nil, err
			}
			docs = append(docs, got...)
			continue
		}
		files, err := expand(path, recursive)
		if err != nil {
			return nil, err
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				return nil, err // *PathError names the file
			}
			got, err := Parse(file, data)
			if err != nil {
				return nil, err
			}
			docs = append(docs, got...)
		}
	}
	return docs, nil
}

// expand turns a -f path into the files to read.
func expand(path string, recursive bool) ([]string, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the path %q does not exist", path)
	}
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != path && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".yaml", ".yml", ".json":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no .yaml, .yml or .json files", path)
	}
	return files, nil
}

// Parse decodes the documents of one file. source names it in errors.
func Parse(source string, data []byte) ([]Document, error) {
	if err := checkText(data); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	chunks, err := split(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	// Chunks decode independently: decode them in parallel, keep their order, and report the
	// first failing one in file order.
	decoded := make([][]Document, len(chunks))
	errs := make([]error, len(chunks))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range chunks {
		g.Go(func() error {
			decoded[i], errs[i] = decode(source, chunks[i])
			return nil
		})
	}
	_ = g.Wait()
	var docs []Document
	for i := range chunks {
		if errs[i] != nil {
			return nil, errs[i]
		}
		docs = append(docs, decoded[i]...)
	}
	return docs, nil
}

func decode(source string, c chunk) ([]Document, error) {
	doc := Document{Source: source, Index: c.index, Line: c.line, Format: c.format, Raw: c.data,
		text: c.data, layout: detectLayout(c.data, c.format)}
	fail := func(err error) error {
		return fmt.Errorf("%s starting at line %d: %w", doc, doc.Line, err)
	}
	// A streamed document has not been through Parse's check of the whole file.
	if bad := textError(c.data); bad >= 0 {
		line := c.line + bytes.Count(c.data[:bad], []byte("\n"))
		return nil, fmt.Errorf("%s: line %d: not UTF-8 text (binary data, or another encoding such as UTF-16?)", source, line)
	}
	var value any
	decoded := false
	if c.format == FormatYAML {
		// One parse gives both the object and the node tree an edit needs; what the fast
		// reading cannot promise to read as sigs.k8s.io/yaml does takes the slow way.
		if n, err := parseNode(c.data, c.format); err == nil {
			// Aliases are expanded by the strict reader first, which bounds their expansion
			// (an alias bomb is refused there, not expanded here).
			if hasAlias(n) {
				if _, err := yaml.YAMLToJSONStrict(c.data); err != nil {
					return nil, yamlError(doc, err)
				}
			}
			if value, decoded = nodeObject(n); decoded {
				doc.node = n
			}
		}
	}
	if !decoded {
		js := c.data
		if c.format == FormatYAML {
			var err error
			// Strict: a key given twice in a mapping is refused, as kubectl refuses it,
			// instead of the last one silently winning.
			if js, err = yaml.YAMLToJSONStrict(c.data); err != nil {
				return nil, yamlError(doc, err)
			}
		}
		if err := utiljson.Unmarshal(js, &value); err != nil {
			return nil, fail(err)
		}
	}
	if value == nil {
		return nil, nil // "~" or "null": an empty document
	}
	if arr, isArray := value.([]any); isArray {
		// A bare array of objects (what tools and the conformance cases hold) reads like
		// the items of a `v1 List`.
		doc.Object = &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "List", "items": arr}}
		return flatten(doc, fail)
	}
	m, ok := value.(map[string]any)
	if !ok {
		return nil, fail(fmt.Errorf("want an object, got %s", jsonType(value)))
	}
	doc.Object = &unstructured.Unstructured{Object: m}
	if err := checkTypeMeta(doc.Object); err != nil {
		return nil, fail(err)
	}
	if !isList(doc.Object) {
		return []Document{doc}, nil
	}
	return flatten(doc, fail)
}

func checkTypeMeta(obj *unstructured.Unstructured) error {
	var errs field.ErrorList
	for _, key := range []string{"apiVersion", "kind"} {
		v, found := obj.Object[key]
		if !found {
			errs = append(errs, field.Required(field.NewPath(key), ""))
			continue
		}
		if s, ok := v.(string); !ok || s == "" {
			errs = append(errs, field.Invalid(field.NewPath(key), v, "must be a non-empty string"))
		}
	}
	if meta, found := obj.Object["metadata"]; found {
		if _, ok := meta.(map[string]any); !ok && meta != nil {
			errs = append(errs, field.Invalid(field.NewPath("metadata"), jsonType(meta), "must be an object"))
		}
	}
	return errs.ToAggregate()
}

// isList follows kubectl: a kind ending in "List" with an items array is a
// list to flatten (`v1 List`, and `PodList`-style typed lists).
func isList(obj *unstructured.Unstructured) bool {
	if !strings.HasSuffix(obj.GetKind(), "List") {
		return false
	}
	_, ok := obj.Object["items"].([]any)
	return ok
}

func flatten(list Document, fail func(error) error) ([]Document, error) {
	items := list.Object.Object["items"].([]any)
	// Items of a typed list (PodList) may omit their type; it is the list's.
	itemKind := strings.TrimSuffix(list.Object.GetKind(), "List")
	nodes := itemNodes(list, len(items))
	docs := make([]Document, 0, len(items))
	for i, item := range items {
		path := field.NewPath("items").Index(i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fail(fmt.Errorf("%s: want an object, got %s", path, jsonType(item)))
		}
		obj := &unstructured.Unstructured{Object: m}
		if itemKind != "" && list.Object.GetKind() != "List" {
			if obj.GetAPIVersion() == "" {
				obj.SetAPIVersion(list.Object.GetAPIVersion())
			}
			if obj.GetKind() == "" {
				obj.SetKind(itemKind)
			}
		}
		doc := Document{
			Source: list.Source, Index: list.Index, Line: list.Line, Format: list.Format,
			FromList: true, Item: i, Object: obj,
		}
		if i < len(nodes) {
			doc.text, doc.layout, doc.node = list.text, list.layout, nodes[i]
		}
		if err := checkTypeMeta(obj); err != nil {
			return nil, fmt.Errorf("%s starting at line %d: %w", doc, doc.Line, err)
		}
		if isList(obj) {
			return nil, fmt.Errorf("%s starting at line %d: lists inside lists are not supported", doc, doc.Line)
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

// itemNodes parses a list document and returns the nodes of its items, nil when they cannot
// be told (the items are then written from their objects).
func itemNodes(list Document, n int) []*kyaml.Node {
	root := list.node
	if root == nil {
		var err error
		if root, err = parseNode(list.text, list.Format); err != nil {
			return nil
		}
	}
	seq := content(root)
	if seq.Kind == kyaml.MappingNode {
		var items *kyaml.Node
		for i := 0; i+1 < len(seq.Content); i += 2 {
			if seq.Content[i].Value == "items" {
				items = seq.Content[i+1]
			}
		}
		seq = items
	}
	if seq == nil || seq.Kind != kyaml.SequenceNode || len(seq.Content) != n {
		return nil
	}
	return seq.Content
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// Objects returns the objects of docs, in order.
func Objects(docs []Document) []*unstructured.Unstructured {
	objs := make([]*unstructured.Unstructured, len(docs))
	for i, d := range docs {
		objs[i] = d.Object
	}
	return objs
}

// yamlLine finds the line number the YAML library reports, counted from the document's start.
var yamlLine = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: (?:unmarshal errors:\n\s*)?line (\d+): ([^\n]*)`)

// yamlError reports a YAML syntax error at its line in the file, not in the document.
func yamlError(doc Document, err error) error {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
		return fmt.Errorf("%s starting at line %d: YAML: %s", doc, doc.Line, strings.TrimPrefix(msg, "yaml: "))
	}
	n, _ := strconv.Atoi(m[1])
	return fmt.Errorf("%s:%d: document %d: YAML: %s", doc.Source, doc.Line+n-1, doc.Index, m[2])
}

// hasAlias reports whether a node tree uses an alias (*name), without expanding any.
func hasAlias(n *kyaml.Node) bool {
	if n == nil {
		return false
	}
	if n.Kind == kyaml.AliasNode {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c) {
			return true
		}
	}
	return false
}
