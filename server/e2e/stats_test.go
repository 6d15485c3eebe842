package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"playground/server/fakeupstream"
)

// runPrompt types prompt, presses Run and waits for the nth assistant message to finish.
func runPrompt(tb *tab, prompt string, n int) {
	tb.t.Helper()
	tb.do("typing "+prompt, chromedp.SendKeys(chromedp.CSS(sel("prompt")), prompt))
	tb.do("clicking Run", chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitRunDone(n, 20*time.Second)
}

// TestRunStatsAndReasoning: a finished run shows its numbers under the answer, streams ask for
// usage, and reasoning (inline <think> or a reasoning field) is shown apart from the answer.
func TestRunStatsAndReasoning(t *testing.T) {
	e := newEnv(t, true)
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)

	runPrompt(tb, "Hello there", 1)
	tb.waitJS("the stats row", lastAssistant+`.querySelector('[data-testid="run-stats"]')`, 5*time.Second)
	for _, name := range []string{"ttft", "total", "tokens-per-second", "prompt-tokens", "completion-tokens", "finish"} {
		text := eval[string](tb, `(`+lastAssistant+`.querySelector('[data-testid="stat-`+name+`"]') || {}).textContent || ""`)
		if text == "" {
			t.Errorf("the stats row has no stat-%s; it shows %q", name, eval[string](tb, lastAssistant+`.querySelector('[data-testid="run-stats"]').textContent`))
		}
	}
	if text := eval[string](tb, lastAssistant+`.querySelector('[data-testid="stat-tokens-per-second"]').textContent`); strings.Contains(text, "≈") {
		t.Errorf("tokens per second %q are estimated though the stream reported usage", text)
	}
	reqs := e.chatRequests()
	if len(reqs) != 1 {
		t.Fatalf("the fake upstream got %d chat requests, want 1", len(reqs))
	}
	var body struct {
		Stream        bool `json:"stream"`
		StreamOptions *struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatalf("upstream body: %v\n%s", err, reqs[0].Body)
	}
	if !body.Stream || body.StreamOptions == nil || !body.StreamOptions.IncludeUsage {
		t.Errorf("the streamed request does not ask for usage (stream_options.include_usage):\n%s", reqs[0].Body)
	}

	// Inline <think> reasoning, with tags split across chunks and a trailing </s>.
	runPrompt(tb, "fake:think", 2)
	reasoning := eval[string](tb, `(`+lastAssistant+`.querySelector('[data-testid="reasoning"]') || {}).textContent || ""`)
	if !strings.Contains(reasoning, fakeupstream.ThinkReasoning) {
		t.Errorf("the reasoning element shows %q, want it to hold %q", reasoning, fakeupstream.ThinkReasoning)
	}
	if eval[bool](tb, lastAssistant+`.querySelector('[data-testid="reasoning"]').open`) {
		t.Errorf("the reasoning is still open after the answer came")
	}
	answer := eval[string](tb, `(`+lastAssistant+`.querySelector('.markdown') || {}).textContent || ""`)
	if !strings.Contains(answer, "Two plus two is 4") {
		t.Errorf("the answer shows %q, want the reply after the think block", answer)
	}
	for _, bad := range []string{"<think", "</think", "</s>", fakeupstream.ThinkReasoning} {
		if strings.Contains(answer, bad) {
			t.Errorf("the answer %q contains %q", answer, bad)
		}
	}

	// Reasoning sent in reasoning_content.
	runPrompt(tb, "fake:reasoning", 3)
	reasoning = eval[string](tb, `(`+lastAssistant+`.querySelector('[data-testid="reasoning"]') || {}).textContent || ""`)
	if !strings.Contains(reasoning, fakeupstream.ReasoningText) {
		t.Errorf("the reasoning element shows %q, want %q", reasoning, fakeupstream.ReasoningText)
	}
	answer = eval[string](tb, `(`+lastAssistant+`.querySelector('.markdown') || {}).textContent || ""`)
	if !strings.Contains(answer, "The answer is 42") || strings.Contains(answer, fakeupstream.ReasoningText) {
		t.Errorf("the answer shows %q, want the reply without the reasoning", answer)
	}
	if text := eval[string](tb, `(`+lastAssistant+`.querySelector('[data-testid="stat-reasoning-tokens"]') || {}).textContent || ""`); text == "" {
		t.Errorf("no reasoning-tokens stat after a reasoning run")
	}
	saveScreenshot(t, tb, "e2e-run-stats.png")
	tb.checkConsole()
}
