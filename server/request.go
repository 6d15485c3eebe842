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
	"playground/app/upload"
	"playground/server/catalogapi"
	"playground/server/formcall"
	"playground/server/httperr"
)

// forbiddenFields are request body fields that would let a browser choose where the server sends
// its key, or supply credentials; they are refused, not ignored.
var forbiddenFields = []string{"api_base", "base_url", "api_key", "api_version", "organization", "custom_llm_provider"}

// readModelRequest reads a bounded body — JSON, or a multipart/form-data upload (see package
// formcall) —, refuses fields that could redirect the key, finds the model in the catalogue and its
// operation on path, checks an upload's files, and validates the body against its schema.
func (s *Server) readModelRequest(w http.ResponseWriter, r *http.Request, path string) (*call, error) {
	ct := r.Header.Get("Content-Type")
	var (
		body []byte
		fc   *formcall.Form
		head = map[string]json.RawMessage{}
		err  error
	)
	switch {
	case upload.IsMultipart(ct):
		if fc, err = formcall.Read(w, r, ct, s.cfg.MaxUploadBytes); err != nil {
			return nil, err
		}
		for _, name := range fc.Names() {
			head[name] = json.RawMessage(`""`)
		}
		if v, ok := fc.Value("model"); ok {
			head["model"], _ = json.Marshal(v)
		}
	case ct == "" || strings.HasPrefix(ct, "application/json"):
		if body, err = readJSON(w, r, upload.BodyLimit(kind.For(path).Name(), s.cfg.MaxBodyBytes)); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(body, &head); err != nil {
			return nil, httperr.Errorf(httperr.EInvalidJSON, "The request body must be a JSON object: %v", err)
		}
	default:
		return nil, httperr.Errorf(httperr.EContentType,
			"Content-Type must be application/json (or multipart/form-data for an upload), not %q.", ct)
	}
	c, err := s.checkModelRequest(r, path, body, head, fc)
	if err != nil && fc != nil {
		fc.Remove()
	}
	return c, err
}

// readJSON reads a JSON request body of at most limit bytes.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, httperr.Errorf(httperr.EBodyTooLarge,
				"The request body is larger than the server's limit of %d bytes.", tooBig.Limit)
		}
		return nil, httperr.Errorf(httperr.EBodyUnreadable, "Reading the request body failed: %v", err)
	}
	return body, nil
}

// checkModelRequest checks a read request: head is its top-level fields (JSON; an upload's text
// fields as strings), body the JSON body (nil for an upload, whose form fc is checked and given
// as JSON instead).
func (s *Server) checkModelRequest(r *http.Request, path string, body []byte, head map[string]json.RawMessage, fc *formcall.Form) (*call, error) {
	if err := refuseForbidden(head); err != nil {
		return nil, err
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
	if fc != nil {
		if err := fc.Check(kind.For(path).Name(), op.Fields); err != nil {
			return nil, err
		}
		body = fc.JSON(op.Fields)
	}
	members := head
	if fc != nil {
		members = nil
		if err := json.Unmarshal(body, &members); err != nil {
			return nil, fmt.Errorf("reading the form's fields back: %w", err)
		}
	}
	if vs := checkMembers(op, members); len(vs) > 0 {
		if fc == nil || fc.Ended() || !onlyRequired(vs) {
			return nil, invalid(vs)
		}
		// An upload whose file streams on: a required field may still come after it (checked
		// at its end, see formcall.Form.Stream).
	}
	if model != entry.Model.ID && fc != nil {
		fc.Set("model", entry.Model.ID)
	} else if model != entry.Model.ID {
		// An alias: send the id the provider lists.
		head["model"], _ = json.Marshal(entry.Model.ID)
		if body, err = json.Marshal(head); err != nil {
			return nil, fmt.Errorf("re-encoding the request for %s: %w", entry.Model.ID, err)
		}
	}
	return &call{entry: entry, op: op, kind: kind.For(path), path: path, body: body, form: fc}, nil
}

// refuseForbidden refuses a request with a field that could redirect the key.
func refuseForbidden(head map[string]json.RawMessage) error {
	for _, f := range forbiddenFields {
		if _, ok := head[f]; ok {
			return httperr.Errorf(httperr.EForbiddenField,
				"%s: not allowed; the server chooses the provider and its credentials.", f)
		}
	}
	return nil
}

// invalid is the refusal of a request that breaks its schema.
func invalid(vs schema.Violations) *httperr.Error {
	return &httperr.Error{Code: httperr.EInvalidParameters,
		Message: "The request does not match the model's schema: " + vs.Error(), Violations: vs}
}

// onlyRequired reports whether every violation is a missing required field.
func onlyRequired(vs schema.Violations) bool {
	for _, v := range vs {
		if v.Rule != "is required" {
			return false
		}
	}
	return true
}

// finalUploadCheck is the check of an upload's whole form once it has streamed (see
// formcall.Form.Stream): no field that could redirect the key, and the schema.
func finalUploadCheck(op *schema.Operation) func(body []byte) error {
	return func(body []byte) error {
		var head map[string]json.RawMessage
		if err := json.Unmarshal(body, &head); err != nil {
			return fmt.Errorf("reading the form's fields back: %w", err)
		}
		if err := refuseForbidden(head); err != nil {
			return err
		}
		if vs := checkMembers(op, head); len(vs) > 0 {
			return invalid(vs)
		}
		return nil
	}
}

// checkMembers validates a request body's members against the model's operation, except the
// model field: the catalogue lookup has checked it, and a schema's enum may name the model by
// another alias.
func checkMembers(op *schema.Operation, members map[string]json.RawMessage) schema.Violations {
	return schema.CheckMembers(op, members, schema.Model)
}
