package chat

import (
	"strings"
	"testing"
	"time"
)

func TestSplitThink(t *testing.T) {
	tests := []struct {
		name, in, answer, reasoning string
		open                        bool
	}{
		{"no tags", "plain answer", "plain answer", "", false},
		{"no tags keeps spaces", "  a  ", "  a  ", "", false},
		{"block then answer", "<think>\nstep 1\n</think>\n\nThe answer.", "The answer.", "step 1", false},
		{"thinking tag", "<thinking>hmm</thinking>Yes.", "Yes.", "hmm", false},
		{"open block", "<think>still going", "", "still going", true},
		{"open empty", "<think>", "", "", true},
		{"answer before open", "Hi <think>x", "Hi", "x", true},
		{"two blocks", "<think>a</think>one <think>b</think>two", "one two", "a\n\nb", false},
		{"lone close", "reasoning here</think>\nanswer", "answer", "reasoning here", false},
		{"close then block", "r1</think>ans<think>r2</think>end", "ansend", "r1\n\nr2", false},
		{"partial open is text", "a <thi", "a <thi", "", false},
		{"mismatched close", "<think>a</thinking>b", "", "a</thinking>b", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, r, o := SplitThink(tt.in)
			if a != tt.answer || r != tt.reasoning || o != tt.open {
				t.Errorf("SplitThink(%q) = %q, %q, %v; want %q, %q, %v", tt.in, a, r, o, tt.answer, tt.reasoning, tt.open)
			}
		})
	}
}

// TestSplitThinkStreaming feeds a think block a few bytes at a time: the answer never shows a
// piece of a tag once the stream view holds back unfinished tags, and the end result is right.
func TestSplitThinkStreaming(t *testing.T) {
	const full = "<think>Let me see.</think>\n\nThe answer is 4.</s>"
	var r Result
	for i := 0; i < len(full); i += 3 {
		r.Content = full[:min(i+3, len(full))]
		v := r.Visible(false)
		if strings.Contains(v.Answer, "<") || strings.Contains(v.Answer, "think") {
			t.Fatalf("after %q the answer shows %q", r.Content, v.Answer)
		}
	}
	v := r.Visible(true)
	if v.Answer != "The answer is 4." || v.Reasoning != "Let me see." || v.Thinking {
		t.Errorf("final view = %+v", v)
	}
}

func TestTrimEOS(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"answer", "answer"},
		{"answer  ", "answer  "},
		{"answer</s>", "answer"},
		{"answer </s>\n", "answer"},
		{"answer<|im_end|>", "answer"},
		{"answer<|eot_id|><|endoftext|>", "answer"},
		{"answer<|end|>", "answer"},
		{"</s>", ""},
		{"a</s>b", "a</s>b"},
		{"use </s> to end", "use </s> to end"},
	}
	for _, tt := range tests {
		if got := TrimEOS(tt.in); got != tt.want {
			t.Errorf("TrimEOS(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVisibleMergesReasoningForms(t *testing.T) {
	r := Result{Reasoning: "field", Content: "<think>inline</think>ans"}
	v := r.Visible(true)
	if v.Reasoning != "field\n\ninline" || v.Answer != "ans" {
		t.Errorf("Visible = %+v", v)
	}
	r = Result{Content: "<think>go"}
	if v := r.Visible(false); !v.Thinking || v.Reasoning != "go" || v.Answer != "" {
		t.Errorf("open block while streaming: %+v", v)
	}
	if v := r.Visible(true); v.Thinking {
		t.Errorf("a finished result is not thinking: %+v", v)
	}
}

func TestReasoningDetails(t *testing.T) {
	tests := []struct{ name, chunk, want string }{
		{"text", `{"choices":[{"delta":{"reasoning_details":[{"type":"reasoning.text","text":"a"},{"type":"reasoning.text","text":"b"}]}}]}`, "ab"},
		{"summary", `{"choices":[{"delta":{"reasoning_details":[{"type":"reasoning.summary","summary":"s"}]}}]}`, "s"},
		{"encrypted skipped", `{"choices":[{"delta":{"reasoning_details":[{"type":"reasoning.encrypted","data":"xyz"}]}}]}`, ""},
		{"reasoning wins", `{"choices":[{"delta":{"reasoning":"r","reasoning_details":[{"text":"r"}]}}]}`, "r"},
		{"not an array", `{"choices":[{"delta":{"reasoning_details":"oops","content":"c"}}]}`, ""},
		{"odd entries", `{"choices":[{"delta":{"reasoning_details":[1,{"text":5},null,{"text":"t"}]}}]}`, "5t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Result
			if err := r.ApplyChunk([]byte(tt.chunk)); err != nil {
				t.Fatal(err)
			}
			if r.Reasoning != tt.want {
				t.Errorf("Reasoning = %q, want %q", r.Reasoning, tt.want)
			}
		})
	}
	r, err := ParseCompletion([]byte(`{"choices":[{"message":{"content":"x","reasoning_details":[{"text":"why"}]}}]}`))
	if err != nil || r.Reasoning != "why" {
		t.Errorf("ParseCompletion reasoning = %q, %v", r.Reasoning, err)
	}
}

func FuzzVisible(f *testing.F) {
	for _, s := range []string{"", "<think>a</think>b</s>", "<thinking>x", "a</think>b", "<think><think></think></think>", "x<|im_end|>", "<|endoftext", "ok</"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, r, _ := SplitThink(s)
		if len(a)+len(r) > len(s)+2*strings.Count(s, "<") {
			t.Fatalf("SplitThink grew %q into %q + %q", s, a, r)
		}
		if e := TrimEOS(s); !strings.HasPrefix(s, e) {
			t.Fatalf("TrimEOS(%q) = %q is not a prefix", s, e)
		}
		res := Result{Content: s, Started: time.Unix(0, 0), Finished: time.Unix(1, 0)}
		for _, final := range []bool{false, true} {
			v := res.Visible(final)
			if strings.Contains(v.Answer, "<think>") && !strings.Contains(s, "</think>") && final {
				t.Fatalf("answer %q still holds <think>", v.Answer)
			}
		}
		_ = Summary(&res, "m")
	})
}
