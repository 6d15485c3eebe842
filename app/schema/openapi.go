package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Operation is one API operation of an OpenAPI document whose request body is JSON: its endpoint,
// the models it serves and the form fields derived from its request body.
type Operation struct {
	// Method is the HTTP method in upper case, e.g. "POST".
	Method string `json:"method"`
	// Path is the operation's path as written in the document, e.g. "/v1/chat/completions".
	Path string `json:"path"`
	// Models lists the model ids of the body's `model` enum (or const), in document order.
	Models []string `json:"models,omitempty"`
	// Fields are the body's top-level properties in document order.
	Fields []Field `json:"fields"`
	// Body is the resolved request body schema; it is not sent to the browser.
	Body *Schema `json:"-"`
}

// Document is a parsed OpenAPI document.
type Document struct {
	// Operations are the document's JSON-body operations, sorted by path then method.
	Operations []*Operation
}

// ErrNotOpenAPI is returned by Parse for JSON that is not an OpenAPI document.
var ErrNotOpenAPI = errors.New("not an OpenAPI document (no \"paths\" object)")

// maxRefDepth bounds $ref chains and nesting so that cyclic or hostile documents cannot loop.
const maxRefDepth = 64

type rawOperation struct {
	RequestBody *struct {
		Content map[string]struct {
			Schema *Schema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

var methods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true}

// Parse reads an OpenAPI 3 document and returns its operations that take a JSON request body.
// Schema references (`#/components/schemas/...`) are resolved; anything else about the document
// that the playground does not use is ignored.
func Parse(data []byte) (*Document, error) {
	raw, err := scan(data)
	if err != nil {
		return nil, fmt.Errorf("parsing OpenAPI document: %w", err)
	}
	if raw.paths == nil {
		return nil, ErrNotOpenAPI
	}
	r := &resolver{raw: raw.components, done: map[string]*Schema{}}
	doc := &Document{}
	for _, op := range raw.paths {
		var ro rawOperation
		if err := json.Unmarshal(op.requestBody, &ro); err != nil {
			return nil, fmt.Errorf("parsing %s %s: request body: %w", op.method, op.path, err)
		}
		if ro.RequestBody == nil {
			continue
		}
		media, ok := ro.RequestBody.Content["application/json"]
		if !ok || media.Schema == nil {
			continue
		}
		body, err := r.resolve(media.Schema, 0)
		if err != nil {
			return nil, fmt.Errorf("%s %s: request body: %w", op.method, op.path, err)
		}
		body = flattenAllOf(body)
		doc.Operations = append(doc.Operations, &Operation{
			Method: op.method,
			Path:   op.path,
			Body:   body,
			Models: modelIDs(body),
			Fields: Fields(body),
		})
	}
	sort.Slice(doc.Operations, func(i, j int) bool {
		a, b := doc.Operations[i], doc.Operations[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	return doc, nil
}

// Operation returns the document's operation for method and path, or nil.
func (d *Document) Operation(method, path string) *Operation {
	for _, op := range d.Operations {
		if op.Method == method && op.Path == path {
			return op
		}
	}
	return nil
}

// modelIDs reads the string values of the body's `model` property enum or const.
func modelIDs(body *Schema) []string {
	m := body.Properties.Get("model")
	if m == nil {
		return nil
	}
	vals := m.Enum
	if len(m.Const) > 0 {
		vals = append(vals, m.Const)
	}
	var ids []string
	seen := map[string]bool{}
	for _, v := range vals {
		var id string
		if json.Unmarshal(v, &id) == nil && id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// resolver resolves `#/components/schemas/...` references, decoding each component once, on first
// use: documents carry megabytes of response schemas the request side never references.
type resolver struct {
	raw  map[string]json.RawMessage
	done map[string]*Schema
}

func (r *resolver) component(name string) (*Schema, error) {
	if s, ok := r.done[name]; ok {
		return s, nil
	}
	data, ok := r.raw[name]
	if !ok {
		return nil, errors.New("no such component")
	}
	var s Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	r.done[name] = &s
	return &s, nil
}

// resolve returns s with every $ref inside it replaced by the referenced schema (copied, so shared
// components are never mutated).
func (r *resolver) resolve(s *Schema, depth int) (*Schema, error) {
	if s == nil {
		return nil, nil
	}
	if depth > maxRefDepth {
		return nil, errors.New("schema nesting or $ref chain deeper than 64 levels")
	}
	if s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/")
		if !ok {
			return nil, fmt.Errorf("unsupported $ref %q (only #/components/schemas/... is read)", s.Ref)
		}
		target, err := r.component(name)
		if err != nil {
			return nil, fmt.Errorf("$ref %q: %w", s.Ref, err)
		}
		resolved, err := r.resolve(target, depth+1)
		if err != nil {
			return nil, fmt.Errorf("$ref %q: %w", s.Ref, err)
		}
		// Keywords next to a $ref (description, nullable, default) refine the target.
		cp := *resolved
		if s.Description != "" {
			cp.Description = s.Description
		}
		if s.Nullable {
			cp.Nullable = true
		}
		if len(s.Default) > 0 {
			cp.Default = s.Default
		}
		return &cp, nil
	}
	cp := *s
	var err error
	if cp.Items, err = r.resolve(s.Items, depth+1); err != nil {
		return nil, fmt.Errorf("items: %w", err)
	}
	if len(s.Properties) > 0 {
		cp.Properties = make(Properties, len(s.Properties))
		for i, p := range s.Properties {
			ps, err := r.resolve(p.Schema, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p.Name, err)
			}
			cp.Properties[i] = Property{Name: p.Name, Schema: ps}
		}
	}
	for _, list := range []*[]*Schema{&cp.AnyOf, &cp.OneOf, &cp.AllOf} {
		if len(*list) == 0 {
			continue
		}
		out := make([]*Schema, len(*list))
		for i, alt := range *list {
			if out[i], err = r.resolve(alt, depth+1); err != nil {
				return nil, err
			}
		}
		*list = out
	}
	return &cp, nil
}

// flattenAllOf merges an allOf into one schema, the way request bodies composed from shared parts
// are meant to be read: properties and required lists add up, and every other keyword is taken from
// the first part that sets it.
func flattenAllOf(s *Schema) *Schema {
	if s == nil || len(s.AllOf) == 0 {
		return s
	}
	out := *s
	out.AllOf = nil
	for _, part := range s.AllOf {
		if part == nil {
			continue
		}
		part = flattenAllOf(part)
		for _, p := range part.Properties {
			if out.Properties.Get(p.Name) == nil {
				out.Properties = append(out.Properties, p)
			}
		}
		out.Required = append(out.Required, part.Required...)
		if len(out.Type) == 0 {
			out.Type = part.Type
		}
		if out.Description == "" {
			out.Description = part.Description
		}
		if out.Format == "" {
			out.Format = part.Format
		}
		out.Nullable = out.Nullable || part.Nullable
		if len(out.Enum) == 0 {
			out.Enum = part.Enum
		}
		if len(out.Const) == 0 {
			out.Const = part.Const
		}
		if len(out.Default) == 0 {
			out.Default = part.Default
		}
		if out.Minimum == nil {
			out.Minimum = part.Minimum
		}
		if out.Maximum == nil {
			out.Maximum = part.Maximum
		}
		if out.Items == nil {
			out.Items = part.Items
		}
		if len(out.AnyOf) == 0 {
			out.AnyOf = part.AnyOf
		}
		if len(out.OneOf) == 0 {
			out.OneOf = part.OneOf
		}
		if len(out.AdditionalProperties) == 0 {
			out.AdditionalProperties = part.AdditionalProperties
		}
	}
	return &out
}

// jsonEqual reports whether two JSON values are equal after decoding (so `1` equals `1.0`).
func jsonEqual(a, b json.RawMessage) bool {
	if bytes.Equal(bytes.TrimSpace(a), bytes.TrimSpace(b)) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}
