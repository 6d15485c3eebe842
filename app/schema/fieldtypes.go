package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode"
)

// The helpers fieldOf reads a schema with: union alternatives and their labels, nullability,
// single types, enums, descriptions, number steps and labels.

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
