package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode"
)

// Control names the kind of input the playground draws for a field.
type Control string

// The control kinds. Model and Messages are owned by the run area (the model picker and the
// conversation), not by the parameter form; fields get them only from [Operation.Own], which an
// endpoint kind calls for the parts of the request the page fills itself.
const (
	Slider   Control = "slider"   // a bounded number or integer: a range plus a number box
	Number   Control = "number"   // an unbounded number or integer
	Toggle   Control = "toggle"   // a boolean
	Select   Control = "select"   // an enum or const of strings, numbers or booleans
	Text     Control = "text"     // a one-line string
	Textarea Control = "textarea" // a long string such as a prompt
	Tags     Control = "tags"     // a list of strings or numbers (or a string or a list, like `stop`)
	URL      Control = "url"      // a string holding a URL (a data URL from a picked file where allowed)
	File     Control = "file"     // binary content: pick a file, sent in the shape the schema describes
	Choice   Control = "choice"   // a union: pick the alternative, then fill its control
	Object   Control = "object"   // an object with known properties: a sub-form
	List     Control = "list"     // a list of structured items: one sub-form per item
	JSON     Control = "json"     // a free-form value (an object with no declared properties): a JSON editor
	Model    Control = "model"    // the `model` property: chosen with the model picker
	Messages Control = "messages" // the `messages` property: the conversation
	ReadOnly Control = "readonly" // a shape the form cannot represent: shown with a note, never sent
)

// Field is one top-level request parameter as the form shows it.
type Field struct {
	// Name is the JSON property name.
	Name string `json:"name"`
	// Label is a human name for the field.
	Label string `json:"label"`
	// Help is the schema description (markdown).
	Help string `json:"help,omitempty"`
	// Control is the input kind.
	Control Control `json:"control"`
	// Type is the JSON type of the value: number, integer, string, boolean, array, object or "" when
	// the schema allows several.
	Type string `json:"type,omitempty"`
	// Min and Max are the inclusive bounds of a number (exclusive bounds are in ExclusiveMin/Max).
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// ExclusiveMin and ExclusiveMax mark Min and Max as exclusive.
	ExclusiveMin bool `json:"exclusive_min,omitempty"`
	ExclusiveMax bool `json:"exclusive_max,omitempty"`
	// Step is the slider and number box step.
	Step float64 `json:"step,omitempty"`
	// Default is the schema default, shown as a placeholder while the field is not sent.
	Default json.RawMessage `json:"default,omitempty"`
	// Enum lists the allowed values of a select, without repeats.
	Enum []json.RawMessage `json:"enum,omitempty"`
	// Required is set when the schema lists the property as required.
	Required bool `json:"required,omitempty"`
	// Nullable is set when an explicit null is an allowed value.
	Nullable bool `json:"nullable,omitempty"`
	// MinLength and MaxLength bound strings; MaxItems bounds Tags lists.
	MinLength *int `json:"min_length,omitempty"`
	MaxLength *int `json:"max_length,omitempty"`
	MaxItems  *int `json:"max_items,omitempty"`
	// Pattern is a regular expression strings must match (ECMA syntax; checked when Go's regexp
	// accepts it).
	Pattern string `json:"pattern,omitempty"`
	// Format is the schema's string format, e.g. "uri" or "binary".
	Format string `json:"format,omitempty"`
	// MinItems bounds Tags and List lists from below.
	MinItems *int `json:"min_items,omitempty"`
	// Example is the schema's example value, if any.
	Example json.RawMessage `json:"example,omitempty"`
	// Fields are an Object's properties (and a File object's parts), in document order.
	Fields []Field `json:"fields,omitempty"`
	// Closed is set when an Object allows no properties besides Fields.
	Closed bool `json:"closed,omitempty"`
	// Items describes the elements of Tags, List and Messages values.
	Items *Field `json:"items,omitempty"`
	// Choices are a Choice's alternatives, each labelled.
	Choices []Field `json:"choices,omitempty"`
	// Note says why a ReadOnly field cannot be edited.
	Note string `json:"note,omitempty"`
	// Page is set on the top-level fields the run area fills (the model, the conversation, an
	// image prompt): the parameter form does not draw them. See [Operation.Own].
	Page bool `json:"page,omitempty"`
}

// Fields derives the form fields of an object schema, one per property, in document order.
func Fields(body *Schema) []Field {
	return objectFields(body, 0)
}

// maxFieldDepth bounds how deep sub-forms nest; anything deeper is edited as JSON.
const maxFieldDepth = 12

func objectFields(s *Schema, depth int) []Field {
	if s == nil {
		return nil
	}
	s = flattenAllOf(s)
	fields := make([]Field, 0, len(s.Properties))
	for _, p := range s.Properties {
		f := fieldOf(p.Name, p.Schema, depth)
		f.Required = s.IsRequired(p.Name)
		fields = append(fields, f)
	}
	return fields
}

// longTextNames are string properties that hold prompts and deserve a multi-line editor.
var longTextNames = map[string]bool{
	"prompt": true, "negative_prompt": true, "input": true, "instructions": true, "system": true,
	"text": true, "lyrics": true, "query": true, "content": true,
}

func fieldOf(name string, s *Schema, depth int) Field {
	if s == nil {
		s = &Schema{}
	}
	s = flattenAllOf(s)
	s = asFile(s, s.Description)
	f := Field{Name: name, Label: label(name, s), Help: strings.TrimSpace(s.Description), Default: s.Default, Example: s.Example}
	s, nullable := stripNull(s)
	s = flattenAllOf(s)
	f.Nullable = nullable
	if len(f.Default) == 0 {
		f.Default = s.Default
	}
	if len(f.Example) == 0 {
		f.Example = s.Example
	}
	if f.Help == "" {
		f.Help = strings.TrimSpace(s.Description)
	}
	if depth > maxFieldDepth {
		f.Control, f.Type = JSON, singleType(s)
		return f
	}
	if vals := enumValues(s); len(vals) > 0 {
		f.Control, f.Enum, f.Type = Select, vals, singleType(s)
		return f
	}
	if alts := unionAlternatives(s); len(alts) > 0 {
		if isStringOrStrings(s) {
			f.Control, f.Type = Tags, ""
			item := Field{Name: "item", Label: "Item", Control: Text, Type: "string"}
			for _, alt := range alts {
				if alt.Items != nil {
					item = fieldOf("item", alt.Items, depth+1)
					f.MinItems, f.MaxItems = alt.MinItems, alt.MaxItems
				}
			}
			f.Items = &item
			return f
		}
		f.Control, f.Type = Choice, ""
		for i, alt := range alts {
			c := fieldOf(name, asFile(alt, s.Description), depth+1)
			c.Label = choiceLabel(alt, c, i)
			c.Help = strings.TrimSpace(alt.Description)
			f.Choices = append(f.Choices, c)
		}
		dedupeLabels(f.Choices)
		return f
	}
	switch typ := singleType(s); typ {
	case "number", "integer":
		f.Type = typ
		f.Min, f.ExclusiveMin = exclusive(s.ExclusiveMinimum, s.Minimum)
		f.Max, f.ExclusiveMax = exclusive(s.ExclusiveMaximum, s.Maximum)
		f.Step = step(typ, f.Min, f.Max, s.MultipleOf)
		f.Control = Number
		if f.Min != nil && f.Max != nil && *f.Max > *f.Min {
			f.Control = Slider
		}
	case "boolean":
		f.Control, f.Type = Toggle, typ
	case "string":
		f.Type, f.Format, f.Pattern = typ, s.Format, s.Pattern
		f.MinLength, f.MaxLength = s.MinLength, s.MaxLength
		switch {
		case s.Format == "binary" || s.Format == "byte":
			f.Control = File
		case s.Format == "uri" || s.Format == "url" || strings.HasSuffix(name, "_url") || name == "url":
			f.Control = URL
		case longTextNames[name] || (s.MaxLength != nil && *s.MaxLength > 200):
			f.Control = Textarea
		default:
			f.Control = Text
		}
	case "array":
		f.Type = typ
		f.MinItems, f.MaxItems = s.MinItems, s.MaxItems
		if s.Items == nil {
			f.Control = JSON
			return f
		}
		item := fieldOf("item", s.Items, depth+1)
		f.Items = &item
		switch item.Control {
		case Text, URL, Number, Slider:
			f.Control = Tags
		case Select:
			f.Control = Tags // a multi-select: each item one of the enum
		default:
			f.Control = List
		}
	case "object":
		f.Type = typ
		f.Closed = string(bytes.TrimSpace(s.AdditionalProperties)) == "false"
		switch {
		case s.Format == "binary":
			f.Control = File
			f.Fields = objectFields(s, depth+1)
		case len(s.Properties) > 0:
			f.Control = Object
			f.Fields = objectFields(s, depth+1)
		default:
			f.Control = JSON // free-form: logit_bias, metadata, a tool's parameters
		}
	case "":
		switch {
		case len(s.Properties) > 0:
			f.Control, f.Type = Object, "object"
			f.Fields = objectFields(s, depth+1)
		case len(s.Type) > 1:
			// Several types, e.g. ["string","number"]: a choice of one control per type.
			f.Control = Choice
			for _, t := range s.Type.NonNull() {
				alt := *s
				alt.Type = Types{t}
				c := fieldOf(name, &alt, depth+1)
				c.Label = t
				f.Choices = append(f.Choices, c)
			}
		default:
			f.Control = JSON // any JSON value
		}
	default:
		f.Control, f.Type = ReadOnly, typ
		f.Note = "This parameter's type (" + typ + ") is not a JSON Schema type the playground knows; it is not sent."
	}
	return f
}

// asFile marks a bare object schema (no properties, no format), or a list of them, as a file
// (format binary) when the description of the field that holds it says it is a local file ("a
// local file (png, webp, or jpg)", "A local PNG file used as a mask"): the form then offers a file
// picker and sends the file object it sends for binary objects, rather than a JSON editor.
func asFile(s *Schema, desc string) *Schema {
	if s == nil || !localFile(desc) {
		return s
	}
	switch singleType(s) {
	case "object":
		if len(s.Properties) > 0 || s.Format != "" {
			return s
		}
		c := *s
		c.Format = "binary"
		return &c
	case "array":
		if items := asFile(s.Items, desc); items != s.Items {
			c := *s
			c.Items = items
			return &c
		}
	}
	return s
}

// localFile reports whether a description says its field holds a local file: "local" followed,
// one word later at most, by "file".
func localFile(desc string) bool {
	words := strings.FieldsFunc(strings.ToLower(desc), func(r rune) bool { return !unicode.IsLetter(r) })
	for i, w := range words {
		if w != "local" {
			continue
		}
		if i+1 < len(words) && words[i+1] == "file" || i+2 < len(words) && words[i+2] == "file" {
			return true
		}
	}
	return false
}

// unionAlternatives returns the non-null alternatives of an anyOf/oneOf with two or more of them
// (a single one has been merged into s by stripNull).
func unionAlternatives(s *Schema) []*Schema {
	alts := alternatives(s)
	if len(alts) < 2 {
		return nil
	}
	out := make([]*Schema, 0, len(alts))
	for _, a := range alts {
		a = flattenAllOf(a)
		if len(s.Type) > 0 && len(a.Type) == 0 && len(a.Properties) > 0 {
			cp := *a
			cp.Type = s.Type // {"type":"object","oneOf":[{"properties":…}]}: the type is outside
			a = &cp
		}
		out = append(out, a)
	}
	return out
}

// choiceLabel names a union alternative: its title; else the constant of a discriminating property
// such as {"type": "json_schema"}; else its kind.
func choiceLabel(s *Schema, f Field, i int) string {
	if t := strings.TrimSpace(s.Title); t != "" && len(t) < 40 {
		return t
	}
	for _, key := range []string{"type", "role", "mode", "name"} {
		if p := s.Properties.Get(key); p != nil {
			if vals := enumValues(p); len(vals) == 1 {
				var v string
				if json.Unmarshal(vals[0], &v) == nil && v != "" {
					return v
				}
			}
		}
	}
	switch f.Control {
	case Select:
		return "choice"
	case Text, Textarea:
		return "text"
	case URL:
		return "URL"
	case File:
		return "one file"
	case Tags, List:
		if f.Items != nil && f.Items.Control == File {
			return "several files"
		}
		return "list"
	case Object:
		var names []string
		for _, sf := range f.Fields {
			names = append(names, sf.Name)
		}
		if len(names) > 0 && len(names) <= 3 {
			return "object (" + strings.Join(names, ", ") + ")"
		}
		return "object"
	case Number, Slider:
		return "number"
	case Toggle:
		return "boolean"
	}
	return fmt.Sprintf("option %d", i+1)
}

// dedupeLabels numbers alternatives whose labels repeat, so each can be told apart.
func dedupeLabels(choices []Field) {
	count := map[string]int{}
	for _, c := range choices {
		count[c.Label]++
	}
	seen := map[string]int{}
	for i := range choices {
		if l := choices[i].Label; count[l] > 1 {
			seen[l]++
			choices[i].Label = fmt.Sprintf("%s %d", l, seen[l])
		}
	}
}

// stripNull removes the ways a schema says "or null" and reports whether it did: OpenAPI 3.0
// `nullable`, 3.1 `type: [x, "null"]`, and null alternatives in anyOf/oneOf. A union left with one
// alternative becomes that alternative.
func stripNull(s *Schema) (*Schema, bool) {
	nullable := s.Nullable || s.Type.Has("null")
	cp := *s
	cp.Nullable = false
	if len(cp.Type) > 0 {
		cp.Type = cp.Type.NonNull()
	}
	for _, list := range []*[]*Schema{&cp.AnyOf, &cp.OneOf} {
		if len(*list) == 0 {
			continue
		}
		var kept []*Schema
		for _, alt := range *list {
			if isNullOnly(alt) {
				nullable = true
				continue
			}
			kept = append(kept, alt)
		}
		*list = kept
	}
	if len(cp.Type) == 0 && len(cp.Properties) == 0 && len(cp.Enum) == 0 {
		alts := append(append([]*Schema{}, cp.AnyOf...), cp.OneOf...)
		if len(alts) == 1 {
			inner, innerNull := stripNull(alts[0])
			merged := *inner
			if merged.Description == "" {
				merged.Description = cp.Description
			}
			if len(merged.Default) == 0 {
				merged.Default = cp.Default
			}
			return &merged, nullable || innerNull
		}
	}
	return &cp, nullable
}

// isNullOnly reports whether a union alternative only admits null: `{"type":"null"}`,
// `{"nullable":true}` with no type, or `{"enum":[null]}`.
func isNullOnly(s *Schema) bool {
	if s == nil {
		return false
	}
	if len(s.Type) == 1 && s.Type[0] == "null" {
		return true
	}
	if len(s.Type) == 0 && len(s.AnyOf) == 0 && len(s.OneOf) == 0 && len(s.Properties) == 0 && s.Items == nil {
		if s.Nullable && len(s.Enum) == 0 {
			return true
		}
		if len(s.Enum) == 1 && bytes.Equal(bytes.TrimSpace(s.Enum[0]), []byte("null")) {
			return true
		}
	}
	return false
}

// singleType returns the schema's one non-null type, inferring it from an enum or const when the
// `type` keyword is missing, or "" when there is none or several.
func singleType(s *Schema) string {
	if t := s.Type.NonNull(); len(t) == 1 {
		return t[0]
	} else if len(t) > 1 {
		return ""
	}
	vals := append(append([]json.RawMessage{}, s.Enum...), s.Const)
	typ := ""
	for _, v := range vals {
		v = bytes.TrimSpace(v)
		if len(v) == 0 || bytes.Equal(v, []byte("null")) {
			continue
		}
		var t string
		switch v[0] {
		case '"':
			t = "string"
		case 't', 'f':
			t = "boolean"
		default:
			t = "number"
		}
		if typ != "" && typ != t {
			return ""
		}
		typ = t
	}
	return typ
}

// enumValues returns a schema's distinct allowed values from enum or const, without null.
func enumValues(s *Schema) []json.RawMessage {
	vals := append(append([]json.RawMessage{}, s.Enum...), s.Const)
	var out []json.RawMessage
	for _, v := range vals {
		v = bytes.TrimSpace(v)
		if len(v) == 0 || bytes.Equal(v, []byte("null")) {
			continue
		}
		dup := false
		for _, o := range out {
			if jsonEqual(o, v) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

// alternatives lists a schema's anyOf and oneOf alternatives (null entries of a sloppy document
// are dropped).
func alternatives(s *Schema) []*Schema {
	var out []*Schema
	for _, a := range append(append([]*Schema{}, s.AnyOf...), s.OneOf...) {
		if a != nil {
			out = append(out, a)
		}
	}
	return out
}

// isStringOrStrings reports whether a union is exactly "a string or an array of strings".
func isStringOrStrings(s *Schema) bool {
	alts := alternatives(s)
	if len(alts) == 0 {
		if s.Type.Has("string") && s.Type.Has("array") && s.Items != nil && s.Items.Type.Has("string") {
			return true
		}
		return false
	}
	str, arr := false, false
	for _, a := range alts {
		a, _ = stripNull(a)
		switch {
		case singleType(a) == "string" && len(a.Enum) == 0:
			str = true
		case singleType(a) == "array" && a.Items != nil && singleType(a.Items) == "string":
			arr = true
		default:
			return false
		}
	}
	return str && arr
}

func describe(s *Schema) string {
	switch {
	case len(s.AnyOf) > 0:
		return "one of several alternatives"
	case len(s.OneOf) > 0:
		return "one of several alternatives"
	case singleType(s) == "object":
		return "an object"
	case singleType(s) == "array":
		return "a list"
	default:
		return "an unspecified type"
	}
}

// step chooses the increment of a number control: the schema's multipleOf, 1 for integers, and for
// bounded numbers a power of ten that gives about a hundred steps across the range.
func step(typ string, min, max *float64, multipleOf *float64) float64 {
	if multipleOf != nil && *multipleOf > 0 {
		return *multipleOf
	}
	if typ == "integer" {
		return 1
	}
	if min == nil || max == nil || *max <= *min {
		return 0 // "any" for an unbounded number box
	}
	span := *max - *min
	st := math.Pow(10, math.Floor(math.Log10(span/100)))
	if st > 1 {
		st = 1
	}
	// Also land exactly on the bounds, e.g. 0.001 for min_p's 0.001..0.999.
	for _, b := range []float64{*min, *max} {
		for st > 1e-9 && math.Abs(b/st-math.Round(b/st)) > 1e-6 {
			st /= 10
		}
	}
	return st
}

// label turns a property name into a readable label: "max_tokens" → "Max tokens".
func label(name string, s *Schema) string {
	if t := strings.TrimSpace(s.Title); t != "" && len(t) < 40 {
		return t
	}
	words := strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	if len(words) == 0 {
		return name
	}
	for i, w := range words {
		switch strings.ToLower(w) {
		case "id", "url", "json", "p", "k", "a", "tts", "uri":
			if i > 0 {
				words[i] = strings.ToUpper(w)
				continue
			}
		}
		if i == 0 {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			words[i] = string(r)
		}
	}
	return strings.Join(words, " ")
}
