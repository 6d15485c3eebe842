package chat

import (
	"strings"
	"testing"
	"time"
)

func i64(n int64) *int64     { return &n }
func f64(f float64) *float64 { return &f }
func at(ms int) time.Time    { return time.Unix(1000, 0).Add(time.Duration(ms) * time.Millisecond) }
func facts(fs []Fact) map[string]Fact {
	m := map[string]Fact{}
	for _, f := range fs {
		m[f.Name] = f
	}
	return m
}

func TestComputeStats(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want Stats
	}{
		{"not run", Result{}, Stats{}},
		{"usage", Result{Started: at(0), FirstToken: at(200), Finished: at(2200), Usage: Usage{CompletionTokens: i64(100)}},
			Stats{TTFT: 200 * time.Millisecond, Total: 2200 * time.Millisecond, TokensPerSecond: 50}},
		{"estimate", Result{Started: at(0), FirstToken: at(500), Finished: at(1500), Content: strings.Repeat("x", 40)},
			Stats{TTFT: 500 * time.Millisecond, Total: 1500 * time.Millisecond, TokensPerSecond: 10, Approximate: true}},
		{"one piece uses total", Result{Started: at(0), FirstToken: at(1000), Finished: at(1000), Usage: Usage{CompletionTokens: i64(10)}},
			Stats{TTFT: time.Second, Total: time.Second, TokensPerSecond: 10}},
		{"no text", Result{Started: at(0), Finished: at(100)}, Stats{Total: 100 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ComputeStats(&tt.r); got != tt.want {
				t.Errorf("ComputeStats = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	base := func() Result {
		return Result{Started: at(0), FirstToken: at(300), Finished: at(1300), Content: "answer", Model: "m", FinishReason: "stop",
			Usage: Usage{PromptTokens: i64(12), CompletionTokens: i64(40)}}
	}
	t.Run("full", func(t *testing.T) {
		r := base()
		r.Cost.USD = f64(0.00012)
		r.Usage.ReasoningTokens = i64(5)
		r.Reasoning = "hm"
		m := facts(Summary(&r, "m"))
		for name, want := range map[string]string{"ttft": "300 ms", "total": "1.30 s", "tokens-per-second": "40.0",
			"prompt-tokens": "12", "completion-tokens": "40", "reasoning-tokens": "5", "cost": "$0.00012", "finish": "stop"} {
			if got := m[name].Value; got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		if _, ok := m["model"]; ok {
			t.Errorf("the served model is shown though it is the requested one")
		}
		if m["finish"].Hint != "" {
			t.Errorf("finish hint = %q for a normal stop", m["finish"].Hint)
		}
	})
	cases := []struct {
		name  string
		edit  func(*Result)
		fact  string
		value string
		hint  string
	}{
		{"length", func(r *Result) { r.FinishReason = "length" }, "finish", "length", HintLength},
		{"length while reasoning", func(r *Result) { r.FinishReason, r.Content, r.Reasoning = "length", "", "thinking…" }, "finish", "length", HintReasoningOnly},
		{"length inside think", func(r *Result) { r.FinishReason, r.Content = "length", "<think>still" }, "finish", "length", HintReasoningOnly},
		{"empty with reasoning tokens", func(r *Result) { r.Content, r.Usage.ReasoningTokens = "", i64(90) }, "finish", "stop", HintReasoningOnly},
		{"served by", func(r *Result) { r.Model = "m-2024" }, "model", "m-2024", ""},
		{"estimated cost", func(r *Result) { r.Cost.EstimatedUSD = f64(0.5) }, "cost", "≈$0.5", ""},
		{"credits", func(r *Result) { r.Cost.Credits = f64(21) }, "cost", "21 credits", ""},
		{"approximate speed", func(r *Result) { r.Usage.CompletionTokens = nil; r.Content = strings.Repeat("x", 80) }, "tokens-per-second", "≈20.0", ""},
		{"reasoning tokens only", func(r *Result) { r.Usage.ReasoningTokens = i64(7) }, "reasoning-tokens", "7", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.edit(&r)
			f, ok := facts(Summary(&r, "m"))[tc.fact]
			if !ok {
				t.Fatalf("no %s fact in %+v", tc.fact, Summary(&r, "m"))
			}
			if f.Value != tc.value || (tc.hint != "" && f.Hint != tc.hint) {
				t.Errorf("%s = %+v, want value %q hint %q", tc.fact, f, tc.value, tc.hint)
			}
		})
	}
	r := base()
	r.Usage.ReasoningTokens = i64(7)
	if h := facts(Summary(&r, "m"))["reasoning-tokens"].Hint; !strings.Contains(h, "did not send") {
		t.Errorf("reasoning-tokens hint = %q, want a note that no reasoning text came", h)
	}
}
