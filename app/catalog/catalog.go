// Package catalog is the playground's model catalogue: which models exist, who makes them, which
// providers serve them and which request schema describes each one's API.
//
// The types here are shared by the server (which builds the catalogue from the embedded default,
// directories of OpenAPI files and each provider's live model list) and the browser (which receives
// the compact list and one model's form at a time as JSON). The package is pure Go with no go-app
// or net/http import: ParseLiveList and Merge work on bytes and values, the server does the I/O.
package catalog

import (
	"sort"
	"strings"

	"playground/app/kind"
	"playground/app/schema"
)

// ChatCompletions is the endpoint path of OpenAI-compatible chat models.
const ChatCompletions = "/v1/chat/completions"

// Model is one entry of the catalogue as the model picker shows it. The same model id may appear
// once per provider that serves it; Provider tells the entries apart.
type Model struct {
	// ID is the model id sent in requests, e.g. "gryphe/mythomax-l2-13b".
	ID string `json:"id"`
	// Name is the display name.
	Name string `json:"name"`
	// Developer is who made the model, e.g. "Meta".
	Developer string `json:"developer,omitempty"`
	// Description is a sentence or two about the model, from the provider's live list.
	Description string `json:"description,omitempty"`
	// Aliases are other ids the same model answers to; requests naming one reach this entry.
	Aliases []string `json:"aliases,omitempty"`
	// ContextLength is the context window in tokens, 0 when unknown.
	ContextLength int `json:"context_length,omitempty"`
	// Endpoint is the API path the model is called on, e.g. "/v1/chat/completions"; empty when the
	// provider's endpoint type has no path the playground knows.
	Endpoint string `json:"endpoint"`
	// Type is the provider's endpoint type from its live list, e.g. "openai/chat-completions".
	Type string `json:"type,omitempty"`
	// Kind names the endpoint kind of Endpoint (see package kind), e.g. "chat" or "images"; empty
	// when the playground does not know the endpoint.
	Kind string `json:"kind,omitempty"`
	// Provider names the configured provider that serves the model, e.g. "aimlapi".
	Provider string `json:"provider"`
	// InputModalities and OutputModalities are what the model reads and writes ("text", "image"…).
	InputModalities  []string `json:"input_modalities,omitempty"`
	OutputModalities []string `json:"output_modalities,omitempty"`
	// Capabilities are the provider's declared capabilities ("streaming", "tools", "vision"…).
	Capabilities []string `json:"capabilities,omitempty"`
	// Price is the token price where the provider quotes one, nil when unknown.
	Price *Price `json:"price,omitempty"`
	// Generic is set when the model has no schema of its own and uses a shared one for its endpoint.
	Generic bool `json:"generic,omitempty"`
	// Unsupported is set for models the playground cannot run yet (an endpoint kind it does not
	// run, such as video, or no request schema): they are listed and open, and are refused by the
	// API routes.
	Unsupported bool `json:"unsupported,omitempty"`
	// Deprecated is set for models their provider has announced to retire or no longer offers;
	// they are left out of Models but still resolve for requests that name them.
	Deprecated bool `json:"deprecated,omitempty"`
}

// Price is what a model costs, in US dollars per million tokens. A nil side is not quoted.
type Price struct {
	// Input is the price of a million prompt tokens.
	Input *float64 `json:"input,omitempty"`
	// Output is the price of a million generated tokens.
	Output *float64 `json:"output,omitempty"`
}

// Form is what the browser needs to draw one model's controls and build its requests.
type Form struct {
	// Model is the catalogue entry.
	Model Model `json:"model"`
	// Method and Path name the operation, e.g. POST /v1/chat/completions.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Fields are the request parameters in schema order.
	Fields []schema.Field `json:"fields"`
	// Source says where the schema came from, e.g. "embedded:mythomax-l2-13b.json", or
	// "generic:/v1/chat/completions" for the shared form of an endpoint.
	Source string `json:"source,omitempty"`
	// Kind is the operation's endpoint kind (see package kind), "" when unknown.
	Kind string `json:"kind,omitempty"`
	// Operations lists every operation the model is called on at its provider (chat and
	// Responses, say), the one of this form among them; a form of another is asked for with
	// ?op=PATH.
	Operations []OperationRef `json:"operations,omitempty"`
}

// OperationRef names one of a model's operations.
type OperationRef struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Kind   string `json:"kind,omitempty"`
}

// Entry is a model together with its operations, as the server keeps it. Operation is the main
// one (on Model.Endpoint), nil when the model has no request schema; Others are the model's
// further operations at the same provider (a chat model's Responses or Messages operation, an
// image model's edits).
type Entry struct {
	Model     Model
	Operation *schema.Operation
	Others    []*schema.Operation
	Source    string
}

// Runnable reports whether the playground can call the model: it has a request schema and an
// endpoint kind the playground runs.
func (e *Entry) Runnable() bool { return e.Operation != nil && !e.Model.Unsupported }

// Find returns the entry's operation on path (canonical or not, see kind.Canonical), or nil.
func (e *Entry) Find(path string) *schema.Operation {
	path = kind.Canonical(path)
	if e.Operation != nil && e.Operation.Path == path {
		return e.Operation
	}
	for _, op := range e.Others {
		if op.Path == path {
			return op
		}
	}
	return nil
}

// RunnableOn reports whether the playground can call the model on path: the operation is the
// model's and of a kind the playground runs.
func (e *Entry) RunnableOn(path string) bool {
	op := e.Find(path)
	if op == nil || e.Operation == nil {
		return false
	}
	if op == e.Operation {
		return e.Runnable()
	}
	k := kind.For(op.Path)
	return k != nil && k.Runs()
}

// Form returns the entry's browser form of its main operation; an unsupported model's form has no
// fields.
func (e *Entry) Form() Form {
	f, _ := e.FormOf("")
	return f
}

// FormOf returns the browser form of the entry's operation on path ("" for the main one), and
// whether the model has that operation.
func (e *Entry) FormOf(path string) (Form, bool) {
	op := e.Operation
	if path != "" {
		if op = e.Find(path); op == nil {
			return Form{}, false
		}
	}
	f := Form{Model: e.Model, Method: "POST", Path: e.Model.Endpoint, Fields: []schema.Field{}, Source: e.Source, Kind: e.Model.Kind}
	if op != nil {
		f.Method, f.Path, f.Fields = op.Method, op.Path, op.Fields
		if k := kind.For(op.Path); k != nil {
			f.Kind = k.Name()
		}
		if op != e.Operation {
			f.Model.Endpoint, f.Model.Kind = op.Path, f.Kind
			f.Model.Unsupported = !e.RunnableOn(op.Path)
		}
	}
	if len(e.Others) > 0 {
		for _, o := range append([]*schema.Operation{e.Operation}, e.Others...) {
			if o == nil {
				continue
			}
			ref := OperationRef{Method: o.Method, Path: o.Path}
			if k := kind.For(o.Path); k != nil {
				ref.Kind = k.Name()
			}
			f.Operations = append(f.Operations, ref)
		}
	}
	return f, true
}

// key identifies an entry: one model id at one provider.
type key struct{ provider, id string }

// Catalog is an in-memory set of entries keyed by provider and model id. The zero value is empty and
// ready; it is not safe for concurrent mutation, and is read-only once built (the server swaps in
// a new Catalog rather than changing one in use).
type Catalog struct {
	entries   map[key]*Entry
	aliases   map[key]*Entry
	providers []string
}

// Put adds or replaces the entry for e.Model.Provider and e.Model.ID, and indexes its aliases.
func (c *Catalog) Put(e *Entry) {
	if c.entries == nil {
		c.entries = make(map[key]*Entry)
		c.aliases = make(map[key]*Entry)
	}
	k := key{e.Model.Provider, e.Model.ID}
	if old, ok := c.entries[k]; ok {
		for _, a := range old.Model.Aliases {
			if ak := (key{k.provider, a}); c.aliases[ak] == old {
				delete(c.aliases, ak)
			}
		}
	} else if !c.hasProvider(k.provider) {
		c.providers = append(c.providers, k.provider)
	}
	c.entries[k] = e
	for _, a := range e.Model.Aliases {
		if a != e.Model.ID {
			c.aliases[key{k.provider, a}] = e
		}
	}
}

func (c *Catalog) hasProvider(p string) bool {
	for _, q := range c.providers {
		if q == p {
			return true
		}
	}
	return false
}

// Lookup returns the entry a request naming id reaches. With a provider name, only that provider's
// entries count; with "", the first provider (in the order providers were added, which is the
// configuration's) that serves id. Within a provider a model's own id wins over another model's
// alias.
func (c *Catalog) Lookup(id, provider string) (*Entry, bool) {
	if provider != "" {
		return c.lookupAt(id, provider)
	}
	for _, p := range c.providers {
		if e, ok := c.lookupAt(id, p); ok {
			return e, true
		}
	}
	return nil, false
}

func (c *Catalog) lookupAt(id, provider string) (*Entry, bool) {
	k := key{provider, id}
	if e, ok := c.entries[k]; ok {
		return e, true
	}
	e, ok := c.aliases[k]
	return e, ok
}

// Providers returns the names of the providers with entries, in the order they were added.
func (c *Catalog) Providers() []string { return append([]string(nil), c.providers...) }

// HasProvider reports whether a provider has entries in the catalogue.
func (c *Catalog) HasProvider(name string) bool { return c.hasProvider(name) }

// Len returns the number of entries (a model served by two providers counts twice).
func (c *Catalog) Len() int { return len(c.entries) }

// Entries returns every entry, deprecated ones included, in the order of Models.
func (c *Catalog) Entries() []*Entry {
	out := make([]*Entry, 0, len(c.entries))
	for _, e := range c.entries {
		out = append(out, e)
	}
	rank := make(map[string]int, len(c.providers))
	for i, p := range c.providers {
		rank[p] = i
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i].Model, &out[j].Model
		if da, db := strings.ToLower(a.Developer), strings.ToLower(b.Developer); da != db {
			return da < db
		}
		if na, nb := strings.ToLower(a.Name), strings.ToLower(b.Name); na != nb {
			return na < nb
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return rank[a.Provider] < rank[b.Provider]
	})
	return out
}

// Models returns every model that is not deprecated, sorted by developer, name, id, then provider
// in configuration order.
func (c *Catalog) Models() []Model {
	out := make([]Model, 0, len(c.entries))
	for _, e := range c.Entries() {
		if !e.Model.Deprecated {
			out = append(out, e.Model)
		}
	}
	return out
}
