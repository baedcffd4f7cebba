package standards

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldensWrittenThroughGolden: a test function that rewrites a file under -update
// (golden.Updating) writes it with golden.Write, which replaces it atomically, never with
// os.WriteFile.
func TestGoldensWrittenThroughGolden(t *testing.T) {
	root := filepath.Join("..", "..")
	updaters := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil || !calls(fn.Body, "golden", "Updating") {
				continue
			}
			updaters++
			if calls(fn.Body, "os", "WriteFile") {
				t.Errorf("%s: %s rewrites a file under -update with os.WriteFile: use golden.Write", fset.Position(fn.Pos()), fn.Name.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if updaters == 0 {
		t.Fatal("no test calls golden.Updating: the check checks nothing")
	}
}

// calls reports whether body calls pkg.name.
func calls(body ast.Node, pkg, name string) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == name {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == pkg {
					found = true
				}
			}
		}
		return !found
	})
	return found
}
