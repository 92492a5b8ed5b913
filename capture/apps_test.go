package capture

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAppsListsEveryConstant: each App* constant in apps.go is in Apps
// once, and Apps holds nothing else.
func TestAppsListsEveryConstant(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "apps.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			for i, n := range s.(*ast.ValueSpec).Names {
				if !strings.HasPrefix(n.Name, "App") {
					continue
				}
				v, err := strconv.Unquote(s.(*ast.ValueSpec).Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				declared[v] = true
			}
		}
	}
	listed := map[string]bool{}
	for _, a := range Apps {
		if listed[a] {
			t.Errorf("Apps lists %q twice", a)
		}
		listed[a] = true
		if !declared[a] {
			t.Errorf("Apps lists %q, which no App constant declares", a)
		}
	}
	for a := range declared {
		if !listed[a] {
			t.Errorf("App constant %q is missing from Apps", a)
		}
	}
	if len(declared) == 0 {
		t.Error("no App constants read from apps.go")
	}
}

// TestNoLiteralApps: no code under capture/ sets Flow.App (or an event's
// Protocol) to a string literal; it names a constant, so every value a
// dissector or capture/zeek can set is one of Apps.
func TestNoLiteralApps(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		literal := func(e ast.Expr) bool {
			b, ok := e.(*ast.BasicLit)
			return ok && b.Kind == token.STRING && b.Value != `""`
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if s, ok := l.(*ast.SelectorExpr); ok && (s.Sel.Name == "App" || s.Sel.Name == "Protocol") && i < len(n.Rhs) && literal(n.Rhs[i]) {
						t.Errorf("%s: %s set to the literal %s", fset.Position(n.Pos()), s.Sel.Name, n.Rhs[i].(*ast.BasicLit).Value)
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && (k.Name == "App" || k.Name == "Protocol") && literal(n.Value) {
					t.Errorf("%s: %s set to the literal %s", fset.Position(n.Pos()), k.Name, n.Value.(*ast.BasicLit).Value)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Errorf("read %d files under capture/", files)
	}
}
