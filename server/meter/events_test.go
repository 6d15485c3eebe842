package meter

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"playground/app/kind"
)

func TestEventReaders(t *testing.T) {
	for _, tt := range []struct {
		name  string
		read  func([]byte) (int64, kind.Usage)
		data  string
		runes int64
		usage kind.Usage
	}{
		{"chat delta", chatDeltaOf, `{"choices":[{"delta":{"content":"Héllo"}}]}`, 5, kind.Usage{}},
		{"chat escapes", chatDeltaOf, `{"choices":[{"delta":{"content":"a\n\"\u00e9\ud83d\ude42"}}]}`, 5, kind.Usage{}},
		{"chat reasoning and message", chatDeltaOf, `{"choices":[{"delta":{"reasoning_content":"ab","reasoning":"c"}},{"message":{"content":"de"}}]}`, 5, kind.Usage{}},
		{"chat parts and null count nothing", chatDeltaOf, `{"choices":[{"delta":{"content":null}},{"message":{"content":[{"type":"text","text":"x"}]}}]}`, 0, kind.Usage{}},
		{"chat other members ignored", chatDeltaOf, `{"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"function":{"arguments":"{}"}}]}}]}`, 0, kind.Usage{}},
		{"chat usage null", chatDeltaOf, `{"choices":[{"delta":{"content":"x"}}],"usage":null}`, 1, kind.Usage{}},
		{"chat usage", chatDeltaOf, `{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"cost":"0.5"}}`, 0, kind.Usage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 7, USD: 0.5}},
		{"chat meta usage", chatDeltaOf, `{"meta":{"usage":{"credits_used":12,"usd_spent":0.25}}}`, 0, kind.Usage{Credits: 12, USD: 0.25}},
		{"chat not json", chatDeltaOf, `{"choices":[{"delta":{"content":"x"}}]`, 0, kind.Usage{}},
		{"chat key in a string is not usage", chatDeltaOf, `{"choices":[{"delta":{"content":"\"usage\":{}"}}]}`, 10, kind.Usage{}},
		{"responses delta", responsesOf(""), `{"type":"response.output_text.delta","delta":"héllo"}`, 5, kind.Usage{}},
		{"responses named event", responsesOf("response.reasoning_summary_text.delta"), `{"delta":"ab"}`, 2, kind.Usage{}},
		{"responses arguments count nothing", responsesOf(""), `{"type":"response.function_call_arguments.delta","delta":"{}"}`, 0, kind.Usage{}},
		{"responses completed", responsesOf(""), `{"type":"response.completed","response":{"usage":{"input_tokens":2,"output_tokens":5}}}`, 0, kind.Usage{PromptTokens: 2, CompletionTokens: 5}},
		{"messages delta", messagesOf, `{"type":"content_block_delta","delta":{"type":"text_delta","text":"ab","thinking":"c"}}`, 3, kind.Usage{}},
		{"messages start", messagesOf, `{"type":"message_start","message":{"usage":{"input_tokens":9}}}`, 0, kind.Usage{PromptTokens: 9}},
		{"usage before response.usage", chatDeltaOf, `{"usage":null,"response":{"usage":{"input_tokens":2}}}`, 0, kind.Usage{}},
		{"response that is no object", chatDeltaOf, `{"response":"usage","meta":{"usage":{"credits_used":"2"}}}`, 0, kind.Usage{Credits: 2}},
		{"meta usage overrides cost", chatDeltaOf, `{"usage":{"total_tokens":3,"cost":1},"meta":{"usage":{"usd_spent":"0.5"}}}`, 0, kind.Usage{TotalTokens: 3, USD: 0.5}},
		{"usage of the wrong type", chatDeltaOf, `{"usage":[1],"meta":{"usage":7}}`, 0, kind.Usage{}},
		{"messages delta usage", messagesOf, `{"type":"message_delta","usage":{"output_tokens":4}}`, 0, kind.Usage{CompletionTokens: 4}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, u := tt.read([]byte(tt.data))
			if n != tt.runes || u != tt.usage {
				t.Fatalf("read %s: %d runes, %+v; want %d, %+v", tt.data, n, u, tt.runes, tt.usage)
			}
		})
	}
}

func chatDeltaOf(data []byte) (int64, kind.Usage) { return chatDelta(data) }
func messagesOf(data []byte) (int64, kind.Usage)  { return messagesDelta("", data) }
func responsesOf(event string) func([]byte) (int64, kind.Usage) {
	return func(data []byte) (int64, kind.Usage) { return responsesDelta(event, data) }
}

// FuzzChatDelta checks the in-place reader against encoding/json: the text of any event the Go
// encoder writes counts as many characters as the decoder reads back from it.
func FuzzChatDelta(f *testing.F) {
	f.Add("Héllo", "\n\"\\</script>", "\u2028🙂")
	f.Add("", "\xff\xfe", "a\x00b")
	f.Fuzz(func(t *testing.T, content, reasoning, message string) {
		data, err := json.Marshal(map[string]any{"choices": []any{
			map[string]any{"delta": map[string]any{"content": content, "reasoning_content": reasoning, "role": "assistant"}},
			map[string]any{"message": map[string]any{"content": message}},
		}, "usage": nil})
		if err != nil {
			t.Skip()
		}
		var back struct {
			Choices []struct {
				Delta   struct{ Content, ReasoningContent string } `json:"delta"`
				Message struct{ Content string }                   `json:"message"`
			} `json:"choices"`
		}
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
		var want int
		for _, c := range back.Choices {
			want += utf8.RuneCountInString(c.Delta.Content) + utf8.RuneCountInString(c.Message.Content)
		}
		// The struct above has no tag for reasoning_content; read it from the map.
		var m map[string][]map[string]map[string]any
		_ = json.Unmarshal(data, &m)
		want += utf8.RuneCountInString(m["choices"][0]["delta"]["reasoning_content"].(string))
		if n, u := chatDelta(data); n != int64(want) || u != (kind.Usage{}) {
			t.Fatalf("chatDelta(%s) = %d runes, %+v; want %d and no usage", data, n, u, want)
		}
	})
}

// FuzzUsageOf checks the in-place usage reader against kind.ReadUsage, which decodes the whole
// answer with encoding/json, on any JSON the two read alike: what the Go encoder writes back from
// it, with its keys in lower case (encoding/json also matches keys in other cases, and the last of
// a repeated key, which the encoder never writes).
func FuzzUsageOf(f *testing.F) {
	for _, s := range []string{
		`{"usage":{"prompt_tokens":3,"completion_tokens":"4","total_tokens":7,"cost":0.1}}`,
		`{"response":{"usage":{"input_tokens":2,"output_tokens":5}}}`,
		`{"usage":null,"response":{"usage":{"input_tokens":2}}}`,
		`{"meta":{"usage":{"credits_used":"1e3","usd_spent":0.5}},"usage":{"estimated_cost":2}}`,
		`{"response":"x","meta":[],"usage":"y"}`, `[{"usage":{"total_tokens":1}}]`, `{"usage":{"total_tokens":-1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		lower(&v)
		canon, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal %v: %v", v, err)
		}
		want := kind.ReadUsage(canon)
		if got := usageOf(canon); got != want {
			t.Fatalf("usageOf(%s) = %+v, kind.ReadUsage = %+v", canon, got, want)
		}
		if _, got := decode(kind.UsageEvents, "", canon); got != want {
			t.Fatalf("a job's answer %s: usage %+v, kind.ReadUsage %+v", canon, got, want)
		}
	})
}

// lower puts every object key of v in lower case (keeping one of keys that then collide).
func lower(v *any) {
	switch x := (*v).(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			lower(&e)
			m[strings.ToLower(k)] = e
		}
		*v = m
	case []any:
		for i := range x {
			lower(&x[i])
		}
	}
}
