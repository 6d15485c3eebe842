package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"playground/server/fakeupstream"
)

// The embed's daily budget and its cap on answer length, on running servers.

// openEmbedStream starts a streaming embed run and returns the response once its headers arrived.
func openEmbedStream(t *testing.T, ctx context.Context, e *embedEnv, body string) *http.Response {
	t.Helper()
	return postAndOpen(t, ctx, &e.testEnv, embedChatPath, body, nil)
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
