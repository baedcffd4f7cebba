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

// TestNoPackageLevelSlicesOrMaps: no package holds mutable state in a package-level variable
// whose value is a slice or map (a literal or make): a table is a function returning a fresh
// value, a switch, an array or constants. Sentinel errors, compiled regular expressions and
// other values that are not slices or maps are left alone.
func TestNoPackageLevelSlicesOrMaps(t *testing.T) {
	root := filepath.Join("..", "..")
	files := 0
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
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		files++
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, v := range vs.Values {
					if sliceOrMap(v) || vs.Type != nil && isSliceOrMapType(vs.Type) {
						t.Errorf("%s: package-level variable %s holds a slice or map: make it a function returning a fresh value",
							fset.Position(vs.Pos()), vs.Names[i].Name)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("only %d Go files found under %s", files, root)
	}
}

// sliceOrMap reports whether e builds a slice or a map: a composite literal of such a type, or
// make of one.
func sliceOrMap(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.CompositeLit:
		return e.Type != nil && isSliceOrMapType(e.Type)
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "make" && len(e.Args) > 0 {
			return isSliceOrMapType(e.Args[0])
		}
	}
	return false
}

func isSliceOrMapType(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.ArrayType:
		return e.Len == nil
	case *ast.MapType:
		return true
	}
	return false
}
