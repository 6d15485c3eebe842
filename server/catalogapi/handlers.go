package catalogapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"playground/app/catalog"
	"playground/app/embed"
	"playground/server/admit"
	"playground/server/httperr"
)

// ServeModels serves GET /api/models: the compact list of every model for the picker, cached
// and revalidated by its weak ETag, gzipped when the client accepts it.
func (s *Service) ServeModels(w http.ResponseWriter, r *http.Request) {
	v := s.view.Load()
	WriteCacheable(w, r, v.list, v.listGz, v.etag)
}

// ServeForm serves GET /api/models/{id}[?provider=NAME][&op=PATH] and, for the embed, GET
// /api/embed/models/{id}: a model's form, of its main operation or of the one on PATH (the embed's
// refuses models it may not run and caps the length parameters). The model is found as for a
// call (see Lookup).
func (s *Service) ServeForm(w http.ResponseWriter, r *http.Request) {
	id, q := r.PathValue("id"), r.URL.Query()
	forEmbed := strings.HasPrefix(r.URL.Path, embed.APIBase+"/")
	e, err := Lookup(s.Catalog(), id, q.Get("provider"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	form, ok := e.FormOf(q.Get("op"))
	if !ok {
		s.writeError(w, r, NoOperation(e, q.Get("op")))
		return
	}
	if forEmbed {
		if !s.gate.Allows(form.Model) {
			s.writeError(w, r, s.gate.Refusal(form.Model))
			return
		}
		s.gate.CapForm(&form)
	}
	b, err := json.Marshal(form)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encoding the form of %s: %w", id, err))
		return
	}
	var gz []byte
	if len(b) >= gzipMinBytes && AcceptedEncoding(r.Header.Get("Accept-Encoding"))["gzip"] {
		gz = gzipBytes(b)
	}
	WriteCacheable(w, r, b, gz, weakETag(b))
}

// ServeEmbedConfig serves GET /api/embed/config: the policy the widget explains to visitors.
func (s *Service) ServeEmbedConfig(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, "no-store", s.gate.Policy())
}

// ServeEmbedModels serves GET /api/embed/models: the models an embed may run.
func (s *Service) ServeEmbedModels(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, "no-cache", struct {
		Models []catalog.Model `json:"models"`
	}{s.gate.Models(s.Catalog())})
}

// writeJSON answers v as JSON with the given Cache-Control.
func (s *Service) writeJSON(w http.ResponseWriter, r *http.Request, cacheControl string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encoding the answer to %s: %w", r.URL.Path, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", cacheControl)
	_, _ = w.Write(b)
}

// writeError answers err in the JSON envelope and logs it (see httperr.Respond).
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httperr.Respond(w, r, s.log, err)
}

// Backend returns the web app's data source for prerendering the playground's pages: the
// in-process catalogue.
func (s *Service) Backend() Backend { return Backend{cat: s.Catalog} }

// EmbedBackend returns the data source for prerendering the embed's pages: only what the
// embed may run, like the /api/embed/ routes, and its policy.
func (s *Service) EmbedBackend() Backend { return Backend{cat: s.Catalog, gate: s.gate} }

// Backend serves the web app's data (ui.Backend) from the in-process catalogue while the server
// prerenders pages; with a gate, only what the embed may run.
type Backend struct {
	cat  func() *catalog.Catalog
	gate *admit.Gate
}

// Models returns the models the picker lists.
func (b Backend) Models(context.Context) ([]catalog.Model, error) {
	if b.gate == nil {
		return b.cat().Models(), nil
	}
	return b.gate.Models(b.cat()), nil
}

// Form returns the form of model id at provider, of its operation on op ("" for its main one);
// the errors are those of the form route.
func (b Backend) Form(_ context.Context, id, provider, op string) (catalog.Form, error) {
	e, err := Lookup(b.cat(), id, provider)
	if err != nil {
		return catalog.Form{}, err
	}
	f, ok := e.FormOf(op)
	if !ok {
		return catalog.Form{}, NoOperation(e, op)
	}
	if b.gate != nil {
		if !b.gate.Allows(f.Model) {
			return catalog.Form{}, b.gate.Refusal(f.Model)
		}
		b.gate.CapForm(&f)
	}
	return f, nil
}

// Policy returns the embed's policy (for the embed backend only).
func (b Backend) Policy(context.Context) (embed.Policy, error) {
	if b.gate == nil {
		return embed.Policy{}, nil
	}
	return b.gate.Policy(), nil
}
