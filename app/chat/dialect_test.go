package chat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// serveOnce answers every request with body as contentType and records the path asked for.
func serveOnce(t *testing.T, contentType, body string, path *string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*path = r.URL.Path
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDialectStreams(t *testing.T) {
	tests := []struct {
		dialect                               Dialect
		file, path                            string
		content, reasoning, finish, model, id string
		prompt, completion                    int64
		call                                  string
	}{
		{Responses, "responses.sse", "/v1/responses", "Hello, **world**", "Thinking hard.", "stop", "openai/gpt-4o-2024-08-06", "resp_1", 12, 7,
			`{"index":2,"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}`},
		{AnthropicMessages, "messages.sse", "/v1/messages", "Hi there", "Let me see.", "tool_use", "claude-3-haiku", "msg_1", 25, 15,
			`{"index":2,"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Oslo\"}"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			srv := serveOnce(t, "text/event-stream", string(data), &got)
			updates := 0
			c := &Client{BaseURL: srv.URL, HTTP: srv.Client(), Dialect: tt.dialect}
			res, err := c.Complete(context.Background(), []byte(`{}`), func(*Result) { updates++ })
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.path || res.Content != tt.content || res.Reasoning != tt.reasoning || res.FinishReason != tt.finish ||
				res.Model != tt.model || res.ID != tt.id || !res.Done || updates < 5 || res.Malformed != 0 {
				t.Fatalf("path %s, result %+v, %d updates", got, res, updates)
			}
			if res.Usage.PromptTokens == nil || *res.Usage.PromptTokens != tt.prompt || *res.Usage.CompletionTokens != tt.completion ||
				*res.Usage.TotalTokens != tt.prompt+tt.completion {
				t.Errorf("usage %+v", res.Usage)
			}
			merged := mergeCalls(t, res.ToolCalls)
			if merged != tt.call {
				t.Errorf("tool call = %s, want %s", merged, tt.call)
			}
		})
	}
}

// mergeCalls joins the fragments of the first tool call as convo.MergeToolCalls would.
func mergeCalls(t *testing.T, parts []json.RawMessage) string {
	t.Helper()
	type call struct {
		Index    int    `json:"index"`
		ID       string `json:"id,omitempty"`
		Type     string `json:"type,omitempty"`
		Function struct {
			Name      string `json:"name,omitempty"`
			Arguments string `json:"arguments"`
		} `json:"function"`
	}
	var out call
	for _, p := range parts {
		var c call
		if err := json.Unmarshal(p, &c); err != nil {
			t.Fatal(err)
		}
		out.Index = c.Index
		out.ID += c.ID
		out.Type += c.Type
		out.Function.Name += c.Function.Name
		out.Function.Arguments += c.Function.Arguments
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func TestDialectErrors(t *testing.T) {
	tests := []struct {
		dialect Dialect
		body    string
		want    string
	}{
		{Responses, "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hal\"}\n\n" +
			"event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"The model broke down.\"}}}\n\n", "The model broke down."},
		{Responses, "event: error\ndata: {\"type\":\"error\",\"code\":\"rate_limit\",\"message\":\"Slow down.\"}\n\n", "Slow down."},
		{AnthropicMessages, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hal\"}}\n\n" +
			"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n", "Overloaded"},
	}
	for _, tt := range tests {
		var path string
		srv := serveOnce(t, "text/event-stream", tt.body, &path)
		c := &Client{BaseURL: srv.URL, HTTP: srv.Client(), Dialect: tt.dialect}
		res, err := c.Complete(context.Background(), []byte(`{}`), nil)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Message != tt.want {
			t.Errorf("%s: error %v, want %q", tt.dialect.Path(), err, tt.want)
		}
		if strings.HasPrefix(tt.body, "event: error") == (res.Content != "") {
			t.Errorf("%s: the text before the error is not kept: %q", tt.dialect.Path(), res.Content)
		}
	}
	// A stream cut off before it completed is an error, the text kept.
	var path string
	srv := serveOnce(t, "text/event-stream", "data: {\"type\":\"response.output_text.delta\",\"delta\":\"Hal\"}\n\n", &path)
	res, err := (&Client{BaseURL: srv.URL, HTTP: srv.Client(), Dialect: Responses}).Complete(context.Background(), []byte(`{}`), nil)
	if err == nil || res.Content != "Hal" {
		t.Errorf("cut-off stream: %v, %q", err, res.Content)
	}
}

func TestDialectAnswers(t *testing.T) {
	var path string
	srv := serveOnce(t, "application/json", `{"id":"resp_2","model":"m","status":"completed","output":[
		{"type":"reasoning","summary":[{"type":"summary_text","text":"Because."}]},
		{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Answer."}]},
		{"type":"function_call","call_id":"c1","name":"f","arguments":"{}"}],
		"usage":{"input_tokens":3,"output_tokens":4}}`, &path)
	res, err := (&Client{BaseURL: srv.URL, HTTP: srv.Client(), Dialect: Responses}).Complete(context.Background(), []byte(`{}`), nil)
	if err != nil || res.Content != "Answer." || res.Reasoning != "Because." || res.FinishReason != "stop" || len(res.ToolCalls) != 1 || *res.Usage.TotalTokens != 7 {
		t.Fatalf("responses answer: %+v, %v", res, err)
	}
	srv = serveOnce(t, "application/json", `{"id":"msg_2","type":"message","model":"claude","content":[{"type":"thinking","thinking":"Hm."},
		{"type":"text","text":"Done."},{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2}}`, &path)
	res, err = (&Client{BaseURL: srv.URL, HTTP: srv.Client(), Dialect: AnthropicMessages}).Complete(context.Background(), []byte(`{}`), nil)
	if err != nil || path != "/v1/messages" || res.Content != "Done." || res.Reasoning != "Hm." || res.FinishReason != "end_turn" ||
		mergeCalls(t, res.ToolCalls) != `{"index":2,"id":"t1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}` {
		t.Fatalf("messages answer: %+v, %v", res, err)
	}
	for _, d := range []Dialect{Responses, AnthropicMessages} {
		if _, err := d.ParseAnswer([]byte(`{"type":"error","error":{"type":"x","message":"Bad."}}`)); d == AnthropicMessages && err == nil {
			t.Error("an error answer parsed as a message")
		}
		if _, err := d.ParseAnswer([]byte(`[`)); err == nil {
			t.Errorf("%s: garbage parsed", d.Path())
		}
	}
}

func FuzzDialects(f *testing.F) {
	for _, name := range []string{"responses.sse", "messages.sse"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		for _, block := range strings.Split(string(data), "\n\n") {
			if i := strings.Index(block, "data: "); i >= 0 {
				f.Add([]byte(block[i+6:]))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range []Dialect{Responses, AnthropicMessages} {
			var r Result
			_ = d.ApplyEvent(&r, "", data)
			_, _ = d.ParseAnswer(data)
			for _, c := range r.ToolCalls {
				if !json.Valid(c) {
					t.Fatalf("tool call fragment %s is not JSON", c)
				}
			}
		}
	})
}
