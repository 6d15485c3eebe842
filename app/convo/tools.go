package convo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// functionName is the form OpenAI accepts for a function name.
var functionName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// maxToolErrors is how many problems ParseTools reports at most.
const maxToolErrors = 20

// ParseTools checks the text of a "tools" array, as typed by the user, and
// returns it as compact JSON. Blank text and an empty array both return nil
// (no tools).
//
// Each element must be {"type":"function","function":{…}} where the
// function has a "name" of 1 to 64 letters, digits, "_" or "-" (unique in
// the array), an optional string "description" and optional object
// "parameters". Other members are allowed and kept (such as "strict").
//
// A JSON syntax error is reported with its line:column, as in "syntax error
// at 3:14"; other problems are [FieldError] values naming the path, such as
// tools[1].function.name: is required. Several are joined with
// [errors.Join].
func ParseTools(text string) (json.RawMessage, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var tools []json.RawMessage
	if err := json.Unmarshal([]byte(text), &tools); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol([]byte(text), se)
			return nil, fmt.Errorf("convo: tools: syntax error at %d:%d: %w", line, col, err)
		}
		return nil, fmt.Errorf("convo: %w", fieldErrorf("tools", "must be an array, not %s", jsonKindOf(json.RawMessage(text))))
	}
	if len(tools) == 0 {
		return nil, nil
	}
	var errs []error
	names := map[string]int{}
	for i, raw := range tools {
		if err := checkTool(raw, i, names); err != nil {
			errs = append(errs, err)
		}
		if len(errs) >= maxToolErrors {
			break
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("convo: %w", errors.Join(errs...))
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(text)); err != nil {
		return nil, fmt.Errorf("convo: tools: %w", err)
	}
	return b.Bytes(), nil
}

// checkTool checks tools[i]; names maps the function names seen to their
// tool index.
func checkTool(raw json.RawMessage, i int, names map[string]int) error {
	p := fmt.Sprintf("tools[%d]", i)
	var tool map[string]json.RawMessage
	if kind := jsonKindOf(raw); kind != "an object" {
		return fieldErrorf(p, "must be an object, not %s", kind)
	}
	if err := json.Unmarshal(raw, &tool); err != nil {
		return &FieldError{Path: p, Err: err}
	}
	typ, ok := tool["type"]
	if !ok {
		return fieldErrorf(p+".type", `is required (use "function")`)
	}
	var s string
	if json.Unmarshal(typ, &s) != nil || s != "function" {
		return fieldErrorf(p+".type", `must be "function", not %s`, bytes.TrimSpace(typ))
	}
	fn, ok := tool["function"]
	if !ok {
		return fieldErrorf(p+".function", "is required")
	}
	p += ".function"
	if kind := jsonKindOf(fn); kind != "an object" {
		return fieldErrorf(p, "must be an object, not %s", kind)
	}
	var f map[string]json.RawMessage
	if err := json.Unmarshal(fn, &f); err != nil {
		return &FieldError{Path: p, Err: err}
	}
	name, ok := f["name"]
	if !ok {
		return fieldErrorf(p+".name", "is required")
	}
	if kind := jsonKindOf(name); kind != "a string" {
		return fieldErrorf(p+".name", "must be a string, not %s", kind)
	}
	if err := json.Unmarshal(name, &s); err != nil {
		return &FieldError{Path: p + ".name", Err: err}
	}
	if !functionName.MatchString(s) {
		return fieldErrorf(p+".name", "%q must be 1 to 64 letters, digits, _ or -", s)
	}
	if j, dup := names[s]; dup {
		return fieldErrorf(p+".name", "%q is already the name of tools[%d]", s, j)
	}
	names[s] = i
	if d, ok := f["description"]; ok {
		if kind := jsonKindOf(d); kind != "a string" {
			return fieldErrorf(p+".description", "must be a string, not %s", kind)
		}
	}
	if ps, ok := f["parameters"]; ok {
		if kind := jsonKindOf(ps); kind != "an object" {
			return fieldErrorf(p+".parameters", "must be an object (a JSON Schema), not %s", kind)
		}
	}
	return nil
}
