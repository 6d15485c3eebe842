// Package schema reads the OpenAPI 3 request schemas that describe each model's API and turns them
// into the ordered list of form fields the playground draws, and validates and builds request bodies
// from the values a user has set.
//
// The package is pure Go with no dependency on go-app, so it runs and is tested both on the host and
// under GOOS=js. It reads leniently (real documents are sloppy: repeated enum values, numbers where
// integers are meant, OpenAPI 3.0 `nullable` next to 3.1 `type: [x, "null"]`) and is strict in what
// it lets the playground send.
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Schema is the subset of JSON Schema (as used by OpenAPI 3.0 and 3.1) that the playground reads.
// Unknown keywords are ignored.
type Schema struct {
	Ref         string            `json:"$ref,omitempty"`
	Type        Types             `json:"type,omitempty"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Format      string            `json:"format,omitempty"`
	Nullable    bool              `json:"nullable,omitempty"`
	Enum        []json.RawMessage `json:"enum,omitempty"`
	Const       json.RawMessage   `json:"const,omitempty"`
	Default     json.RawMessage   `json:"default,omitempty"`
	Example     json.RawMessage   `json:"example,omitempty"`

	Minimum          *float64        `json:"minimum,omitempty"`
	Maximum          *float64        `json:"maximum,omitempty"`
	ExclusiveMinimum json.RawMessage `json:"exclusiveMinimum,omitempty"` // bool in 3.0, number in 3.1
	ExclusiveMaximum json.RawMessage `json:"exclusiveMaximum,omitempty"` // bool in 3.0, number in 3.1
	MultipleOf       *float64        `json:"multipleOf,omitempty"`

	MinLength *int   `json:"minLength,omitempty"`
	MaxLength *int   `json:"maxLength,omitempty"`
	Pattern   string `json:"pattern,omitempty"`

	Items    *Schema `json:"items,omitempty"`
	MinItems *int    `json:"minItems,omitempty"`
	MaxItems *int    `json:"maxItems,omitempty"`

	Properties           Properties      `json:"properties,omitempty"`
	Required             Names           `json:"required,omitempty"`
	AdditionalProperties json.RawMessage `json:"additionalProperties,omitempty"`

	AnyOf []*Schema `json:"anyOf,omitempty"`
	OneOf []*Schema `json:"oneOf,omitempty"`
	AllOf []*Schema `json:"allOf,omitempty"`
}

// Types is the value of the `type` keyword: one type name, or (OpenAPI 3.1) a list of them.
type Types []string

// UnmarshalJSON reads `"number"` as well as `["number", "null"]`.
func (t *Types) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var list []string
		if err := json.Unmarshal(b, &list); err != nil {
			return fmt.Errorf("type: %w", err)
		}
		*t = list
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	*t = Types{one}
	return nil
}

// Names is a list of property names, as in `required`. Reading is lenient: a non-list value (some
// documents write Swagger 2's `required: true` on a property) reads as an empty list.
type Names []string

// UnmarshalJSON reads a list of strings and ignores any other JSON value.
func (n *Names) UnmarshalJSON(b []byte) error {
	var list []string
	if json.Unmarshal(b, &list) != nil {
		*n = nil
		return nil
	}
	*n = list
	return nil
}

// Has reports whether the type list names typ.
func (t Types) Has(typ string) bool {
	for _, x := range t {
		if x == typ {
			return true
		}
	}
	return false
}

// NonNull returns the type names other than "null".
func (t Types) NonNull() []string {
	var out []string
	for _, x := range t {
		if x != "null" {
			out = append(out, x)
		}
	}
	return out
}

// Property is one named entry of an object schema's `properties`.
type Property struct {
	Name   string
	Schema *Schema
}

// Properties keeps an object's properties in the order the document lists them, which is the order
// the form shows them in.
type Properties []Property

// UnmarshalJSON reads a JSON object while keeping its key order.
func (p *Properties) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("properties: want an object, got %v", tok)
	}
	var out Properties
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("properties: %w", err)
		}
		name, _ := tok.(string)
		var s Schema
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("properties.%s: %w", name, err)
		}
		out = append(out, Property{Name: name, Schema: &s})
	}
	*p = out
	return nil
}

// MarshalJSON writes the properties back as an object in their order.
func (p Properties) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, prop := range p {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(prop.Name)
		buf.Write(k)
		buf.WriteByte(':')
		v, err := json.Marshal(prop.Schema)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// Get returns the schema of the property called name, or nil.
func (p Properties) Get(name string) *Schema {
	for _, prop := range p {
		if prop.Name == name {
			return prop.Schema
		}
	}
	return nil
}

// IsRequired reports whether name is listed in the schema's `required`.
func (s *Schema) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// exclusive reads an exclusiveMinimum/Maximum keyword in either form: a bound (3.1) or a flag on
// minimum/maximum (3.0).
func exclusive(raw json.RawMessage, bound *float64) (*float64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return bound, false
	}
	if bytes.Equal(raw, []byte("true")) {
		return bound, true
	}
	if bytes.Equal(raw, []byte("false")) {
		return bound, false
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err == nil {
		return &v, true
	}
	return bound, false
}
