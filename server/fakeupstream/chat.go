package fakeupstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// pieceRunes is the default size of streamed content pieces, in runes.
const pieceRunes = 5

// pieces is the size of streamed content pieces, in runes.
func (s *Server) pieces() int {
	if s.PieceRunes > 0 {
		return s.PieceRunes
	}
	return pieceRunes
}

// chatRequest is the part of a chat completion request the fake reads.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Stream        bool `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// messageText returns the text of a message content given as a string or as
// an array of parts.
func messageText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// scenario returns the scenario name and argument of the request: the words
// after "fake:" in the last user message, or "" for the default.
func (req *chatRequest) scenario() (name, arg string) {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		m := req.Messages[i]
		if m.Role != "user" {
			continue
		}
		return parseScenario(messageText(m.Content))
	}
	return "", ""
}

// parseScenario returns the scenario name and argument of a text: the words after "fake:" when it
// starts with it (spaces around it aside), or "" for the default.
func parseScenario(text string) (name, arg string) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(text), "fake:")
	if !ok {
		return "", ""
	}
	name, arg, _ = strings.Cut(strings.TrimSpace(rest), " ")
	return name, strings.TrimSpace(arg)
}

// reply is the answer to produce.
type reply struct {
	reasoning, content string
}

// serveChat answers POST /v1/chat/completions.
func (s *Server) serveChat(w http.ResponseWriter, r *http.Request, body []byte) {
	var req chatRequest
	if !readRequest(w, body, &req, func() string { return req.Model }) {
		return
	}
	if len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "'messages' is a required property and must not be empty.", "invalid_request_error", "")
		return
	}
	ctx := r.Context()
	rep := reply{content: DefaultReply}
	name, arg := req.scenario()
	switch name {
	case "", "markdown":
	case "echo":
		rep.content = echo(body)
	case "slow":
		if !s.wait(ctx, s.SlowDelay) {
			return
		}
	case "error":
		s.answerScenarioError(w, r, arg, req.Model)
		return
	case "reasoning":
		rep = reply{reasoning: ReasoningText, content: ReasoningReply}
	case "think":
		rep.content = ThinkContent
	case "scripted":
		text, ok := s.Scripted[arg]
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("fake:scripted has no reply named %q.", arg), "invalid_request_error", "")
			return
		}
		rep.content = text
	case "tools":
		if last := req.Messages[len(req.Messages)-1]; last.Role == "tool" {
			rep.content = ToolsReplyPrefix + messageText(last.Content)
		} else if req.Stream {
			s.streamToolCalls(w, r, &req, arg == "noid")
			return
		} else {
			writeError(w, http.StatusBadRequest, "fake:tools streams its calls: send stream: true.", "invalid_request_error", "")
			return
		}
	case "reset", "garbage", "hang":
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown fake scenario %q; known: markdown, echo, slow, error NNN, reset, garbage, hang, reasoning, think, scripted NAME, tools.", name), "invalid_request_error", "")
		return
	}
	if req.Stream {
		s.stream(w, r, &req, name, rep)
	} else {
		s.complete(w, r, &req, name, rep)
	}
}

// echo returns the request body without "messages", as compact JSON with
// sorted keys.
func echo(body []byte) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return "{}"
	}
	delete(m, "messages")
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		if err := json.Compact(&b, m[k]); err != nil {
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
	return b.String()
}

// wait sleeps for d unless ctx ends first, in which case it records the
// cancellation and returns false.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		if ctx.Err() != nil {
			s.noteCancelled()
			return false
		}
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		s.noteCancelled()
		return false
	}
}

// split cuts s into pieces of at most n runes.
func split(s string, n int) []string {
	var out []string
	for s != "" {
		i, count := 0, 0
		for i < len(s) && count < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			count++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

// Wire types for responses.
type (
	delta struct {
		Role             string          `json:"role,omitempty"`
		Content          *string         `json:"content,omitempty"`
		ReasoningContent *string         `json:"reasoning_content,omitempty"`
		ToolCalls        json.RawMessage `json:"tool_calls,omitempty"`
	}
	chunkChoice struct {
		Index        int     `json:"index"`
		Delta        delta   `json:"delta"`
		Logprobs     *string `json:"logprobs"`
		FinishReason *string `json:"finish_reason"`
	}
	chunk struct {
		ID      string          `json:"id"`
		Object  string          `json:"object"`
		Created int64           `json:"created"`
		Model   string          `json:"model"`
		Choices []chunkChoice   `json:"choices"`
		Usage   json.RawMessage `json:"usage,omitempty"`
	}
	usage struct {
		PromptTokens            int64   `json:"prompt_tokens"`
		CompletionTokens        int64   `json:"completion_tokens"`
		TotalTokens             int64   `json:"total_tokens"`
		CompletionTokensDetails details `json:"completion_tokens_details"`
		Cost                    float64 `json:"cost"`
	}
	details struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	}
)

// usageFor estimates token counts and cost for a reply.
func usageFor(req *chatRequest, rep reply, pieces int) usage {
	var prompt int64
	for _, m := range req.Messages {
		prompt += 4 + int64(len(messageText(m.Content))+3)/4
	}
	reasoning := int64(len(split(rep.reasoning, pieces)))
	completion := reasoning + int64(len(split(rep.content, pieces)))
	cost := float64(prompt)*1e-7 + float64(completion)*2e-7
	return usage{
		PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion,
		CompletionTokensDetails: details{ReasoningTokens: reasoning}, Cost: math.Round(cost*1e10) / 1e10,
	}
}

// complete writes a non-streaming answer.
func (s *Server) complete(w http.ResponseWriter, r *http.Request, req *chatRequest, scenario string, rep reply) {
	rc := http.NewResponseController(w)
	switch scenario {
	case "garbage":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"chatcmpl-fake","object":"chat.completion","choices":[{"index":0,"message":{"content":"trunc`))
		return
	case "reset":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"chatcmpl-fake","object":"chat.completion","choices":[{"index":0,`))
		_ = rc.Flush()
		panic(http.ErrAbortHandler)
	case "hang":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = rc.Flush()
		<-r.Context().Done()
		s.noteCancelled()
		return
	}
	u := usageFor(req, rep, s.pieces())
	defer s.noteBilled(u.Cost)
	msg := map[string]any{"role": "assistant", "content": rep.content}
	if rep.reasoning != "" {
		msg["reasoning_content"] = rep.reasoning
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake-%d", s.seq.Add(1)),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		"choices": []map[string]any{{"index": 0, "message": msg, "logprobs": nil, "finish_reason": "stop"}},
		"usage":   u,
		"meta":    map[string]any{"usage": map[string]any{"credits_used": math.Ceil(u.Cost * 2e6)}},
	})
}

// streamer writes SSE events.
type streamer struct {
	s            *Server
	w            http.ResponseWriter
	rc           *http.ResponseController
	ctx          context.Context
	base         chunk
	includeUsage bool
}

// event writes one "data:" event and flushes it.
func (st *streamer) event(data []byte) bool {
	var b bytes.Buffer
	b.WriteString("data: ")
	b.Write(data)
	b.WriteString("\n\n")
	if _, err := st.w.Write(b.Bytes()); err != nil {
		if st.ctx.Err() != nil {
			st.s.noteCancelled()
		}
		return false
	}
	_ = st.rc.Flush()
	return true
}

// send writes one chunk with the given delta and finish reason.
func (st *streamer) send(d delta, finish string) bool {
	c := st.base
	ch := chunkChoice{Delta: d}
	if finish != "" {
		ch.FinishReason = &finish
	}
	c.Choices = []chunkChoice{ch}
	b, err := json.Marshal(c)
	if err != nil {
		return false
	}
	return st.event(b)
}

// pause waits ChunkDelay between chunks.
func (st *streamer) pause() bool {
	return st.s.wait(st.ctx, st.s.ChunkDelay)
}

// stream writes a streaming answer.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, req *chatRequest, scenario string, rep reply) {
	st := &streamer{
		s: s, w: w, rc: http.NewResponseController(w), ctx: r.Context(),
		includeUsage: req.StreamOptions != nil && req.StreamOptions.IncludeUsage,
		base: chunk{
			ID: fmt.Sprintf("chatcmpl-fake-%d", s.seq.Add(1)), Object: "chat.completion.chunk",
			Created: time.Now().Unix(), Model: req.Model,
		},
	}
	if st.includeUsage {
		st.base.Usage = json.RawMessage("null")
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	empty := ""
	if !st.send(delta{Role: "assistant", Content: &empty}, "") {
		return
	}
	for _, p := range split(rep.reasoning, s.pieces()) {
		if !st.pause() || !st.send(delta{ReasoningContent: &p}, "") {
			return
		}
	}
	for i, p := range split(rep.content, s.pieces()) {
		if !st.pause() || !st.send(delta{Content: &p}, "") {
			return
		}
		switch {
		case scenario == "hang":
			<-st.ctx.Done()
			s.noteCancelled()
			return
		case scenario == "garbage" && i == 0:
			if !st.event([]byte("{not json")) {
				return
			}
		case scenario == "reset" && i == 2:
			panic(http.ErrAbortHandler)
		}
	}
	if !st.pause() || !st.send(delta{}, "stop") {
		return
	}
	if st.includeUsage {
		c := st.base
		c.Choices = []chunkChoice{}
		usage := usageFor(req, rep, s.pieces())
		u, _ := json.Marshal(usage)
		c.Usage = u
		b, _ := json.Marshal(c)
		if !st.event(b) {
			return
		}
		s.noteBilled(usage.Cost)
	}
	st.event([]byte("[DONE]"))
}

// ToolCallDeltas are the "tool_calls" deltas the "fake:tools" scenario streams: one call of
// get_weather whose arguments, {"city": "Paris"}, arrive in three pieces, as OpenAI sends them.
var ToolCallDeltas = []string{
	`[{"index":0,"id":"call_fake_1","type":"function","function":{"name":"get_weather","arguments":""}}]`,
	`[{"index":0,"function":{"arguments":"{\"city\": "}}]`,
	`[{"index":0,"function":{"arguments":"\"Paris\"}"}}]`,
}

// ToolsReplyPrefix starts the answer of "fake:tools" once the last message is a tool result,
// which follows it.
const ToolsReplyPrefix = "The tool answered: "

// streamToolCalls answers "fake:tools" with the calls of [ToolCallDeltas] and finish reason
// "tool_calls"; "fake:tools noid" leaves the calls' ids out, as some providers do.
func (s *Server) streamToolCalls(w http.ResponseWriter, r *http.Request, req *chatRequest, noID bool) {
	st := &streamer{
		s: s, w: w, rc: http.NewResponseController(w), ctx: r.Context(),
		base: chunk{ID: fmt.Sprintf("chatcmpl-fake-%d", s.seq.Add(1)), Object: "chat.completion.chunk", Created: time.Now().Unix(), Model: req.Model},
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	if !st.send(delta{Role: "assistant"}, "") {
		return
	}
	for _, d := range ToolCallDeltas {
		if noID {
			d = strings.Replace(d, `"id":"call_fake_1",`, "", 1)
		}
		if !st.pause() || !st.send(delta{ToolCalls: json.RawMessage(d)}, "") {
			return
		}
	}
	if st.pause() && st.send(delta{}, "tool_calls") {
		st.event([]byte("[DONE]"))
	}
}
