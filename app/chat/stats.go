package chat

import (
	"fmt"
	"strconv"
	"time"
)

// Stats are the timings of a run.
type Stats struct {
	// TTFT is the time to the first answer or reasoning text; zero when none arrived.
	TTFT time.Duration
	// Total is the time from sending the request to the end of the response.
	Total time.Duration
	// TokensPerSecond is the generation speed; zero when it cannot be told.
	TokensPerSecond float64
	// Approximate is set when TokensPerSecond is estimated from the text length (about four
	// characters a token) because the response reported no completion token count.
	Approximate bool
}

// ComputeStats computes the timings of a finished result from the times [Client.Complete]
// recorded and the usage it reported. Tokens per second are the completion tokens over the time
// from the first token to the end (over the total time when the answer came in one piece).
func ComputeStats(r *Result) Stats {
	var s Stats
	if r.Started.IsZero() || r.Finished.IsZero() {
		return s
	}
	s.Total = r.Finished.Sub(r.Started)
	if !r.FirstToken.IsZero() {
		s.TTFT = r.FirstToken.Sub(r.Started)
	}
	var tokens float64
	if r.Usage.CompletionTokens != nil {
		tokens = float64(*r.Usage.CompletionTokens)
	} else if n := len(r.Content) + len(r.Reasoning); n > 0 {
		tokens, s.Approximate = float64(n)/4, true
	}
	gen := s.Total
	if !r.FirstToken.IsZero() {
		if d := r.Finished.Sub(r.FirstToken); d > 0 && r.FirstToken.After(r.Started) && d < s.Total {
			gen = d
		}
	}
	if tokens > 0 && gen > 0 {
		s.TokensPerSecond = tokens / gen.Seconds()
	}
	return s
}

// Fact is one labelled number of a run, shown under the answer.
type Fact struct {
	// Name identifies the fact: ttft, total, tokens-per-second, prompt-tokens,
	// completion-tokens, reasoning-tokens, cost, finish or model.
	Name string
	// Label is the short text before the value, such as "TTFT".
	Label string
	// Value is the formatted value.
	Value string
	// Hint explains the value or what to do about it; it may be empty.
	Hint string
}

// Hints for finish reasons.
const (
	HintLength        = "cut by the token limit: raise max_tokens/max_completion_tokens"
	HintReasoningOnly = "the model spent its budget reasoning: raise the token limit"
)

// Summary lists the facts of a finished result: timings, token counts, cost, why it finished
// (with a hint when the answer was cut or left empty by reasoning) and the model that served it
// when it differs from requested.
func Summary(r *Result, requested string) []Fact {
	var out []Fact
	add := func(name, label, value, hint string) {
		out = append(out, Fact{Name: name, Label: label, Value: value, Hint: hint})
	}
	s := ComputeStats(r)
	if s.TTFT > 0 {
		add("ttft", "TTFT", formatDuration(s.TTFT), "time to the first token")
	}
	if s.Total > 0 {
		add("total", "total", formatDuration(s.Total), "time from sending the request to the end of the response")
	}
	if s.TokensPerSecond > 0 {
		v, hint := strconv.FormatFloat(s.TokensPerSecond, 'f', 1, 64), "completion tokens per second of generation"
		if s.Approximate {
			v, hint = "≈"+v, "estimated from the text length (about 4 characters a token): the response reported no token count"
		}
		add("tokens-per-second", "tok/s", v, hint)
	}
	u := r.Usage
	if u.PromptTokens != nil {
		add("prompt-tokens", "prompt", strconv.FormatInt(*u.PromptTokens, 10), "prompt tokens")
	}
	if u.CompletionTokens != nil {
		add("completion-tokens", "completion", strconv.FormatInt(*u.CompletionTokens, 10), "completion tokens")
	}
	if u.ReasoningTokens != nil && *u.ReasoningTokens > 0 {
		hint := "tokens spent reasoning (part of the completion)"
		if r.Reasoning == "" {
			if _, think, _ := SplitThink(r.Content); think == "" {
				hint += "; the provider did not send the reasoning text"
			}
		}
		add("reasoning-tokens", "reasoning", strconv.FormatInt(*u.ReasoningTokens, 10), hint)
	}
	switch c := r.Cost; {
	case c.USD != nil:
		add("cost", "cost", "$"+formatFloat(*c.USD), "reported by the provider")
	case c.EstimatedUSD != nil:
		add("cost", "cost", "≈$"+formatFloat(*c.EstimatedUSD), "estimated by the provider")
	case c.Credits != nil:
		add("cost", "cost", formatFloat(*c.Credits)+" credits", "provider credits used")
	}
	if r.FinishReason != "" {
		hint := ""
		v := r.Visible(true)
		switch {
		case r.FinishReason == "length" && v.Answer == "" && v.Reasoning != "":
			hint = HintReasoningOnly
		case r.FinishReason == "length":
			hint = HintLength
		case v.Answer == "" && (v.Reasoning != "" || (u.ReasoningTokens != nil && *u.ReasoningTokens > 0)) && len(r.ToolCalls) == 0:
			hint = HintReasoningOnly
		}
		add("finish", "finish", r.FinishReason, hint)
	}
	if r.Model != "" && r.Model != requested {
		add("model", "served by", r.Model, "the model that answered differs from the one requested ("+requested+")")
	}
	return out
}

func formatDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
}

func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', 6, 64)
}
