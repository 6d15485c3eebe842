package chat

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// want describes the expected Result; nil pointers in Usage and Cost mean
// "must be absent".
type want struct {
	content, reasoning, finish, model, provider, id string
	done                                            bool
	events                                          int
	usage                                           [4]int64 // prompt, completion, total, reasoning; -1 = absent
	usd, estimated, credits                         float64  // -1 = absent
}

func checkResult(t *testing.T, r *Result, w want) {
	t.Helper()
	if got, want := r.Content, w.content; got != want {
		t.Errorf("Content = %q, want %q", got, want)
	}
	if got, want := r.Reasoning, w.reasoning; got != want {
		t.Errorf("Reasoning = %q, want %q", got, want)
	}
	if got, want := r.FinishReason, w.finish; got != want {
		t.Errorf("FinishReason = %q, want %q", got, want)
	}
	if got, want := r.Model, w.model; got != want {
		t.Errorf("Model = %q, want %q", got, want)
	}
	if got, want := r.Provider, w.provider; got != want {
		t.Errorf("Provider = %q, want %q", got, want)
	}
	if w.id != "" {
		if got, want := r.ID, w.id; got != want {
			t.Errorf("ID = %q, want %q", got, want)
		}
	}
	if got, want := r.Done, w.done; got != want {
		t.Errorf("Done = %v, want %v", got, want)
	}
	if got, want := r.Events, w.events; got != want {
		t.Errorf("Events = %d, want %d", got, want)
	}
	ints := []*int64{r.Usage.PromptTokens, r.Usage.CompletionTokens, r.Usage.TotalTokens, r.Usage.ReasoningTokens}
	for i, p := range ints {
		checkInt(t, []string{"PromptTokens", "CompletionTokens", "TotalTokens", "ReasoningTokens"}[i], p, w.usage[i])
	}
	checkFloat(t, "Cost.USD", r.Cost.USD, w.usd)
	checkFloat(t, "Cost.EstimatedUSD", r.Cost.EstimatedUSD, w.estimated)
	checkFloat(t, "Cost.Credits", r.Cost.Credits, w.credits)
}

func checkInt(t *testing.T, name string, p *int64, w int64) {
	t.Helper()
	switch {
	case w < 0 && p != nil:
		t.Errorf("%s = %d, want absent", name, *p)
	case w >= 0 && p == nil:
		t.Errorf("%s absent, want %d", name, w)
	case w >= 0 && *p != w:
		t.Errorf("%s = %d, want %d", name, *p, w)
	}
}

func checkFloat(t *testing.T, name string, p *float64, w float64) {
	t.Helper()
	switch {
	case w < 0 && p != nil:
		t.Errorf("%s = %g, want absent", name, *p)
	case w >= 0 && p == nil:
		t.Errorf("%s absent, want %g", name, w)
	case w >= 0 && *p != w:
		t.Errorf("%s = %g, want %g", name, *p, w)
	}
}

var noUsage = [4]int64{-1, -1, -1, -1}

// applyFile decodes an SSE test file and applies every event.
func applyFile(t *testing.T, name string) (*Result, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := NewDecoder(f)
	r := &Result{}
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return r, nil
		}
		if err != nil {
			t.Fatalf("decoding %s: %v", name, err)
		}
		if err := r.ApplyChunk([]byte(ev.Data)); err != nil {
			return r, err
		}
	}
}

func TestApplyChunkStreams(t *testing.T) {
	tests := []struct {
		file string
		want want
	}{
		{
			file: "mythomax.sse",
			want: want{
				content: "  Hi!</s>", finish: "stop", model: "Gryphe/MythoMax-L2-13b", id: "Rc5hsIPHOSfMP3rNSFUw9tfR",
				done: true, events: 7, usage: noUsage, usd: -1, estimated: -1, credits: -1,
			},
		},
		{
			file: "qwen3_reasoning.sse",
			want: want{
				content: "Hello! How can I assist you today?",
				reasoning: "Okay, the user said \"Hello\". I should respond in a friendly and welcoming manner. Let" +
					" me make sure to acknowledge their greeting and offer assistance. Maybe something like, \"" +
					"Hello! How can I assist you today?\" That's simple and open-ended." +
					" I need to check if there's any specific context I should consider, but since" +
					" there's none, a general response is fine. Alright, that should work.",
				finish: "stop", model: "qwen3-32b", done: true, events: 13,
				usage: [4]int64{13, 2010, 2023, 82}, usd: -1, estimated: -1, credits: -1,
			},
		},
		{
			file: "deepinfra_usage.sse",
			want: want{
				content: "Two plus two is four.", finish: "stop", model: "meta-llama/Meta-Llama-3.1-8B-Instruct",
				done: true, events: 6, usage: [4]int64{17, 6, 23, -1}, usd: -1, estimated: 1.38e-06, credits: -1,
			},
		},
		{
			file: "crlf_keepalive_reasoning.sse",
			want: want{
				content: "Hi there!", reasoning: "The user greets me.", finish: "stop", model: "deepseek/deepseek-r1",
				provider: "DeepSeek", done: true, events: 6, usage: [4]int64{9, 12, 21, 8}, usd: 0.0000231, estimated: -1, credits: 47,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := applyFile(t, tt.file)
			if err != nil {
				t.Fatalf("applying: %v", err)
			}
			checkResult(t, r, tt.want)
		})
	}
}

func TestApplyChunkErrorMidStream(t *testing.T) {
	r, err := applyFile(t, "error_midstream.sse")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want *APIError", err)
	}
	if got, want := apiErr.Message, "Provider disconnected unexpectedly"; got != want {
		t.Fatalf("Message = %q, want %q", got, want)
	}
	if got, want := apiErr.Status, 502; got != want {
		t.Fatalf("Status = %d, want %d", got, want)
	}
	if got, want := r.Content, "Once upon a time"; got != want {
		t.Fatalf("partial Content = %q, want %q", got, want)
	}
	if got, want := r.Events, 2; got != want {
		t.Fatalf("Events = %d, want %d", got, want)
	}
}

func TestApplyChunkCases(t *testing.T) {
	tests := []struct {
		name      string
		chunks    []string
		content   string
		reasoning string
		finish    string
		wantErr   string // substring; "" means no error on the last chunk
		tools     int
	}{
		{name: "done with spaces", chunks: []string{" [DONE] "}},
		{name: "other indexes ignored", chunks: []string{
			`{"choices":[{"index":1,"delta":{"content":"B"}},{"index":0,"delta":{"content":"A"}}]}`,
			`{"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"length"},{"index":1,"delta":{},"finish_reason":"stop"}]}`,
		}, content: "Aa", finish: "length"},
		{name: "null content", chunks: []string{`{"choices":[{"delta":{"content":null,"role":"assistant"}}]}`}},
		{name: "content parts", chunks: []string{`{"choices":[{"delta":{"content":[{"type":"text","text":"x"},{"type":"text","text":"y"}]}}]}`}, content: "xy"},
		{name: "both reasoning names", chunks: []string{`{"choices":[{"delta":{"reasoning_content":"r","reasoning":"r"}}]}`}, reasoning: "r"},
		{name: "reasoning only", chunks: []string{`{"choices":[{"delta":{"reasoning":"r1"}}]}`, `{"choices":[{"delta":{"reasoning":"r2"}}]}`}, reasoning: "r1r2"},
		{name: "reasoning object ignored", chunks: []string{`{"choices":[{"delta":{"reasoning":{"effort":"low"},"content":"c"}}]}`}, content: "c"},
		{name: "think tags kept", chunks: []string{`{"choices":[{"delta":{"content":"<think>hm</think>ok"}}]}`}, content: "<think>hm</think>ok"},
		{name: "message in chunk", chunks: []string{`{"choices":[{"message":{"content":"whole"},"finish_reason":"stop"}]}`}, content: "whole", finish: "stop"},
		{name: "wrong types tolerated", chunks: []string{`{"created":"yesterday","model":5,"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":null}],"usage":{"prompt_tokens":"x"}}`}, content: "ok"},
		{name: "tool calls raw", chunks: []string{
			`{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":""}}]}}]}`,
			`{"choices":[{"delta":{"tool_calls":null,"content":""},"finish_reason":"tool_calls"}]}`,
		}, finish: "tool_calls", tools: 1},
		{name: "malformed", chunks: []string{`{"choices":[`}, wantErr: "chat: decoding chunk"},
		{name: "not an object", chunks: []string{`[1,2]`}, wantErr: "chat: decoding chunk"},
		{name: "empty payload", chunks: []string{``}, wantErr: "chat: decoding chunk"},
		{name: "error object", chunks: []string{`{"error":{"message":"boom","type":"server_error","code":"internal"}}`}, wantErr: "boom"},
		{name: "error string", chunks: []string{`{"error":"plain failure"}`}, wantErr: "plain failure"},
		{name: "aimlapi envelope", chunks: []string{`{"message":"Insufficient credits","statusCode":402}`}, wantErr: "Insufficient credits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Result
			var err error
			for _, c := range tt.chunks {
				err = r.ApplyChunk([]byte(c))
			}
			if tt.wantErr == "" && err != nil {
				t.Fatalf("ApplyChunk: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if got, want := r.Content, tt.content; got != want {
				t.Fatalf("Content = %q, want %q", got, want)
			}
			if got, want := r.Reasoning, tt.reasoning; got != want {
				t.Fatalf("Reasoning = %q, want %q", got, want)
			}
			if got, want := r.FinishReason, tt.finish; got != want {
				t.Fatalf("FinishReason = %q, want %q", got, want)
			}
			if got, want := len(r.ToolCalls), tt.tools; got != want {
				t.Fatalf("len(ToolCalls) = %d, want %d", got, want)
			}
		})
	}
}

func TestUsageZeroDiffersFromAbsent(t *testing.T) {
	var r Result
	if err := r.ApplyChunk([]byte(`{"choices":[],"usage":{"prompt_tokens":0,"cost":0}}`)); err != nil {
		t.Fatal(err)
	}
	if r.Usage.PromptTokens == nil || *r.Usage.PromptTokens != 0 {
		t.Fatalf("PromptTokens = %v, want pointer to 0", r.Usage.PromptTokens)
	}
	if got, want := r.Usage.CompletionTokens == nil, true; got != want {
		t.Fatalf("CompletionTokens absent = %v, want %v", got, want)
	}
	if got, want := r.Usage.Reported(), true; got != want {
		t.Fatalf("Usage.Reported() = %v, want %v", got, want)
	}
	if got, want := r.Cost.Reported(), true; got != want {
		t.Fatalf("Cost.Reported() = %v, want %v", got, want)
	}
	// A later chunk with "usage": null must not erase the counts.
	if err := r.ApplyChunk([]byte(`{"choices":[],"usage":null}`)); err != nil {
		t.Fatal(err)
	}
	if r.Usage.PromptTokens == nil {
		t.Fatal("usage erased by a null usage")
	}
}

func TestParseCompletion(t *testing.T) {
	tests := []struct {
		file string
		want want
	}{
		{
			file: "aimlapi_completion.json",
			want: want{
				content: " Hello! How can I assist you today?", finish: "stop", model: "gryphe/mythomax-l2-13b",
				provider: "DeepInfra", id: "gen-1765359480-L7JM0C2akgI9GiPPedfG", done: true, events: 1,
				usage: [4]int64{36, 9, 45, 0}, usd: 3.6e-06, estimated: -1, credits: 7,
			},
		},
		{
			file: "deepinfra_completion.json",
			want: want{
				content: " Hello! It's nice to meet you. Is there something I can help you with or would you like to chat for a bit?",
				finish:  "stop", model: "Gryphe/MythoMax-L2-13b", done: true, events: 1,
				usage: [4]int64{15, 16, 31, -1}, usd: -1, estimated: 0.0000268, credits: -1,
			},
		},
		{
			file: "qwen_thinking_completion.json",
			want: want{
				content: "Hello! 😊 How can I assist you today? Feel free to ask me any questions or let me know if you need help with anything specific!",
				reasoning: "Okay, the user said \"Hello\". That's a simple greeting. I should respond in a friendly and welcoming way. " +
					"Let me make sure to keep it open-ended so they feel comfortable to ask questions or share what's on their mind. " +
					"Maybe add a smiley emoji to keep it warm. Let me check if there's anything else they might need. " +
					"Since it's just a hello, probably not much more needed here. Just a polite reply.",
				finish: "stop", model: "qwen3-235b-a22b-thinking-2507", done: true, events: 1,
				usage: [4]int64{13, 2187, 2200, -1}, usd: -1, estimated: -1, credits: -1,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			r, err := ParseCompletion(body)
			if err != nil {
				t.Fatalf("ParseCompletion: %v", err)
			}
			checkResult(t, &r, tt.want)
		})
	}
}

func TestParseCompletionErrors(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantAPI bool
		wantMsg string
	}{
		{name: "malformed", body: `{"id":`, wantMsg: "chat: decoding completion"},
		{name: "html", body: `<html>oops</html>`, wantMsg: "chat: decoding completion"},
		{name: "error envelope", body: `{"error":{"message":"model not found","code":404}}`, wantAPI: true, wantMsg: "model not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCompletion([]byte(tt.body))
			var apiErr *APIError
			if got, want := errors.As(err, &apiErr), tt.wantAPI; got != want {
				t.Fatalf("is *APIError = %v, want %v (err %v)", got, want, err)
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

func FuzzApplyChunk(f *testing.F) {
	for _, s := range []string{
		`[DONE]`,
		`{"choices":[{"index":0,"delta":{"content":"x","reasoning_content":"y"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"cost":0.1},"meta":{"usage":{"credits_used":2}}}`,
		`{"error":{"message":"m","code":429}}`,
		`{"message":["a","b"],"statusCode":400}`,
		`{"detail":[{"loc":["body"],"msg":"field required"}]}`,
		`{"choices":[{"delta":{"content":[{"text":"p"}]}}]}`,
		`{"choices":[{"delta":{"reasoning_details":[{"type":"reasoning.text","text":"r"},{"summary":"s"}]}}]}`,
		`{"choices":[{"delta":{"content":"<think>a</th"}}]}`,
		`{"choices":[{"delta":{"content":"ink>b</s>"}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Result
		_ = r.ApplyChunk(data)
		_ = r.ApplyChunk(data)
		_, _ = ParseCompletion(data)
		_ = r.Visible(false)
		_ = r.Visible(true)
		e := ParseError(500, data)
		if e == nil || e.Message == "" {
			t.Fatalf("ParseError returned %#v, want a message", e)
		}
		_ = e.Error()
	})
}
