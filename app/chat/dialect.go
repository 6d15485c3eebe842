package chat

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Dialect reads the answers of one API family into a [Result]: OpenAI's chat completions (the
// default, see [Result.ApplyChunk] and [ParseCompletion]), OpenAI's Responses API ([Responses])
// and Anthropic's Messages API ([AnthropicMessages]). A [Client] with a Dialect posts to its path
// and decodes its events.
type Dialect interface {
	// Path is the operation's path, e.g. "/v1/responses".
	Path() string
	// ApplyEvent applies one server-sent event (its "event:" name and its data) to r. An error
	// the stream reports is returned as an [*APIError]; other errors mean the event could not be
	// read (it is counted in Result.Malformed and skipped).
	ApplyEvent(r *Result, name string, data []byte) error
	// ParseAnswer reads a complete (non-streamed) answer.
	ParseAnswer(body []byte) (Result, error)
}

// Responses is the dialect of OpenAI's Responses API (POST /v1/responses): the events
// response.output_text.delta, response.reasoning_summary_text.delta (and reasoning_text),
// response.output_item.added / response.function_call_arguments.delta for tool calls,
// response.completed, response.incomplete, response.failed and error.
var Responses Dialect = responsesDialect{}

type responsesDialect struct{}

func (responsesDialect) Path() string { return "/v1/responses" }

// responsesEvent is the union of the Responses API's stream events the playground reads.
type responsesEvent struct {
	Type        string           `json:"type"`
	Delta       json.RawMessage  `json:"delta"`
	OutputIndex int              `json:"output_index"`
	Item        *responsesItem   `json:"item"`
	Response    *responsesAnswer `json:"response"`
	Code        string           `json:"code"`
	Message     string           `json:"message"`
}

// responsesAnswer is a Responses API response object.
type responsesAnswer struct {
	ID                string          `json:"id"`
	Model             string          `json:"model"`
	Status            string          `json:"status"`
	Output            []responsesItem `json:"output"`
	Usage             json.RawMessage `json:"usage"`
	IncompleteDetails *struct {
		Reason string `json:"reason"`
	} `json:"incomplete_details"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// responsesItem is one output item: a message, reasoning or a function call.
type responsesItem struct {
	Type    string `json:"type"`
	Role    string `json:"role"`
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	Summary []struct {
		Text string `json:"text"`
	} `json:"summary"`
	ID        string `json:"id"`
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

func (d responsesDialect) ApplyEvent(r *Result, name string, data []byte) error {
	var ev responsesEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("responses: event %q: %w", name, err)
	}
	if ev.Type == "" {
		ev.Type = name
	}
	r.Events++
	delta := func() string {
		var s string
		_ = json.Unmarshal(ev.Delta, &s)
		return s
	}
	switch ev.Type {
	case "response.created", "response.in_progress":
		if ev.Response != nil {
			r.ID, r.Model = ev.Response.ID, ev.Response.Model
		}
	case "response.output_text.delta", "response.refusal.delta":
		r.Content += delta()
	case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
		r.Reasoning += delta()
	case "response.output_item.added":
		if ev.Item != nil && ev.Item.Type == "function_call" {
			r.ToolCalls = append(r.ToolCalls, toolCallDelta(ev.OutputIndex, ev.Item.CallID, ev.Item.Name, ev.Item.Arguments))
		}
	case "response.function_call_arguments.delta":
		r.ToolCalls = append(r.ToolCalls, toolCallDelta(ev.OutputIndex, "", "", delta()))
	case "response.completed", "response.incomplete":
		if ev.Response != nil {
			d.finish(r, ev.Response)
		}
		r.Done = true
		if r.FinishReason == "" {
			r.FinishReason = "stop"
		}
	case "response.failed":
		msg := "the response failed"
		if ev.Response != nil && ev.Response.Error != nil {
			msg = ev.Response.Error.Message
		}
		return &APIError{Message: msg}
	case "error":
		return &APIError{Message: firstNonEmpty(ev.Message, "the stream reported an error"), Code: ev.Code}
	}
	return nil
}

// finish takes the final response's id, model, usage and why it ended.
func (responsesDialect) finish(r *Result, a *responsesAnswer) {
	r.ID = firstNonEmpty(a.ID, r.ID)
	r.Model = firstNonEmpty(a.Model, r.Model)
	readTokenUsage(&r.Usage, a.Usage)
	switch {
	case a.IncompleteDetails != nil && a.IncompleteDetails.Reason != "":
		r.FinishReason = a.IncompleteDetails.Reason
	case a.Status == "completed":
		r.FinishReason = "stop"
	case a.Status != "":
		r.FinishReason = a.Status
	}
}

func (d responsesDialect) ParseAnswer(body []byte) (Result, error) {
	var a responsesAnswer
	var r Result
	if err := json.Unmarshal(body, &a); err != nil {
		return r, fmt.Errorf("responses: decoding the response: %w", err)
	}
	if a.Error != nil && a.Error.Message != "" {
		return r, &APIError{Message: a.Error.Message, Code: a.Error.Code}
	}
	for i, it := range a.Output {
		switch it.Type {
		case "message":
			for _, c := range it.Content {
				if c.Type == "output_text" || c.Type == "text" || c.Type == "refusal" {
					r.Content += c.Text
				}
			}
		case "reasoning":
			for _, s := range it.Summary {
				r.Reasoning += s.Text
			}
		case "function_call":
			r.ToolCalls = append(r.ToolCalls, toolCallDelta(i, it.CallID, it.Name, it.Arguments))
		}
	}
	d.finish(&r, &a)
	r.Done = true
	return r, nil
}

// AnthropicMessages is the dialect of Anthropic's Messages API (POST /v1/messages): the events
// message_start, content_block_start, content_block_delta (text_delta, thinking_delta,
// input_json_delta), message_delta, message_stop and error.
var AnthropicMessages Dialect = messagesDialect{}

type messagesDialect struct{}

func (messagesDialect) Path() string { return "/v1/messages" }

// messagesBlock is one content block of an Anthropic message.
type messagesBlock struct {
	Type     string          `json:"type"`
	Text     string          `json:"text"`
	Thinking string          `json:"thinking"`
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Input    json.RawMessage `json:"input"`
}

// messagesAnswer is an Anthropic message object.
type messagesAnswer struct {
	ID         string          `json:"id"`
	Model      string          `json:"model"`
	Content    []messagesBlock `json:"content"`
	StopReason string          `json:"stop_reason"`
	Usage      json.RawMessage `json:"usage"`
	Type       string          `json:"type"`
	Error      *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

func (messagesDialect) ApplyEvent(r *Result, name string, data []byte) error {
	var ev struct {
		Type         string          `json:"type"`
		Index        int             `json:"index"`
		Message      *messagesAnswer `json:"message"`
		ContentBlock *messagesBlock  `json:"content_block"`
		Delta        *struct {
			Type        string `json:"type"`
			Text        string `json:"text"`
			Thinking    string `json:"thinking"`
			PartialJSON string `json:"partial_json"`
			StopReason  string `json:"stop_reason"`
		} `json:"delta"`
		Usage json.RawMessage `json:"usage"`
		Error *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("messages: event %q: %w", name, err)
	}
	if ev.Type == "" {
		ev.Type = name
	}
	r.Events++
	switch ev.Type {
	case "message_start":
		if m := ev.Message; m != nil {
			r.ID, r.Model, r.Role = m.ID, m.Model, "assistant"
			readTokenUsage(&r.Usage, m.Usage)
		}
	case "content_block_start":
		if b := ev.ContentBlock; b != nil && b.Type == "tool_use" {
			r.ToolCalls = append(r.ToolCalls, toolCallDelta(ev.Index, b.ID, b.Name, ""))
		}
	case "content_block_delta":
		if d := ev.Delta; d != nil {
			switch d.Type {
			case "text_delta":
				r.Content += d.Text
			case "thinking_delta":
				r.Reasoning += d.Thinking
			case "input_json_delta":
				r.ToolCalls = append(r.ToolCalls, toolCallDelta(ev.Index, "", "", d.PartialJSON))
			}
		}
	case "message_delta":
		if ev.Delta != nil && ev.Delta.StopReason != "" {
			r.FinishReason = ev.Delta.StopReason
		}
		readTokenUsage(&r.Usage, ev.Usage)
	case "message_stop":
		r.Done = true
		if r.FinishReason == "" {
			r.FinishReason = "end_turn"
		}
	case "error":
		msg := "the stream reported an error"
		code := ""
		if ev.Error != nil {
			msg, code = firstNonEmpty(ev.Error.Message, msg), ev.Error.Type
		}
		return &APIError{Message: msg, Code: code}
	}
	return nil
}

func (messagesDialect) ParseAnswer(body []byte) (Result, error) {
	var a messagesAnswer
	var r Result
	if err := json.Unmarshal(body, &a); err != nil {
		return r, fmt.Errorf("messages: decoding the message: %w", err)
	}
	if a.Type == "error" && a.Error != nil {
		return r, &APIError{Message: a.Error.Message, Code: a.Error.Type}
	}
	r.ID, r.Model, r.Role, r.FinishReason, r.Done = a.ID, a.Model, "assistant", a.StopReason, true
	for i, b := range a.Content {
		switch b.Type {
		case "text":
			r.Content += b.Text
		case "thinking":
			r.Reasoning += b.Thinking
		case "tool_use":
			args := string(b.Input)
			if args == "" {
				args = "{}"
			}
			r.ToolCalls = append(r.ToolCalls, toolCallDelta(i, b.ID, b.Name, args))
		}
	}
	readTokenUsage(&r.Usage, a.Usage)
	return r, nil
}

// toolCallDelta is a tool call (or a fragment of one) in the chat completions stream's shape,
// the form Result.ToolCalls holds and convo.MergeToolCalls merges.
func toolCallDelta(index int, id, name, args string) json.RawMessage {
	type fn struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	}
	v := struct {
		Index    int    `json:"index"`
		ID       string `json:"id,omitempty"`
		Type     string `json:"type,omitempty"`
		Function fn     `json:"function"`
	}{Index: index, ID: id, Function: fn{Name: name, Arguments: args}}
	if id != "" || name != "" {
		v.Type = "function"
	}
	b, _ := json.Marshal(v)
	return b
}

// readTokenUsage reads the input/output token counts of a Responses or Messages usage object into
// u, keeping counts it already has that the object does not report.
func readTokenUsage(u *Usage, raw json.RawMessage) {
	if len(raw) == 0 {
		return
	}
	var v struct {
		Input         *int64 `json:"input_tokens"`
		Output        *int64 `json:"output_tokens"`
		Total         *int64 `json:"total_tokens"`
		OutputDetails *struct {
			Reasoning *int64 `json:"reasoning_tokens"`
		} `json:"output_tokens_details"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	if v.Input != nil {
		u.PromptTokens = v.Input
	}
	if v.Output != nil {
		u.CompletionTokens = v.Output
	}
	if v.Total != nil {
		u.TotalTokens = v.Total
	} else if u.PromptTokens != nil && u.CompletionTokens != nil {
		t := *u.PromptTokens + *u.CompletionTokens
		u.TotalTokens = &t
	}
	if v.OutputDetails != nil && v.OutputDetails.Reasoning != nil {
		u.ReasoningTokens = v.OutputDetails.Reasoning
	}
}

// firstNonEmpty returns the first of its arguments that is not blank.
func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
