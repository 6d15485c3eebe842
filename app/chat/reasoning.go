package chat

import (
	"encoding/json"
	"strings"
)

// thinkTags are the inline reasoning tags some models write into the answer text (DeepSeek R1,
// Qwen QwQ and their distillations write <think>; a few fine-tunes write <thinking>).
var thinkTags = []struct{ open, close string }{
	{"<think>", "</think>"},
	{"<thinking>", "</thinking>"},
}

// SplitThink separates inline reasoning from the answer text. Every <think>…</think> (or
// <thinking>…</thinking>) block is moved to reasoning; blocks are joined by a blank line. A block
// still open at the end of content is reasoning in progress, and open is true. A closing tag with
// no opening tag before it (templates that put <think> in the prompt, so the model only writes the
// close) makes everything before it reasoning. Whitespace around the parts is trimmed.
//
// It works on the text accumulated so far, so a tag split across stream chunks is recognised once
// its last piece has arrived.
func SplitThink(content string) (answer, reasoning string, open bool) {
	if !strings.Contains(content, "<think") && !strings.Contains(content, "</think") {
		return content, "", false
	}
	var ans, rs []string
	rest := content
	first := true
	for rest != "" {
		oi, tag := firstTag(rest, func(t struct{ open, close string }) string { return t.open })
		if first {
			// A lone closing tag before any opening one.
			if ci, ct := firstTag(rest, func(t struct{ open, close string }) string { return t.close }); ci >= 0 && (oi < 0 || ci < oi) {
				rs = appendPart(rs, rest[:ci])
				rest = rest[ci+len(ct.close):]
				first = false
				continue
			}
		}
		first = false
		if oi < 0 {
			ans = append(ans, rest)
			break
		}
		ans = append(ans, rest[:oi])
		body := rest[oi+len(tag.open):]
		ci := strings.Index(body, tag.close)
		if ci < 0 {
			rs = appendPart(rs, body)
			open = true
			break
		}
		rs = appendPart(rs, body[:ci])
		rest = body[ci+len(tag.close):]
	}
	return strings.TrimSpace(strings.Join(ans, "")), strings.Join(rs, "\n\n"), open
}

// firstTag returns the index of the earliest tag (as picked by which) in s, or -1.
func firstTag(s string, which func(struct{ open, close string }) string) (int, struct{ open, close string }) {
	best := -1
	var bt struct{ open, close string }
	for _, t := range thinkTags {
		if i := strings.Index(s, which(t)); i >= 0 && (best < 0 || i < best) {
			best, bt = i, t
		}
	}
	return best, bt
}

func appendPart(parts []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		parts = append(parts, s)
	}
	return parts
}

// eosTokens are end-of-sequence markers some servers leak at the end of the text.
var eosTokens = []string{"</s>", "<|im_end|>", "<|eot_id|>", "<|endoftext|>", "<|end|>", "<|end_of_text|>"}

// TrimEOS removes end-of-sequence tokens (and the whitespace around them) from the end of s.
func TrimEOS(s string) string {
	for {
		t := strings.TrimRight(s, " \t\r\n")
		cut := t
		for _, tok := range eosTokens {
			cut = strings.TrimSuffix(cut, tok)
		}
		if len(cut) == len(t) {
			return s
		}
		s = strings.TrimRight(cut, " \t\r\n")
	}
}

// partialTagAt returns the length of a suffix of s that could be the start of an opening think
// tag or an end-of-sequence token still arriving ("<th", "</"), or 0.
func partialTagAt(s string) int {
	i := strings.LastIndexByte(s, '<')
	if i < 0 || len(s)-i > len("<|endoftext|>") {
		return 0
	}
	suffix := s[i:]
	for _, t := range append([]string{"<think>", "<thinking>", "</think>", "</thinking>"}, eosTokens...) {
		if len(suffix) < len(t) && strings.HasPrefix(t, suffix) {
			return len(suffix)
		}
	}
	return 0
}

// Visible is what a reply shows: the answer without inline reasoning or end-of-sequence tokens,
// and all the reasoning, whichever form the provider used.
type Visible struct {
	// Answer is the answer text to show.
	Answer string
	// Reasoning is the reasoning: the reasoning fields followed by inline <think> blocks.
	Reasoning string
	// Thinking is set while an inline <think> block is still open (the model is reasoning).
	Thinking bool
}

// Visible splits the result for display. final is false while the stream is still arriving: an
// unfinished tag at the end of the text is then held back rather than shown.
func (r *Result) Visible(final bool) Visible {
	content := r.Content
	if !final {
		content = content[:len(content)-partialTagAt(content)]
	}
	ans, think, open := SplitThink(content)
	v := Visible{Answer: TrimEOS(ans), Reasoning: r.Reasoning, Thinking: open && !final}
	if think != "" {
		if v.Reasoning != "" {
			v.Reasoning += "\n\n"
		}
		v.Reasoning += think
	}
	return v
}

// detailsText returns the text of a "reasoning_details" array (OpenRouter): the "text" or
// "summary" of each entry, in order. Encrypted entries and anything it cannot read are skipped.
func detailsText(raw json.RawMessage) string {
	var items []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &items) != nil {
		return ""
	}
	var b strings.Builder
	for _, it := range items {
		var d struct {
			Text    Text `json:"text"`
			Summary Text `json:"summary"`
		}
		if err := json.Unmarshal(it, &d); err != nil && !isTypeError(err) {
			continue
		}
		if d.Text != "" {
			b.WriteString(string(d.Text))
		} else {
			b.WriteString(string(d.Summary))
		}
	}
	return b.String()
}
