package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Values holds what the user has set in the form, by field name, as JSON. A field whose name is
// absent is "not sent"; the JSON value null is an explicit null.
type Values map[string]json.RawMessage

// Violation is one rule a request breaks, named by the field path.
type Violation struct {
	// Path is the field path, e.g. "temperature" or "stop[2]".
	Path string `json:"path"`
	// Rule says what is wrong in plain words, e.g. "must be ≤ 2".
	Rule string `json:"rule"`
}

// Error formats the violation as "path: rule".
func (v Violation) Error() string { return v.Path + ": " + v.Rule }

// Violations is a list of violations that is also an error.
type Violations []Violation

// Error joins the violations with "; ".
func (vs Violations) Error() string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Error()
	}
	return strings.Join(parts, "; ")
}

// Check validates one value against the field and returns the broken rule, or "" when the value is
// acceptable. The value is raw JSON.
func (f Field) Check(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "must have a value"
	}
	if bytes.Equal(v, []byte("null")) {
		if f.Nullable {
			return ""
		}
		return "must not be null"
	}
	if len(f.Enum) > 0 {
		for _, e := range f.Enum {
			if jsonEqual(e, v) {
				return ""
			}
		}
		return "must be one of " + enumList(f.Enum)
	}
	switch f.Control {
	case Slider, Number:
		return f.checkNumber(v)
	case Toggle:
		if !bytes.Equal(v, []byte("true")) && !bytes.Equal(v, []byte("false")) {
			return "must be true or false"
		}
	case Text, Textarea:
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "must be a string"
		}
		return f.checkLength(s)
	case Tags:
		var s string
		if json.Unmarshal(v, &s) == nil {
			return ""
		}
		var list []string
		if json.Unmarshal(v, &list) != nil {
			return "must be a string or a list of strings"
		}
		if f.MaxItems != nil && len(list) > *f.MaxItems {
			return fmt.Sprintf("must have at most %d items", *f.MaxItems)
		}
	case ReadOnly:
		return "cannot be set in the playground yet"
	}
	return ""
}

func (f Field) checkNumber(v json.RawMessage) string {
	var x float64
	if json.Unmarshal(v, &x) != nil || v[0] == '"' {
		return "must be a number"
	}
	if f.Type == "integer" && x != math.Trunc(x) {
		return "must be a whole number"
	}
	if f.Min != nil {
		if f.ExclusiveMin && x <= *f.Min {
			return "must be > " + formatNumber(*f.Min)
		}
		if x < *f.Min {
			return "must be ≥ " + formatNumber(*f.Min)
		}
	}
	if f.Max != nil {
		if f.ExclusiveMax && x >= *f.Max {
			return "must be < " + formatNumber(*f.Max)
		}
		if x > *f.Max {
			return "must be ≤ " + formatNumber(*f.Max)
		}
	}
	return ""
}

func (f Field) checkLength(s string) string {
	n := utf8.RuneCountInString(s)
	if f.MinLength != nil && n < *f.MinLength {
		return fmt.Sprintf("must be at least %d characters", *f.MinLength)
	}
	if f.MaxLength != nil && n > *f.MaxLength {
		return fmt.Sprintf("must be at most %d characters", *f.MaxLength)
	}
	return ""
}

func formatNumber(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func enumList(vals []json.RawMessage) string {
	parts := make([]string, 0, len(vals))
	for _, v := range vals {
		parts = append(parts, string(v))
	}
	if len(parts) > 8 {
		parts = append(parts[:8], "…")
	}
	return strings.Join(parts, ", ")
}

// Validate checks every set value against its field and reports each violation, in field order.
// Values for names that are not fields are reported too.
func Validate(fields []Field, values Values) Violations {
	var out Violations
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.Name] = true
		v, ok := values[f.Name]
		if !ok {
			continue
		}
		if rule := f.Check(v); rule != "" {
			out = append(out, Violation{Path: f.Name, Rule: rule})
		}
	}
	for name := range values {
		if !known[name] {
			out = append(out, Violation{Path: name, Rule: "is not a parameter of this model"})
		}
	}
	return out
}

// Body builds the JSON request body the playground sends: `model`, then `messages`, then every set
// value in field order. It refuses (and returns the violations of) values that break their field's
// rules, and required form fields that are not set. messages may be nil for operations without a
// conversation.
func Body(fields []Field, model string, messages json.RawMessage, values Values) ([]byte, Violations) {
	if vs := Validate(fields, values); len(vs) > 0 {
		return nil, vs
	}
	var vs Violations
	var buf bytes.Buffer
	buf.WriteByte('{')
	n := 0
	add := func(name string, v json.RawMessage) {
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		k, _ := json.Marshal(name)
		buf.Write(k)
		buf.WriteByte(':')
		var c bytes.Buffer
		if json.Compact(&c, v) == nil {
			buf.Write(c.Bytes())
		} else {
			buf.Write(v)
		}
	}
	hasModel := false
	for _, f := range fields {
		if f.Control == Model {
			hasModel = true
		}
	}
	if hasModel || model != "" {
		m, _ := json.Marshal(model)
		add("model", m)
	}
	if len(messages) > 0 {
		add("messages", messages)
	}
	for _, f := range fields {
		switch f.Control {
		case Model, Messages:
			continue
		}
		v, ok := values[f.Name]
		if !ok {
			if f.Required {
				vs = append(vs, Violation{Path: f.Name, Rule: "is required"})
			}
			continue
		}
		add(f.Name, v)
	}
	buf.WriteByte('}')
	if len(vs) > 0 {
		return nil, vs
	}
	return buf.Bytes(), nil
}

// CheckBody validates a complete request body received by the server against an operation: the body
// must be a JSON object, required properties must be present, and every property that is a form
// field must satisfy it. Properties the schema does not describe, and the conversation, are left to
// the upstream.
func CheckBody(op *Operation, body []byte) Violations {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return Violations{{Path: "(body)", Rule: "must be a JSON object: " + err.Error()}}
	}
	var vs Violations
	for _, f := range op.Fields {
		v, ok := obj[f.Name]
		if !ok {
			if f.Required {
				vs = append(vs, Violation{Path: f.Name, Rule: "is required"})
			}
			continue
		}
		switch f.Control {
		case Model:
			var s string
			if json.Unmarshal(v, &s) != nil || s == "" {
				vs = append(vs, Violation{Path: f.Name, Rule: "must be a model id"})
			}
			continue
		case Messages:
			if b := bytes.TrimSpace(v); len(b) == 0 || b[0] != '[' {
				vs = append(vs, Violation{Path: f.Name, Rule: "must be a list of messages"})
			}
			continue
		case ReadOnly:
			continue // not editable in the form, but a hand-written request may carry it
		}
		if rule := f.Check(v); rule != "" {
			vs = append(vs, Violation{Path: f.Name, Rule: rule})
		}
	}
	return vs
}
