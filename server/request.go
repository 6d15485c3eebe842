package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"playground/app/kind"
	"playground/app/schema"
	"playground/server/catalogapi"
	"playground/server/httperr"
)

// forbiddenFields are request body fields that would let a browser choose where the server sends
// its key, or supply credentials; they are refused, not ignored.
var forbiddenFields = []string{"api_base", "base_url", "api_key", "api_version", "organization", "custom_llm_provider"}

// readModelRequest reads a bounded JSON body, refuses fields that could redirect the key, finds the
// model in the catalogue and its operation on path, and validates the body against its schema.
func (s *Server) readModelRequest(w http.ResponseWriter, r *http.Request, path string) (*call, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, httperr.Errorf(httperr.EContentType,
			"Content-Type must be application/json, not %q.", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, httperr.Errorf(httperr.EBodyTooLarge,
				"The request body is larger than the server's limit of %d bytes.", tooBig.Limit)
		}
		return nil, httperr.Errorf(httperr.EBodyUnreadable, "Reading the request body failed: %v", err)
	}
	var head map[string]json.RawMessage
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, httperr.Errorf(httperr.EInvalidJSON, "The request body must be a JSON object: %v", err)
	}
	for _, f := range forbiddenFields {
		if _, ok := head[f]; ok {
			return nil, httperr.Errorf(httperr.EForbiddenField,
				"%s: not allowed; the server chooses the provider and its credentials.", f)
		}
	}
	var model string
	if raw, ok := head["model"]; !ok || json.Unmarshal(raw, &model) != nil || model == "" {
		return nil, httperr.Errorf(httperr.EModelRequired, "model: is required and must be a model id string.")
	}
	entry, err := catalogapi.Lookup(s.Catalog(), model, r.URL.Query().Get("provider"))
	if err != nil {
		return nil, err
	}
	path = kind.Canonical(path)
	op := entry.Find(path)
	switch {
	case op == nil && entry.Operation == nil || op != nil && !entry.RunnableOn(path):
		what := entry.Model.Endpoint
		if k := kind.For(what); k != nil {
			what = k.Label() + " (" + what + ")"
		}
		return nil, httperr.Errorf(httperr.EModelNotRunnable,
			"Model %s is served as %s, which the playground cannot run yet.", model, what)
	case op == nil:
		return nil, httperr.Errorf(httperr.EWrongEndpoint,
			"Model %s is called on %s, not on %s.", model, strings.Join(catalogapi.OperationPaths(entry), " or "), path)
	}
	if vs := checkBody(op, body); len(vs) > 0 {
		return nil, &httperr.Error{Code: httperr.EInvalidParameters,
			Message: "The request does not match the model's schema: " + vs.Error(), Violations: vs}
	}
	if model != entry.Model.ID {
		// An alias: send the id the provider lists.
		head["model"], _ = json.Marshal(entry.Model.ID)
		if body, err = json.Marshal(head); err != nil {
			return nil, fmt.Errorf("re-encoding the request for %s: %w", entry.Model.ID, err)
		}
	}
	return &call{entry: entry, op: op, kind: kind.For(path), path: path, body: body}, nil
}

// checkBody validates a request body against the model's operation, except the model field: the
// catalogue lookup has checked it, and a schema's enum may name the model by another alias.
func checkBody(op *schema.Operation, body []byte) schema.Violations {
	o := *op
	o.Fields = make([]schema.Field, 0, len(op.Fields))
	for _, f := range op.Fields {
		if f.Control != schema.Model {
			o.Fields = append(o.Fields, f)
		}
	}
	return schema.CheckBody(&o, body)
}
