package fakeupstream

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// The Responses API (POST /v1/responses) and Anthropic's Messages API (POST /v1/messages), with
// their own event streams. The scenario is the text of the last user input, as for chat:
//
//   - default: [DefaultReply], streamed in pieces when "stream" is true.
//   - "fake:reasoning": [ReasoningText] as reasoning (Responses: reasoning summary deltas;
//     Messages: a thinking block), then [ReasoningReply].
//   - "fake:error NNN": the chat scenario's error answers.
//   - "fake:midstream": a few pieces of the default answer, then an error event
//     (Responses: response.failed; Messages: an "error" event with an overloaded_error).
//   - "fake:echo": the reply is the request body without its input or messages (see chat's).
//   - "fake:scripted NAME": the reply [Server.Scripted] holds under NAME.

// dialectRequest is the part of a Responses or Messages request the fake reads.
type dialectRequest struct {
	Model    string          `json:"model"`
	Input    json.RawMessage `json:"input"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Stream bool `json:"stream"`
}

// lastUserText is the text of the last user message or input item ("input" may be a string).
func (req *dialectRequest) lastUserText() string {
	var s string
	if json.Unmarshal(req.Input, &s) == nil {
		return s
	}
	var items []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	_ = json.Unmarshal(req.Input, &items)
	for i := len(items) - 1; i >= 0; i-- {
		if items[i].Role == "user" {
			return inputText(items[i].Content)
		}
	}
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" {
			return inputText(req.Messages[i].Content)
		}
	}
	return ""
}

// inputText is the text of a content given as a string or as parts (text, input_text).
func inputText(raw json.RawMessage) string {
	return messageText(raw)
}

// dialectEvents writes one API's events.
type dialectEvents struct {
	s      *Server
	w      http.ResponseWriter
	rc     *http.ResponseController
	r      *http.Request
	stream bool
}

// send writes one named event; it reports false once the client has gone.
func (d *dialectEvents) send(name string, v any) bool {
	b, _ := json.Marshal(v)
	if _, err := fmt.Fprintf(d.w, "event: %s\ndata: %s\n\n", name, b); err != nil {
		return false
	}
	_ = d.rc.Flush()
	return d.s.wait(d.r.Context(), d.s.ChunkDelay)
}

// serveDialect reads the request, picks the scenario and answers with respond, or an error.
func (s *Server) serveDialect(w http.ResponseWriter, r *http.Request, body []byte,
	respond func(d *dialectEvents, req *dialectRequest, reasoning, content string, failAfter int)) {
	var req dialectRequest
	if !readRequest(w, body, &req, func() string { return req.Model }) {
		return
	}
	reasoning, content, failAfter := "", DefaultReply, -1
	switch name, arg := parseScenario(req.lastUserText()); name {
	case "", "markdown":
	case "reasoning":
		reasoning, content = ReasoningText, ReasoningReply
	case "error":
		s.answerScenarioError(w, r, arg, req.Model)
		return
	case "midstream":
		failAfter = 3
	case "scripted":
		text, ok := s.Scripted[arg]
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("fake:scripted has no reply named %q.", arg), "invalid_request_error", "")
			return
		}
		content = text
	case "echo":
		var m map[string]json.RawMessage
		_ = json.Unmarshal(body, &m)
		delete(m, "input")
		delete(m, "messages")
		b, _ := json.Marshal(m)
		content = string(b)
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown fake scenario %q; known: markdown, reasoning, error NNN, midstream, echo, scripted NAME.", name), "invalid_request_error", "")
		return
	}
	d := &dialectEvents{s: s, w: w, rc: http.NewResponseController(w), r: r, stream: req.Stream}
	if req.Stream {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
	}
	respond(d, &req, reasoning, content, failAfter)
}

// serveResponses answers POST /v1/responses.
func (s *Server) serveResponses(w http.ResponseWriter, r *http.Request, body []byte) {
	s.serveDialect(w, r, body, func(d *dialectEvents, req *dialectRequest, reasoning, content string, failAfter int) {
		id := fmt.Sprintf("resp_fake%d", time.Now().UnixNano())
		usage := map[string]any{"input_tokens": len(req.Input)/4 + 1, "output_tokens": len(content)/4 + 1, "total_tokens": len(req.Input)/4 + len(content)/4 + 2}
		output := []any{}
		if reasoning != "" {
			output = append(output, map[string]any{"type": "reasoning", "summary": []any{map[string]any{"type": "summary_text", "text": reasoning}}})
		}
		output = append(output, map[string]any{"type": "message", "role": "assistant", "status": "completed",
			"content": []any{map[string]any{"type": "output_text", "text": content}}})
		done := map[string]any{"id": id, "object": "response", "model": req.Model, "status": "completed", "output": output, "usage": usage}
		if !d.stream {
			writeJSON(d.w, http.StatusOK, done)
			return
		}
		if !d.send("response.created", map[string]any{"type": "response.created", "response": map[string]any{"id": id, "model": req.Model, "status": "in_progress", "output": []any{}}}) {
			return
		}
		for _, p := range split(reasoning, d.s.pieces()) {
			if !d.send("response.reasoning_summary_text.delta", map[string]any{"type": "response.reasoning_summary_text.delta", "output_index": 0, "delta": p}) {
				return
			}
		}
		for i, p := range split(content, d.s.pieces()) {
			if i == failAfter {
				d.send("response.failed", map[string]any{"type": "response.failed", "response": map[string]any{"id": id, "status": "failed",
					"error": map[string]any{"code": "server_error", "message": "The fake model failed in the middle of its answer."}}})
				return
			}
			if !d.send("response.output_text.delta", map[string]any{"type": "response.output_text.delta", "output_index": len(output) - 1, "delta": p}) {
				return
			}
		}
		d.send("response.completed", map[string]any{"type": "response.completed", "response": done})
	})
}

// serveMessages answers POST /v1/messages.
func (s *Server) serveMessages(w http.ResponseWriter, r *http.Request, body []byte) {
	s.serveDialect(w, r, body, func(d *dialectEvents, req *dialectRequest, reasoning, content string, failAfter int) {
		id := fmt.Sprintf("msg_fake%d", time.Now().UnixNano())
		in, out := len(req.Messages)*8+1, len(content)/4+1
		blocks := []any{}
		if reasoning != "" {
			blocks = append(blocks, map[string]any{"type": "thinking", "thinking": reasoning})
		}
		blocks = append(blocks, map[string]any{"type": "text", "text": content})
		if !d.stream {
			writeJSON(d.w, http.StatusOK, map[string]any{"id": id, "type": "message", "role": "assistant", "model": req.Model,
				"content": blocks, "stop_reason": "end_turn", "usage": map[string]any{"input_tokens": in, "output_tokens": out}})
			return
		}
		if !d.send("message_start", map[string]any{"type": "message_start", "message": map[string]any{"id": id, "type": "message", "role": "assistant",
			"model": req.Model, "content": []any{}, "usage": map[string]any{"input_tokens": in, "output_tokens": 1}}}) {
			return
		}
		index := 0
		if reasoning != "" {
			d.send("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "thinking", "thinking": ""}})
			for _, p := range split(reasoning, d.s.pieces()) {
				if !d.send("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "thinking_delta", "thinking": p}}) {
					return
				}
			}
			d.send("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
			index = 1
		}
		d.send("content_block_start", map[string]any{"type": "content_block_start", "index": index, "content_block": map[string]any{"type": "text", "text": ""}})
		for i, p := range split(content, d.s.pieces()) {
			if i == failAfter {
				d.send("error", map[string]any{"type": "error", "error": map[string]any{"type": "overloaded_error", "message": "The fake model is overloaded."}})
				return
			}
			if !d.send("content_block_delta", map[string]any{"type": "content_block_delta", "index": index, "delta": map[string]any{"type": "text_delta", "text": p}}) {
				return
			}
		}
		d.send("content_block_stop", map[string]any{"type": "content_block_stop", "index": index})
		d.send("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": "end_turn"}, "usage": map[string]any{"output_tokens": out}})
		d.send("message_stop", map[string]any{"type": "message_stop"})
	})
}
