package convo

import "testing"

func TestDialectMessages(t *testing.T) {
	c := Conversation{System: "Be brief.", Messages: []Message{
		{Role: RoleUser, Text: "Weather?", Attachments: []Attachment{{Kind: KindImage, URL: "data:image/png;base64,iVBO"}, {Kind: KindImage, URL: "https://x.example/a.png"}}},
		{Role: RoleAssistant, Text: "Checking.", ToolCalls: []ToolCall{{ID: "c1", Name: "w", Arguments: `{"city":"Oslo"}`}, {ID: "c2", Name: "w", Arguments: "not json"}}},
		{Role: RoleTool, ToolCallID: "c1", Text: "sunny"},
		{Role: RoleTool, ToolCallID: "c2", Text: "rain"},
		{Role: RoleAssistant, Err: "cut", Text: ""},
		{Role: RoleUser, Text: "Thanks"},
	}}
	want := `[{"role":"user","content":[{"text":"Weather?","type":"text"},{"source":{"data":"iVBO","media_type":"image/png","type":"base64"},"type":"image"},{"source":{"type":"url","url":"https://x.example/a.png"},"type":"image"}]},` +
		`{"role":"assistant","content":[{"text":"Checking.","type":"text"},{"id":"c1","input":{"city":"Oslo"},"name":"w","type":"tool_use"},{"id":"c2","input":{},"name":"w","type":"tool_use"}]},` +
		`{"role":"user","content":[{"content":"sunny","tool_use_id":"c1","type":"tool_result"},{"content":"rain","tool_use_id":"c2","type":"tool_result"}]},` +
		`{"role":"user","content":"Thanks"}]`
	if got := string(c.AnthropicMessages()); got != want {
		t.Errorf("AnthropicMessages =\n%s\nwant\n%s", got, want)
	}
	want = `[{"content":[{"text":"Weather?","type":"input_text"},{"image_url":"data:image/png;base64,iVBO","type":"input_image"},{"image_url":"https://x.example/a.png","type":"input_image"}],"role":"user"},` +
		`{"content":"Checking.","role":"assistant"},{"arguments":"{\"city\":\"Oslo\"}","call_id":"c1","name":"w","type":"function_call"},{"arguments":"not json","call_id":"c2","name":"w","type":"function_call"},` +
		`{"call_id":"c1","output":"sunny","type":"function_call_output"},{"call_id":"c2","output":"rain","type":"function_call_output"},{"content":"Thanks","role":"user"}]`
	if got := string(c.ResponsesInput()); got != want {
		t.Errorf("ResponsesInput =\n%s\nwant\n%s", got, want)
	}
	if got := string((Conversation{}).AnthropicMessages()) + string((Conversation{}).ResponsesInput()); got != "[][]" {
		t.Errorf("empty conversation: %s", got)
	}
}
