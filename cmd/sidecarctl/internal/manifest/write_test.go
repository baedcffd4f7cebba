package manifest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sidecarctl/sidecarctl/internal/golden"
)

func readObjects(t *testing.T, paths ...string) ([]Document, []*unstructured.Unstructured) {
	t.Helper()
	docs, err := Read(paths, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return docs, Objects(docs)
}

func TestWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		paths  []string
		format string
		golden string
	}{
		{"several objects as YAML documents", []string{td("multi.yaml"), td("list.yaml")}, FormatYAML, "write-several.yaml"},
		{"several objects as a v1 List", []string{td("multi.yaml"), td("list.yaml")}, FormatJSON, "write-several.json"},
		{"one object as itself", []string{td("dir/a.yaml")}, FormatJSON, "write-one.json"},
		{"one object as YAML", []string{td("stream.json")}, FormatYAML, "write-stream.yaml"},
		{"no objects as YAML", nil, FormatYAML, "write-none.yaml"},
		{"no objects as an empty List", nil, FormatJSON, "write-none.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, objs := readObjects(t, tc.paths...)
			var first, second bytes.Buffer
			if err := Write(&first, objs, tc.format); err != nil {
				t.Fatal(err)
			}
			if err := Write(&second, objs, tc.format); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Error("two writes of the same objects differ")
			}
			assertGolden(t, tc.golden, first.Bytes())
		})
	}
}

func TestWriteRoundTrip(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatYAML, FormatJSON} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			_, objs := readObjects(t, td("multi.yaml"), td("list.yaml"), td("podlist.json"))
			var buf bytes.Buffer
			if err := Write(&buf, objs, format); err != nil {
				t.Fatal(err)
			}
			back, err := Parse("out", buf.Bytes())
			if err != nil {
				t.Fatalf("output does not read back: %v\n%s", err, buf.String())
			}
			var got []map[string]any
			for _, d := range back {
				got = append(got, d.Object.Object)
			}
			var want []map[string]any
			for _, o := range objs {
				want = append(want, o.Object)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("objects after a write and a read (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteDocuments(t *testing.T) {
	t.Parallel()
	docs, err := Read([]string{td("multi.yaml"), td("list.yaml"), td("stream.json")}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The caller changed the ConfigMap: it loses its raw bytes and is encoded.
	for i := range docs {
		if docs[i].Object.GetKind() == "ConfigMap" {
			docs[i].Object.SetLabels(map[string]string{"changed": "true"})
			docs[i].Raw = nil
		}
	}
	var out bytes.Buffer
	if err := WriteDocuments(&out, docs, FormatYAML); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "write-documents.yaml", out.Bytes())
	if !strings.Contains(out.String(), "  replicas: 2   # two is enough\n") {
		t.Error("the untouched Deployment lost its comment")
	}

	var js bytes.Buffer
	if err := WriteDocuments(&js, docs, FormatJSON); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "write-documents.json", js.Bytes())
}

func TestWriteUnknownFormat(t *testing.T) {
	t.Parallel()
	err := Write(&bytes.Buffer{}, nil, "xml")
	want := `unsupported output format "xml": want yaml or json`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

// assertGolden compares got with testdata/golden/name (the one golden helper).
func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Assert(t, filepath.Join("testdata", "golden", name), got)
}

// TestMain fails a full run for golden files no test reads any more.
func TestMain(m *testing.M) {
	os.Exit(golden.Main(m, "testdata/golden/*"))
}
