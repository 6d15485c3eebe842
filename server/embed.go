package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"playground/app/catalog"
)

// handleEmbedConfig serves GET /api/embed/config: the policy the widget explains to visitors.
func (s *Server) handleEmbedConfig(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, "no-store", s.embed.Policy())
}

// handleEmbedModels serves GET /api/embed/models: the models an embed may run.
func (s *Server) handleEmbedModels(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, "no-cache", struct {
		Models []catalog.Model `json:"models"`
	}{s.embed.Models(s.Catalog())})
}

// writeJSON answers v as JSON with the given Cache-Control.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, cacheControl string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encoding the answer to %s: %w", r.URL.Path, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", cacheControl)
	_, _ = w.Write(b)
}
