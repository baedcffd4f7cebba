package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sidecarctl/sidecarctl/internal/golden"
)

// badInputDir holds the bad-input corpus: one directory per row with
//
//	args      the command line, one argument per line, run in a copy of in/
//	in/       the row's files, copied to a temporary directory, the working directory of the run
//	stdin     what stdin holds (optional)
//	generate  the name of a generator below, for inputs too large or too binary to commit
//	golden    the exit status, stderr and stdout the row must produce
const badInputDir = "testdata/badinput"

// goInternal are words that belong to Go, not to a message for a platform engineer.
func goInternal() []string {
	return []string{"interface {}", "interface{}", "map[string]", "[]interface", "*v1.", "unstructured.", "runtime error",
		"goroutine", "%!", "json: cannot unmarshal", "Go struct", "Go value", "reflect", "nil pointer", "<nil>", "0x"}
}

// TestBadInputCorpus runs every row of the corpus through Execute, the command entry main
// uses, and checks its golden; for every row it also checks that the exit status is not 0,
// that no file of the row was touched or created, and that stderr holds no Go-internal
// wording. go test -update rewrites the goldens. Rows run one by one, each in its own working
// directory (t.Chdir), so that paths are relative as users write them.
func TestBadInputCorpus(t *testing.T) {
	corpus, err := filepath.Abs(badInputDir)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := os.ReadDir(corpus)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 50 {
		t.Errorf("the corpus has %d rows, want at least 50", len(rows))
	}
	for _, row := range rows {
		t.Run(row.Name(), func(t *testing.T) {
			runBadInput(t, filepath.Join(corpus, row.Name()))
		})
	}
}

func runBadInput(t *testing.T, rowDir string) {
	argsText, err := os.ReadFile(filepath.Join(rowDir, "args"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(rowDir, "in"))); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	stdin, err := os.ReadFile(filepath.Join(rowDir, "stdin"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if gen, err := os.ReadFile(filepath.Join(rowDir, "generate")); err == nil {
		generated, err := generateBadInput(strings.TrimSpace(string(gen)), dir, outside)
		if err != nil {
			t.Fatal(err)
		}
		if generated != nil {
			stdin = generated
		}
	}
	args := strings.Split(strings.TrimSpace(string(argsText)), "\n")
	t.Chdir(dir)
	before := hashTree(t, dir)
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), IOStreams{In: bytes.NewReader(stdin), Out: &out, ErrOut: &errOut}, args)
	after := hashTree(t, dir)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("files of the row changed: before %v, after %v", sortedKeys(before), sortedKeys(after))
	}
	if left := hashTree(t, outside); len(left) > 0 {
		t.Errorf("files written outside: %v", sortedKeys(left))
	}
	if code == 0 {
		t.Errorf("exit 0 on bad input")
	}
	// kustomize names files by their absolute path: the row's directory is made relative.
	stderr := strings.ReplaceAll(errOut.String(), dir+string(filepath.Separator), "")
	stderr = strings.ReplaceAll(stderr, outside, "OUTSIDE")
	for _, word := range goInternal() {
		if strings.Contains(stderr, word) {
			t.Errorf("stderr has Go-internal wording %q:\n%s", word, stderr)
		}
	}
	var got strings.Builder
	fmt.Fprintf(&got, "exit %d\n--- stderr\n%s", code, stderr)
	if out.Len() > 0 {
		fmt.Fprintf(&got, "--- stdout\n%s", out.String())
	}
	golden.Assert(t, filepath.Join(rowDir, "golden"), []byte(got.String()))
}

// generateBadInput writes the generated files of a row into dir and returns what stdin
// holds (nil for none).
func generateBadInput(name, dir, outside string) ([]byte, error) {
	switch name {
	case "100mb":
		// 100 MB: a pod, then padding comments, then a document that does not parse. The
		// error must point at its line, past 1.6 million lines.
		var b bytes.Buffer
		b.WriteString(webPod + "---\n")
		line := "# padding padding padding padding padding padding padding padding\n"
		for b.Len() < 100<<20 {
			b.WriteString(line)
		}
		b.WriteString("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: last\n   namespace: broken\n")
		return b.Bytes(), nil
	case "10000-containers":
		var b strings.Builder
		b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: many\n  labels:\n    app: web\nspec:\n  containers:\n")
		for i := range 10000 {
			fmt.Fprintf(&b, "  - name: c%d\n    image: busybox\n", i)
		}
		b.WriteString("  - name: c0\n    image: busybox\n")
		return nil, os.WriteFile(filepath.Join(dir, "pod.yaml"), []byte(b.String()), 0o644)
	case "deep-json":
		const depth = 100000
		doc := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"deep"},"spec":` +
			strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth) + "}\n"
		return nil, os.WriteFile(filepath.Join(dir, "pod.json"), []byte(doc), 0o644)
	case "binary":
		data := make([]byte, 4096)
		x := uint32(2463534242)
		for i := range data {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			data[i] = byte(x)
		}
		return nil, os.WriteFile(filepath.Join(dir, "pod.yaml"), data, 0o644)
	case "symlink-out":
		if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
			return nil, err
		}
		return nil, os.Symlink(outside, filepath.Join(dir, "out", "sub"))
	}
	return nil, fmt.Errorf("unknown generator %q", name)
}
