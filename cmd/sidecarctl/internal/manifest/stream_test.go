package manifest

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestStreamReadsAsRead: the documents Stream hands out, decoded, are Read's, with the same
// places (document number, line) for messages.
func TestStreamReadsAsRead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		paths []string
		stdin string
	}{
		{"multi-document YAML", []string{td("multi.yaml")}, ""},
		{"a list", []string{td("list.yaml")}, ""},
		{"a JSON stream", []string{td("stream.json")}, ""},
		{"a typed JSON list", []string{td("podlist.json")}, ""},
		{"a directory", []string{td("dir")}, ""},
		{"stdin with CRLF and blank lines first", []string{"-"}, "\r\n\r\n# c\r\napiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n  name: a\r\n---\r\napiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: b}"},
		{"stdin with a long line", []string{"-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  k: " + strings.Repeat("x", 200<<10) + "\n"},
		{"stdin JSON after blanks", []string{"-"}, "\n\n  {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}}\n{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"b\"}}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want, err := Read(tc.paths, false, strings.NewReader(tc.stdin))
			if err != nil {
				t.Fatal(err)
			}
			var got []Document
			err = Stream(tc.paths, false, strings.NewReader(tc.stdin), func(c Chunk) error {
				docs, err := c.Decode()
				got = append(got, docs...)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			opts := cmp.Options{cmp.AllowUnexported(Document{}, layout{}), cmpopts.IgnoreFields(Document{}, "node")}
			if diff := cmp.Diff(want, got, opts); diff != "" {
				t.Errorf("Stream differs from Read (-Read +Stream):\n%s", diff)
			}
		})
	}
}

// TestStreamStopsAtError: fn's error ends the read, and a syntax error names its line.
func TestStreamStopsAtError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	n := 0
	err := Stream([]string{td("multi.yaml")}, false, nil, func(Chunk) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err = %v after %d documents, want stop after 1", err, n)
	}
	var buf bytes.Buffer
	buf.WriteString("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: [\n")
	err = Stream([]string{"-"}, false, &buf, func(c Chunk) error { _, err := c.Decode(); return err })
	if err == nil || !strings.Contains(err.Error(), "<stdin>:7: document 2") {
		t.Errorf("err = %v, want it at <stdin>:7, document 2", err)
	}
}
