package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// corpusDir is the shared corpus of real AI/ML API schemas, beside the project.
const corpusDir = "../../../../shared/aimlapi-schemas"

// openapi wraps a request body schema in a one-operation OpenAPI document.
func openapi(body string) string {
	return `{"openapi":"3.1.0","paths":{"/v1/chat/completions":{"post":{"requestBody":{"content":{"application/json":{"schema":` +
		body + `}}}},"get":{}}}}`
}

// fixtures are the files of the test directory, by name.
var fixtures = map[string]string{
	"good.json": openapi(`{"type":"object","required":["model","messages"],"properties":{
		"model":{"type":"string","enum":["vendor/a","vendor/b"]},
		"messages":{"type":"array","items":{"type":"object"}},
		"temperature":{"type":"number","minimum":0,"maximum":2,"default":1},
		"top_p":{"type":"number","exclusiveMinimum":0,"maximum":1,"nullable":true},
		"max_tokens":{"type":"integer","minimum":1},
		"effort":{"type":"string","enum":["low","high"],"default":"low"},
		"stop":{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]}}}`),
	"sub/image.json": `{"openapi":"3.0.0","paths":{"/v1/images/generations":{"post":{"requestBody":{"content":{"application/json":{"schema":
		{"type":"object","required":["prompt","image_url","size"],"properties":{"model":{"type":"string"},"prompt":{"type":"string"},
		"image_url":{"type":"string"},"size":{"type":"string","enum":["512x512","1024x1024"]}}}}}}}}}}`,
	"broken.json":     `{"openapi":"3.1.0","paths":{`,
	"notopenapi.json": `{"hello":"world"}`,
	"unsupported.json": openapi(`{"type":"object","required":["model","id"],"properties":{"model":{"type":"string"},
		"upload":{"type":"file"},
		"tools":{"type":"array","items":{"type":"object","properties":{"function":{"type":"object","properties":{"x":{"type":"file"}}}}}},
		"id":{"type":"string","pattern":"^[0-9]+$"}}}`),
	"notes.txt": "not read: only *.json files are",
}

// writeFixtures writes the named fixtures into a new directory and returns it.
func writeFixtures(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fixtures[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// jsonReport is the -json output's expected shape, decoded strictly.
type jsonReport struct {
	Files []struct {
		Path       string  `json:"path"`
		Error      *string `json:"error"`
		Operations []struct {
			Method         string            `json:"method"`
			Path           string            `json:"path"`
			Models         []string          `json:"models"`
			Fields         []json.RawMessage `json:"fields"`
			Unsupported    []string          `json:"unsupported"`
			ExampleRequest json.RawMessage   `json:"example_request"`
			ExampleError   *string           `json:"example_error"`
		} `json:"operations"`
	} `json:"files"`
	Summary Summary `json:"summary"`
}

// fieldKeys are exactly the keys of a field object.
var fieldKeys = []string{"control", "default", "enum", "max", "min", "name", "nullable", "required", "step", "type"}

func decodeReport(t *testing.T, out []byte) jsonReport {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	var rep jsonReport
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decoding the -json output: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("the -json output holds more than one JSON document")
	}
	for _, f := range rep.Files {
		if f.Operations == nil {
			t.Errorf("%s: operations is null, want a list", f.Path)
		}
		for _, op := range f.Operations {
			if op.Models == nil || op.Fields == nil || op.Unsupported == nil {
				t.Errorf("%s %s: models, fields and unsupported must be lists, not null", f.Path, op.Path)
			}
			if (len(op.ExampleRequest) == 0 || string(op.ExampleRequest) == "null") == (op.ExampleError == nil) {
				t.Errorf("%s %s: want exactly one of example_request %s and example_error %v", f.Path, op.Path, op.ExampleRequest, op.ExampleError)
			}
			for _, raw := range op.Fields {
				var m map[string]json.RawMessage
				if err := json.Unmarshal(raw, &m); err != nil {
					t.Fatal(err)
				}
				keys := make([]string, 0, len(m))
				for k := range m {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if !slices.Equal(keys, fieldKeys) {
					t.Errorf("%s %s: field keys %v, want %v", f.Path, op.Path, keys, fieldKeys)
				}
			}
		}
	}
	return rep
}

func TestRun(t *testing.T) {
	tests := []struct {
		name        string
		files       []string
		status      int
		summary     Summary
		errors      map[string]string // file → start of its error
		unsupported []string
		invalid     string // start of the one example error
	}{
		{"good files", []string{"good.json", "sub/image.json", "notes.txt"}, 0,
			Summary{Files: 2, Operations: 2, Fields: 11}, nil, nil, ""},
		{"invalid JSON", []string{"good.json", "broken.json"}, 1,
			Summary{Files: 2, Operations: 1, Fields: 7, Invalid: 1}, map[string]string{"broken.json": "not valid JSON: "}, nil, ""},
		{"not OpenAPI is reported, not invalid", []string{"notopenapi.json"}, 0,
			Summary{Files: 1}, map[string]string{"notopenapi.json": "not an OpenAPI document"}, nil, ""},
		{"unsupported fields and an invalid example", []string{"unsupported.json"}, 1,
			Summary{Files: 1, Operations: 1, Fields: 4, Unsupported: 2, Invalid: 1}, nil,
			[]string{"upload", "tools[].function.x"}, "example request for POST /v1/chat/completions is invalid: id: must match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFixtures(t, tt.files...)
			var stdout, stderr bytes.Buffer
			if got := Run([]string{"-json", dir}, &stdout, &stderr); got != tt.status {
				t.Errorf("status %d, want %d; stderr: %s", got, tt.status, &stderr)
			}
			rep := decodeReport(t, stdout.Bytes())
			if rep.Summary != tt.summary {
				t.Errorf("summary %+v, want %+v", rep.Summary, tt.summary)
			}
			var unsupported []string
			invalid := ""
			for _, f := range rep.Files {
				name := filepath.ToSlash(strings.TrimPrefix(f.Path, dir+string(filepath.Separator)))
				want, ok := tt.errors[name]
				switch {
				case ok && (f.Error == nil || !strings.HasPrefix(*f.Error, want)):
					t.Errorf("%s: error %v, want it to start with %q", name, f.Error, want)
				case !ok && f.Error != nil:
					t.Errorf("%s: unexpected error %q", name, *f.Error)
				}
				for _, op := range f.Operations {
					unsupported = append(unsupported, op.Unsupported...)
					if op.ExampleError != nil {
						invalid = *op.ExampleError
					}
				}
			}
			if !slices.Equal(unsupported, tt.unsupported) {
				t.Errorf("unsupported %q, want %q", unsupported, tt.unsupported)
			}
			if !strings.HasPrefix(invalid, tt.invalid) || (invalid == "") != (tt.invalid == "") {
				t.Errorf("example error %q, want it to start with %q", invalid, tt.invalid)
			}
		})
	}
}

func TestRunExampleRequest(t *testing.T) {
	dir := writeFixtures(t, "good.json", "sub/image.json")
	var stdout, stderr bytes.Buffer
	if got := Run([]string{"-json", filepath.Join(dir, "sub"), filepath.Join(dir, "good.json")}, &stdout, &stderr); got != 0 {
		t.Fatalf("status %d; stderr: %s", got, &stderr)
	}
	rep := decodeReport(t, stdout.Bytes())
	want := []string{
		`{"model":"vendor/a","messages":[{"role":"user","content":"Hello"}]}`,
		`{"model":"model","prompt":"Hello","image_url":"https://example.com/input.png","size":"512x512"}`,
	}
	var got []string
	for _, f := range rep.Files {
		for _, op := range f.Operations {
			var c bytes.Buffer
			if err := json.Compact(&c, op.ExampleRequest); err != nil {
				t.Fatal(err)
			}
			got = append(got, c.String())
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("example requests (files sorted by path)\n%q\nwant\n%q", got, want)
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"no PATH", []string{"-json"}, 2, "usage: playground schema inspect"},
		{"unknown flag", []string{"-yaml", "."}, 2, "flag provided but not defined: -yaml"},
		{"missing PATH", []string{"does-not-exist.json"}, 1, "does-not-exist.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := Run(tt.args, &stdout, &stderr); got != tt.status {
				t.Errorf("status %d, want %d", got, tt.status)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q, want it to contain %q", &stderr, tt.stderr)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout %q, want nothing", &stdout)
			}
		})
	}
}

// TestGoldenText pins the table printed for the fixture directory.
func TestGoldenText(t *testing.T) {
	names := make([]string, 0, len(fixtures))
	for name := range fixtures {
		names = append(names, name)
	}
	dir := writeFixtures(t, names...)
	var stdout, stderr bytes.Buffer
	if got := Run([]string{dir}, &stdout, &stderr); got != 1 {
		t.Errorf("status %d, want 1; stderr: %s", got, &stderr)
	}
	got := strings.ReplaceAll(stdout.String(), dir, "fixtures")
	golden := filepath.Join("testdata", "inspect.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("output differs from %s; if the change is intended run go test ./app/schema/inspect -update\n%s", golden, got)
	}
}

func TestThousands(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {10987, "10,987"}, {1234567, "1,234,567"}, {-4200, "-4,200"}}
	for _, tt := range tests {
		if got := thousands(tt.n); got != tt.want {
			t.Errorf("thousands(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestCorpus is the acceptance test of `playground schema inspect ../shared/aimlapi-schemas`: every
// file of the shared corpus is read with no unsupported field and no invalid example request.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the shared schema corpus %s is missing, and CI must test it", corpusDir)
		}
		t.Skipf("SKIPPING: the shared schema corpus %s is not beside the project", corpusDir)
	}
	var stdout, stderr bytes.Buffer
	status := Run([]string{"-json", corpusDir}, &stdout, &stderr)
	rep := decodeReport(t, stdout.Bytes())
	s := rep.Summary
	if status != 0 || s.Files != 526 || s.Unsupported != 0 || s.Invalid != 0 {
		for _, f := range rep.Files {
			if f.Error != nil {
				t.Logf("%s: %s", f.Path, *f.Error)
			}
			for _, op := range f.Operations {
				if len(op.Unsupported) > 0 || op.ExampleError != nil {
					t.Logf("%s %s %s: unsupported %v, example error %v", f.Path, op.Method, op.Path, op.Unsupported, op.ExampleError)
				}
			}
		}
		t.Fatalf("status %d, %s; want status 0, 526 files, 0 unsupported, 0 invalid; stderr: %s", status, SummaryLine(s), &stderr)
	}
	t.Log(SummaryLine(s))
}
