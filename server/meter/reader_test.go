package meter

import (
	"playground/app/kind"

	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func sseEvent(v any) string {
	b, _ := json.Marshal(v)
	return "data: " + string(b) + "\n\n"
}

func namedEvent(name string, v any) string { return "event: " + name + "\n" + sseEvent(v) }

func deltaEvent(field, text string) string {
	return sseEvent(map[string]any{"object": "chat.completion.chunk", "choices": []any{map[string]any{"index": 0, "delta": map[string]string{field: text}}}})
}

// meterStream is a chat event stream with every kind of line a meter meets, and the runes of
// answer it carries.
func meterStream() (string, int64) {
	texts := []struct{ field, text string }{
		{"content", ""}, {"reasoning_content", "Let me think… über"}, {"reasoning", "ρ≈3.14"},
		{"content", "Héllo, 世界! "}, {"content", "data: not an event\n"}, {"content", "🙂 done."},
	}
	var b strings.Builder
	var runes int64
	b.WriteString(": ping\n\n")
	b.WriteString("event: message\nid: 1\nretry: 10\n")
	for i, x := range texts {
		ev := deltaEvent(x.field, x.text)
		if i%2 == 1 {
			ev = strings.ReplaceAll(ev, "\n", "\r\n")
		}
		b.WriteString(ev)
		runes += int64(utf8.RuneCountInString(x.text))
	}
	b.WriteString("data:" + `{"choices":[{"delta":{"content":"no space"}}]}` + "\n\n") // "data:" without a space
	runes += int64(len("no space"))
	b.WriteString("data: {not json\n\n")
	b.WriteString("data: [DONE]\n\n")
	return b.String(), runes
}

// feed writes s to a new meter of k in pieces cut at cuts.
func feed(k kind.Kind, contentType, s string, cuts ...int) *Reader {
	m := NewReader(k, contentType)
	prev := 0
	for _, c := range append(cuts, len(s)) {
		if n, err := m.Write([]byte(s[prev:c])); err != nil || n != c-prev {
			panic(fmt.Sprintf("Write: %d %v", n, err))
		}
		prev = c
	}
	return m
}

func TestReaderCountsSplitStream(t *testing.T) {
	stream, runes := meterStream()
	usage := sseEvent(map[string]any{"choices": []any{}, "usage": map[string]int{"prompt_tokens": 40, "completion_tokens": 17, "total_tokens": 57}})
	withUsage := strings.Replace(stream, "data: [DONE]", strings.TrimSuffix(usage, "\n\n")+"\n\ndata: [DONE]", 1)
	const ct = "text/event-stream; charset=utf-8"
	t.Run("every single split point", func(t *testing.T) {
		for i := 0; i <= len(withUsage); i++ {
			m := feed(kind.Chat, ct, withUsage, i)
			if m.OutputRunes() != runes || m.Usage().Tokens() != 57 {
				t.Fatalf("split at %d: %d runes usage %d, want %d 57", i, m.OutputRunes(), m.Usage().Tokens(), runes)
			}
		}
	})
	for _, size := range []int{1, 2, 3, 7, 64} {
		t.Run(fmt.Sprintf("pieces of %d bytes", size), func(t *testing.T) {
			var cuts []int
			for i := size; i < len(withUsage); i += size {
				cuts = append(cuts, i)
			}
			m := feed(kind.Chat, ct, withUsage, cuts...)
			if m.OutputRunes() != runes || m.Usage().Tokens() != 57 || m.Tokens(1000) != 57 {
				t.Fatalf("%d runes usage %d tokens %d, want %d 57 57", m.OutputRunes(), m.Usage().Tokens(), m.Tokens(1000), runes)
			}
		})
	}
	t.Run("without usage the tokens are estimated", func(t *testing.T) {
		m := feed(kind.Chat, ct, stream, 5, 50, 51)
		for _, reqBytes := range []int{0, 1, 4, 5, 401} {
			if got, want := m.Tokens(reqBytes), int64(reqBytes+3)/4+(runes+3)/4; got != want {
				t.Fatalf("Tokens(%d) = %d, want %d", reqBytes, got, want)
			}
		}
	})
	t.Run("usage without a total", func(t *testing.T) {
		u := sseEvent(map[string]any{"usage": map[string]int{"prompt_tokens": 10, "completion_tokens": 5}})
		if m := feed(kind.Chat, ct, u); m.Tokens(99999) != 15 {
			t.Fatalf("tokens %d, want 15", m.Tokens(99999))
		}
	})
	t.Run("a zero usage is no usage", func(t *testing.T) {
		u := deltaEvent("content", "abcdefgh") + sseEvent(map[string]any{"usage": map[string]int{"total_tokens": 0}})
		if m := feed(kind.Chat, ct, u); m.Tokens(8) != 2+2 {
			t.Fatalf("tokens %d, want the estimate 4", m.Tokens(8))
		}
	})
	t.Run("a last line without a newline is not read", func(t *testing.T) {
		m := feed(kind.Chat, ct, strings.TrimSuffix(deltaEvent("content", "abc"), "\n\n"))
		if m.OutputRunes() != 0 {
			t.Fatalf("counted %d runes of an unfinished line", m.OutputRunes())
		}
	})
}

func TestReaderJSONAnswer(t *testing.T) {
	answer := `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Héllo wörld","reasoning_content":"hm"}}],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}`
	noUsage := `{"choices":[{"index":0,"message":{"content":"Héllo wörld","reasoning_content":"hm"}}]}`
	tests := []struct {
		name, ct, body string
		reqBytes       int
		want           int64
	}{
		{"usage", "application/json", answer, 100, 13},
		{"no usage: estimate", "application/json; charset=utf-8", noUsage, 40, 10 + (13+3)/4},
		{"error envelope", "application/json", `{"error":{"message":"nope","type":"x"}}`, 40, 10},
		{"no content type", "", answer, 100, 13},
		{"empty body", "application/json", "", 7, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cuts []int
			for i := 10; i < len(tt.body); i += 10 {
				cuts = append(cuts, i)
			}
			m := feed(kind.Chat, tt.ct, tt.body, cuts...)
			if got := m.Tokens(tt.reqBytes); got != tt.want {
				t.Fatalf("tokens %d, want %d", got, tt.want)
			}
			if got := m.Tokens(tt.reqBytes); got != tt.want {
				t.Fatalf("a second Tokens() gave %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("a huge answer is not kept", func(t *testing.T) {
		m := NewReader(kind.Chat, "application/json")
		piece := bytes.Repeat([]byte("x"), 64<<10)
		for range 40 {
			_, _ = m.Write(piece)
			if len(m.body) > MaxLine {
				t.Fatalf("the meter kept %d bytes of a JSON answer", len(m.body))
			}
		}
		if got := m.Tokens(8); got != 2 {
			t.Fatalf("tokens %d, want the request estimate 2", got)
		}
	})
}

// TestMeterOverlongLine: a line longer than MaxLine is not kept whole (the meter's memory
// stays bounded), its length still counts as output, and the lines after it are read.
func TestReaderOverlongLine(t *testing.T) {
	m := NewReader(kind.Chat, "text/event-stream")
	piece := bytes.Repeat([]byte("x"), 64<<10)
	const lineBytes = 3 * MaxLine
	_, _ = m.Write([]byte(`data: {"choices":[{"delta":{"content":"`))
	for written := 0; written < lineBytes; written += len(piece) {
		_, _ = m.Write(piece)
		if cap(m.line) > 2*MaxLine {
			t.Fatalf("the meter holds %d bytes for one line", cap(m.line))
		}
	}
	_, _ = m.Write([]byte("\"}}]}\n\n" + deltaEvent("content", "after")))
	if !(m.OutputRunes() >= lineBytes && m.OutputRunes() < lineBytes+1000) {
		t.Fatalf("%d runes counted, want the over-long line's %d plus a few", m.OutputRunes(), lineBytes)
	}
	before := m.OutputRunes()
	_, _ = m.Write([]byte(deltaEvent("content", "12345")))
	if m.OutputRunes() != before+5 || len(m.line) != 0 || m.overlong {
		t.Fatalf("the line after an over-long one: %d runes (want %d), line %d overlong %v", m.OutputRunes(), before+5, len(m.line), m.overlong)
	}
	// An over-long line with usage is not read, but does not break the next usage.
	_, _ = m.Write([]byte(`data: {"usage":{"total_tokens":5},"pad":"` + strings.Repeat("y", MaxLine) + "\"}\n"))
	_, _ = m.Write([]byte(sseEvent(map[string]any{"usage": map[string]int{"total_tokens": 77}})))
	if m.Usage().Tokens() != 77 {
		t.Fatalf("usage %d, want 77", m.Usage().Tokens())
	}
}

// TestMeterKinds: each kind's answers, streamed and whole, as the fake upstream and the real APIs
// send them, read through the kind's own decoder.
func TestReaderKinds(t *testing.T) {
	responsesStream := namedEvent("response.created", map[string]any{"type": "response.created", "response": map[string]any{"id": "r"}}) +
		namedEvent("response.reasoning_summary_text.delta", map[string]any{"type": "response.reasoning_summary_text.delta", "delta": "think"}) +
		namedEvent("response.output_text.delta", map[string]any{"type": "response.output_text.delta", "delta": "Héllo"}) +
		namedEvent("response.function_call_arguments.delta", map[string]any{"type": "response.function_call_arguments.delta", "delta": `{"a":1}`}) +
		namedEvent("response.completed", map[string]any{"type": "response.completed", "response": map[string]any{"usage": map[string]int{"input_tokens": 12, "output_tokens": 7, "total_tokens": 19}}})
	messagesStream := namedEvent("message_start", map[string]any{"type": "message_start", "message": map[string]any{"usage": map[string]int{"input_tokens": 30, "output_tokens": 1}}}) +
		namedEvent("content_block_delta", map[string]any{"type": "content_block_delta", "delta": map[string]string{"type": "thinking_delta", "thinking": "hmm"}}) +
		namedEvent("content_block_delta", map[string]any{"type": "content_block_delta", "delta": map[string]string{"type": "text_delta", "text": "Bonjour"}}) +
		namedEvent("message_delta", map[string]any{"type": "message_delta", "usage": map[string]int{"output_tokens": 25}}) +
		namedEvent("message_stop", map[string]any{"type": "message_stop"})
	tests := []struct {
		name  string
		kind  kind.Kind
		ct    string
		body  string
		runes int64
		want  kind.Usage
	}{
		{"chat stream", kind.Chat, "text/event-stream", deltaEvent("content", "abc") + sseEvent(map[string]any{"usage": map[string]int{"prompt_tokens": 3, "completion_tokens": 2}, "meta": map[string]any{"usage": map[string]any{"credits_used": 42}}}), 3,
			kind.Usage{PromptTokens: 3, CompletionTokens: 2, Credits: 42}},
		{"responses stream", kind.Responses, "text/event-stream", responsesStream, 10, kind.Usage{PromptTokens: 12, CompletionTokens: 7, TotalTokens: 19}},
		{"responses stream without event names", kind.Responses, "text/event-stream", strings.ReplaceAll(responsesStream, "event: ", ": "), 10, kind.Usage{PromptTokens: 12, CompletionTokens: 7, TotalTokens: 19}},
		{"responses answer", kind.Responses, "application/json", `{"object":"response","output":[],"usage":{"input_tokens":5,"output_tokens":6}}`, 0, kind.Usage{PromptTokens: 5, CompletionTokens: 6}},
		{"messages stream", kind.Messages, "text/event-stream", messagesStream, 10, kind.Usage{PromptTokens: 30, CompletionTokens: 25}},
		{"messages answer", kind.Messages, "application/json", `{"type":"message","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":8,"output_tokens":2}}`, 0, kind.Usage{PromptTokens: 8, CompletionTokens: 2}},
		{"images answer", kind.Images, "application/json", `{"data":[{"url":"https://x/y.png"}],"meta":{"usage":{"credits_used":4200,"usd_spent":0.0021}}}`, 0, kind.Usage{Credits: 4200, USD: 0.0021}},
		{"images answer, credits as a string", kind.Images, "application/json", `{"data":[],"meta":{"usage":{"credits_used":"10.5"}}}`, 0, kind.Usage{Credits: 10.5}},
		{"embeddings answer", kind.Embeddings, "application/json", `{"data":[{"embedding":[0.1]}],"usage":{"prompt_tokens":9,"total_tokens":9}}`, 0, kind.Usage{PromptTokens: 9, TotalTokens: 9}},
		{"an error answer", kind.Images, "application/json", `{"error":{"message":"no"}}`, 0, kind.Usage{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, size := range []int{1, 5, len(tt.body)} {
				var cuts []int
				for i := size; i < len(tt.body); i += size {
					cuts = append(cuts, i)
				}
				m := feed(tt.kind, tt.ct, tt.body, cuts...)
				if got := m.Usage(); got != tt.want || m.OutputRunes() != tt.runes {
					t.Fatalf("pieces of %d: usage %+v, %d runes; want %+v, %d", size, got, m.OutputRunes(), tt.want, tt.runes)
				}
			}
		})
	}
}

// FuzzReader feeds a meter arbitrary answer bytes in two writes split anywhere: it never panics,
// keeps at most one bounded line, and counts the same whatever the split (the network chooses it).
func FuzzReader(f *testing.F) {
	stream, _ := meterStream()
	f.Add([]byte(stream), 7, uint8(0), true)
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"hé\"}}],\"usage\":{\"total_tokens\":9}}\n\n"), 3, uint8(0), true)
	f.Add([]byte("data: {\"choices\":[{\"message\":{\"content\":\"x\"}}]}\r\ndata: [DONE]\n"), 0, uint8(0), true)
	f.Add([]byte(": ping\n\ndata:\ndata: {\n"), 100, uint8(0), true)
	f.Add([]byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}\n\n"), 20, uint8(2), true)
	f.Add([]byte("event: response.output_text.delta\ndata: {\"delta\":\"hi\"}\n\n"), 9, uint8(1), true)
	f.Add([]byte(`{"data":[],"meta":{"usage":{"credits_used":"1e3","usd_spent":0.5}}}`), 11, uint8(3), false)
	f.Add([]byte(`{"data":[{"embedding":[1]}],"usage":{"prompt_tokens":-4}}`), 5, uint8(4), false)
	kinds := kind.All()
	f.Fuzz(func(t *testing.T, data []byte, split int, which uint8, sse bool) {
		k := kinds[int(which)%len(kinds)]
		ct := "application/json"
		if sse {
			ct = "text/event-stream"
		}
		count := func(parts ...[]byte) (int64, kind.Usage, int64) {
			m := NewReader(k, ct)
			for _, p := range parts {
				if n, err := m.Write(p); err != nil || n != len(p) {
					t.Fatalf("Write: %d %v", n, err)
				}
				if len(m.line) > MaxLine || len(m.body) > MaxLine {
					t.Fatalf("the meter keeps %d+%d bytes, more than %d", len(m.line), len(m.body), MaxLine)
				}
			}
			u := m.Usage()
			return m.OutputRunes(), u, m.Tokens(len(data))
		}
		split = int(uint(split) % uint(len(data)+1))
		runes1, usage1, tokens1 := count(data)
		runes2, usage2, tokens2 := count(data[:split], data[split:])
		if runes1 != runes2 || usage1 != usage2 || tokens1 != tokens2 {
			t.Fatalf("split at %d: %d runes, %+v, %d tokens; in one write: %d runes, %+v, %d tokens", split, runes2, usage2, tokens2, runes1, usage1, tokens1)
		}
		if runes1 < 0 || tokens1 < 0 || usage1.Tokens() < 0 || usage1.Credits < 0 || usage1.USD < 0 {
			t.Fatalf("negative counts: %d runes, %+v, %d tokens", runes1, usage1, tokens1)
		}
	})
}
