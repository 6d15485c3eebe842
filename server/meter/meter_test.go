package meter

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"playground/app/kind"
)

func newTestWriter(contentType string) (*Writer, *httptest.ResponseRecorder) {
	rec := httptest.NewRecorder()
	w := NewWriter(rec, kind.Chat)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	return w, rec
}

func TestWriterCut(t *testing.T) {
	t.Run("fires once past the limit", func(t *testing.T) {
		w, _ := newTestWriter("text/event-stream")
		cuts := 0
		w.CutRunes, w.Cut = 10, func() { cuts++ }
		for i, want := range []int{0, 0, 1, 1, 1} { // 4, 8, 12, 16, 20 runes
			_, _ = w.Write([]byte(deltaEvent("content", "abcd")))
			if cuts != want {
				t.Fatalf("after %d runes: %d cuts, want %d", 4*(i+1), cuts, want)
			}
		}
	})
	t.Run("exactly the limit is not cut", func(t *testing.T) {
		w, _ := newTestWriter("text/event-stream")
		w.CutRunes, w.Cut = 8, func() { t.Fatal("cut at the limit") }
		_, _ = w.Write([]byte(deltaEvent("content", "abcd") + deltaEvent("content", "efgh")))
	})
	t.Run("no limit never cuts", func(t *testing.T) {
		w, _ := newTestWriter("text/event-stream") // Cut is nil
		for range 100 {
			_, _ = w.Write([]byte(deltaEvent("content", strings.Repeat("é", 100))))
		}
		if got := w.Meter().OutputRunes(); got != 10000 {
			t.Fatalf("%d runes", got)
		}
	})
	t.Run("passes the answer on unchanged", func(t *testing.T) {
		w, rec := newTestWriter("text/event-stream")
		s := ": ping\n\n" + deltaEvent("content", "héllo") + "data: {\"usage\":{\"total_tokens\":9}}\n\ndata: [DONE]\n\n"
		for i := 0; i < len(s); i += 3 {
			_, _ = w.Write([]byte(s[i:min(i+3, len(s))]))
		}
		if rec.Body.String() != s || w.Status() != 200 || w.Usage().Tokens() != 9 || w.Tokens(1000) != 9 {
			t.Fatalf("body %q status %d usage %+v", rec.Body, w.Status(), w.Usage())
		}
	})
	t.Run("flush and unwrap reach the recorder", func(t *testing.T) {
		w, rec := newTestWriter("text/event-stream")
		if err := http.NewResponseController(w).Flush(); err != nil || !rec.Flushed {
			t.Fatalf("flush: %v %v", err, rec.Flushed)
		}
		if w.Unwrap() != http.ResponseWriter(rec) {
			t.Fatal("Unwrap must return the writer below")
		}
	})
	t.Run("an answer that never started", func(t *testing.T) {
		w := NewWriter(httptest.NewRecorder(), kind.Images)
		if w.Status() != 0 || !w.Usage().IsZero() || w.Tokens(8) != 2 {
			t.Fatalf("status %d usage %+v tokens %d", w.Status(), w.Usage(), w.Tokens(8))
		}
	})
}

func TestRecordSetUsage(t *testing.T) {
	tests := []struct {
		name     string
		u        kind.Usage
		estimate int64
		want     Record
	}{
		{"reported", kind.Usage{PromptTokens: 3, CompletionTokens: 4}, 99, Record{TokensIn: 3, TokensOut: 4, Tokens: 7}},
		{"estimated", kind.Usage{}, 12, Record{Tokens: 12, Estimated: true}},
		{"money only", kind.Usage{Credits: 10, USD: 0.5}, 12, Record{Credits: 10, USD: 0.5}},
		{"nothing", kind.Usage{}, 0, Record{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			r.SetUsage(tt.u, tt.estimate)
			if r != tt.want {
				t.Fatalf("%+v, want %+v", r, tt.want)
			}
		})
	}
}

// TestWriterKeep: Keep keeps the start of a textual answer, never of a binary one.
func TestWriterKeep(t *testing.T) {
	tests := []struct {
		contentType string
		keep        int
		want        string
	}{
		{"text/event-stream", 10, "data: {\"ch"},
		{"application/json; charset=utf-8", 200, deltaEvent("content", "abcd")},
		{"application/problem+json", 4, "data"},
		{"audio/wav", 100, ""},
		{"text/event-stream", 0, ""},
	}
	for _, tt := range tests {
		w, _ := newTestWriter(tt.contentType)
		w.Keep = tt.keep
		ev := deltaEvent("content", "abcd")
		for i := 0; i < len(ev); i += 7 {
			_, _ = w.Write([]byte(ev[i:min(i+7, len(ev))]))
		}
		if string(w.Kept()) != tt.want {
			t.Errorf("%s keeping %d: %q, want %q", tt.contentType, tt.keep, w.Kept(), tt.want)
		}
	}
}
