package manifest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// summary renders what matters about a document in one comparable line.
func summary(d Document) string {
	item := ""
	if d.FromList {
		item = fmt.Sprintf("[%d]", d.Item)
	}
	return fmt.Sprintf("%s#%d%s line %d %s %s raw=%t", filepath.ToSlash(d.Source), d.Index, item, d.Line, d.Format, describe(d.Object), d.Raw != nil)
}

func td(name string) string { return filepath.Join("testdata", name) }

func TestRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		paths     []string
		recursive bool
		stdin     string
		want      []string
	}{
		{
			name:  "multi-document YAML skips empty and comment-only documents",
			paths: []string{td("multi.yaml")},
			want: []string{
				"testdata/multi.yaml#1 line 3 yaml Deployment team-a/web raw=true",
				"testdata/multi.yaml#2 line 26 yaml ConfigMap team-a/settings raw=true",
				"testdata/multi.yaml#4 line 37 yaml Widget w raw=true",
			},
		},
		{
			name:  "v1 List is flattened and remembered",
			paths: []string{td("list.yaml")},
			want: []string{
				"testdata/list.yaml#1[0] line 1 yaml Pod team-a/one raw=false",
				"testdata/list.yaml#1[1] line 1 yaml Job team-b/two raw=false",
			},
		},
		{
			name:  "typed list items inherit the list's type",
			paths: []string{td("podlist.json")},
			want: []string{
				"testdata/podlist.json#1[0] line 1 json Pod team-a/a raw=false",
				"testdata/podlist.json#1[1] line 1 json Pod team-a/b raw=false",
			},
		},
		{
			name:  "JSON stream",
			paths: []string{td("stream.json")},
			want: []string{
				"testdata/stream.json#1 line 1 json Namespace team-a raw=true",
				"testdata/stream.json#2 line 3 json Namespace team-b raw=true",
			},
		},
		{
			name:  "explicit file is read whatever its extension",
			paths: []string{td("explicit.txt")},
			want:  []string{"testdata/explicit.txt#1 line 1 yaml Namespace from-txt raw=true"},
		},
		{
			name:  "directory: sorted, known extensions, no recursion",
			paths: []string{td("dir")},
			want: []string{
				"testdata/dir/a.yaml#1 line 1 yaml Namespace a-yaml raw=true",
				"testdata/dir/b.json#1 line 1 json Namespace b-json raw=true",
			},
		},
		{
			name:      "directory with -R",
			paths:     []string{td("dir")},
			recursive: true,
			want: []string{
				"testdata/dir/a.yaml#1 line 1 yaml Namespace a-yaml raw=true",
				"testdata/dir/b.json#1 line 1 json Namespace b-json raw=true",
				"testdata/dir/sub/c.yml#1 line 1 yaml Namespace c-yml raw=true",
			},
		},
		{
			name:  "stdin between files keeps argument order",
			paths: []string{td("explicit.txt"), "-", td("dir/a.yaml")},
			stdin: "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: piped\n",
			want: []string{
				"testdata/explicit.txt#1 line 1 yaml Namespace from-txt raw=true",
				"<stdin>#1 line 2 yaml Namespace piped raw=true",
				"testdata/dir/a.yaml#1 line 1 yaml Namespace a-yaml raw=true",
			},
		},
		{
			name:  "empty stdin yields nothing",
			paths: []string{"-"},
			stdin: "# nothing here\n---\n",
			want:  nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			docs, err := Read(tc.paths, tc.recursive, strings.NewReader(tc.stdin))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			var got []string
			for _, d := range docs {
				got = append(got, summary(d))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("documents (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadKeepsValues(t *testing.T) {
	t.Parallel()
	docs, err := Read([]string{td("multi.yaml")}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	deploy, widget := docs[0].Object.Object, docs[2].Object.Object
	got := map[string]any{
		"replicas":   deploy["spec"].(map[string]any)["replicas"],
		"x-vendor":   deploy["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["x-vendor-field"],
		"size":       widget["spec"].(map[string]any)["size"],
		"count":      widget["spec"].(map[string]any)["count"],
		"raw prefix": string(docs[0].Raw[:16]),
	}
	want := map[string]any{
		"replicas":   int64(2),
		"x-vendor":   "kept",
		"size":       1.5,
		"count":      int64(3),
		"raw prefix": "# web front end\n",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		paths     []string
		stdin     string
		nilStdin  bool
		wantError []string
	}{
		{
			name:      "missing kind names file, document, object and field",
			paths:     []string{td("bad/missing-kind.yaml")},
			wantError: []string{"testdata/bad/missing-kind.yaml: document 2 (team-a/web) starting at line 6", "kind: Required value"},
		},
		{
			name:      "YAML syntax error names the document and the line in the file",
			paths:     []string{td("bad/syntax.yaml")},
			wantError: []string{"testdata/bad/syntax.yaml:10: document 2: YAML: did not find expected"},
		},
		{
			name:      "a scalar document",
			paths:     []string{td("bad/scalar.yaml")},
			wantError: []string{"testdata/bad/scalar.yaml: document 1 starting at line 1: want an object, got a string"},
		},
		{
			name:      "list item without kind names the item",
			paths:     []string{td("bad/list-item.yaml")},
			wantError: []string{"testdata/bad/list-item.yaml: document 1, items[1] (team-a/no-kind) starting at line 1", "kind: Required value"},
		},
		{
			name:      "truncated JSON stream",
			paths:     []string{td("bad/truncated.json")},
			wantError: []string{"testdata/bad/truncated.json: document 2 starting at line 2", "the file ends before the value is complete"},
		},
		{
			name:      "metadata that is not an object",
			paths:     []string{td("bad/metadata-list.yaml")},
			wantError: []string{"testdata/bad/metadata-list.yaml: document 1", "metadata: Invalid value", "must be an object"},
		},
		{
			name:      "missing path",
			paths:     []string{td("nope.yaml")},
			wantError: []string{`the path "testdata/nope.yaml" does not exist`},
		},
		{
			name:      "directory without manifests",
			paths:     []string{td("empty-dir")},
			wantError: []string{"testdata/empty-dir: no .yaml, .yml or .json files"},
		},
		{
			name:      "stdin twice",
			paths:     []string{"-", "-"},
			wantError: []string{`"-" (stdin) can be given only once`},
		},
		{
			name:      "stdin requested but absent",
			paths:     []string{"-"},
			nilStdin:  true,
			wantError: []string{`"-" given but there is no stdin`},
		},
		{
			name:      "bad stdin document",
			paths:     []string{"-"},
			stdin:     "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n---\nkind: Pod\n",
			wantError: []string{"<stdin>: document 2 (Pod) starting at line 6", "apiVersion: Required value"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stdin := strings.NewReader(tc.stdin)
			var docs []Document
			var err error
			if tc.nilStdin {
				docs, err = Read(tc.paths, false, nil)
			} else {
				docs, err = Read(tc.paths, false, stdin)
			}
			if err == nil {
				t.Fatalf("Read succeeded with %d documents, want an error", len(docs))
			}
			if docs != nil {
				t.Errorf("Read returned %d documents with its error, want none", len(docs))
			}
			msg := filepath.ToSlash(err.Error())
			for _, want := range tc.wantError {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
		})
	}
}

func TestSplitYAMLSeparators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"no separator", "a: 1\n", []string{"1@1:a: 1\n"}},
		{"leading separator", "---\na: 1\n", []string{"1@2:a: 1\n"}},
		{"separator with comment", "a: 1\n--- # two\nb: 2", []string{"1@1:a: 1\n", "2@3:b: 2"}},
		{"dashes inside a value are not separators", "a: |\n  ---x\n  --- y\n", []string{"1@1:a: |\n  ---x\n  --- y\n"}},
		{"indented dashes are content", "a: 1\n  ---\n", []string{"1@1:a: 1\n  ---\n"}},
		{"CRLF separators", "a: 1\r\n---\r\nb: 2\r\n", []string{"1@1:a: 1\r\n", "2@3:b: 2\r\n"}},
		{"only comments", "# x\n---\n# y\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, c := range splitYAML([]byte(tc.in)) {
				got = append(got, fmt.Sprintf("%d@%d:%s", c.index, c.line, c.data))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("chunks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseBareArray(t *testing.T) {
	t.Parallel()
	for name, data := range map[string]string{
		"json": `[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}},{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"b"}}]`,
		"yaml": "- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n",
	} {
		docs, err := Parse("ns."+name, []byte(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(docs) != 2 || docs[0].Object.GetName() != "a" || docs[1].Object.GetName() != "b" || !docs[1].FromList {
			t.Errorf("%s: got %d documents %v", name, len(docs), docs)
		}
	}
	if _, err := Parse("bad.json", []byte(`[1]`)); err == nil || !strings.Contains(err.Error(), "items[0]") {
		t.Errorf("an array of non-objects: want an error naming items[0], got %v", err)
	}
}
