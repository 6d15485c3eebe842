package form

import (
	"bytes"
	"encoding/json"
	"math"

	"playground/app/schema"
)

// maxDepth bounds the recursion of Sample and Normalize over self-similar schemas.
const maxDepth = 32

// Sample returns a fresh value for a field, used for a new list item, a newly chosen union
// alternative and an object created by setting one of its sub-fields: the default when it is valid;
// else for a select the first allowed value; an object with its required sub-fields sampled; a list
// of MinItems sampled items; "" for text; the zero (or nearest bound) for numbers; false for a
// toggle; the first alternative of a choice; an empty value of a JSON field's type.
func Sample(f schema.Field) json.RawMessage {
	return sample(&f, 0)
}

func sample(f *schema.Field, depth int) json.RawMessage {
	if len(f.Default) > 0 && !IsNull(f.Default) && len(f.Validate(f.Default)) == 0 {
		return compact(f.Default)
	}
	if len(f.Enum) > 0 {
		return compact(f.Enum[0])
	}
	if depth > maxDepth {
		return json.RawMessage("null")
	}
	switch f.Control {
	case schema.Select:
		return json.RawMessage(`""`)
	case schema.Text, schema.Textarea, schema.URL, schema.Model:
		return json.RawMessage(`""`)
	case schema.Number, schema.Slider:
		x := 0.0
		if f.Min != nil && x < *f.Min {
			x = *f.Min
		}
		if f.Max != nil && x > *f.Max {
			x = *f.Max
		}
		if f.Type == "integer" {
			x = math.Ceil(x)
		}
		return schema.FormatNumber(x)
	case schema.Toggle:
		return json.RawMessage("false")
	case schema.Object:
		return objectSample(f, depth)
	case schema.File:
		if f.Type == "string" {
			return json.RawMessage(`""`)
		}
		return objectSample(f, depth)
	case schema.Tags, schema.List, schema.Messages:
		var els []json.RawMessage
		if f.MinItems != nil && f.Items != nil {
			for i := 0; i < *f.MinItems && i < 100; i++ {
				els = append(els, sample(f.Items, depth+1))
			}
		}
		return encodeArray(els)
	case schema.Choice:
		if len(f.Choices) > 0 {
			return sample(&f.Choices[0], depth+1)
		}
	case schema.JSON:
		switch f.Type {
		case "array":
			return json.RawMessage("[]")
		case "string":
			return json.RawMessage(`""`)
		case "number", "integer":
			return json.RawMessage("0")
		case "boolean":
			return json.RawMessage("false")
		}
		return json.RawMessage("{}")
	}
	return json.RawMessage("null")
}

func objectSample(f *schema.Field, depth int) json.RawMessage {
	var ms []member
	for i := range f.Fields {
		if sf := &f.Fields[i]; sf.Required {
			ms = append(ms, member{sf.Name, sample(sf, depth+1)})
		}
	}
	return encodeObject(ms)
}

// WhichChoice returns the index of the alternative of a Choice field that v belongs to: the first
// that accepts it; else an object alternative whose fixed property (such as {"type": "json_schema"})
// v carries; else the first of v's kind; else 0.
func WhichChoice(f schema.Field, v json.RawMessage) int {
	if len(f.Choices) == 0 || kind(v) == 0 {
		return 0
	}
	for i, c := range f.Choices {
		if len(c.Validate(v)) == 0 {
			return i
		}
	}
	if kind(v) == '{' {
		if ms, err := members(v); err == nil {
			for i, c := range f.Choices {
				if c.Control == schema.Object && discriminates(c, ms) {
					return i
				}
			}
		}
	}
	k := valueKind(v)
	for i, c := range f.Choices {
		if ck := choiceKind(c); ck == k || (ck == "number" && k == "integer") {
			return i
		}
	}
	return 0
}

// discriminates reports whether the object members carry a property the alternative fixes to one
// value.
func discriminates(c schema.Field, ms []member) bool {
	for _, sf := range c.Fields {
		if len(sf.Enum) != 1 {
			continue
		}
		for _, m := range ms {
			if m.key == sf.Name && Equal(m.val, sf.Enum[0]) {
				return true
			}
		}
	}
	return false
}

// Equal reports whether two JSON values are the same, whatever their spacing and key order.
func Equal(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// choiceKind is the JSON kind an alternative takes.
func choiceKind(f schema.Field) string {
	switch f.Control {
	case schema.Toggle:
		return "boolean"
	case schema.Slider, schema.Number:
		return "number"
	case schema.Text, schema.Textarea, schema.URL:
		return "string"
	case schema.Tags, schema.List, schema.Messages:
		return "array"
	case schema.Object:
		return "object"
	case schema.File:
		if f.Type == "string" {
			return "string"
		}
		return "object"
	}
	if f.Type == "integer" {
		return "number"
	}
	return f.Type
}

// valueKind names the JSON kind of v ("integer" for whole numbers).
func valueKind(v json.RawMessage) string {
	switch kind(v) {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't':
		return "boolean"
	case 'n':
		return "null"
	case '0':
		var n json.Number
		if json.Unmarshal(v, &n) == nil {
			if _, err := n.Int64(); err == nil {
				return "integer"
			}
		}
		return "number"
	}
	return ""
}

// Resolve returns the field a value is edited with: a Choice resolves to the alternative v belongs
// to (repeatedly, for a choice of choices); other fields are returned as they are.
func Resolve(f schema.Field, v json.RawMessage) schema.Field {
	for i := 0; f.Control == schema.Choice && len(f.Choices) > 0 && i < maxDepth; i++ {
		f = f.Choices[WhichChoice(f, v)]
	}
	return f
}

// FieldAt returns the field that describes the value at path inside root (a value of field f),
// resolving choices by the values on the way. ok is false when the schema does not describe the path.
func FieldAt(f schema.Field, root json.RawMessage, path []Step) (schema.Field, bool) {
	cur := root
	for _, s := range path {
		f = Resolve(f, cur)
		next, ok := stepField(f, s)
		if !ok {
			return schema.Field{}, false
		}
		f = next
		cur = Get(cur, []Step{s})
	}
	return f, true
}

// stepField is the field of one step inside f: an object's sub-field, or a list's item.
func stepField(f schema.Field, s Step) (schema.Field, bool) {
	if s.IsIndex {
		switch f.Control {
		case schema.Tags, schema.List, schema.Messages:
			if f.Items != nil {
				return *f.Items, true
			}
		}
		return schema.Field{}, false
	}
	switch f.Control {
	case schema.Object, schema.File:
		for _, sf := range f.Fields {
			if sf.Name == s.Key {
				return sf, true
			}
		}
	}
	return schema.Field{}, false
}

// Normalize returns v (compacted) with the keys of every object the schema describes in the order
// of its fields, then any other keys in their order.
func Normalize(f schema.Field, v json.RawMessage) json.RawMessage {
	if kind(v) == 0 {
		return v
	}
	return normalize(&f, compact(v), 0)
}

func normalize(f *schema.Field, v json.RawMessage, depth int) json.RawMessage {
	if depth > maxDepth {
		return v
	}
	r := Resolve(*f, v)
	switch kind(v) {
	case '{':
		if r.Control != schema.Object && r.Control != schema.File {
			return v
		}
		ms, err := members(v)
		if err != nil {
			return v
		}
		out := make([]member, 0, len(ms))
		used := make([]bool, len(ms))
		for i := range r.Fields {
			sf := &r.Fields[i]
			for j, m := range ms {
				if !used[j] && m.key == sf.Name {
					used[j] = true
					out = append(out, member{m.key, normalize(sf, m.val, depth+1)})
				}
			}
		}
		for j, m := range ms {
			if !used[j] {
				out = append(out, m)
			}
		}
		return encodeObject(out)
	case '[':
		if r.Items == nil {
			return v
		}
		els, err := elements(v)
		if err != nil {
			return v
		}
		for i := range els {
			els[i] = normalize(r.Items, els[i], depth+1)
		}
		return encodeArray(els)
	}
	return v
}

// Put sets the value at path inside root, a value of field f, the way the form does: objects and
// lists missing on the way (or of the wrong kind) are created from Sample of their field, and the
// result is normalized to the schema's key order. The empty path replaces root.
func Put(f schema.Field, root json.RawMessage, path []Step, v json.RawMessage) (json.RawMessage, error) {
	for i, s := range path {
		at := path[:i]
		cur := Get(root, at)
		want := byte('{')
		if s.IsIndex {
			want = '['
		}
		if kind(cur) == want {
			continue
		}
		pf, ok := FieldAt(f, root, at)
		var fresh json.RawMessage
		if ok {
			fresh = Sample(pf)
		}
		if kind(fresh) != want {
			fresh = json.RawMessage("{}")
			if want == '[' {
				fresh = json.RawMessage("[]")
			}
		}
		var err error
		if root, err = Set(root, at, fresh); err != nil {
			return nil, err
		}
	}
	out, err := Set(root, path, v)
	if err != nil {
		return nil, err
	}
	return Normalize(f, out), nil
}
