package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Completion is a chat completion as sent by an OpenAI-compatible API: either
// a whole response ("object": "chat.completion") or one streamed chunk
// ("object": "chat.completion.chunk"). The same type serves both shapes;
// whole responses fill [Choice.Message] and chunks fill [Choice.Delta].
//
// Decoding is lenient: unknown fields are ignored, text fields accept a
// string, null or an array of text parts, and error codes accept strings or
// numbers. Use [DecodeCompletion] to decode one.
type Completion struct {
	// ID is the response identifier.
	ID string `json:"id"`
	// Object is "chat.completion" or "chat.completion.chunk".
	Object string `json:"object"`
	// Created is the creation time in Unix seconds.
	Created int64 `json:"created"`
	// Model is the model that served the request, as reported.
	Model string `json:"model"`
	// Provider is the upstream provider name, when a router reports one.
	Provider string `json:"provider"`
	// Choices holds the generated alternatives; streams use index 0.
	Choices []Choice `json:"choices"`
	// Usage holds token counts and cost, when reported.
	Usage *CompletionUsage `json:"usage"`
	// Meta holds AI/ML API's extra accounting.
	Meta *Meta `json:"meta"`

	// Error is set when the payload is an error instead of a completion,
	// as in {"error":{"message":…}} or {"error":"text"}.
	Error *ErrorField `json:"error"`
	// Message is the error message of AI/ML API's and vLLM's top-level
	// error envelopes; it may be a string or an array of strings.
	Message Text `json:"message"`
	// StatusCode is the HTTP status of AI/ML API's error envelope.
	StatusCode FlexString `json:"statusCode"`
	// Type is the error type of vLLM's top-level error envelope.
	Type string `json:"type"`
	// Code is the error code of vLLM's top-level error envelope.
	Code FlexString `json:"code"`
	// Detail is FastAPI's error detail (a string or a list of problems).
	Detail Text `json:"detail"`
}

// Choice is one generated alternative.
type Choice struct {
	// Index is the position of the choice; streams interleave choices by
	// index.
	Index int `json:"index"`
	// Message is the whole assistant message (non-streaming responses).
	Message *Message `json:"message"`
	// Delta is the increment carried by one chunk (streaming responses).
	Delta *Message `json:"delta"`
	// FinishReason says why generation stopped; it is nil until the end.
	FinishReason *string `json:"finish_reason"`
}

// Message is an assistant message or a streamed increment of one.
type Message struct {
	// Role is "assistant", usually only in the first chunk.
	Role string `json:"role"`
	// Content is the visible answer text.
	Content Text `json:"content"`
	// ReasoningContent is the model's reasoning (DeepSeek, Qwen, vLLM).
	ReasoningContent Text `json:"reasoning_content"`
	// Reasoning is the model's reasoning under the name used by OpenRouter
	// and newer vLLM releases.
	Reasoning Text `json:"reasoning"`
	// ReasoningDetails is OpenRouter's structured reasoning, an array of
	// objects with "text" or "summary"; kept raw and read leniently.
	ReasoningDetails json.RawMessage `json:"reasoning_details"`
	// ToolCalls is kept as raw JSON for now.
	ToolCalls json.RawMessage `json:"tool_calls"`
}

// CompletionUsage is the "usage" object as sent on the wire.
type CompletionUsage struct {
	// PromptTokens is the number of input tokens.
	PromptTokens *int64 `json:"prompt_tokens"`
	// CompletionTokens is the number of generated tokens.
	CompletionTokens *int64 `json:"completion_tokens"`
	// TotalTokens is the sum of prompt and completion tokens.
	TotalTokens *int64 `json:"total_tokens"`
	// CompletionTokensDetails breaks the completion tokens down.
	CompletionTokensDetails *struct {
		// ReasoningTokens is the number of tokens spent reasoning.
		ReasoningTokens *int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
	// Cost is the price in US dollars (AI/ML API, OpenRouter).
	Cost *float64 `json:"cost"`
	// EstimatedCost is the estimated price in US dollars (DeepInfra).
	EstimatedCost *float64 `json:"estimated_cost"`
}

// Meta is AI/ML API's top-level "meta" object.
type Meta struct {
	// Usage holds AI/ML API's own accounting.
	Usage *struct {
		// CreditsUsed is the number of AI/ML API credits charged.
		CreditsUsed *float64 `json:"credits_used"`
	} `json:"usage"`
}

// ErrorField is an "error" member, which is either an object or a string.
type ErrorField struct {
	// Message describes the error.
	Message string
	// Type is the error type, such as "invalid_request_error".
	Type string
	// Code is the error code; numeric codes are converted to strings.
	Code string
	// Raw is the provider's original error text, when a router passes one
	// along in "metadata.raw".
	Raw string
}

// UnmarshalJSON decodes an error given as an object or as a plain string.
func (e *ErrorField) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var obj struct {
			Message  Text       `json:"message"`
			Type     string     `json:"type"`
			Status   string     `json:"status"`
			Code     FlexString `json:"code"`
			Metadata struct {
				Raw Text `json:"raw"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(b, &obj); err != nil && !isTypeError(err) {
			return err
		}
		*e = ErrorField{Message: string(obj.Message), Type: obj.Type, Code: string(obj.Code), Raw: string(obj.Metadata.Raw)}
		if e.Type == "" {
			e.Type = obj.Status
		}
		return nil
	}
	var t Text
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	*e = ErrorField{Message: string(t)}
	return nil
}

// Text is a string that also decodes from null (as ""), from an array of
// strings or text parts such as [{"type":"text","text":"…"}] (concatenated),
// and from an object with a "message", "msg" or "text" member. Numbers and
// booleans decode as their JSON text; other objects decode as "".
type Text string

// UnmarshalJSON decodes a Text leniently.
func (t *Text) UnmarshalJSON(b []byte) error {
	s, err := flexText(b)
	if err != nil {
		return err
	}
	*t = Text(s)
	return nil
}

func flexText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", nil
	}
	switch b[0] {
	case 'n':
		return "", nil
	case '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	case '[':
		var parts []json.RawMessage
		if err := json.Unmarshal(b, &parts); err != nil {
			return "", err
		}
		var out []string
		sep := ""
		for _, p := range parts {
			s, err := flexText(p)
			if err != nil {
				return "", err
			}
			if bytes.HasPrefix(bytes.TrimSpace(p), []byte(`"`)) {
				sep = "; " // a list of messages, as in NestJS errors
			}
			if s != "" {
				out = append(out, s)
			}
		}
		return strings.Join(out, sep), nil
	case '{':
		var obj struct {
			Text    *Text `json:"text"`
			Message *Text `json:"message"`
			Msg     *Text `json:"msg"`
		}
		if err := json.Unmarshal(b, &obj); err != nil && !isTypeError(err) {
			return "", err
		}
		for _, p := range []*Text{obj.Text, obj.Message, obj.Msg} {
			if p != nil && *p != "" {
				return string(*p), nil
			}
		}
		return "", nil
	default:
		if !json.Valid(b) {
			return "", errors.New("invalid JSON value")
		}
		return string(b), nil
	}
}

// FlexString is a string that also decodes from a JSON number (keeping its
// text) and from null or any other non-string value (as "").
type FlexString string

// UnmarshalJSON decodes a FlexString from a string, number or null.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || b[0] == 'n':
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			*f = "" // an object, array or boolean: not a usable code
			return nil
		}
		*f = FlexString(n.String())
	}
	return nil
}

// Int returns the value as an integer, or 0 when it is not one.
func (f FlexString) Int() int {
	n, err := strconv.Atoi(string(f))
	if err != nil {
		if fl, ferr := strconv.ParseFloat(string(f), 64); ferr == nil && fl == float64(int(fl)) {
			return int(fl)
		}
		return 0
	}
	return n
}

// DecodeCompletion decodes a completion or chunk leniently: a value of the
// wrong type in one field leaves that field empty instead of failing, and only
// malformed JSON (or a payload that is not an object) is an error.
func DecodeCompletion(data []byte) (Completion, error) {
	var c Completion
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		if !json.Valid(data) {
			return c, errors.New("invalid JSON")
		}
		return c, errors.New("JSON value is not an object")
	}
	if err := json.Unmarshal(data, &c); err != nil && !isTypeError(err) {
		return Completion{}, err
	}
	return c, nil
}

// IsError reports whether the payload is an error envelope rather than a
// completion.
func (c *Completion) IsError() bool {
	if c.Error != nil {
		return true
	}
	if len(c.Choices) > 0 || c.Usage != nil {
		return false
	}
	if c.Object == "error" || c.Detail != "" {
		return true
	}
	if c.Message != "" && (c.StatusCode != "" || c.Code != "" || c.Type != "") {
		return true
	}
	return false
}

// APIError converts an error envelope into an [*APIError]. The status is used
// when non-zero; otherwise a status given in the payload is used. It returns
// nil when [Completion.IsError] is false.
func (c *Completion) APIError(status int) *APIError {
	if !c.IsError() {
		return nil
	}
	e := &APIError{Status: status}
	switch {
	case c.Error != nil:
		e.Message, e.Type, e.Code = c.Error.Message, c.Error.Type, c.Error.Code
		if c.Error.Raw != "" && !strings.Contains(e.Message, c.Error.Raw) {
			if e.Message == "" {
				e.Message = c.Error.Raw
			} else {
				e.Message += ": " + c.Error.Raw
			}
		}
	case c.Detail != "":
		e.Message = string(c.Detail)
	default:
		e.Message, e.Type, e.Code = string(c.Message), c.Type, string(c.Code)
	}
	if e.Status == 0 {
		if n := c.StatusCode.Int(); n >= 400 && n <= 599 {
			e.Status = n
		} else if n := FlexString(e.Code).Int(); n >= 400 && n <= 599 {
			e.Status = n
		}
	}
	if e.Message == "" {
		e.Message = statusMessage(e.Status)
	}
	return e
}

func isTypeError(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te)
}
