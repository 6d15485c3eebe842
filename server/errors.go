package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
)

// Error is an error the server answers a request with. Its Message is shown to the user, so it says
// what happened and what to do, and never carries secrets.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Type is the OpenAI-style error type, e.g. "invalid_request_error".
	Type string
	// Code is a short machine-readable code, e.g. "no_api_key".
	Code string
	// Message is the human message.
	Message string
	// Violations lists the rules a request broke, for validation errors.
	Violations any
	// RetryAfter, when positive, is sent as the Retry-After header (seconds).
	RetryAfter int
	// Err is the underlying cause, logged but never sent.
	Err error
}

// Error returns the message and the cause.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted message.
func Errorf(status int, typ, code, format string, args ...any) *Error {
	return &Error{Status: status, Type: typ, Code: code, Message: fmt.Sprintf(format, args...)}
}

// envelope is the one JSON shape of every error the server sends, OpenAI's:
// {"error":{"message","type","code"}}.
type envelope struct {
	Error struct {
		Message    string `json:"message"`
		Type       string `json:"type"`
		Code       string `json:"code,omitempty"`
		Violations any    `json:"violations,omitempty"`
	} `json:"error"`
}

// writeError answers with err in the JSON envelope. Errors that are not *Error become a 500 with a
// generic message; only those (and other 5xx) are logged at error level.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Type: "server_error", Code: "internal",
			Message: "Internal server error. The details are in the server log.", Err: err}
	}
	level := slog.LevelInfo
	if e.Status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path,
		"status", e.Status, "code", e.Code, "err", e.Error())
	writeErrorBody(w, e)
}

func writeErrorBody(w http.ResponseWriter, e *Error) {
	var env envelope
	env.Error.Message, env.Error.Type, env.Error.Code, env.Error.Violations = e.Message, e.Type, e.Code, e.Violations
	b, _ := json.Marshal(env)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// writeJSON answers 200 with v as JSON.
func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}
