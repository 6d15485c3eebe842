package catalog

import (
	"path"
	"strings"

	"playground/app/schema"
)

// Source is what one provider contributes to the merged catalogue.
type Source struct {
	// Provider is the provider's name.
	Provider string
	// Static holds the provider's entries from the embedded catalogue and OpenAPI directories (nil
	// when it uses neither): request schemas, and metadata for models the live list does not
	// describe.
	Static *Catalog
	// Live is the provider's last good live list; nil when it has none (no live source, or no
	// fetch has succeeded yet), in which case the static entries are offered as they are.
	Live []LiveModel
	// Allow, when not empty, keeps only the models whose id or an alias matches one of these
	// path.Match patterns ("gryphe/mythomax-l2-13b", "meta-llama/*").
	Allow []string
}

// Merge builds the catalogue of several providers, in order (the order Lookup tries them in).
// For a provider with a live list, the list says which models exist and gives their identity and
// metadata; each model's request schema is the static entry's with the same id or alias (in either
// direction) for the same endpoint, else the generic operation of its endpoint (marked Generic),
// else none (marked Unsupported: listed, not runnable). Static metadata fills what the live list
// leaves out, except deprecation: a model on the live list is offered unless the list itself marks
// it deprecated or unavailable. generic maps endpoint paths to shared operations (see LoadGeneric).
func Merge(generic map[string]*schema.Operation, sources []Source) *Catalog {
	out := &Catalog{}
	described := map[string]*Model{} // ids whose identity a live list or static source gave
	var bare []*Entry                // entries of plain lists with only a derived name
	for _, src := range sources {
		var entries []*Entry
		if src.Live == nil {
			if src.Static != nil {
				for _, e := range src.Static.Entries() {
					if e.Model.Provider == src.Provider {
						entries = append(entries, e)
					}
				}
			}
		} else {
			for i := range src.Live {
				e, derived := mergeOne(generic, src, &src.Live[i])
				if derived {
					bare = append(bare, e)
				}
				entries = append(entries, e)
			}
		}
		for _, e := range entries {
			if allowed(src.Allow, &e.Model) {
				out.Put(e)
				if _, ok := described[e.Model.ID]; !ok && !contains(bare, e) {
					described[e.Model.ID] = &e.Model
				}
			}
		}
		if !out.hasProvider(src.Provider) {
			out.providers = append(out.providers, src.Provider) // configured, even if it offers nothing
		}
	}
	// A model a plain list names by id alone takes its identity from another provider's entry for
	// the same id (not its schema: providers' parameters differ).
	for _, e := range bare {
		if d := described[e.Model.ID]; d != nil {
			e.Model.Name, e.Model.Developer = d.Name, d.Developer
			e.Model.Description = firstNonEmpty(e.Model.Description, d.Description)
			if e.Model.ContextLength == 0 {
				e.Model.ContextLength = d.ContextLength
			}
		}
	}
	return out
}

// mergeOne builds a live model's entry, and reports whether its name had to be derived from its id.
func mergeOne(generic map[string]*schema.Operation, src Source, lm *LiveModel) (*Entry, bool) {
	endpoint := EndpointForType(lm.Type)
	st := findStatic(src.Static, src.Provider, lm)
	if lm.Type == "" && st != nil {
		endpoint = st.Model.Endpoint // plain lists say nothing about the endpoint
	}
	m := Model{
		ID: lm.ID, Provider: src.Provider, Endpoint: endpoint, Type: lm.Type,
		Name: lm.Name, Developer: lm.Developer, Description: lm.Description, ContextLength: lm.ContextLength,
		InputModalities: lm.InputModalities, OutputModalities: lm.OutputModalities, Capabilities: lm.Capabilities,
		Price: lm.Price, Deprecated: lm.Unavailable,
	}
	aliases := append([]string(nil), lm.Aliases...)
	if st != nil {
		s := &st.Model
		m.Name = firstNonEmpty(m.Name, s.Name)
		m.Developer = firstNonEmpty(m.Developer, s.Developer)
		m.Description = firstNonEmpty(m.Description, s.Description)
		if m.ContextLength == 0 {
			m.ContextLength = s.ContextLength
		}
		aliases = append(aliases, s.ID)
		aliases = append(aliases, s.Aliases...)
	}
	for _, a := range aliases {
		if a != m.ID && !contains(m.Aliases, a) {
			m.Aliases = append(m.Aliases, a)
		}
	}
	derived := m.Name == ""
	if derived {
		m.Name = NameFromID(m.ID)
	}
	if m.Developer == "" {
		m.Developer = developerFromID(m.ID)
	}
	m.Kind = kindName(endpoint)
	e := &Entry{Model: m}
	switch {
	case st != nil && st.Operation != nil && st.Model.Endpoint == endpoint:
		e.Operation, e.Others, e.Source, e.Model.Generic = st.Operation, st.Others, st.Source, st.Model.Generic
	case generic[endpoint] != nil:
		e.Operation, e.Source, e.Model.Generic = generic[endpoint], "generic:"+endpoint, true
	}
	e.Model.Unsupported = e.Operation == nil || !runs(endpoint)
	return e, derived
}

// findStatic finds the static entry describing a live model: by its id, by one of its aliases, or
// one whose aliases name it.
func findStatic(c *Catalog, provider string, lm *LiveModel) *Entry {
	if c == nil {
		return nil
	}
	if e, ok := c.Lookup(lm.ID, provider); ok {
		return e
	}
	for _, a := range lm.Aliases {
		if e, ok := c.Lookup(a, provider); ok {
			return e
		}
	}
	return nil
}

// EndpointForType maps a live list's endpoint type to the API path its models are called on, or ""
// when the playground does not know it. An empty type (plain OpenAI lists) is taken as chat.
func EndpointForType(t string) string {
	t = strings.ToLower(t)
	switch {
	case t == "" || strings.Contains(t, "chat"):
		return ChatCompletions
	case strings.Contains(t, "video"):
		return "/v2/video/generations"
	case strings.Contains(t, "tts") || strings.Contains(t, "text-to-speech"):
		return "/v1/tts"
	case strings.Contains(t, "stt") || strings.Contains(t, "speech-to-text") || strings.Contains(t, "transcri"):
		return "/v1/stt/create"
	case strings.Contains(t, "music") || strings.Contains(t, "audio"):
		return "/v2/generate/audio"
	case strings.Contains(t, "ocr"):
		return "/v1/ocr"
	case strings.Contains(t, "responses"):
		return "/v1/responses"
	case strings.HasSuffix(t, "/messages") || t == "messages":
		return "/v1/messages"
	case strings.Contains(t, "embedding"):
		return "/v1/embeddings"
	case strings.Contains(t, "image"):
		return "/v1/images/generations"
	case strings.HasSuffix(t, "completions"):
		return "/v1/completions"
	}
	return ""
}

// developerFromID takes the organisation part of an id ("meta-llama/Llama-3-8b" → "meta-llama").
func developerFromID(id string) string {
	if i := strings.Index(id, "/"); i > 0 {
		return id[:i]
	}
	return ""
}

// allowed reports whether an allow-list admits a model (an empty list admits all).
func allowed(patterns []string, m *Model) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, m.ID); ok {
			return true
		}
		for _, a := range m.Aliases {
			if ok, _ := path.Match(p, a); ok {
				return true
			}
		}
	}
	return false
}
