package convo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldError is a problem with one field of a JSON document, named by its
// path, such as messages[2].role or tools[1].function.name.
type FieldError struct {
	// Path names the field: object members joined by dots, array elements
	// by [index].
	Path string
	// Err is the problem.
	Err error
}

// Error returns "path: problem".
func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

// Unwrap returns the problem.
func (e *FieldError) Unwrap() error { return e.Err }

// fieldErrorf returns a [*FieldError] for path with a formatted problem.
func fieldErrorf(path, format string, args ...any) *FieldError {
	return &FieldError{Path: path, Err: fmt.Errorf(format, args...)}
}

// joinPath joins a path and a member path as given by encoding/json
// ("a.b").
func joinPath(path, field string) string {
	switch {
	case field == "":
		return path
	case path == "":
		return field
	default:
		return path + "." + field
	}
}

// decodeJSON decodes raw, one JSON value, into v. Unknown object members are
// an error when strict and ignored otherwise; a value of the wrong type is
// always an error. Errors are [*FieldError]s under path.
func decodeJSON(raw []byte, path string, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(raw, path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fieldErrorf(path, "unexpected data after the JSON value")
	}
	return nil
}

// jsonError turns an encoding/json error into a [*FieldError] naming the
// field.
func jsonError(raw []byte, path string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fieldErrorf(joinPath(path, te.Field), "got %s, want %s", te.Value, kindName(te.Type))
	case errors.As(err, &se):
		line, col := lineCol(raw, se)
		return &FieldError{Path: path, Err: fmt.Errorf("invalid JSON at %d:%d: %w", line, col, err)}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &FieldError{Path: path, Err: fmt.Errorf("invalid JSON: %w", io.ErrUnexpectedEOF)}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, uerr := strconv.Unquote(name); uerr == nil {
			name = n
		}
		return fieldErrorf(joinPath(path, name), "unknown field")
	}
	return &FieldError{Path: path, Err: err}
}

// kindName describes the JSON value a Go type decodes from.
func kindName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return kindName(t.Elem())
	}
	return t.String()
}

// lineCol returns the 1-based line and column (in characters) of a syntax
// error: the offending character, or just past the end for a truncated
// document.
func lineCol(raw []byte, se *json.SyntaxError) (line, col int) {
	off := int(se.Offset)
	if off > 0 && off <= len(raw) && !strings.Contains(se.Error(), "unexpected end") {
		off-- // Offset counts the offending byte
	}
	off = min(max(off, 0), len(raw))
	before := raw[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, utf8.RuneCount(before) + 1
}

// jsonKindOf names the kind of a JSON value from its first byte.
func jsonKindOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// checkParams checks request parameters and returns a copy with each value
// in compact JSON, or nil when there are none. Names must be non-empty and
// not one of reserved; values must be valid JSON.
func checkParams(params map[string]json.RawMessage, path string, reserved ...string) (map[string]json.RawMessage, error) {
	if len(params) == 0 {
		return nil, nil
	}
	out := make(map[string]json.RawMessage, len(params))
	for _, k := range sortedKeys(params) {
		p := fmt.Sprintf("%s[%q]", path, k)
		if k == "" {
			return nil, fieldErrorf(path, "a parameter has an empty name")
		}
		for _, r := range reserved {
			if k == r {
				return nil, fieldErrorf(p, "is not a parameter that can be set here")
			}
		}
		var b bytes.Buffer
		if err := json.Compact(&b, params[k]); err != nil {
			return nil, &FieldError{Path: p, Err: fmt.Errorf("invalid JSON: %w", err)}
		}
		out[k] = b.Bytes()
	}
	return out, nil
}

// checkName checks a short single-line name such as a model ID or a preset
// name: valid UTF-8, no control characters, at most maxRunes characters.
func checkName(s string, maxRunes int) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return fmt.Errorf("is %d characters long; the limit is %d", n, maxRunes)
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return errors.New("contains a control character")
	}
	return nil
}
