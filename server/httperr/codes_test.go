package httperr

import (
	"encoding/json"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestTable: every code of the table has a status and a type, and the codes the tests of the
// server assert keep their status and type.
func TestTable(t *testing.T) {
	for _, c := range Codes() {
		e := Lookup(c)
		if e.Status < 400 || e.Status > 599 || e.Type == "" {
			t.Errorf("%s: %+v", c, e)
		}
	}
	tests := []struct {
		code   string
		status int
		typ    string
	}{
		{ENotFound, 404, TypeInvalidRequest},
		{EUnknownProvider, 404, TypeInvalidRequest},
		{EModelNotFound, 404, TypeInvalidRequest},
		{EModelNotAtProvider, 400, TypeInvalidRequest},
		{EWrongEndpoint, 400, TypeInvalidRequest},
		{ENoAPIKey, 503, TypeConfiguration},
		{ERateLimited, 429, TypeRateLimit},
		{EEmbedBudgetSpent, 429, TypeRateLimit},
		{EEmbedModelLocked, 403, TypePermission},
		{EEmbedKindLocked, 403, TypePermission},
		{EUpstreamUnauthorized, 502, TypeUpstreamAuth},
		{EUpstreamTimeout, 504, TypeUpstream},
		{EMediaTokenExpired, 410, TypeInvalidRequest},
		{UpstreamCode(404), 404, TypeInvalidRequest},
		{UpstreamCode(422), 422, TypeInvalidRequest},
		{UpstreamCode(500), 502, TypeUpstream},
		{UpstreamCode(503), 502, TypeUpstream},
		{"upstream_200", 500, TypeServer},  // not a refusal: outside the table
		{"upstream_0404", 500, TypeServer}, // not the family's spelling
		{"no_such_code", 500, TypeServer},  // a bug is an internal error
		{EConflict, 409, TypeInvalidRequest},
		{EInvalid, 400, TypeInvalidRequest},
		{EUnauthorized, 401, TypeInvalidRequest},
		{EBudgetExceeded, 429, TypeRateLimit},
		{EInternal, 500, TypeServer},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := Lookup(tt.code); got.Status != tt.status || got.Type != tt.typ {
				t.Fatalf("Lookup(%q) = %+v, want %d %s", tt.code, got, tt.status, tt.typ)
			}
			if want := tt.status != 500 || tt.code == EInternal; Known(tt.code) != want {
				t.Fatalf("Known(%q) = %v, want %v", tt.code, !want, want)
			}
		})
	}
}

// TestEveryCodeInUseIsInTheTable reads the server's sources: every *Error made there (Errorf,
// Wrap, an Error literal) takes its code from a constant of this package that is in the table,
// or from UpstreamCode; no call site spells a code itself.
func TestEveryCodeInUseIsInTheTable(t *testing.T) {
	consts := map[string]string{}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range pkgs["httperr"].Files {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && strings.HasPrefix(n.Name, "E") {
							consts[n.Name] = constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
						}
					}
				}
			}
		}
	}
	if len(consts) != len(Codes()) {
		t.Fatalf("%d E… constants, %d codes in the table", len(consts), len(Codes()))
	}
	uses := 0
	check := func(pos token.Pos, code ast.Expr) {
		uses++
		where := fset.Position(pos).String()
		switch x := code.(type) {
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == "httperr" {
				if v, ok := consts[x.Sel.Name]; ok && Known(v) {
					return
				}
			}
		case *ast.CallExpr:
			if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "UpstreamCode" {
				return
			}
		}
		t.Errorf("%s: the code %s is not a constant of the table", where, types(code))
	}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		if filepath.Base(filepath.Dir(path)) == "httperr" {
			return nil // the constructors themselves take a code
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := x.Fun.(type) {
				case *ast.SelectorExpr:
					if id, ok := fn.X.(*ast.Ident); ok && id.Name == "httperr" {
						name = fn.Sel.Name
					}
				}
				switch name {
				case "Errorf":
					check(x.Pos(), x.Args[0])
				case "Wrap":
					check(x.Pos(), x.Args[1])
				}
			case *ast.CompositeLit:
				if sel, ok := x.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Error" {
					if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "httperr" {
						return true
					}
				} else {
					return true
				}
				for _, el := range x.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Code" {
							check(x.Pos(), kv.Value)
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if uses < 50 {
		t.Fatalf("only %d errors found in the server's sources: the scan is broken", uses)
	}
}

func types(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.BasicLit:
		return x.Value + " (a literal)"
	case *ast.Ident:
		return x.Name
	}
	return "expression"
}

// TestWrite: the envelope, the status, Retry-After and no caching; a foreign error is internal and
// its text is not sent.
func TestWrite(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		code, typ  string
		retryAfter string
		hidden     string
	}{
		{"coded", &Error{Code: ERateLimited, Message: "slow down", RetryAfter: 3}, 429, ERateLimited, TypeRateLimit, "3", ""},
		{"upstream family", Errorf(UpstreamCode(404), "gone"), 404, "upstream_404", TypeInvalidRequest, "", ""},
		{"wrapped", Wrap(errStr("disk on fire"), EUpstreamUnreachable, "could not reach %s", "x"), 502, EUpstreamUnreachable, TypeUpstream, "", "disk on fire"},
		{"foreign", errStr("secret detail"), 500, EInternal, TypeServer, "", "secret detail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Respond(rec, httptest.NewRequest("GET", "/api/x", nil), nil, tt.err)
			var env Envelope
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
				t.Fatal(err)
			}
			if got, want := rec.Code, tt.status; got != want {
				t.Fatalf("status %d, want %d", got, want)
			}
			if env.Error.Code != tt.code || env.Error.Type != tt.typ || env.Error.Message == "" {
				t.Fatalf("envelope %+v", env)
			}
			h := rec.Header()
			if h.Get("Retry-After") != tt.retryAfter || h.Get("Cache-Control") != "no-store" || h.Get("Content-Type") != "application/json" {
				t.Fatalf("headers %v", h)
			}
			if tt.hidden != "" && strings.Contains(rec.Body.String(), tt.hidden) {
				t.Fatalf("the cause was sent: %s", rec.Body)
			}
		})
	}
	if got := string(Event(Errorf(EServerShutdown, "bye"))); got != `data: {"error":{"message":"bye","type":"server_error","code":"server_shutdown"}}`+"\n\n" {
		t.Fatalf("Event: %q", got)
	}
}

type errStr string

func (e errStr) Error() string { return string(e) }
