// Package catalog is the playground's model catalogue: which models exist, who makes them, which
// provider serves them and which request schema describes each one's API.
//
// The types here are shared by the server (which builds the catalogue from the embedded default and
// from directories of OpenAPI files) and the browser (which receives the compact list and one model's
// form at a time as JSON). The package is pure Go with no go-app import.
package catalog

import (
	"sort"
	"strings"

	"playground/app/schema"
)

// ChatCompletions is the endpoint path of OpenAI-compatible chat models.
const ChatCompletions = "/v1/chat/completions"

// Model is one entry of the catalogue as the model picker shows it.
type Model struct {
	// ID is the model id sent in requests, e.g. "gryphe/mythomax-l2-13b".
	ID string `json:"id"`
	// Name is the display name.
	Name string `json:"name"`
	// Developer is who made the model, e.g. "Meta".
	Developer string `json:"developer,omitempty"`
	// ContextLength is the context window in tokens, 0 when unknown.
	ContextLength int `json:"context_length,omitempty"`
	// Endpoint is the API path the model is called on, e.g. "/v1/chat/completions".
	Endpoint string `json:"endpoint"`
	// Provider names the configured provider that serves the model, e.g. "aimlapi".
	Provider string `json:"provider"`
	// Generic is set when the model has no schema of its own and uses a shared one for its endpoint.
	Generic bool `json:"generic,omitempty"`
	// Deprecated is set for models their provider has announced to retire.
	Deprecated bool `json:"deprecated,omitempty"`
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
	// Source says where the schema came from, e.g. "embedded:mythomax-l2-13b.json".
	Source string `json:"source,omitempty"`
}

// Entry is a model together with its operation, as the server keeps it.
type Entry struct {
	Model     Model
	Operation *schema.Operation
	Source    string
}

// Form returns the entry's browser form.
func (e *Entry) Form() Form {
	return Form{Model: e.Model, Method: e.Operation.Method, Path: e.Operation.Path, Fields: e.Operation.Fields, Source: e.Source}
}

// Catalog is an in-memory set of entries keyed by model id. The zero value is empty and ready; it is
// not safe for concurrent mutation, and is read-only once built.
type Catalog struct {
	entries map[string]*Entry
}

// Put adds or replaces the entry for e.Model.ID.
func (c *Catalog) Put(e *Entry) {
	if c.entries == nil {
		c.entries = make(map[string]*Entry)
	}
	c.entries[e.Model.ID] = e
}

// Lookup returns the entry of a model id.
func (c *Catalog) Lookup(id string) (*Entry, bool) {
	e, ok := c.entries[id]
	return e, ok
}

// Len returns the number of models.
func (c *Catalog) Len() int { return len(c.entries) }

// Models returns every model that is not deprecated, sorted by developer then name.
func (c *Catalog) Models() []Model {
	out := make([]Model, 0, len(c.entries))
	for _, e := range c.entries {
		if !e.Model.Deprecated {
			out = append(out, e.Model)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if da, db := strings.ToLower(a.Developer), strings.ToLower(b.Developer); da != db {
			return da < db
		}
		if na, nb := strings.ToLower(a.Name), strings.ToLower(b.Name); na != nb {
			return na < nb
		}
		return a.ID < b.ID
	})
	return out
}

// Match reports whether a model matches a search query: every word of the query must appear in the
// id, name or developer, ignoring case.
func Match(m Model, query string) bool {
	hay := strings.ToLower(m.ID + " " + m.Name + " " + m.Developer)
	for _, w := range strings.Fields(strings.ToLower(query)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}
