package kind

import (
	"encoding/json"
	"math"
	"strconv"
)

// ReadUsage reads what a call used from a complete JSON answer: the OpenAI-style `usage`
// (prompt_tokens, completion_tokens, total_tokens; Anthropic's and the Responses API's
// input_tokens and output_tokens; `cost` or DeepInfra's `estimated_cost` in USD), a Responses
// answer's `response.usage` when there is no `usage`, and AI/ML API's `meta.usage`
// (credits_used, usd_spent). Each place is read on its own (see [Usages]); anything it cannot read
// counts as not reported.
func ReadUsage(body []byte) Usage {
	var doc struct {
		Usage    json.RawMessage `json:"usage"`
		Response json.RawMessage `json:"response"`
		Meta     json.RawMessage `json:"meta"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return Usage{}
	}
	raw := doc.Usage
	if len(raw) == 0 {
		raw = usageMember(doc.Response)
	}
	return Usages(raw, usageMember(doc.Meta))
}

// usageMember is the "usage" member of the JSON object raw; nil when raw is not an object.
func usageMember(raw json.RawMessage) json.RawMessage {
	var o struct {
		Usage json.RawMessage `json:"usage"`
	}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &o) != nil {
		return nil
	}
	return o.Usage
}

// Usages is what an answer's usage object (see [UsageBlock]) and its AI/ML API `meta.usage`
// object (credits_used, usd_spent, numbers or strings holding one) report together; either may
// be empty, and one that is not an object counts nothing. The meta's usd_spent, when positive,
// replaces the usage's cost.
func Usages(usage, meta []byte) Usage {
	u := UsageBlock(usage)
	if len(meta) == 0 || meta[0] != '{' {
		return u
	}
	var m struct {
		Credits number `json:"credits_used"`
		USD     number `json:"usd_spent"`
	}
	if json.Unmarshal(meta, &m) != nil {
		return u
	}
	u.Credits = float64(m.Credits)
	if m.USD > 0 {
		u.USD = float64(m.USD)
	}
	return u
}

// UsageBlock reads one `usage` object (see [ReadUsage]); a missing or unreadable one is zero.
func UsageBlock(raw []byte) Usage {
	var b struct {
		Prompt        number `json:"prompt_tokens"`
		Completion    number `json:"completion_tokens"`
		Total         number `json:"total_tokens"`
		Input         number `json:"input_tokens"`
		Output        number `json:"output_tokens"`
		Cost          number `json:"cost"`
		EstimatedCost number `json:"estimated_cost"`
	}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &b) != nil {
		return Usage{}
	}
	u := Usage{PromptTokens: int64(b.Prompt), CompletionTokens: int64(b.Completion), TotalTokens: int64(b.Total), USD: float64(b.Cost)}
	if u.PromptTokens == 0 {
		u.PromptTokens = int64(b.Input)
	}
	if u.CompletionTokens == 0 {
		u.CompletionTokens = int64(b.Output)
	}
	if u.USD == 0 {
		u.USD = float64(b.EstimatedCost)
	}
	if u.PromptTokens < 0 || u.CompletionTokens < 0 || u.TotalTokens < 0 || u.USD < 0 {
		return Usage{}
	}
	return u
}

// number is a JSON number that may also come as a string ("10.5"); anything else (and "NaN",
// "Inf") reads as 0.
type number float64

// UnmarshalJSON reads a number or a string holding one, and ignores other values.
func (n *number) UnmarshalJSON(b []byte) error {
	var f float64
	if json.Unmarshal(b, &f) == nil {
		*n = number(f)
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			*n = number(f)
		}
	}
	return nil
}
