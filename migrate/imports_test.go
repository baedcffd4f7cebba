package migrate_test

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestPure: package migrate is an engine package (API objects in, API objects and findings
// out): it reads no files, network or cluster, and does not reach into the CLI.
func TestPure(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	banned := []string{"os", "os/exec", "io/fs", "net", "net/http", "k8s.io/client-go", "sigs.k8s.io/controller-runtime", "github.com/sidecarctl/sidecarctl/cmd"}
	files := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, b := range banned {
				if path == b || strings.HasPrefix(path, b+"/") {
					t.Errorf("%s imports %s: package migrate stays pure", name, path)
				}
			}
		}
	}
	if files == 0 {
		t.Fatal("no source files found")
	}
}
