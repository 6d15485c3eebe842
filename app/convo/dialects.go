package convo

import (
	"encoding/json"
	"fmt"
	"strings"
)

// AnthropicMessages returns the conversation as Anthropic's Messages API takes it: the system
// prompt is left out (it goes in the request's top-level `system`), user messages carry text and
// image and document blocks (data URLs as base64 sources, other URLs as url sources), an
// assistant's tool calls are tool_use blocks, and tool results are tool_result blocks of a user
// message (consecutive ones joined, since the API wants user and assistant turns to alternate).
func (c Conversation) AnthropicMessages() json.RawMessage {
	type block map[string]any
	type msg struct {
		Role    string `json:"role"`
		Content any    `json:"content"`
	}
	var out []msg
	addUser := func(blocks []block) {
		if n := len(out); n > 0 && out[n-1].Role == RoleUser {
			if prev, ok := out[n-1].Content.([]block); ok {
				out[n-1].Content = append(prev, blocks...)
				return
			}
		}
		out = append(out, msg{Role: RoleUser, Content: blocks})
	}
	for _, m := range c.Messages {
		switch m.Role {
		case RoleUser:
			var blocks []block
			if strings.TrimSpace(m.Text) != "" {
				blocks = append(blocks, block{"type": "text", "text": m.Text})
			}
			for _, a := range m.Attachments {
				if a.URL == "" {
					continue
				}
				typ := "image"
				if a.Kind != KindImage {
					typ = "document"
				}
				blocks = append(blocks, block{"type": typ, "source": anthropicSource(a.URL)})
			}
			if len(m.Attachments) == 0 {
				out = append(out, msg{Role: RoleUser, Content: m.Text})
				continue
			}
			addUser(blocks)
		case RoleAssistant:
			if len(m.ToolCalls) == 0 {
				if strings.TrimSpace(m.Text) == "" && (m.Err != "" || m.Stopped) {
					continue
				}
				out = append(out, msg{Role: RoleAssistant, Content: m.Text})
				continue
			}
			var blocks []block
			if strings.TrimSpace(m.Text) != "" {
				blocks = append(blocks, block{"type": "text", "text": m.Text})
			}
			for _, tc := range m.ToolCalls {
				var input any = map[string]any{}
				if json.Valid([]byte(tc.Arguments)) && strings.HasPrefix(strings.TrimSpace(tc.Arguments), "{") {
					input = json.RawMessage(tc.Arguments)
				}
				blocks = append(blocks, block{"type": "tool_use", "id": tc.ID, "name": tc.Name, "input": input})
			}
			out = append(out, msg{Role: RoleAssistant, Content: blocks})
		case RoleTool:
			addUser([]block{{"type": "tool_result", "tool_use_id": m.ToolCallID, "content": m.Text}})
		}
	}
	if out == nil {
		out = []msg{}
	}
	b, err := marshalCompact(out)
	if err != nil {
		panic(fmt.Sprintf("convo: marshalling messages: %v", err)) // only strings, maps and raw JSON
	}
	return b
}

// anthropicSource is an attachment's source block: base64 for a data URL, url otherwise.
func anthropicSource(u string) map[string]any {
	if rest, ok := strings.CutPrefix(u, "data:"); ok {
		if meta, data, ok := strings.Cut(rest, ","); ok && strings.HasSuffix(meta, ";base64") {
			return map[string]any{"type": "base64", "media_type": strings.TrimSuffix(meta, ";base64"), "data": data}
		}
	}
	return map[string]any{"type": "url", "url": u}
}

// ResponsesInput returns the conversation as the `input` of OpenAI's Responses API, resent in
// full on every run: the system prompt is left out (it goes in `instructions`), user messages
// carry input_text, input_image and input_file parts, an assistant's tool calls are
// function_call items and tool results function_call_output items.
func (c Conversation) ResponsesInput() json.RawMessage {
	type part map[string]any
	var out []any
	for _, m := range c.Messages {
		switch m.Role {
		case RoleUser:
			if len(m.Attachments) == 0 {
				out = append(out, part{"role": RoleUser, "content": m.Text})
				continue
			}
			var parts []part
			if strings.TrimSpace(m.Text) != "" {
				parts = append(parts, part{"type": "input_text", "text": m.Text})
			}
			for _, a := range m.Attachments {
				switch {
				case a.URL == "":
				case a.Kind == KindImage:
					parts = append(parts, part{"type": "input_image", "image_url": a.URL})
				default:
					parts = append(parts, part{"type": "input_file", "filename": a.Name, "file_data": a.URL})
				}
			}
			out = append(out, part{"role": RoleUser, "content": parts})
		case RoleAssistant:
			if strings.TrimSpace(m.Text) != "" || len(m.ToolCalls) == 0 && m.Err == "" && !m.Stopped {
				out = append(out, part{"role": RoleAssistant, "content": m.Text})
			}
			for _, tc := range m.ToolCalls {
				out = append(out, part{"type": "function_call", "call_id": tc.ID, "name": tc.Name, "arguments": tc.Arguments})
			}
		case RoleTool:
			out = append(out, part{"type": "function_call_output", "call_id": m.ToolCallID, "output": m.Text})
		}
	}
	if out == nil {
		out = []any{}
	}
	b, err := marshalCompact(out)
	if err != nil {
		panic(fmt.Sprintf("convo: marshalling input: %v", err)) // only strings and maps
	}
	return b
}
