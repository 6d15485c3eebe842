package schema

import (
	"bytes"
	"encoding/json"
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
