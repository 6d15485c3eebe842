package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// corpusDir is the shared corpus of real AI/ML API schemas, beside the project.
const corpusDir = "../../../shared/aimlapi-schemas"

func TestParse(t *testing.T) {
	t.Run("refs, allOf and model enum", func(t *testing.T) {
		doc, err := Parse([]byte(`{"openapi":"3.1.0","paths":{"/v1/x":{
			"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Req"}}}}},
			"get":{}, "parameters":[]}},
			"components":{"schemas":{
				"Req":{"allOf":[{"$ref":"#/components/schemas/Base"},{"type":"object","properties":{"seed":{"type":"integer"}}}]},
				"Base":{"type":"object","required":["model"],"properties":{"model":{"type":"string","enum":["a/b","c","a/b"]},
					"temperature":{"$ref":"#/components/schemas/Temp","description":"overridden"}}},
				"Temp":{"type":"number","minimum":0,"maximum":1,"description":"original"}}}}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Operations) != 1 {
			t.Fatalf("%d operations, want 1 (GET has no body)", len(doc.Operations))
		}
		op := doc.Operations[0]
		if got, want := strings.Join(op.Models, ","), "a/b,c"; got != want {
			t.Errorf("models = %s, want %s", got, want)
		}
		var names []string
		for _, f := range op.Fields {
			names = append(names, f.Name)
		}
		if got, want := strings.Join(names, ","), "model,temperature,seed"; got != want {
			t.Errorf("fields = %s, want %s", got, want)
		}
		if f := op.Fields[1]; f.Control != Slider || f.Help != "overridden" {
			t.Errorf("temperature = %+v, want a slider with the description next to the $ref", f)
		}
		if !op.Fields[0].Required {
			t.Errorf("model should be required through allOf")
		}
	})
	errTests := []struct{ name, doc, want string }{
		{"not JSON", `{"openapi":`, "parsing OpenAPI document"},
		{"not OpenAPI", `{"hello":"world"}`, ErrNotOpenAPI.Error()},
		{"dangling ref", `{"paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Nope"}}}}}}}}`, "no such component"},
		{"external ref", `{"paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"other.json#/X"}}}}}}}}`, "unsupported $ref"},
		{"cyclic ref", `{"paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}},
			"components":{"schemas":{"A":{"type":"object","properties":{"a":{"$ref":"#/components/schemas/A"}}}}}}`, "deeper than 64"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestGoldenMythomax pins the fields derived from the model page schema of seed 000 (embedded in
// the default catalogue).
func TestGoldenMythomax(t *testing.T) {
	data, err := os.ReadFile("../catalog/embedded/schemas/mythomax-l2-13b.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseOwned(data)
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Operation("POST", "/v1/chat/completions")
	if op == nil {
		t.Fatal("no POST /v1/chat/completions")
	}
	got, err := json.MarshalIndent(op, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "mythomax.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatalf("fields differ from %s; if the change is intended run go test ./app/schema -update\n%s", golden, got)
	}
}

// corpusFiles lists the shared corpus, or skips loudly when it is absent outside CI.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	var files []string
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			tb.Fatalf("the shared schema corpus %s is missing, and CI must test it", corpusDir)
		}
		tb.Skipf("SKIPPING: the shared schema corpus %s is not beside the project", corpusDir)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// TestCorpus reads every real schema of the shared corpus: each parses, and every field of every
// operation has a control and sane bounds.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	if len(files) < 500 {
		t.Fatalf("corpus has %d files, want the 526 of the AI/ML API docs", len(files))
	}
	ops, fields := 0, 0
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parseOwned(data)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		for _, op := range doc.Operations {
			ops++
			for _, f := range op.Fields {
				fields++
				if f.Control == "" {
					t.Errorf("%s %s: field %s has no control", p, op.Path, f.Name)
				}
				if f.Control == Slider && (f.Min == nil || f.Max == nil || *f.Max <= *f.Min || f.Step <= 0) {
					t.Errorf("%s %s: slider %s has bounds %v..%v step %v", p, op.Path, f.Name, deref(f.Min), deref(f.Max), f.Step)
				}
				if f.Control == Select && len(f.Enum) == 0 {
					t.Errorf("%s %s: select %s has no values", p, op.Path, f.Name)
				}
			}
		}
	}
	t.Logf("%d files, %d operations, %d fields", len(files), ops, fields)
}

// BenchmarkParseCorpus parses the whole shared corpus once per iteration.
func BenchmarkParseCorpus(b *testing.B) {
	files := corpusFiles(b)
	var docs [][]byte
	total := 0
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, data)
		total += len(data)
	}
	b.SetBytes(int64(total))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			if _, err := Parse(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../catalog/embedded/schemas/mythomax-l2-13b.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"a":{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}},{"nullable":true}]}}}}}}}}}}`))
	f.Add([]byte(`{"paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}},"components":{"schemas":{"A":{"allOf":[{"$ref":"#/components/schemas/A"}]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := parseOwned(data)
		if err != nil {
			return
		}
		for _, op := range doc.Operations {
			values := Values{}
			for _, fl := range op.Fields {
				if len(fl.Default) > 0 {
					values[fl.Name] = fl.Default
				}
				_ = fl.Check(fl.Default)
				_, _, _ = fl.ParseInput("1")
			}
			_, _ = Body(op.Fields, Values{"model": json.RawMessage(`"m"`), "messages": json.RawMessage(`[]`)}, values)
			_ = CheckBody(op, data)
		}
	})
}

func FuzzCheckBody(f *testing.F) {
	data, err := os.ReadFile("../catalog/embedded/schemas/mythomax-l2-13b.json")
	if err != nil {
		f.Fatal(err)
	}
	doc, err := parseOwned(data)
	if err != nil {
		f.Fatal(err)
	}
	op := doc.Operations[0]
	f.Add([]byte(`{"model":"gryphe/mythomax-l2-13b","messages":[{"role":"user","content":"Hello"}],"temperature":1}`))
	f.Add([]byte(`{"model":1,"messages":"x","temperature":"hot","stop":[1,2],"frequency_penalty":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		vs := CheckBody(op, body)
		for _, v := range vs {
			if v.Path == "" || v.Rule == "" {
				t.Fatalf("violation without path or rule: %+v", v)
			}
		}
	})
}
