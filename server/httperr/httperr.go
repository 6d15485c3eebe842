// Package httperr holds the server's domain errors and the one table that maps their codes to an
// HTTP status and an OpenAI-style error type (WTF Dial / pkgsite style). A handler returns or
// answers an *Error made from a code and a message; Respond and Write turn it into the response,
// always in OpenAI's JSON envelope {"error":{"message","type","code"}}.
//
// The code is the source of truth: a call site never chooses a status. Codes are the E…
// constants of this package, plus one family for upstream refusals (see UpstreamCode).
package httperr

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
)

// Error is an error the server answers a request with. Its Message is shown to the user, so it
// says what happened and what to do, and never carries secrets.
type Error struct {
	// Code is the machine-readable code, one of the E… constants (or an UpstreamCode); it
	// decides the HTTP status and the error type (see Lookup).
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

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with code, a formatted message and err as its (logged, never sent)
// cause.
func Wrap(err error, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
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

// Status is the HTTP status of the error's code.
func (e *Error) Status() int { return Lookup(e.Code).Status }

// Type is the OpenAI-style error type of the error's code, e.g. "invalid_request_error".
func (e *Error) Type() string { return Lookup(e.Code).Type }

// From returns err as an *Error: itself when it is one (or wraps one), else an EInternal error
// with a generic message and err as its cause. Any error that is not the server's own is
// reported as internal, so its text is logged but never sent.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EInternal, Message: "Internal server error. The details are in the server log.", Err: err}
}

// Envelope is the one JSON shape of every error the server sends, OpenAI's:
// {"error":{"message","type","code"}}.
type Envelope struct {
	// Error is the error.
	Error EnvelopeError `json:"error"`
}

// EnvelopeError is the inside of an Envelope.
type EnvelopeError struct {
	Message    string `json:"message"`
	Type       string `json:"type"`
	Code       string `json:"code,omitempty"`
	Violations any    `json:"violations,omitempty"`
}

// Body is e in the JSON envelope.
func Body(e *Error) []byte {
	b, _ := json.Marshal(Envelope{Error: EnvelopeError{Message: e.Message, Type: e.Type(), Code: e.Code, Violations: e.Violations}})
	return b
}

// Event is e as the last event of a server-sent event stream: "data: {envelope}\n\n".
func Event(e *Error) []byte {
	b, _ := json.Marshal(Envelope{Error: EnvelopeError{Message: e.Message, Type: e.Type(), Code: e.Code}})
	return append(append([]byte("data: "), b...), "\n\n"...)
}

// Write answers e in the JSON envelope, with its status and Retry-After, uncached.
func Write(w http.ResponseWriter, e *Error) {
	b := Body(e)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	w.WriteHeader(e.Status())
	_, _ = w.Write(b)
}

// Respond answers err (see From and Write) and logs it: at error level for 5xx statuses, at info
// level otherwise. The log line has the method, path, status, code and error, never headers or
// bodies.
func Respond(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := From(err)
	level := slog.LevelInfo
	if e.Status() >= 500 {
		level = slog.LevelError
	}
	if log != nil {
		log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path,
			"status", e.Status(), "code", e.Code, "err", e.Error())
	}
	Write(w, e)
}
