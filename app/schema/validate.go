package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// Check validates one value against the field and returns the first broken rule, or "" when the
// value is acceptable. A rule broken inside the value is prefixed with its path relative to the
// field, e.g. "[0].function.name: is required".
func (f Field) Check(v json.RawMessage) string {
	vs := f.Validate(v)
	if len(vs) == 0 {
		return ""
	}
	if vs[0].Path == f.Name {
		return vs[0].Rule
	}
	return strings.TrimPrefix(strings.TrimPrefix(vs[0].Path, f.Name), ".") + ": " + vs[0].Rule
}

// Validate checks a JSON value against the field and everything inside it, and returns every
// broken rule with its path (e.g. "tools[0].function.name").
func (f Field) Validate(v json.RawMessage) Violations {
	val, err := decodeValue(v)
	if err != nil {
		return Violations{{Path: f.Name, Rule: "must be valid JSON (" + err.Error() + ")"}}
	}
	var out Violations
	f.validate(val, f.Name, &out)
	return out
}

// decodeValue decodes JSON keeping numbers exact.
func decodeValue(v json.RawMessage) (any, error) {
	if len(bytes.TrimSpace(v)) == 0 {
		return nil, errors.New("empty value")
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var val any
	if err := dec.Decode(&val); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one value")
	}
	return val, nil
}

func (f *Field) validate(v any, path string, out *Violations) {
	add := func(rule string) { *out = append(*out, Violation{Path: path, Rule: rule}) }
	if v == nil {
		if !f.Nullable && !(f.Control == JSON && f.Type == "") {
			add("must not be null")
		}
		return
	}
	if len(f.Enum) > 0 {
		b, _ := json.Marshal(v)
		for _, e := range f.Enum {
			if jsonEqual(e, b) {
				return
			}
		}
		add("must be one of " + enumList(f.Enum))
		return
	}
	switch f.Control {
	case Slider, Number:
		if rule := f.checkNumber(v); rule != "" {
			add(rule)
		}
	case Toggle:
		if _, ok := v.(bool); !ok {
			add("must be true or false")
		}
	case Text, Textarea, URL, Model:
		s, ok := v.(string)
		if !ok {
			add("must be a string")
			return
		}
		if rule := f.checkString(s); rule != "" {
			add(rule)
		}
	case Tags:
		if s, ok := v.(string); ok && f.Type == "" {
			if f.Items != nil {
				f.Items.validate(s, path, out)
			}
			return
		}
		f.validateList(v, path, out)
	case List, Messages:
		f.validateList(v, path, out)
	case Object:
		f.validateObject(v, path, out)
	case File:
		// A file object in the schema is a multipart file part on the wire: the form holds it, like
		// a string field's content, as a data URL (see package upload).
		s, isString := v.(string)
		switch {
		case f.Type == "string" && !isString:
			add("must be a string (the file's content)")
		case isString && f.Type != "string" && !strings.HasPrefix(s, "data:"):
			add("must be a file: its data URL, or the file object the schema describes")
		case !isString:
			f.validateObject(v, path, out)
		}
	case Choice:
		f.validateChoice(v, path, out)
	case JSON:
		if f.Type != "" && kindOf(v) != f.Type && !(f.Type == "number" && kindOf(v) == "integer") {
			add("must be a JSON " + f.Type)
		}
	case ReadOnly:
		add("cannot be set in the playground")
	}
}

func (f *Field) checkNumber(v any) string {
	n, ok := v.(json.Number)
	if !ok {
		return "must be a number"
	}
	x, err := n.Float64()
	if err != nil {
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

func (f *Field) checkString(s string) string {
	n := utf8.RuneCountInString(s)
	if f.MinLength != nil && n < *f.MinLength {
		return fmt.Sprintf("must be at least %d characters", *f.MinLength)
	}
	if f.MaxLength != nil && n > *f.MaxLength {
		return fmt.Sprintf("must be at most %d characters", *f.MaxLength)
	}
	if f.Pattern != "" {
		if re := compilePattern(f.Pattern); re != nil && !re.MatchString(s) {
			return "must match the pattern " + f.Pattern
		}
	}
	return ""
}

var patterns sync.Map // pattern → *regexp.Regexp, or nil when Go cannot compile it

// compilePattern compiles a schema pattern once; ECMA syntax Go's regexp cannot read is not checked.
func compilePattern(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		r, _ := re.(*regexp.Regexp)
		return r
	}
	re, err := regexp.Compile(p)
	if err != nil {
		re = nil
	}
	patterns.Store(p, re)
	return re
}

func (f *Field) validateList(v any, path string, out *Violations) {
	list, ok := v.([]any)
	if !ok {
		*out = append(*out, Violation{Path: path, Rule: "must be a list"})
		return
	}
	if f.MinItems != nil && len(list) < *f.MinItems {
		*out = append(*out, Violation{Path: path, Rule: fmt.Sprintf("must have at least %d items", *f.MinItems)})
	}
	if f.MaxItems != nil && len(list) > *f.MaxItems {
		*out = append(*out, Violation{Path: path, Rule: fmt.Sprintf("must have at most %d items", *f.MaxItems)})
	}
	if f.Items == nil {
		return
	}
	for i, item := range list {
		if scalar(f.Items.Control) {
			// Long lists of scalars (a file's bytes) are checked without building a path per item.
			var vs Violations
			f.Items.validate(item, "", &vs)
			for _, v := range vs {
				*out = append(*out, Violation{Path: fmt.Sprintf("%s[%d]", path, i), Rule: v.Rule})
			}
			continue
		}
		f.Items.validate(item, fmt.Sprintf("%s[%d]", path, i), out)
	}
}

// scalar reports whether a control's values hold no nested values.
func scalar(c Control) bool {
	switch c {
	case Slider, Number, Toggle, Select, Text, Textarea, URL, Model:
		return true
	}
	return false
}

func (f *Field) validateObject(v any, path string, out *Violations) {
	obj, ok := v.(map[string]any)
	if !ok {
		*out = append(*out, Violation{Path: path, Rule: "must be an object"})
		return
	}
	known := make(map[string]bool, len(f.Fields))
	for i := range f.Fields {
		sf := &f.Fields[i]
		known[sf.Name] = true
		sv, ok := obj[sf.Name]
		if !ok {
			if sf.Required {
				*out = append(*out, Violation{Path: path + "." + sf.Name, Rule: "is required"})
			}
			continue
		}
		sf.validate(sv, path+"."+sf.Name, out)
	}
	if f.Closed {
		var extra []string
		for name := range obj {
			if !known[name] {
				extra = append(extra, name)
			}
		}
		sort.Strings(extra)
		for _, name := range extra {
			*out = append(*out, Violation{Path: path + "." + name, Rule: "is not allowed here"})
		}
	}
}

// validateChoice accepts a value that one alternative accepts. Otherwise it reports the rules of the
// closest alternative of the value's kind, or the kinds that would do.
func (f *Field) validateChoice(v any, path string, out *Violations) {
	var best Violations
	found := false
	for i := range f.Choices {
		c := &f.Choices[i]
		var vs Violations
		c.validate(v, path, &vs)
		if len(vs) == 0 {
			return
		}
		if matchesDiscriminator(c, v) {
			*out = append(*out, vs...) // the value says which alternative it means
			return
		}
		if choiceKind(c) == kindOf(v) || (choiceKind(c) == "number" && kindOf(v) == "integer") {
			if !found || len(vs) < len(best) {
				best, found = vs, true
			}
		}
	}
	if found {
		*out = append(*out, best...)
		return
	}
	labels := make([]string, len(f.Choices))
	for i, c := range f.Choices {
		labels[i] = c.Label
	}
	*out = append(*out, Violation{Path: path, Rule: "must be one of: " + strings.Join(labels, "; ")})
}

// matchesDiscriminator reports whether an object value names an object alternative through a
// property the alternative fixes to one value, such as {"type": "json_schema"}.
func matchesDiscriminator(c *Field, v any) bool {
	obj, ok := v.(map[string]any)
	if !ok || c.Control != Object {
		return false
	}
	for _, sf := range c.Fields {
		if len(sf.Enum) != 1 {
			continue
		}
		if pv, ok := obj[sf.Name]; ok {
			b, _ := json.Marshal(pv)
			if jsonEqual(sf.Enum[0], b) {
				return true
			}
		}
	}
	return false
}

// choiceKind is the JSON kind an alternative takes.
func choiceKind(f *Field) string {
	switch f.Control {
	case Toggle:
		return "boolean"
	case Slider, Number:
		return "number"
	case Text, Textarea, URL:
		return "string"
	case Tags, List, Messages:
		return "array"
	case Object:
		return "object"
	}
	if f.Type == "integer" {
		return "number"
	}
	return f.Type
}

// kindOf names the JSON kind of a decoded value ("integer" for whole numbers).
func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
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
		out = append(out, f.Validate(v)...)
	}
	for name := range values {
		if !known[name] {
			out = append(out, Violation{Path: name, Rule: "is not a parameter of this model"})
		}
	}
	return out
}

// Body builds the JSON request body the playground sends: `model`, then the other values the
// run area fills (page: the conversation, an image prompt…) in field order, then every set form
// value in field order. It refuses (and returns the violations of) values that break their field's
// rules, and required fields that are not set. The model and the conversation are not checked
// here: the catalogue names the model (the schema's enum may use another alias) and the
// conversation is built by the page from what the model takes.
func Body(fields []Field, page, values Values) ([]byte, Violations) {
	if vs := Validate(fields, values); len(vs) > 0 {
		return nil, vs
	}
	var vs Violations
	var obj objectWriter
	add := obj.add
	if m, ok := page["model"]; ok {
		add("model", m)
	}
	for _, f := range fields {
		v, ok := page[f.Name]
		if !ok || f.Name == "model" {
			continue
		}
		if f.Control != Model && f.Control != Messages {
			vs = append(vs, f.Validate(v)...)
		}
		add(f.Name, v)
	}
	for _, f := range fields {
		if _, ok := page[f.Name]; ok || f.Page && (f.Control == Model || f.Control == Messages) {
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
	if len(vs) > 0 {
		return nil, vs
	}
	return obj.close(), nil
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
	return CheckMembers(op, obj)
}

// CheckMembers is [CheckBody] of a body already decoded into its members, for a server that has
// read them for its own checks; fields whose Control is one of skip are not checked.
func CheckMembers(op *Operation, obj map[string]json.RawMessage, skip ...Control) Violations {
	var vs Violations
	for _, f := range op.Fields {
		if slices.Contains(skip, f.Control) {
			continue
		}
		v, ok := obj[f.Name]
		if !ok {
			if f.Required {
				vs = append(vs, Violation{Path: f.Name, Rule: "is required"})
			}
			continue
		}
		if f.Control == ReadOnly {
			continue // not editable in the form, but a hand-written request may carry it
		}
		vs = append(vs, f.Validate(v)...)
	}
	return vs
}
