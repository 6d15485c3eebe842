package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"playground/app/schema"
	"playground/server/fakeupstream"
	"playground/server/internal/syncbuf"
)

// Models of the embedded catalogue the embed tests use. Qwen 7B's schema lists max_tokens before
// max_completion_tokens, mythomax's the other way round; Qwen 72B is the model the tests' embed
// may not run (the pattern "Qwen/Qwen2.5-7B-*" is a near miss for it).
const (
	embedAllowed    = "Qwen/Qwen2.5-7B-Instruct-Turbo"
	embedAllowed2   = "gryphe/mythomax-l2-13b"
	embedDisallowed = "Qwen/Qwen2.5-72B-Instruct-Turbo"
)

var embedPatterns = []string{"Qwen/Qwen2.5-7B-*", "gryphe/*"}

func fptr(v float64) *float64 { return &v }

// topLevelKeys lists the keys of a JSON object in order, repeats included.
func topLevelKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", b)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("reading %s: %v", b, err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("reading %s: %v", b, err)
		}
	}
	return keys
}

func TestCapTokens(t *testing.T) {
	maxTok := schema.Field{Name: "max_tokens", Type: "integer"}
	maxCompl := schema.Field{Name: "max_completion_tokens", Type: "integer"}
	messages := schema.Field{Name: "messages"}
	std := []schema.Field{{Name: "model"}, messages, maxTok, maxCompl}
	const msgs = `{"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`
	tests := []struct {
		name        string
		max         int
		fields      []schema.Field
		body        string
		wantBody    string // "" means the body must come back unchanged
		wantLongest int64
		wantCut     bool
		wantStatus  int
		wantCode    string
		wantMsg     []string
	}{
		{name: "max_tokens above the cap", max: 1024, fields: std, body: `{"model":"m","max_tokens":2000}`,
			wantStatus: 400, wantCode: "embed_max_tokens", wantMsg: []string{"max_tokens:", "at most 1,024 tokens"}},
		{name: "max_completion_tokens above the cap", max: 1024, fields: std, body: `{"model":"m","max_completion_tokens":1025}`,
			wantStatus: 400, wantCode: "embed_max_tokens", wantMsg: []string{"max_completion_tokens:"}},
		{name: "a field the schema lacks is still capped", max: 10, fields: std, body: `{"model":"m","max_new_tokens":11}`,
			wantStatus: 400, wantCode: "embed_max_tokens", wantMsg: []string{"max_new_tokens:"}},
		{name: "fraction above the cap", max: 1024, fields: std, body: `{"max_tokens":1024.5}`,
			wantStatus: 400, wantCode: "embed_max_tokens"},
		{name: "one of two above the cap", max: 100, fields: std, body: `{"max_tokens":5,"max_output_tokens":101}`,
			wantStatus: 400, wantCode: "embed_max_tokens", wantMsg: []string{"max_output_tokens:"}},
		{name: "not a number", max: 1024, fields: std, body: `{"max_tokens":"lots"}`,
			wantStatus: 400, wantCode: "invalid_parameters", wantMsg: []string{"max_tokens: must be a number"}},
		{name: "not a JSON object", max: 1024, fields: std, body: `[1,2]`,
			wantStatus: 400, wantCode: "invalid_json"},
		{name: "equal to the cap", max: 1024, fields: std, body: `{"model":"m", "max_tokens": 1024 }`, wantLongest: 1024},
		{name: "below the cap", max: 1024, fields: std, body: `{"model":"m","max_tokens":100}`, wantLongest: 100},
		{name: "two set: the longer counts", max: 1024, fields: std, body: `{"max_tokens":100,"max_completion_tokens":300}`, wantLongest: 300},
		{name: "null and a value", max: 1024, fields: std, body: `{"max_tokens":null,"max_completion_tokens":30}`, wantLongest: 30},
		{name: "absent: the schema's first length field is added", max: 1024, fields: std, body: msgs,
			wantBody: `{"max_tokens":1024,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 1024},
		{name: "absent: max_tokens first, whatever the schema's order", max: 1024, fields: []schema.Field{messages, maxCompl, maxTok}, body: msgs,
			wantBody: `{"max_tokens":1024,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 1024},
		{name: "absent: max_completion_tokens before max_new_tokens", max: 1024,
			fields: []schema.Field{messages, {Name: "max_new_tokens"}, {Name: "max_output_tokens"}, maxCompl}, body: msgs,
			wantBody: `{"max_completion_tokens":1024,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 1024},
		{name: "absent: max_output_tokens before max_new_tokens", max: 1024,
			fields: []schema.Field{messages, {Name: "max_new_tokens"}, {Name: "max_output_tokens", Max: fptr(8)}}, body: msgs,
			wantBody: `{"max_output_tokens":8,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 8},
		{name: "absent: the schema's lower maximum", max: 1024,
			fields: []schema.Field{messages, {Name: "max_tokens", Max: fptr(256)}}, body: msgs,
			wantBody: `{"max_tokens":256,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 256},
		{name: "absent: a higher schema maximum keeps the cap", max: 1024,
			fields: []schema.Field{messages, {Name: "max_tokens", Max: fptr(100000)}}, body: msgs,
			wantBody: `{"max_tokens":1024,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 1024},
		{name: "absent: a schema maximum below 1 is ignored", max: 1024,
			fields: []schema.Field{messages, {Name: "max_tokens", Max: fptr(0.5)}}, body: msgs,
			wantBody: `{"max_tokens":1024,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 1024},
		{name: "absent: max_new_tokens", max: 64, fields: []schema.Field{messages, {Name: "max_new_tokens"}}, body: msgs,
			wantBody: `{"max_new_tokens":64,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 64},
		{name: "absent: empty object", max: 7, fields: std, body: `{}`, wantBody: `{"max_tokens":7}`, wantLongest: 7},
		{name: "absent: empty object with spaces", max: 7, fields: std, body: " {\n} ", wantBody: " {\"max_tokens\":7\n} ", wantLongest: 7},
		{name: "absent: leading white space and odd spacing kept", max: 9, fields: std, body: "\n\t{ \"model\" : \"m\" ,\"n\":1}",
			wantBody: "\n\t{\"max_tokens\":9, \"model\" : \"m\" ,\"n\":1}", wantLongest: 9},
		{name: "no length field in the schema: cut while streaming", max: 500, fields: []schema.Field{messages}, body: msgs,
			wantLongest: 500, wantCut: true},
		{name: "no cap: nothing changes", max: 0, fields: std, body: `{"max_tokens":999999}`},
		{name: "no cap: nothing added", max: 0, fields: std, body: msgs},
		{name: "no cap: not even parsed", max: 0, fields: std, body: `not json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &embedGate{cfg: Embed{MaxTokens: tt.max}}
			in := []byte(tt.body)
			orig := bytes.Clone(in)
			out, longest, cut, err := g.capTokens(&schema.Operation{Fields: tt.fields}, in)
			if !bytes.Equal(in, orig) {
				t.Fatalf("the input body was modified: %s", in)
			}
			if tt.wantStatus != 0 {
				e, ok := err.(*Error)
				if !ok {
					t.Fatalf("err = %v (%T), want an *Error %d %s", err, err, tt.wantStatus, tt.wantCode)
				}
				if e.Status != tt.wantStatus || e.Code != tt.wantCode || e.Type != "invalid_request_error" {
					t.Fatalf("got %d %s %s, want %d %s", e.Status, e.Type, e.Code, tt.wantStatus, tt.wantCode)
				}
				for _, m := range tt.wantMsg {
					if !strings.Contains(e.Message, m) {
						t.Errorf("message %q does not contain %q", e.Message, m)
					}
				}
				if out != nil {
					t.Errorf("a refused body came back: %s", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantBody
			if want == "" {
				want = tt.body
			}
			if string(out) != want {
				t.Fatalf("body\n got %s\nwant %s", out, want)
			}
			if longest != tt.wantLongest || cut != tt.wantCut {
				t.Fatalf("longest %d cut %v, want %d %v", longest, cut, tt.wantLongest, tt.wantCut)
			}
			if tt.max > 0 {
				if !json.Valid(out) {
					t.Fatalf("invalid JSON: %s", out)
				}
				seen := map[string]bool{}
				for _, k := range topLevelKeys(t, out) {
					if seen[k] {
						t.Fatalf("key %q twice in %s", k, out)
					}
					seen[k] = true
				}
			}
			if tt.wantBody != "" {
				// Everything after the opening brace goes out as it came.
				i := strings.IndexByte(tt.body, '{')
				if !bytes.HasPrefix(out, []byte(tt.body[:i+1])) || !bytes.HasSuffix(out, []byte(tt.body[i+1:])) {
					t.Fatalf("the body around the insertion changed: %s", out)
				}
			}
		})
	}
}

// TestCapTokensNullField: a client that sends a nullable length parameter as null must not get a
// second key added next to it (an upstream reading the last of two keys would see null: no cap).
func TestCapTokensNullField(t *testing.T) {
	g := &embedGate{cfg: Embed{MaxTokens: 100}}
	op := &schema.Operation{Fields: []schema.Field{{Name: "messages"}, {Name: "max_tokens", Nullable: true}}}
	for _, body := range []string{`{"model":"m","max_tokens":null}`, `{"max_tokens":null}`, `{"messages":[],"max_tokens":null,"n":1}`} {
		out, longest, cut, err := g.capTokens(op, []byte(body))
		if err != nil || longest != 100 || cut {
			t.Fatalf("%s: longest %d cut %v err %v", body, longest, cut, err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s: invalid JSON out: %s", body, out)
		}
		if keys := topLevelKeys(t, out); strings.Count(strings.Join(keys, " ")+" ", "max_tokens ") != 1 {
			t.Fatalf("%s: max_tokens is not there exactly once: %s", body, out)
		}
		if string(got["max_tokens"]) != "100" {
			t.Fatalf("%s: max_tokens = %s, want 100 (%s)", body, got["max_tokens"], out)
		}
		var in map[string]json.RawMessage
		_ = json.Unmarshal([]byte(body), &in)
		for k, v := range in {
			if k != "max_tokens" && string(got[k]) != string(v) {
				t.Errorf("%s: %s changed to %s", body, k, got[k])
			}
		}
	}
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func newBudget(limit int64, c *clock) *budget { return &budget{limit: limit, now: c.now} }

func mustReserve(t *testing.T, b *budget, n int64) func(int64) {
	t.Helper()
	settle, err := b.reserve(n)
	if err != nil {
		t.Fatalf("reserve(%d) refused: %v", n, err)
	}
	return settle
}

func TestBudgetArithmetic(t *testing.T) {
	c := &clock{t: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
	b := newBudget(1000, c)
	var s1, s2, s3 func(int64)
	steps := []struct {
		name string
		do   func()
		left int64
	}{
		{"a new budget", func() {}, 1000},
		{"reserve 300", func() { s1 = mustReserve(t, b, 300) }, 700},
		{"reserve 500", func() { s2 = mustReserve(t, b, 500) }, 200},
		{"the first run used 100 of its 300", func() { s1(100) }, 400},
		{"a second settle does nothing", func() { s1(999) }, 400},
		{"a run may use more than it reserved", func() { s2(600) }, 300},
		{"reserve exactly what is left", func() { s3 = mustReserve(t, b, 300) }, 0},
		{"a run that used nothing", func() { s3(0) }, 300},
	}
	for _, s := range steps {
		s.do()
		if got := b.left(); got != s.left {
			t.Fatalf("%s: left %d, want %d", s.name, got, s.left)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used != 700 || b.reserved != 0 {
		t.Fatalf("used %d reserved %d, want 700 0", b.used, b.reserved)
	}
}

func TestBudgetRefusal(t *testing.T) {
	tests := []struct {
		name       string
		now        time.Time
		used       int64 // spent before the refused reservation
		reserve    int64
		retryAfter int
		msg        []string
	}{
		{"not enough left", time.Date(2025, 3, 10, 23, 30, 0, 0, time.UTC), 900, 200, 30*60 + 1,
			[]string{"could use up to 200 tokens", "100 are left", "Lower max_tokens", "00:00 UTC (in 30m0s)"}},
		{"used up", time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), 1000, 1, 24*3600 + 1,
			[]string{"daily budget of 1,000 tokens is used up", "resets at 00:00 UTC (in 24h0m0s)"}},
		{"overspent", time.Date(2025, 3, 10, 22, 59, 30, 0, time.UTC), -1500, 1, 3630 + 1,
			[]string{"is used up", "(in 1h1m0s)"}},
		{"clock in another zone", time.Date(2025, 3, 10, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)), 1000, 5, 23*3600 + 1,
			[]string{"is used up", "(in 23h0m0s)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: tt.now}
			b := newBudget(1000, c)
			if tt.used < 0 { // runs that used more than they reserved
				mustReserve(t, b, 1000)(-tt.used)
			} else {
				mustReserve(t, b, tt.used)(tt.used)
			}
			settle, err := b.reserve(tt.reserve)
			if err == nil || settle != nil {
				t.Fatalf("reserve(%d) with %d used of 1000 was not refused", tt.reserve, tt.used)
			}
			if err.Status != 429 || err.Code != "embed_budget_spent" || err.Type != "rate_limit_error" || err.RetryAfter != tt.retryAfter {
				t.Fatalf("got %d %s %s Retry-After %d, want 429 embed_budget_spent %d", err.Status, err.Type, err.Code, err.RetryAfter, tt.retryAfter)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Message, m) {
					t.Errorf("message %q does not contain %q", err.Message, m)
				}
			}
			if b.reserved != 0 {
				t.Fatalf("a refused reservation was kept: %d", b.reserved)
			}
		})
	}
}

func TestBudgetDayRollOver(t *testing.T) {
	day1 := time.Date(2025, 3, 10, 23, 59, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Minute)
	t.Run("a new day starts full", func(t *testing.T) {
		c := &clock{t: day1}
		b := newBudget(1000, c)
		mustReserve(t, b, 400)(400)
		if b.left() != 600 {
			t.Fatalf("left %d, want 600", b.left())
		}
		if _, err := b.reserve(601); err == nil {
			t.Fatal("reserved more than was left")
		}
		c.set(day2)
		if b.left() != 1000 {
			t.Fatalf("after midnight: left %d, want 1000", b.left())
		}
		mustReserve(t, b, 1000)(10)
		if b.left() != 990 {
			t.Fatalf("left %d, want 990", b.left())
		}
	})
	t.Run("a run over midnight counts into neither day", func(t *testing.T) {
		c := &clock{t: day1}
		b := newBudget(1000, c)
		settle := mustReserve(t, b, 300)
		c.set(day2)
		if b.left() != 700 {
			t.Fatalf("the run in flight still holds its reservation: left %d, want 700", b.left())
		}
		settle(300)
		if b.left() != 1000 {
			t.Fatalf("yesterday's run counted into today: left %d, want 1000", b.left())
		}
	})
	t.Run("the clock going back a day resets too", func(t *testing.T) {
		c := &clock{t: day2}
		b := newBudget(1000, c)
		mustReserve(t, b, 500)(500)
		c.set(day1)
		if b.left() != 1000 {
			t.Fatalf("left %d, want 1000", b.left())
		}
	})
}

func TestBudgetNoLimit(t *testing.T) {
	for _, limit := range []int64{0, -5} {
		b := &budget{limit: limit, now: func() time.Time { t.Fatal("a budget without a limit reads the clock"); return time.Time{} }}
		settle, err := b.reserve(1 << 40)
		if err != nil || settle == nil {
			t.Fatalf("limit %d: refused: %v", limit, err)
		}
		settle(1 << 40)
		if b.left() != 0 || b.used != 0 || b.reserved != 0 {
			t.Fatalf("limit %d: left %d used %d reserved %d", limit, b.left(), b.used, b.reserved)
		}
	}
}

// TestBudgetConcurrentReserves: reservations made together never add up to more than the budget
// (run with -race).
func TestBudgetConcurrentReserves(t *testing.T) {
	c := &clock{t: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
	b := newBudget(1000, c)
	const workers, each = 300, 7
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var settles []func(int64)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_ = b.left()
			if settle, err := b.reserve(each); err == nil {
				mu.Lock()
				settles = append(settles, settle)
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(settles) != 1000/each {
		t.Fatalf("%d reservations of %d fitted in 1000, want %d", len(settles), each, 1000/each)
	}
	if left := b.left(); left != 1000-int64(len(settles))*each {
		t.Fatalf("left %d", left)
	}
	for _, s := range settles {
		wg.Add(1)
		go func() { defer wg.Done(); s(5); s(5) }()
	}
	wg.Wait()
	if left, want := b.left(), 1000-int64(len(settles))*5; left != want {
		t.Fatalf("after settling: left %d, want %d", left, want)
	}
	// Reserving and settling at once: what is in use never passes the budget.
	var bad sync.Once
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if s, err := b.reserve(13); err == nil {
					b.mu.Lock()
					if b.used+b.reserved > b.limit {
						bad.Do(func() { t.Errorf("used %d + reserved %d > %d", b.used, b.reserved, b.limit) })
					}
					b.mu.Unlock()
					s(13)
				}
			}
		}()
	}
	wg.Wait()
	if b.reserved != 0 || b.used > b.limit {
		t.Fatalf("reserved %d used %d", b.reserved, b.used)
	}
}

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
		m.cut = func() { m.sw.end("embed_max_tokens", "stopped"); cancelled++ }
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

// embedEnv is a running server with the embed configured, on a fake upstream.
type embedEnv struct {
	testEnv
	s *Server
}

// runEmbed starts a server like mustRunWith whose embed allows embedPatterns, caps answers at 256
// tokens and has a budget of 100,000 tokens a day, after adjust.
func runEmbed(t *testing.T, adjust func(*Config)) *embedEnv {
	t.Helper()
	fake := fakeupstream.New()
	fake.Key = canary
	fake.ChunkDelay = time.Millisecond
	up := httptest.NewServer(fake)
	t.Cleanup(up.Close)
	cfg := DefaultConfig()
	cfg.WebDir = t.TempDir()
	cfg.Providers[0].BaseURL = up.URL + "/v1"
	cfg.Providers[0].Key = canary
	cfg.Embed = Embed{Models: embedPatterns, MaxTokens: 256, DailyTokens: 100_000,
		Limits: Limits{RatePerMinute: 600, Burst: 100, StreamsPerClient: 4, Streams: 16}}
	if adjust != nil {
		adjust(&cfg)
	}
	logs := &syncbuf.Buffer{}
	s, err := New(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &embedEnv{testEnv: testEnv{srv: ts, fake: fake, log: logs}, s: s}
}

func embedBody(model, prompt, extra string) string {
	return `{"model":` + jsonString(model) + `,"messages":[{"role":"user","content":` + jsonString(prompt) + `}]` + extra + `}`
}

const embedChatPath = "/api/embed/v1/chat/completions"

type embedPolicyJSON struct {
	Models        []string `json:"models"`
	MaxTokens     int      `json:"max_tokens"`
	RatePerMinute float64  `json:"rate_per_minute"`
	Burst         int      `json:"burst"`
	DailyTokens   int64    `json:"daily_tokens"`
	DailyLeft     int64    `json:"daily_left"`
}

func (e *embedEnv) policy(t *testing.T) embedPolicyJSON {
	t.Helper()
	resp, body := e.do(t, "GET", "/api/embed/config", "", nil)
	var p embedPolicyJSON
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || json.Unmarshal(body, &p) != nil {
		t.Fatalf("GET /api/embed/config: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the policy (with what is left today) must not be cached: Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	return p
}

// budgetState reads the server's embed budget.
func (e *embedEnv) budgetState() (used, reserved int64) {
	b := e.s.embed.budget
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.reserved
}

// waitFor polls cond for up to 3 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEmbedConfigEndpoint(t *testing.T) {
	e := runEmbed(t, func(c *Config) {
		c.Embed.Limits.RatePerMinute, c.Embed.Limits.Burst = 6, 3
	})
	p := e.policy(t)
	want := embedPolicyJSON{Models: embedPatterns, MaxTokens: 256, RatePerMinute: 6, Burst: 3, DailyTokens: 100_000, DailyLeft: 100_000}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("policy %+v, want %+v", p, want)
	}
	t.Run("no limits", func(t *testing.T) {
		e := runEmbed(t, func(c *Config) { c.Embed = Embed{} })
		resp, body := e.do(t, "GET", "/api/embed/config", "", nil)
		if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "{}" {
			t.Fatalf("an embed without limits: %d %s", resp.StatusCode, body)
		}
	})
}

func TestEmbedModelsAndForms(t *testing.T) {
	e := runEmbed(t, nil)
	var all, list struct{ Models []struct{ ID string } }
	_, body := e.do(t, "GET", "/api/models", "", nil)
	if json.Unmarshal(body, &all) != nil || len(all.Models) < 100 {
		t.Fatalf("GET /api/models: %d models", len(all.Models))
	}
	resp, body := e.do(t, "GET", "/api/embed/models", "", nil)
	if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("GET /api/embed/models: %d %s", resp.StatusCode, body)
	}
	ids := map[string]bool{}
	for _, m := range list.Models {
		ids[m.ID] = true
		ok := false
		for _, p := range embedPatterns {
			if m, _ := path.Match(p, m.ID); m {
				ok = true
			}
		}
		if !ok {
			t.Errorf("the embed lists %s, which no pattern allows", m.ID)
		}
	}
	wantN := 0
	for _, m := range all.Models {
		for _, p := range embedPatterns {
			if ok, _ := path.Match(p, m.ID); ok {
				wantN++
				break
			}
		}
	}
	if !ids[embedAllowed] || !ids[embedAllowed2] || ids[embedDisallowed] || len(list.Models) != wantN {
		t.Fatalf("embed models %v, want the %d allowed ones", ids, wantN)
	}

	type formJSON struct {
		Fields []struct {
			Name string   `json:"name"`
			Max  *float64 `json:"max"`
		} `json:"fields"`
	}
	maxOf := func(t *testing.T, p string) map[string]*float64 {
		t.Helper()
		resp, body := e.do(t, "GET", p, "", nil)
		var f formJSON
		if resp.StatusCode != 200 || json.Unmarshal(body, &f) != nil {
			t.Fatalf("GET %s: %d %s", p, resp.StatusCode, body)
		}
		out := map[string]*float64{}
		for _, fl := range f.Fields {
			out[fl.Name] = fl.Max
		}
		return out
	}
	for _, id := range []string{embedAllowed, embedAllowed2} {
		t.Run("form of "+id, func(t *testing.T) {
			got := maxOf(t, "/api/embed/models/"+id)
			for _, name := range []string{"max_tokens", "max_completion_tokens"} {
				if got[name] == nil || *got[name] != 256 {
					t.Errorf("embed form: %s max %v, want 256", name, got[name])
				}
			}
			if got["temperature"] == nil || *got["temperature"] == 256 {
				t.Errorf("embed form: temperature max %v changed", got["temperature"])
			}
			main := maxOf(t, "/api/models/"+id)
			if main["max_tokens"] != nil && *main["max_tokens"] == 256 {
				t.Error("the embed's cap leaked into the main form")
			}
		})
	}
	t.Run("disallowed model", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/api/embed/models/"+embedDisallowed, "", nil)
		msg, code := errorMessage(t, body)
		if resp.StatusCode != 403 || code != "embed_model_locked" || !strings.Contains(msg, embedDisallowed) {
			t.Fatalf("embed form of a disallowed model: %d %s %q", resp.StatusCode, code, msg)
		}
		if resp, body := e.do(t, "GET", "/api/models/"+embedDisallowed, "", nil); resp.StatusCode != 200 {
			t.Fatalf("the main form of %s: %d %s", embedDisallowed, resp.StatusCode, body)
		}
	})
	t.Run("unknown model", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/api/embed/models/nope/nope", "", nil)
		if _, code := errorMessage(t, body); resp.StatusCode != 404 || code != "model_not_found" {
			t.Fatalf("%d %s", resp.StatusCode, code)
		}
	})
	t.Run("no patterns allow everything", func(t *testing.T) {
		e := runEmbed(t, func(c *Config) { c.Embed.Models = nil })
		var list struct{ Models []struct{ ID string } }
		_, body := e.do(t, "GET", "/api/embed/models", "", nil)
		if json.Unmarshal(body, &list) != nil || len(list.Models) != len(all.Models) {
			t.Fatalf("%d embed models, want all %d", len(list.Models), len(all.Models))
		}
		if resp, _ := e.do(t, "GET", "/api/embed/models/"+embedDisallowed, "", nil); resp.StatusCode != 200 {
			t.Fatalf("form: %d", resp.StatusCode)
		}
	})
}

func TestEmbedChatRefusals(t *testing.T) {
	e := runEmbed(t, nil)
	tests := []struct {
		name, body string
		header     map[string]string
		status     int
		code, msg  string
	}{
		{"disallowed model", embedBody(embedDisallowed, "hi", ""), nil, 403, "embed_model_locked", embedDisallowed},
		{"max_tokens above the cap", embedBody(embedAllowed, "hi", `,"max_tokens":257`), nil, 400, "embed_max_tokens", "max_tokens: this widget allows at most 256"},
		{"max_completion_tokens above the cap", embedBody(embedAllowed2, "hi", `,"max_completion_tokens":100000`), nil, 400, "embed_max_tokens", "max_completion_tokens:"},
		{"disallowed model with a fine max_tokens", embedBody(embedDisallowed, "hi", `,"max_tokens":5`), nil, 403, "embed_model_locked", "Open the full playground"},
		{"schema still checked", embedBody(embedAllowed, "hi", `,"temperature":5`), nil, 400, "invalid_parameters", "temperature"},
		{"unknown model", embedBody("nope/nope", "hi", ""), nil, 404, "model_not_found", "nope/nope"},
		{"client sends a key", embedBody(embedAllowed, "hi", `,"api_key":"sk-x"`), nil, 400, "forbidden_field", "api_key"},
		{"cross-site", embedBody(embedAllowed, "hi", ""), map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403, "cross_origin", "Cross-origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, "POST", embedChatPath, tt.body, tt.header)
			msg, code := errorMessage(t, body)
			if resp.StatusCode != tt.status || code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Fatalf("got %d %s %q, want %d %s containing %q", resp.StatusCode, code, msg, tt.status, tt.code, tt.msg)
			}
		})
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Fatalf("the upstream was called %d times for refused requests", n)
	}
	if used, reserved := e.budgetState(); used != 0 || reserved != 0 {
		t.Fatalf("refused requests spent budget: used %d reserved %d", used, reserved)
	}
	// The same disallowed model runs on the main route.
	if resp, body := e.do(t, "POST", "/api/v1/chat/completions", embedBody(embedDisallowed, "hi", `,"max_tokens":100000`), nil); resp.StatusCode != 200 {
		t.Fatalf("main route: %d %s", resp.StatusCode, body)
	}
}

func TestEmbedChatCapsMaxTokens(t *testing.T) {
	e := runEmbed(t, nil)
	tests := []struct {
		name, body string
		want       map[string]string // fields the upstream must get, "" for absent
		same       bool              // the upstream gets the body byte for byte
	}{
		{"absent: max_tokens added", embedBody(embedAllowed, "hi", ""), map[string]string{"max_tokens": "256", "max_completion_tokens": ""}, false},
		{"absent: max_tokens added, though the schema lists max_completion_tokens first", embedBody(embedAllowed2, "hi", ""), map[string]string{"max_tokens": "256", "max_completion_tokens": ""}, false},
		{"below the cap: unchanged", embedBody(embedAllowed, "hi", `,"max_tokens":12`), map[string]string{"max_tokens": "12"}, true},
		{"at the cap: unchanged", embedBody(embedAllowed2, "hi", `,"max_tokens":256,"temperature":0.5`), map[string]string{"max_tokens": "256", "max_completion_tokens": ""}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.fake.Requests())
			resp, body := e.do(t, "POST", embedChatPath, tt.body, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			reqs := e.fake.Requests()
			if len(reqs) != before+1 {
				t.Fatalf("%d upstream requests, want 1", len(reqs)-before)
			}
			up := reqs[len(reqs)-1]
			if up.Path != "/v1/chat/completions" || up.Header.Get("Authorization") != "Bearer "+canary {
				t.Fatalf("upstream got %s with Authorization %q", up.Path, up.Header.Get("Authorization"))
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal(up.Body, &got); err != nil {
				t.Fatalf("upstream body %s: %v", up.Body, err)
			}
			for k, v := range tt.want {
				if string(got[k]) != v {
					t.Errorf("upstream %s = %s, want %q (body %s)", k, got[k], v, up.Body)
				}
			}
			if tt.same && string(up.Body) != tt.body {
				t.Errorf("upstream body %s, want it unchanged", up.Body)
			}
			if !tt.same && !strings.HasSuffix(string(up.Body), tt.body[1:]) {
				t.Errorf("upstream body %s, want the request after the added field", up.Body)
			}
		})
	}
	if used, reserved := e.budgetState(); used <= 0 || reserved != 0 {
		t.Fatalf("budget after the runs: used %d reserved %d", used, reserved)
	}
}

func TestEmbedRateLimitPerVisitor(t *testing.T) {
	e := runEmbed(t, func(c *Config) {
		c.Embed.Limits.RatePerMinute, c.Embed.Limits.Burst = 1, 1
		c.Limits.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	body := embedBody(embedAllowed, "hi", "")
	if resp, b := e.do(t, "POST", embedChatPath, body, nil); resp.StatusCode != 200 {
		t.Fatalf("first embed run: %d %s", resp.StatusCode, b)
	}
	resp, b := e.do(t, "POST", embedChatPath, body, nil)
	msg, code := errorMessage(t, b)
	if resp.StatusCode != 429 || code != "rate_limited" || !strings.Contains(msg, "1 run a minute per visitor") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second embed run: %d %s %q Retry-After %q", resp.StatusCode, code, msg, resp.Header.Get("Retry-After"))
	}
	if n := len(e.fake.Requests()); n != 1 {
		t.Fatalf("%d upstream requests, want only the first run's", n)
	}
	// The main API has its own limiter, with its own message.
	for i := range 3 {
		if resp, b := e.do(t, "POST", "/api/v1/chat/completions", body, nil); resp.StatusCode != 200 {
			t.Fatalf("main route call %d after the embed's limit: %d %s", i+1, resp.StatusCode, b)
		}
	}
	// Another visitor behind the trusted proxy (the server's TrustedProxies) has its own.
	if resp, b := e.do(t, "POST", embedChatPath, body, map[string]string{"X-Forwarded-For": "203.0.113.9"}); resp.StatusCode != 200 {
		t.Fatalf("another visitor: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(t, "POST", embedChatPath, body, map[string]string{"X-Forwarded-For": "203.0.113.9"}); resp.StatusCode != 429 {
		t.Fatalf("that visitor's second run: %d", resp.StatusCode)
	}
	t.Run("the main limiter keeps its message", func(t *testing.T) {
		e := runEmbed(t, func(c *Config) { c.Limits.RatePerMinute, c.Limits.Burst = 1, 1 })
		e.do(t, "POST", "/api/v1/chat/completions", body, nil)
		resp, b := e.do(t, "POST", "/api/v1/chat/completions", body, nil)
		msg, code := errorMessage(t, b)
		if resp.StatusCode != 429 || code != "rate_limited" || strings.Contains(msg, "visitor") {
			t.Fatalf("main route: %d %s %q", resp.StatusCode, code, msg)
		}
		if resp, b := e.do(t, "POST", embedChatPath, body, nil); resp.StatusCode != 200 {
			t.Fatalf("the embed is not limited by the main limiter: %d %s", resp.StatusCode, b)
		}
	})
}

// openEmbedStream starts a streaming embed run and returns the response once its headers arrived.
func openEmbedStream(t *testing.T, ctx context.Context, e *embedEnv, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+embedChatPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestEmbedBudgetCountsReportedUsage: a streamed run's usage, as the provider reports it, comes
// off the daily budget.
func TestEmbedBudgetCountsReportedUsage(t *testing.T) {
	e := runEmbed(t, nil)
	resp := openEmbedStream(t, context.Background(), e, embedBody(embedAllowed, "hello there", `,"stream":true,"stream_options":{"include_usage":true}`))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var total int64
	sc := bufio.NewScanner(resp.Body)
	done := false
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			done = true
			continue
		}
		var c struct {
			Usage *struct {
				TotalTokens int64 `json:"total_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			t.Fatalf("event %s: %v", data, err)
		}
		if c.Usage != nil {
			total = c.Usage.TotalTokens
		}
	}
	if !done || total <= 0 {
		t.Fatalf("stream done %v, usage %d", done, total)
	}
	waitFor(t, "the run to settle", func() bool { _, r := e.budgetState(); return r == 0 })
	if p := e.policy(t); p.DailyLeft != 100_000-total {
		t.Fatalf("daily_left %d after a run that used %d, want %d", p.DailyLeft, total, 100_000-total)
	}
	// A run without usage is estimated: it costs something, never its whole reservation.
	left := e.policy(t).DailyLeft
	if resp, b := e.do(t, "POST", embedChatPath, embedBody(embedAllowed, "hi", `,"stream":true`), nil); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	waitFor(t, "the run to settle", func() bool { _, r := e.budgetState(); return r == 0 })
	if spent := left - e.policy(t).DailyLeft; spent <= 0 || spent >= 256 {
		t.Fatalf("a run without usage cost %d tokens", spent)
	}
}

func TestEmbedBudgetSpent(t *testing.T) {
	e := runEmbed(t, func(c *Config) { c.Embed.DailyTokens = 200 }) // less than one run's 256 + prompt
	resp, b := e.do(t, "POST", embedChatPath, embedBody(embedAllowed, "hi", ""), nil)
	msg, code := errorMessage(t, b)
	if resp.StatusCode != 429 || code != "embed_budget_spent" || !strings.Contains(msg, "200 are left") {
		t.Fatalf("%d %s %q", resp.StatusCode, code, msg)
	}
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 24*3600+1 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Fatalf("%d upstream requests", n)
	}
	// A smaller max_tokens fits.
	if resp, b := e.do(t, "POST", embedChatPath, embedBody(embedAllowed, "hi", `,"max_tokens":20`), nil); resp.StatusCode != 200 {
		t.Fatalf("a run that fits: %d %s", resp.StatusCode, b)
	}
}

// TestEmbedBudgetSettledWhenRunEndsEarly: a run the visitor stops mid-stream gives back what it
// reserved but did not use.
func TestEmbedBudgetSettledWhenRunEndsEarly(t *testing.T) {
	e := runEmbed(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := openEmbedStream(t, ctx, e, embedBody(embedAllowed, "fake:hang", `,"stream":true`))
	if resp.StatusCode != 200 {
		t.Fatalf("%d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.Contains(sc.Text(), "chat.completion.chunk") {
	}
	if _, reserved := e.budgetState(); reserved < 256 {
		t.Fatalf("a run in flight reserved %d, want at least its max_tokens", reserved)
	}
	if p := e.policy(t); p.DailyLeft > 100_000-256 {
		t.Fatalf("daily_left %d does not count the run in flight", p.DailyLeft)
	}
	cancel()
	waitFor(t, "the stopped run to settle", func() bool { _, r := e.budgetState(); return r == 0 })
	used, _ := e.budgetState()
	if used <= 0 || used >= 256 {
		t.Fatalf("a stopped run counted %d tokens", used)
	}
}

// TestEmbedCutsModelWithoutLengthParameter: for a model whose schema has no length parameter, the
// embed cuts the stream at about MaxTokens and says so in a final error event.
func TestEmbedCutsModelWithoutLengthParameter(t *testing.T) {
	dir := t.TempDir()
	doc := `{"openapi":"3.0.0","paths":{"/chat/completions":{"post":{"requestBody":{"content":{"application/json":{"schema":
		{"type":"object","required":["model","messages"],"properties":{"model":{"type":"string","enum":["acme/tiny-1"]},
		"messages":{"type":"array"},"stream":{"type":"boolean"},"temperature":{"type":"number","minimum":0,"maximum":1}}}}}}}}}}`
	if err := os.MkdirAll(filepath.Join(dir, "text-models-llm", "Acme"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "text-models-llm", "Acme", "tiny.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	e := runEmbed(t, func(c *Config) {
		c.SchemasDir = dir
		c.Embed.Models = nil
		c.Embed.MaxTokens = 3 // about 12 characters
	})
	body := embedBody("acme/tiny-1", "hi", `,"stream":true`)
	resp := openEmbedStream(t, context.Background(), e, body)
	out, _ := io.ReadAll(resp.Body) // the connection is aborted after the final event
	if resp.StatusCode != 200 || !strings.Contains(string(out), `"code":"embed_max_tokens"`) || strings.Contains(string(out), "[DONE]") {
		t.Fatalf("%d %s", resp.StatusCode, out)
	}
	if reqs := e.fake.Requests(); len(reqs) != 1 || string(reqs[0].Body) != body {
		t.Fatalf("upstream requests %v, want the body unchanged (the schema has no length parameter)", reqs)
	}
	select {
	case <-e.fake.CancelledC():
	case <-time.After(3 * time.Second):
		t.Fatal("the upstream call was not cancelled after the cut")
	}
	var content strings.Builder
	for _, line := range strings.Split(string(out), "\n") {
		var c struct {
			Choices []struct {
				Delta struct{ Content string } `json:"delta"`
			} `json:"choices"`
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok && json.Unmarshal([]byte(data), &c) == nil {
			for _, ch := range c.Choices {
				content.WriteString(ch.Delta.Content)
			}
		}
	}
	// The cut comes after the write that passes 12 characters; one write may carry several of
	// the fake's 5-character chunks.
	if n := utf8.RuneCountInString(content.String()); n <= 12 || n >= utf8.RuneCountInString(fakeupstream.DefaultReply) {
		t.Fatalf("the answer was cut after %d characters, want past 12 and before the end", n)
	}
	waitFor(t, "the cut run to settle", func() bool { _, r := e.budgetState(); return r == 0 })
	if used, _ := e.budgetState(); used <= 0 {
		t.Fatalf("the cut run counted %d tokens", used)
	}
}

func TestEmbedFrameAncestors(t *testing.T) {
	tests := []struct {
		name            string
		ancestors       []string
		origins         []string
		wantEmbed, want string
	}{
		{"one origin", []string{"'self'"}, []string{"https://docs.example"}, "frame-ancestors 'self' https://docs.example", "frame-ancestors 'self'"},
		{"two origins", []string{"https://intranet.example"}, []string{"https://docs.example", "https://blog.example"},
			"frame-ancestors 'self' https://docs.example https://blog.example", "frame-ancestors https://intranet.example"},
		{"no origins", nil, nil, "frame-ancestors 'self'", "frame-ancestors 'none'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := runEmbed(t, func(c *Config) { c.FrameAncestors, c.Embed.Origins = tt.ancestors, tt.origins })
			for _, p := range []struct{ path, want string }{
				{"/embed", tt.wantEmbed}, {"/embed?model=" + embedAllowed, tt.wantEmbed},
				{"/", tt.want}, {"/embed.js", tt.want}, {"/embedded", tt.want}, {"/api/embed/config", tt.want},
			} {
				resp, _ := e.do(t, "GET", p.path, "", nil)
				csp := resp.Header.Get("Content-Security-Policy")
				if !strings.HasSuffix(csp, p.want) || strings.Count(csp, "frame-ancestors") != 1 {
					t.Errorf("GET %s: CSP %q, want it to end in %q", p.path, csp, p.want)
				}
			}
		})
	}
}

func TestEmbedScript(t *testing.T) {
	const script = "(function(){ /* embed */ })();\n"
	e := runEmbed(t, func(c *Config) {
		if err := os.WriteFile(filepath.Join(c.WebDir, "embed.js"), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	resp, body := e.do(t, "GET", "/embed.js", "", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://docs.example"})
	if resp.StatusCode != 200 || string(body) != script {
		t.Fatalf("GET /embed.js: %d %q", resp.StatusCode, body)
	}
	for h, want := range map[string]string{
		"Content-Type":                 "text/javascript; charset=utf-8",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"X-Content-Type-Options":       "nosniff",
		"Cache-Control":                "no-cache",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if resp, _ := e.do(t, "GET", "/embed.js", "", map[string]string{"If-Modified-Since": resp.Header.Get("Last-Modified")}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", resp.StatusCode)
	}
	if resp, _ := e.do(t, "POST", "/embed.js", "", nil); resp.StatusCode == 200 {
		t.Error("POST /embed.js was served")
	}
	t.Run("missing", func(t *testing.T) {
		e := runEmbed(t, nil)
		if resp, _ := e.do(t, "GET", "/embed.js", "", nil); resp.StatusCode != 404 {
			t.Fatalf("GET /embed.js without the file: %d", resp.StatusCode)
		}
	})
}
