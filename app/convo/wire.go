package convo

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// messageWire is a [Message] as read from JSON, with arrays kept raw so
// that errors can name the element.
type messageWire struct {
	Role        string            `json:"role"`
	Text        string            `json:"text"`
	Attachments []json.RawMessage `json:"attachments"`
	ToolCalls   []json.RawMessage `json:"tool_calls"`
	ToolCallID  string            `json:"tool_call_id"`
	Reasoning   string            `json:"reasoning"`
	Stopped     bool              `json:"stopped"`
	Err         string            `json:"error"`
}

// decodeMessages decodes the JSON form of messages (see [Message]). Empty
// arrays become nil. It checks types, not meaning (see validateMessages).
func decodeMessages(raws []json.RawMessage, path string, strict bool) ([]Message, error) {
	if len(raws) == 0 {
		return nil, nil
	}
	msgs := make([]Message, len(raws))
	for i, raw := range raws {
		p := fmt.Sprintf("%s[%d]", path, i)
		var w messageWire
		if err := decodeJSON(raw, p, &w, strict); err != nil {
			return nil, err
		}
		m := Message{Role: w.Role, Text: w.Text, ToolCallID: w.ToolCallID, Reasoning: w.Reasoning, Stopped: w.Stopped, Err: w.Err}
		if len(w.Attachments) > 0 {
			m.Attachments = make([]Attachment, len(w.Attachments))
			for j, a := range w.Attachments {
				if err := decodeJSON(a, fmt.Sprintf("%s.attachments[%d]", p, j), &m.Attachments[j], strict); err != nil {
					return nil, err
				}
			}
		}
		if len(w.ToolCalls) > 0 {
			m.ToolCalls = make([]ToolCall, len(w.ToolCalls))
			for j, c := range w.ToolCalls {
				if err := decodeJSON(c, fmt.Sprintf("%s.tool_calls[%d]", p, j), &m.ToolCalls[j], strict); err != nil {
					return nil, err
				}
			}
		}
		msgs[i] = m
	}
	return msgs, nil
}

// decodeConversation decodes the JSON form of a [Conversation] and
// validates it (data: URLs allowed when allowData).
func decodeConversation(raw json.RawMessage, path string, strict, allowData bool) (Conversation, error) {
	var w struct {
		System   string            `json:"system"`
		Messages []json.RawMessage `json:"messages"`
	}
	if len(raw) == 0 {
		return Conversation{}, nil
	}
	if err := decodeJSON(raw, path, &w, strict); err != nil {
		return Conversation{}, err
	}
	msgs, err := decodeMessages(w.Messages, joinPath(path, "messages"), strict)
	if err != nil {
		return Conversation{}, err
	}
	if err := validateMessages(msgs, joinPath(path, "messages"), allowData); err != nil {
		return Conversation{}, err
	}
	return Conversation{System: w.System, Messages: msgs}, nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
