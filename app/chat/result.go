package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Usage holds token counts. Nil fields were not reported, which differs from
// a reported zero.
type Usage struct {
	// PromptTokens is the number of input tokens.
	PromptTokens *int64
	// CompletionTokens is the number of generated tokens.
	CompletionTokens *int64
	// TotalTokens is the sum of prompt and completion tokens.
	TotalTokens *int64
	// ReasoningTokens is the part of the completion spent reasoning.
	ReasoningTokens *int64
}

// Reported reports whether any count was reported.
func (u Usage) Reported() bool {
	return u.PromptTokens != nil || u.CompletionTokens != nil || u.TotalTokens != nil || u.ReasoningTokens != nil
}

// Cost holds what the request cost, as reported by the provider. Nil fields
// were not reported, which differs from a reported zero.
type Cost struct {
	// USD is "usage.cost", in US dollars (AI/ML API, OpenRouter).
	USD *float64
	// EstimatedUSD is "usage.estimated_cost", in US dollars (DeepInfra).
	EstimatedUSD *float64
	// Credits is "meta.usage.credits_used", in AI/ML API credits.
	Credits *float64
}

// Reported reports whether any cost was reported.
func (c Cost) Reported() bool {
	return c.USD != nil || c.EstimatedUSD != nil || c.Credits != nil
}

// Result is the assistant turn being built from a response.
type Result struct {
	// ID is the response identifier reported by the API.
	ID string
	// Model is the model that served the request, as reported; it may
	// differ from the requested one.
	Model string
	// Provider is the upstream provider, when a router reports one.
	Provider string
	// Role is the reported role, normally "assistant".
	Role string
	// Content is the answer text, exactly as received; it may hold inline
	// <think> blocks and end-of-sequence tokens (see [Result.Visible]).
	Content string
	// Reasoning is the model's reasoning, from "reasoning_content" or
	// "reasoning" fields.
	Reasoning string
	// ToolCalls holds the raw "tool_calls" values in the order received
	// (one per chunk for streams).
	ToolCalls []json.RawMessage
	// FinishReason says why generation stopped, such as "stop" or
	// "length"; it is empty until the API reports it.
	FinishReason string
	// Usage holds token counts, when reported.
	Usage Usage
	// Cost holds the price of the request, when reported.
	Cost Cost
	// Done is set when the stream's "[DONE]" marker arrived, or when a
	// non-streaming response was parsed.
	Done bool
	// Events is the number of data payloads applied successfully.
	Events int
	// Malformed is the number of stream payloads that could not be decoded
	// and were skipped by [Client.Complete].
	Malformed int
	// Started is when [Client.Complete] sent the request.
	Started time.Time
	// FirstToken is when the first answer or reasoning text arrived; zero
	// if none did.
	FirstToken time.Time
	// Finished is when [Client.Complete] returned.
	Finished time.Time
	// Exchange is the raw traffic, recorded by [Client.Complete]; nil for a result built otherwise.
	Exchange *Exchange
}

// doneMarker is the payload that ends an OpenAI stream.
var doneMarker = []byte("[DONE]")

// ApplyChunk applies one SSE data payload to the result.
//
// "[DONE]" sets Done. A chunk appends the deltas of choice index 0 (other
// choices are ignored) and updates FinishReason, Usage, Cost, Model, ID and
// Provider from the fields it carries. An error payload, such as
// {"error":{…}} sent mid-stream, returns an [*APIError] and leaves the result
// unchanged. Malformed JSON returns a decoding error and leaves the result
// unchanged.
func (r *Result) ApplyChunk(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, doneMarker) {
		r.Done = true
		r.Events++
		return nil
	}
	c, err := DecodeCompletion(data)
	if err != nil {
		return fmt.Errorf("chat: decoding chunk: %w", err)
	}
	if e := c.APIError(0); e != nil {
		return e
	}
	r.applyHeader(&c)
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue
		}
		m := ch.Delta
		if m == nil {
			m = ch.Message
		}
		if m != nil {
			r.appendMessage(m)
		}
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			r.FinishReason = *ch.FinishReason
		}
	}
	r.Events++
	return nil
}

// ParseCompletion parses a non-streaming chat completion response body. An
// error payload returns an [*APIError] with Status 0; malformed JSON returns a
// decoding error. The returned Result has Done set.
func ParseCompletion(body []byte) (Result, error) {
	var r Result
	c, err := DecodeCompletion(body)
	if err != nil {
		return r, fmt.Errorf("chat: decoding completion: %w", err)
	}
	if e := c.APIError(0); e != nil {
		return r, e
	}
	r.applyHeader(&c)
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue
		}
		m := ch.Message
		if m == nil {
			m = ch.Delta
		}
		if m != nil {
			r.appendMessage(m)
		}
		if ch.FinishReason != nil {
			r.FinishReason = *ch.FinishReason
		}
		break
	}
	r.Done = true
	r.Events = 1
	return r, nil
}

// applyHeader copies the fields that are not per-choice.
func (r *Result) applyHeader(c *Completion) {
	if c.ID != "" {
		r.ID = c.ID
	}
	if c.Model != "" {
		r.Model = c.Model
	}
	if c.Provider != "" {
		r.Provider = c.Provider
	}
	if u := c.Usage; u != nil {
		setInt(&r.Usage.PromptTokens, u.PromptTokens)
		setInt(&r.Usage.CompletionTokens, u.CompletionTokens)
		setInt(&r.Usage.TotalTokens, u.TotalTokens)
		if d := u.CompletionTokensDetails; d != nil {
			setInt(&r.Usage.ReasoningTokens, d.ReasoningTokens)
		}
		setFloat(&r.Cost.USD, u.Cost)
		setFloat(&r.Cost.EstimatedUSD, u.EstimatedCost)
	}
	if c.Meta != nil && c.Meta.Usage != nil {
		setFloat(&r.Cost.Credits, c.Meta.Usage.CreditsUsed)
	}
}

// appendMessage appends a message or delta to the result. When a provider
// sends both "reasoning_content" and "reasoning" (some vLLM versions repeat
// the same text under both names), only "reasoning_content" is used;
// "reasoning_details" is used only when neither is present.
func (r *Result) appendMessage(m *Message) {
	if m.Role != "" {
		r.Role = m.Role
	}
	r.Content += string(m.Content)
	switch {
	case m.ReasoningContent != "":
		r.Reasoning += string(m.ReasoningContent)
	case m.Reasoning != "":
		r.Reasoning += string(m.Reasoning)
	default:
		// OpenRouter repeats "reasoning" in "reasoning_details"; the details are read only when
		// they are the sole form.
		r.Reasoning += detailsText(m.ReasoningDetails)
	}
	if t := bytes.TrimSpace(m.ToolCalls); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		r.ToolCalls = append(r.ToolCalls, append(json.RawMessage(nil), t...))
	}
}

func setInt(dst **int64, v *int64) {
	if v != nil {
		n := *v
		*dst = &n
	}
}

func setFloat(dst **float64, v *float64) {
	if v != nil {
		f := *v
		*dst = &f
	}
}
