// Package inspect implements `playground schema inspect`: it reads OpenAPI files, derives each
// operation's form fields with package schema, builds the example request the form would send with
// only the required fields filled, and reports fields the form cannot represent and examples that do
// not validate, as a readable table or one JSON document.
//
// The package is pure Go (no go-app, no server code), so it is tested on the host and under GOOS=js.
package inspect

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"playground/app/kind"
	"playground/app/schema"
)

// Report is the result of inspecting a set of files; with -json it is printed as is.
type Report struct {
	// Files are the inspected files, sorted by path.
	Files []FileReport `json:"files"`
	// Summary adds up the files.
	Summary Summary `json:"summary"`
}

// FileReport is one inspected file.
type FileReport struct {
	// Path is the file's path as reached from the command's PATH arguments.
	Path string `json:"path"`
	// Error says why the file yields no operations (not JSON, not OpenAPI…), or is nil.
	Error *string `json:"error"`
	// Operations are the file's JSON-body operations, sorted by path then method.
	Operations []OperationReport `json:"operations"`
	// invalid is set when the file counts as invalid (a non-OpenAPI JSON file does not).
	invalid bool
}

// OperationReport is one operation of a file.
type OperationReport struct {
	// Method is the HTTP method, e.g. "POST".
	Method string `json:"method"`
	// Path is the operation's path, e.g. "/v1/chat/completions".
	Path string `json:"path"`
	// Models are the model ids the operation serves.
	Models []string `json:"models"`
	// Fields are the top-level form fields.
	Fields []FieldReport `json:"fields"`
	// Unsupported names the fields the form cannot represent: top-level names and nested paths
	// such as "tools[].function.x".
	Unsupported []string `json:"unsupported"`
	// ExampleRequest is the body the form sends with only the required fields filled, or null when
	// it does not validate.
	ExampleRequest json.RawMessage `json:"example_request"`
	// ExampleError says why the example request is invalid, or is nil.
	ExampleError *string `json:"example_error"`
}

// FieldReport is one top-level form field. Absent bounds, step and default are null.
type FieldReport struct {
	// Name is the JSON property name.
	Name string `json:"name"`
	// Control is the input kind the form draws.
	Control schema.Control `json:"control"`
	// Type is the value's JSON type, "" when the schema allows several.
	Type string `json:"type"`
	// Required and Nullable are the schema's flags.
	Required bool `json:"required"`
	Nullable bool `json:"nullable"`
	// Min and Max are a number's bounds (see schema.Field for exclusive ones); Step its increment.
	Min  *float64 `json:"min"`
	Max  *float64 `json:"max"`
	Step *float64 `json:"step"`
	// Default is the schema default.
	Default json.RawMessage `json:"default"`
	// Enum lists a select's values.
	Enum []json.RawMessage `json:"enum"`

	exclusiveMin, exclusiveMax bool
}

// Summary counts what the files hold.
type Summary struct {
	// Files counts the inspected files, Operations their JSON-body operations.
	Files      int `json:"files"`
	Operations int `json:"operations"`
	// Fields counts top-level fields across all operations.
	Fields int `json:"fields"`
	// Unsupported counts the fields the form cannot represent (top-level and nested).
	Unsupported int `json:"unsupported"`
	// Invalid counts invalid example requests, and files that are not valid JSON or not usable
	// OpenAPI (a JSON file that is not OpenAPI at all is reported but not counted).
	Invalid int `json:"invalid"`
}

// OK reports whether nothing is unsupported or invalid.
func (s Summary) OK() bool { return s.Unsupported == 0 && s.Invalid == 0 }

const usage = `usage: playground schema inspect [-json] PATH...

Reads each PATH (an OpenAPI JSON file, or a directory searched recursively for *.json files) and
prints every operation's form fields, the fields the playground cannot represent, and whether the
example request (only the required fields filled) validates. It exits with status 1 when a field is
unsupported, an example request is invalid or a file is not valid JSON.

Flags:
`

// Run runs `playground schema inspect` with args (the arguments after "inspect"), writing the
// report to stdout and problems to stderr, and returns the exit status: 0 when every file is
// fine, 1 when a field is unsupported, an example is invalid, a file is not valid JSON or a PATH
// does not exist, 2 for a usage error.
func Run(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("playground schema inspect", flag.ContinueOnError)
	fset.SetOutput(stderr)
	asJSON := fset.Bool("json", false, "print one JSON document instead of a table")
	fset.Usage = func() {
		fmt.Fprint(stderr, usage)
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fset.NArg() == 0 {
		fmt.Fprintln(stderr, "playground schema inspect: no PATH given")
		fset.Usage()
		return 2
	}
	files, err := collect(fset.Args())
	if err != nil {
		fmt.Fprintln(stderr, "playground schema inspect:", err)
		return 1
	}
	rep := Inspect(files)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(stderr, "playground schema inspect: writing the report:", err)
			return 1
		}
	} else if err := WriteText(stdout, rep); err != nil {
		fmt.Fprintln(stderr, "playground schema inspect: writing the report:", err)
		return 1
	}
	if !rep.Summary.OK() {
		return 1
	}
	return 0
}

// collect lists the files named by paths: a file as given, a directory's *.json files found
// recursively; sorted, without repeats. A path that does not exist is an error naming it.
func collect(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var files []string
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("reading PATH %s: %w", root, err)
		}
		if !info.IsDir() {
			if !seen[root] {
				seen[root] = true
				files = append(files, root)
			}
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".json") && !seen[p] {
				seen[p] = true
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walking PATH %s: %w", root, err)
		}
	}
	sort.Strings(files)
	return files, nil
}

// Inspect reads and reports on each file, in the order given.
func Inspect(files []string) *Report {
	rep := &Report{Files: make([]FileReport, 0, len(files))}
	for _, p := range files {
		fr := inspectFile(p)
		rep.Summary.Files++
		if fr.invalid {
			rep.Summary.Invalid++
		}
		for _, op := range fr.Operations {
			rep.Summary.Operations++
			rep.Summary.Fields += len(op.Fields)
			rep.Summary.Unsupported += len(op.Unsupported)
			if op.ExampleError != nil {
				rep.Summary.Invalid++
			}
		}
		rep.Files = append(rep.Files, fr)
	}
	return rep
}

func inspectFile(path string) FileReport {
	fr := FileReport{Path: path, Operations: []OperationReport{}}
	fail := func(msg string, invalid bool) FileReport {
		fr.Error, fr.invalid = &msg, invalid
		return fr
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fail(err.Error(), true)
	}
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fail(fmt.Sprintf("not valid JSON: %v (at byte %d)", err, se.Offset), true)
		}
		return fail("not valid JSON: "+err.Error(), true)
	}
	doc, err := schema.Parse(data)
	switch {
	case errors.Is(err, schema.ErrNotOpenAPI):
		return fail(err.Error(), false)
	case err != nil:
		return fail("not a usable OpenAPI document: "+err.Error(), true)
	}
	kind.PrepareDocument(doc) // the fields the run area fills, as the catalogue marks them
	for _, op := range doc.Operations {
		fr.Operations = append(fr.Operations, inspectOperation(op))
	}
	return fr
}

func inspectOperation(op *schema.Operation) OperationReport {
	or := OperationReport{
		Method:      op.Method,
		Path:        op.Path,
		Models:      append([]string{}, op.Models...),
		Fields:      make([]FieldReport, 0, len(op.Fields)),
		Unsupported: []string{},
	}
	for i := range op.Fields {
		f := &op.Fields[i]
		fr := FieldReport{
			Name: f.Name, Control: f.Control, Type: f.Type, Required: f.Required, Nullable: f.Nullable,
			Min: f.Min, Max: f.Max, Default: f.Default, Enum: append([]json.RawMessage{}, f.Enum...),
			exclusiveMin: f.ExclusiveMin, exclusiveMax: f.ExclusiveMax,
		}
		if f.Step > 0 {
			st := f.Step
			fr.Step = &st
		}
		or.Fields = append(or.Fields, fr)
		or.Unsupported = appendUnsupported(or.Unsupported, f, f.Name)
	}
	body, err := schema.ExampleRequest(op)
	if err != nil {
		msg := err.Error()
		or.ExampleError = &msg
	} else {
		or.ExampleRequest = body
	}
	return or
}

// appendUnsupported adds path when f is read-only, and the paths of read-only fields inside it:
// "parent.sub" for an object's field, "parent[]" for a list's item (a union's alternatives share
// the union's path). Repeats are dropped.
func appendUnsupported(out []string, f *schema.Field, path string) []string {
	if f.Control == schema.ReadOnly {
		for _, p := range out {
			if p == path {
				return out
			}
		}
		return append(out, path)
	}
	for i := range f.Fields {
		out = appendUnsupported(out, &f.Fields[i], path+"."+f.Fields[i].Name)
	}
	if f.Items != nil {
		out = appendUnsupported(out, f.Items, path+"[]")
	}
	for i := range f.Choices {
		out = appendUnsupported(out, &f.Choices[i], path)
	}
	return out
}
