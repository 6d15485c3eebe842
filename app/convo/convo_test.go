package convo

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestAPIMessagesGolden checks APIMessages for each conversation in
// testdata/apimessages/*.json against the .golden file beside it (the
// compact JSON and a newline).
func TestAPIMessagesGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/apimessages/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			c, err := decodeConversation(raw, "", true, true)
			if err != nil {
				t.Fatalf("reading %s: %v", in, err)
			}
			got := append(c.APIMessages(), '\n')
			if !json.Valid(got) {
				t.Fatalf("not valid JSON: %s", got)
			}
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./app/convo -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("APIMessages differs from %s; if the change is intended run go test ./app/convo -update\ngot:  %s\nwant: %s", golden, got, want)
			}
		})
	}
}

func TestAPIMessages(t *testing.T) {
	tests := []struct {
		name string
		c    Conversation
		want string
	}{
		{"empty", Conversation{}, `[]`},
		{"blank system", Conversation{System: " \n"}, `[]`},
		{"system kept as is", Conversation{System: " be brief "}, `[{"role":"system","content":" be brief "}]`},
		{"user text", Conversation{Messages: []Message{{Role: "user", Text: "hi"}}}, `[{"role":"user","content":"hi"}]`},
		{"user empty text", Conversation{Messages: []Message{{Role: "user"}}}, `[{"role":"user","content":""}]`},
		{"image only", Conversation{Messages: []Message{{Role: "user", Attachments: []Attachment{{Kind: "image", URL: "https://x/a.png"}}}}},
			`[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/a.png"}}]}]`},
		{"text and file", Conversation{Messages: []Message{{Role: "user", Text: "sum up", Attachments: []Attachment{{Kind: "file", Name: "a.pdf", URL: "data:application/pdf;base64,AA=="}}}}},
			`[{"role":"user","content":[{"type":"text","text":"sum up"},{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,AA=="}}]}]`},
		{"attachment not kept", Conversation{Messages: []Message{{Role: "user", Text: "x", Attachments: []Attachment{{Kind: "image", Name: "a.png"}}}}},
			`[{"role":"user","content":"x"}]`},
		{"failed assistant skipped", Conversation{Messages: []Message{{Role: "user", Text: "q"}, {Role: "assistant", Err: "boom"}}},
			`[{"role":"user","content":"q"}]`},
		{"blank failed assistant skipped", Conversation{Messages: []Message{{Role: "assistant", Text: " \n", Err: "boom"}}}, `[]`},
		{"stopped empty assistant skipped", Conversation{Messages: []Message{{Role: "assistant", Stopped: true}}}, `[]`},
		{"failed assistant with text kept", Conversation{Messages: []Message{{Role: "assistant", Text: "part", Err: "boom", Reasoning: "r"}}},
			`[{"role":"assistant","content":"part"}]`},
		{"empty assistant kept", Conversation{Messages: []Message{{Role: "assistant"}}}, `[{"role":"assistant","content":""}]`},
		{"tool call without text", Conversation{Messages: []Message{{Role: "assistant", ToolCalls: []ToolCall{{ID: "c1", Name: "f", Arguments: `{"a":1}`}}}}},
			`[{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]}]`},
		{"failed tool call kept", Conversation{Messages: []Message{{Role: "assistant", Err: "cut", ToolCalls: []ToolCall{{ID: "c1", Type: "function", Name: "f", Arguments: `{`}}}}},
			`[{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{"}}]}]`},
		{"tool result", Conversation{Messages: []Message{{Role: "tool", ToolCallID: "c1", Text: "42"}}},
			`[{"role":"tool","tool_call_id":"c1","content":"42"}]`},
		{"no HTML escaping", Conversation{Messages: []Message{{Role: "user", Text: "<a href='x'>&</a>"}}},
			`[{"role":"user","content":"<a href='x'>&</a>"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.c.APIMessages()); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		msgs []Message
		path string // of the FieldError; "" for no error
		msg  string
	}{
		{"ok", []Message{{Role: "user", Attachments: []Attachment{{Kind: "image", URL: "https://e.com/a.png"}, {Kind: "file", URL: "data:,x"}, {Kind: "file"}}}, {Role: "assistant", ToolCalls: []ToolCall{{Name: "f"}}}, {Role: "tool", ToolCallID: "c"}}, "", ""},
		{"no role", []Message{{Text: "x"}}, "messages[0].role", "is required"},
		{"system role", []Message{{Role: "user"}, {Role: "system"}}, "messages[1].role", `"system" is not one of user, assistant, tool`},
		{"assistant attachment", []Message{{Role: "assistant", Attachments: []Attachment{{Kind: "image"}}}}, "messages[0].attachments", "only user messages"},
		{"user tool calls", []Message{{Role: "user", ToolCalls: []ToolCall{{Name: "f"}}}}, "messages[0].tool_calls", "only assistant messages"},
		{"user tool call id", []Message{{Role: "user", ToolCallID: "x"}}, "messages[0].tool_call_id", "only tool messages"},
		{"kind", []Message{{Role: "user", Attachments: []Attachment{{Kind: "image"}, {Kind: "video"}}}}, "messages[0].attachments[1].kind", `"video" is not one of image, file`},
		{"no kind", []Message{{Role: "user", Attachments: []Attachment{{URL: "https://e.com/"}}}}, "messages[0].attachments[0].kind", "is required"},
		{"javascript URL", []Message{{Role: "user", Attachments: []Attachment{{Kind: "image", URL: "javascript:alert(1)"}}}}, "messages[0].attachments[0].url", "not an http(s) URL"},
		{"relative URL", []Message{{Role: "user", Attachments: []Attachment{{Kind: "image", URL: "/a.png"}}}}, "messages[0].attachments[0].url", "not an http(s) URL"},
		{"data URL without comma", []Message{{Role: "user", Attachments: []Attachment{{Kind: "image", URL: "data:image/png;base64"}}}}, "messages[0].attachments[0].url", "no comma"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Conversation{Messages: tt.msgs}.Validate()
			checkFieldError(t, err, tt.path, tt.msg)
		})
	}
}

// checkFieldError checks that err is nil when path is "", and otherwise a
// *FieldError (possibly wrapped) with that path whose message contains msg.
func checkFieldError(t *testing.T, err error, path, msg string) {
	t.Helper()
	if path == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a *FieldError at %s", err, path)
	}
	if fe.Path != path || !strings.Contains(fe.Err.Error(), msg) {
		t.Fatalf("got %q at %q, want %q at %q", fe.Err, fe.Path, msg, path)
	}
}
