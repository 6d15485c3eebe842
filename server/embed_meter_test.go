package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"playground/server/httperr"
)

// newTestMeter returns a meter in front of a recorder, its response started with contentType.
func newTestMeter(contentType string) (*meter, *httptest.ResponseRecorder) {
	rec := httptest.NewRecorder()
	m := &meter{sw: newStreamWriter(rec, 0)}
	m.Header().Set("Content-Type", contentType)
	m.WriteHeader(http.StatusOK)
	return m, rec
}

func sseEvent(v any) string {
	b, _ := json.Marshal(v)
	return "data: " + string(b) + "\n\n"
}

func deltaEvent(field, text string) string {
	return sseEvent(map[string]any{"object": "chat.completion.chunk", "choices": []any{map[string]any{"index": 0, "delta": map[string]string{field: text}}}})
}

// meterStream is an event stream with every kind of line a meter meets, and the runes of answer
// it carries.
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

func TestMeterCountsSplitStream(t *testing.T) {
	stream, runes := meterStream()
	usage := sseEvent(map[string]any{"choices": []any{}, "usage": map[string]int{"prompt_tokens": 40, "completion_tokens": 17, "total_tokens": 57}})
	withUsage := strings.Replace(stream, "data: [DONE]", strings.TrimSuffix(usage, "\n\n")+"\n\ndata: [DONE]", 1)
	feed := func(t *testing.T, s string, cuts []int) *meter {
		t.Helper()
		m, rec := newTestMeter("text/event-stream; charset=utf-8")
		prev := 0
		for _, c := range append(cuts, len(s)) {
			if n, err := m.Write([]byte(s[prev:c])); err != nil || n != c-prev {
				t.Fatalf("Write: %d %v", n, err)
			}
			prev = c
		}
		if rec.Body.String() != s {
			t.Fatal("the meter changed what it passed on")
		}
		return m
	}
	t.Run("every single split point", func(t *testing.T) {
		for i := 0; i <= len(withUsage); i++ {
			m := feed(t, withUsage, []int{i})
			if m.outRunes != runes || m.usage != 57 {
				t.Fatalf("split at %d (%q|%q): %d runes usage %d, want %d 57", i, withUsage[max(i-10, 0):i], withUsage[i:min(i+10, len(withUsage))], m.outRunes, m.usage, runes)
			}
		}
	})
	for _, size := range []int{1, 2, 3, 7, 64} {
		t.Run(fmt.Sprintf("pieces of %d bytes", size), func(t *testing.T) {
			var cuts []int
			for i := size; i < len(withUsage); i += size {
				cuts = append(cuts, i)
			}
			m := feed(t, withUsage, cuts)
			if m.outRunes != runes || m.usage != 57 || m.tokens(1000) != 57 {
				t.Fatalf("%d runes usage %d tokens %d, want %d 57 57", m.outRunes, m.usage, m.tokens(1000), runes)
			}
		})
	}
	t.Run("without usage the tokens are estimated", func(t *testing.T) {
		m := feed(t, stream, []int{5, 50, 51})
		for _, reqBytes := range []int{0, 1, 4, 5, 401} {
			if got, want := m.tokens(reqBytes), int64(reqBytes+3)/4+(runes+3)/4; got != want {
				t.Fatalf("tokens(%d) = %d, want %d", reqBytes, got, want)
			}
		}
	})
	t.Run("usage without a total", func(t *testing.T) {
		u := sseEvent(map[string]any{"usage": map[string]int{"prompt_tokens": 10, "completion_tokens": 5}})
		if m := feed(t, u, nil); m.tokens(99999) != 15 {
			t.Fatalf("tokens %d, want 15", m.tokens(99999))
		}
	})
	t.Run("a zero usage is no usage", func(t *testing.T) {
		u := deltaEvent("content", "abcdefgh") + sseEvent(map[string]any{"usage": map[string]int{"total_tokens": 0}})
		if m := feed(t, u, nil); m.tokens(8) != 2+2 {
			t.Fatalf("tokens %d, want the estimate 4", m.tokens(8))
		}
	})
	t.Run("a last line without a newline is not read", func(t *testing.T) {
		m := feed(t, strings.TrimSuffix(deltaEvent("content", "abc"), "\n\n"), nil)
		if m.outRunes != 0 {
			t.Fatalf("counted %d runes of an unfinished line", m.outRunes)
		}
	})
}

func TestMeterJSONAnswer(t *testing.T) {
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
			m, rec := newTestMeter(tt.ct)
			for i := 0; i < len(tt.body); i += 10 {
				_, _ = m.Write([]byte(tt.body[i:min(i+10, len(tt.body))]))
			}
			if rec.Body.String() != tt.body {
				t.Fatal("the meter changed what it passed on")
			}
			if got := m.tokens(tt.reqBytes); got != tt.want {
				t.Fatalf("tokens %d, want %d", got, tt.want)
			}
			if got := m.tokens(tt.reqBytes); got != tt.want {
				t.Fatalf("a second tokens() gave %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("a huge answer is not kept", func(t *testing.T) {
		m, _ := newTestMeter("application/json")
		piece := bytes.Repeat([]byte("x"), 64<<10)
		for range 40 {
			_, _ = m.Write(piece)
		}
		if len(m.body) > maxMeterLine {
			t.Fatalf("the meter kept %d bytes of a JSON answer", len(m.body))
		}
		if got := m.tokens(8); got != 2 {
			t.Fatalf("tokens %d, want the request estimate 2", got)
		}
	})
}

func TestMeterCut(t *testing.T) {
	t.Run("fires once past the limit", func(t *testing.T) {
		m, _ := newTestMeter("text/event-stream")
		cuts := 0
		m.cutRunes, m.cut = 10, func() { cuts++ }
		for i, want := range []int{0, 0, 1, 1, 1} { // 4, 8, 12, 16, 20 runes
			_, _ = m.Write([]byte(deltaEvent("content", "abcd")))
			if cuts != want {
				t.Fatalf("after %d runes: %d cuts, want %d", 4*(i+1), cuts, want)
			}
		}
	})
	t.Run("exactly the limit is not cut", func(t *testing.T) {
		m, _ := newTestMeter("text/event-stream")
		m.cutRunes, m.cut = 8, func() { t.Fatal("cut at the limit") }
		_, _ = m.Write([]byte(deltaEvent("content", "abcd") + deltaEvent("reasoning_content", "efgh")))
	})
	t.Run("no limit never cuts", func(t *testing.T) {
		m, _ := newTestMeter("text/event-stream") // cut is nil: calling it would panic
		for range 100 {
			_, _ = m.Write([]byte(deltaEvent("content", strings.Repeat("é", 100))))
		}
		if m.outRunes != 10000 {
			t.Fatalf("%d runes", m.outRunes)
		}
	})
	t.Run("ending the stream", func(t *testing.T) {
		m, rec := newTestMeter("text/event-stream")
		m.cutRunes = 3
		cancelled := 0
		m.cut = func() { m.sw.end(httperr.Errorf(httperr.EEmbedMaxTokens, "stopped")); cancelled++ }
		if _, err := m.Write([]byte(deltaEvent("content", "abcdef"))); err != nil {
			t.Fatalf("the write that crossed the limit failed: %v", err)
		}
		if n, err := m.Write([]byte(deltaEvent("content", "more"))); err == nil || n != 0 {
			t.Fatalf("a write after the cut: %d %v", n, err)
		}
		body := rec.Body.String()
		if cancelled != 1 || !strings.Contains(body, `"code":"embed_max_tokens"`) || strings.Contains(body, "more") {
			t.Fatalf("cancelled %d, stream %q", cancelled, body)
		}
	})
	t.Run("flush and unwrap reach the recorder", func(t *testing.T) {
		m, rec := newTestMeter("text/event-stream")
		if err := http.NewResponseController(m).Flush(); err != nil || !rec.Flushed {
			t.Fatalf("flush: %v %v", err, rec.Flushed)
		}
		if m.Unwrap() != http.ResponseWriter(m.sw) {
			t.Fatal("Unwrap must return the stream writer")
		}
	})
}

// TestMeterOverlongLine: a line longer than maxMeterLine is not kept whole (the meter's memory
// stays bounded), its length still counts as output, and the lines after it are read.
func TestMeterOverlongLine(t *testing.T) {
	m := &meter{sw: newStreamWriter(discardWriter{h: http.Header{}}, 0)}
	m.Header().Set("Content-Type", "text/event-stream")
	m.WriteHeader(http.StatusOK)
	piece := bytes.Repeat([]byte("x"), 64<<10)
	const lineBytes = 3 * maxMeterLine
	_, _ = m.Write([]byte(`data: {"choices":[{"delta":{"content":"`))
	for written := 0; written < lineBytes; written += len(piece) {
		_, _ = m.Write(piece)
		if cap(m.line) > 2*maxMeterLine {
			t.Fatalf("the meter holds %d bytes for one line", cap(m.line))
		}
	}
	_, _ = m.Write([]byte("\"}}]}\n\n" + deltaEvent("content", "after")))
	if !(m.outRunes >= lineBytes && m.outRunes < lineBytes+1000) {
		t.Fatalf("%d runes counted, want the over-long line's %d plus a few", m.outRunes, lineBytes)
	}
	before := m.outRunes
	_, _ = m.Write([]byte(deltaEvent("content", "12345")))
	if m.outRunes != before+5 || len(m.line) != 0 || m.overlong {
		t.Fatalf("the line after an over-long one: %d runes (want %d), line %d overlong %v", m.outRunes, before+5, len(m.line), m.overlong)
	}
	// An over-long line with usage is not read, but does not break the next usage.
	_, _ = m.Write([]byte(`data: {"usage":{"total_tokens":5},"pad":"` + strings.Repeat("y", maxMeterLine) + "\"}\n"))
	_, _ = m.Write([]byte(sseEvent(map[string]any{"usage": map[string]int{"total_tokens": 77}})))
	if m.usage != 77 {
		t.Fatalf("usage %d, want 77", m.usage)
	}
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}
