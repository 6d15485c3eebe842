package chat

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxSnippet is the longest piece of a non-JSON error body quoted in a
// message, in bytes.
const maxSnippet = 300

// APIError is an error reported by the API, either as a non-2xx HTTP response
// or as an error payload inside a stream.
type APIError struct {
	// Status is the HTTP status code, or 0 when the error arrived inside a
	// stream and did not carry one.
	Status int
	// Message says what happened, in plain words; it is never empty.
	Message string
	// Type is the provider's error type, such as "invalid_request_error",
	// when given.
	Type string
	// Code is the provider's error code, such as "invalid_api_key", when
	// given.
	Code string
}

// Error returns a one-line description such as
// "API error 429 (Too Many Requests): Rate limit reached [code rate_limit_exceeded]".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("API error")
	if e.Status != 0 {
		fmt.Fprintf(&b, " %d", e.Status)
		if t := http.StatusText(e.Status); t != "" {
			fmt.Fprintf(&b, " (%s)", t)
		}
	}
	b.WriteString(": ")
	msg := e.Message
	if msg == "" {
		msg = statusMessage(e.Status)
	}
	b.WriteString(msg)
	var extra []string
	if e.Type != "" {
		extra = append(extra, "type "+e.Type)
	}
	if e.Code != "" && e.Code != fmt.Sprint(e.Status) {
		extra = append(extra, "code "+e.Code)
	}
	if len(extra) > 0 {
		fmt.Fprintf(&b, " [%s]", strings.Join(extra, ", "))
	}
	return b.String()
}

// ParseError builds an [*APIError] from a failed response's status and body.
//
// It understands the OpenAI shape {"error":{"message","type","code"}} (also
// used by this project's server), {"error":"text"}, AI/ML API's envelope
// {"message":…,"statusCode":…,"path":…,"requestId":…,"timestamp":…} (whose
// message may be a list), vLLM's {"object":"error","message":…}, and
// FastAPI's {"detail":…}. For any other body it quotes a trimmed, length-capped
// snippet of the text, or falls back to a plain description of the HTTP status
// when the body is empty or HTML. It never returns nil.
func ParseError(status int, body []byte) *APIError {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		if c, err := DecodeCompletion(body); err == nil {
			if e := c.APIError(status); e != nil {
				return e
			}
			if c.Message != "" {
				return &APIError{Status: status, Message: string(c.Message)}
			}
		}
	}
	e := &APIError{Status: status}
	if len(body) == 0 || body[0] == '<' || !utf8.Valid(body) {
		e.Message = statusMessage(status)
		return e
	}
	e.Message = snippet(body)
	return e
}

// snippet collapses whitespace in body and caps its length.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) <= maxSnippet {
		return s
	}
	cut := maxSnippet
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}

// statusMessage describes an HTTP status in plain words.
func statusMessage(status int) string {
	switch status {
	case 0:
		return "the server reported an error without details"
	case http.StatusBadRequest:
		return "the request was rejected as invalid"
	case http.StatusUnauthorized:
		return "the API key is missing or invalid"
	case http.StatusPaymentRequired:
		return "payment is required: the account has run out of credits"
	case http.StatusForbidden:
		return "access was denied: the key may lack permission or credits for this model"
	case http.StatusNotFound:
		return "the endpoint or model was not found"
	case http.StatusRequestEntityTooLarge:
		return "the request is too large"
	case http.StatusTooManyRequests:
		return "too many requests: the rate limit was reached, try again shortly"
	case http.StatusInternalServerError:
		return "the server had an internal error"
	case http.StatusBadGateway:
		return "the server could not reach the model provider"
	case http.StatusServiceUnavailable:
		return "the service is unavailable or overloaded, try again later"
	case http.StatusGatewayTimeout:
		return "the model provider took too long to answer"
	}
	if t := http.StatusText(status); t != "" {
		return fmt.Sprintf("the server answered %d %s", status, t)
	}
	return fmt.Sprintf("the server answered with status %d", status)
}
