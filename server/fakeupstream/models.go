package fakeupstream

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

// LiveModel is one model of the AI/ML API-format catalogue the fake serves at GET /v1/models when
// [Server.SetCatalogue] has been called (see its OpenAPI description, service-endpoints/models.json
// in the shared schema corpus).
type LiveModel struct {
	// ID is the canonical id; Aliases are other ids it answers to.
	ID      string   `json:"id"`
	Aliases []string `json:"aliases"`
	// Type is the endpoint type, e.g. "openai/chat-completions".
	Type string `json:"type"`
	// Info is the model's identity; Tags are e.g. "playground:chat" or "status:deprecated".
	Info LiveInfo `json:"info"`
	Tags []string `json:"tags"`
	// Modalities, Capabilities and Pricing are sent only with ?include=all (or details=true).
	Modalities   *Modalities `json:"modalities,omitempty"`
	Capabilities []string    `json:"capabilities,omitempty"`
	Pricing      *Pricing    `json:"pricing,omitempty"`
}

// LiveInfo is a model's identity in the catalogue.
type LiveInfo struct {
	// Name, Developer, Description and ContextLength (tokens) describe the model.
	Name          string `json:"name"`
	Developer     string `json:"developer"`
	Description   string `json:"description,omitempty"`
	ContextLength int    `json:"contextLength,omitempty"`
}

// Modalities are what a model reads and writes.
type Modalities struct {
	// Input and Output list modalities such as "text" and "image".
	Input  []string `json:"input"`
	Output []string `json:"output"`
}

// Pricing is a "fixed" price: one rate per unit.
type Pricing struct {
	// Kind is "fixed", "variants" or "variable"; Currency is e.g. "USD"; Units are the rates.
	Kind     string        `json:"kind"`
	Currency string        `json:"currency"`
	Units    []PricingUnit `json:"units,omitempty"`
}

// PricingUnit is one rate, e.g. {"unit":"input_tokens","price":0.1,"per":"1M tokens"}.
type PricingUnit struct {
	// Unit names what is billed, Price is the rate and Per what the rate is for.
	Unit  string  `json:"unit"`
	Price float64 `json:"price"`
	Per   string  `json:"per"`
}

// TokenPricing returns a fixed price of in and out dollars per million tokens.
func TokenPricing(in, out float64) *Pricing {
	return &Pricing{Kind: "fixed", Currency: "USD", Units: []PricingUnit{
		{Unit: "input_tokens", Price: in, Per: "1M tokens"}, {Unit: "output_tokens", Price: out, Per: "1M tokens"},
	}}
}

// AIMLAPICatalogue returns a small catalogue in AI/ML API's format: two chat models the embedded
// catalogue knows (one through an alias), a chat model it does not, an image model and a
// deprecated chat model.
func AIMLAPICatalogue() []LiveModel {
	chat := "openai/chat-completions"
	return []LiveModel{
		{ID: "gryphe/mythomax-l2-13b", Type: chat, Info: LiveInfo{Name: "MythoMax L2 (13B)", Developer: "Gryphe", Description: "Role-play and story writing.", ContextLength: 4000},
			Tags: []string{"playground:chat"}, Modalities: &Modalities{Input: []string{"text"}, Output: []string{"text"}},
			Capabilities: []string{"streaming"}, Pricing: TokenPricing(0.1365, 0.1365)},
		{ID: "openai/gpt-4o", Aliases: []string{"gpt-4o"}, Type: chat, Info: LiveInfo{Name: "GPT-4o", Developer: "Open AI", ContextLength: 128000},
			Tags: []string{"playground:chat"}, Modalities: &Modalities{Input: []string{"image", "text"}, Output: []string{"text"}},
			Capabilities: []string{"streaming", "tools", "vision"}, Pricing: TokenPricing(2.625, 10.5)},
		{ID: "acme/live-only-8b", Aliases: []string{"live-only"}, Type: chat, Info: LiveInfo{Name: "Live Only 8B", Developer: "Acme", Description: "Only on the live list."},
			Tags: []string{"playground:chat"}},
		{ID: "flux/schnell", Type: "bfl/image-generation", Info: LiveInfo{Name: "FLUX.1 [schnell]", Developer: "Black Forest Labs"},
			Tags: []string{"playground:image"}, Modalities: &Modalities{Input: []string{"text"}, Output: []string{"image"}}},
		{ID: "acme/retired-7b", Type: chat, Info: LiveInfo{Name: "Retired 7B", Developer: "Acme"}, Tags: []string{"playground:chat", "status:deprecated"}},
	}
}

// SetCatalogue makes GET /v1/models serve models in AI/ML API's format, with an ETag, instead of the
// plain OpenAI list of [Server.Models]. It is safe to call while serving.
func (s *Server) SetCatalogue(models []LiveModel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catalogue = append([]LiveModel(nil), models...)
}

// SetModelsStatus makes GET /v1/models answer this HTTP status with an error body (a provider
// outage); 0 restores normal answers. It is safe to call while serving.
func (s *Server) SetModelsStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.modelsStatus = status
}

// serveModels answers GET /v1/models: the plain OpenAI list, or the catalogue set with
// SetCatalogue (revalidated with If-None-Match), or the outage status set with SetModelsStatus.
func (s *Server) serveModels(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	status, catalogue := s.modelsStatus, s.catalogue
	s.mu.Unlock()
	if status != 0 {
		writeError(w, status, "The model list is unavailable (fake outage).", "server_error", "")
		return
	}
	if catalogue == nil {
		s.servePlainModels(w)
		return
	}
	q := r.URL.Query()
	all := q.Get("details") == "true" || q.Get("details") == "1"
	for _, v := range q["include"] {
		for _, part := range strings.Split(v, ",") {
			all = all || strings.TrimSpace(part) == "all"
		}
	}
	list := struct {
		Object string      `json:"object"`
		Data   []LiveModel `json:"data"`
	}{Object: "list", Data: make([]LiveModel, 0, len(catalogue))}
	for _, m := range catalogue {
		if m.Aliases == nil {
			m.Aliases = []string{}
		}
		if m.Tags == nil {
			m.Tags = []string{}
		}
		if !all {
			m.Modalities, m.Capabilities, m.Pricing = nil, nil, nil
		}
		list.Data = append(list.Data, m)
	}
	b, err := json.Marshal(list)
	if err != nil {
		http.Error(w, "fakeupstream: encoding models: "+err.Error(), http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(b)
	etag := `W/"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}

func (s *Server) servePlainModels(w http.ResponseWriter) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	for _, id := range s.Models {
		list.Data = append(list.Data, model{ID: id, Object: "model", Created: 1700000000, OwnedBy: "fakeupstream"})
	}
	writeJSON(w, http.StatusOK, list)
}
