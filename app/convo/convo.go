package convo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Message roles.
const (
	// RoleUser is a message the user wrote.
	RoleUser = "user"
	// RoleAssistant is a message the model wrote.
	RoleAssistant = "assistant"
	// RoleTool is the result of a tool call, answering an assistant
	// message's call.
	RoleTool = "tool"
)

// Attachment kinds.
const (
	// KindImage is an image, sent as an "image_url" content part.
	KindImage = "image"
	// KindFile is any other file (such as a PDF), sent as a "file" content
	// part.
	KindFile = "file"
)

// Message is one message of a conversation. The JSON tags give the form used
// by share links and by the saved history (not the API's; see
// [Conversation.APIMessages]).
type Message struct {
	// Role is "user", "assistant" or "tool"; the system prompt is kept
	// apart, in [Conversation.System].
	Role string `json:"role"`
	// Text is the message text. For an assistant message it is the
	// visible answer, without the reasoning.
	Text string `json:"text,omitempty"`
	// Attachments are the images and files of a user message.
	Attachments []Attachment `json:"attachments,omitempty"`
	// ToolCalls are the calls an assistant message makes.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// ToolCallID is, for a tool message, the ID of the call it answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
	// Reasoning is the model's reasoning: shown, never sent back.
	Reasoning string `json:"reasoning,omitempty"`
	// Stopped is set when the user stopped the run that wrote the message;
	// it is not sent.
	Stopped bool `json:"stopped,omitempty"`
	// Err is the error that ended the run that wrote the message, as shown
	// to the user; it is not sent.
	Err string `json:"error,omitempty"`
}

// Attachment is an image or file attached to a user message.
type Attachment struct {
	// Kind is "image" or "file".
	Kind string `json:"kind"`
	// Name is the file name, as chosen by the user.
	Name string `json:"name,omitempty"`
	// MIME is the media type, such as "image/png" or "application/pdf".
	MIME string `json:"mime,omitempty"`
	// URL is an http(s) URL or a data: URL holding the content. It is
	// empty when the content was not kept (share links and a full history
	// leave data: URLs out, see [EncodeShare] and [MarshalHistory]); such
	// an attachment is shown by name and not sent.
	URL string `json:"url,omitempty"`
}

// ToolCall is a function call made by an assistant message.
type ToolCall struct {
	// ID identifies the call; the tool message answering it carries it as
	// [Message.ToolCallID].
	ID string `json:"id,omitempty"`
	// Type is the call type; only "function" exists, and empty means
	// "function".
	Type string `json:"type,omitempty"`
	// Name is the function name.
	Name string `json:"name"`
	// Arguments is the JSON text of the arguments, exactly as the model
	// wrote it (it may be invalid; see [ToolCallsValid]).
	Arguments string `json:"arguments,omitempty"`
}

// Conversation is a chat: a system prompt and the messages that follow it.
type Conversation struct {
	// System is the system prompt; blank means none.
	System string `json:"system,omitempty"`
	// Messages are the messages in order.
	Messages []Message `json:"messages,omitempty"`
}

// The API message shapes, with fields in the order they are written.
type (
	apiText struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	apiParts struct {
		Role    string    `json:"role"`
		Content []apiPart `json:"content"`
	}
	apiPart struct {
		Type     string       `json:"type"`
		Text     string       `json:"text,omitempty"`
		ImageURL *apiImageURL `json:"image_url,omitempty"`
		File     *apiFile     `json:"file,omitempty"`
	}
	apiImageURL struct {
		URL string `json:"url"`
	}
	apiFile struct {
		Filename string `json:"filename,omitempty"`
		FileData string `json:"file_data"`
	}
	apiCalls struct {
		Role      string        `json:"role"`
		Content   *string       `json:"content,omitempty"` // left out when blank: schemas that take tool calls do not all take null
		ToolCalls []apiToolCall `json:"tool_calls"`
	}
	apiToolCall struct {
		ID       string      `json:"id"`
		Type     string      `json:"type"`
		Function apiFunction `json:"function"`
	}
	apiFunction struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
	apiToolResult struct {
		Role       string `json:"role"`
		ToolCallID string `json:"tool_call_id"`
		Content    string `json:"content"`
	}
)

// APIMessages returns the conversation as the "messages" array of an OpenAI
// chat completion request, in compact JSON with a fixed key order:
//
//   - the system prompt first, when it is not blank;
//   - a user message as {"role":"user","content":"…"}, or, when it has
//     attachments whose content was kept, with content parts: a "text" part
//     (left out when the text is blank), then an "image_url" part per image
//     and a "file" part (with "filename" and "file_data") per file;
//   - an assistant message as {"role":"assistant","content":"…"}, or, when it
//     calls tools, with "content" (null when blank) and "tool_calls";
//   - a tool message as {"role":"tool","tool_call_id":"…","content":"…"}.
//
// An assistant message whose run failed or was stopped before it wrote any
// text or tool call is left out: there is nothing to continue from.
// Reasoning, Stopped and Err are never sent. The result is "[]" for an empty
// conversation.
func (c Conversation) APIMessages() json.RawMessage {
	out := make([]any, 0, len(c.Messages)+1)
	if strings.TrimSpace(c.System) != "" {
		out = append(out, apiText{Role: "system", Content: c.System})
	}
	for _, m := range c.Messages {
		if v, ok := apiMessage(m); ok {
			out = append(out, v)
		}
	}
	b, err := marshalCompact(out)
	if err != nil {
		// Only strings and structs are marshalled, which cannot fail.
		panic(fmt.Sprintf("convo: marshalling messages: %v", err))
	}
	return b
}

// apiMessage returns the API form of m, or false when m is not sent.
func apiMessage(m Message) (any, bool) {
	blank := strings.TrimSpace(m.Text) == ""
	switch m.Role {
	case RoleUser:
		var parts []apiPart
		for _, a := range m.Attachments {
			if a.URL == "" {
				continue // the content was not kept
			}
			if a.Kind == KindImage {
				parts = append(parts, apiPart{Type: "image_url", ImageURL: &apiImageURL{URL: a.URL}})
			} else {
				parts = append(parts, apiPart{Type: "file", File: &apiFile{Filename: a.Name, FileData: a.URL}})
			}
		}
		if len(parts) == 0 {
			return apiText{Role: m.Role, Content: m.Text}, true
		}
		if !blank {
			parts = append([]apiPart{{Type: "text", Text: m.Text}}, parts...)
		}
		return apiParts{Role: m.Role, Content: parts}, true
	case RoleAssistant:
		if len(m.ToolCalls) == 0 {
			if blank && (m.Err != "" || m.Stopped) {
				return nil, false
			}
			return apiText{Role: m.Role, Content: m.Text}, true
		}
		v := apiCalls{Role: m.Role, ToolCalls: make([]apiToolCall, len(m.ToolCalls))}
		if !blank {
			v.Content = &m.Text
		}
		for i, tc := range m.ToolCalls {
			typ := tc.Type
			if typ == "" {
				typ = "function"
			}
			v.ToolCalls[i] = apiToolCall{ID: tc.ID, Type: typ, Function: apiFunction{Name: tc.Name, Arguments: tc.Arguments}}
		}
		return v, true
	case RoleTool:
		return apiToolResult{Role: m.Role, ToolCallID: m.ToolCallID, Content: m.Text}, true
	default:
		return apiText{Role: m.Role, Content: m.Text}, true
	}
}

// marshalCompact marshals v as compact JSON without HTML escaping (so "<"
// stays "<").
func marshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Validate checks the structure of the conversation: roles are "user",
// "assistant" or "tool"; attachments appear only on user messages, with
// kind "image" or "file" and a URL that is empty, http(s) or data:; tool
// calls appear only on assistant messages and a tool-call ID only on tool
// messages. The error is a [*FieldError] naming the first problem, such as
// messages[2].role.
func (c Conversation) Validate() error {
	return validateMessages(c.Messages, "messages", true)
}

// validateMessages checks msgs (see [Conversation.Validate]); data: URLs are
// refused unless allowData.
func validateMessages(msgs []Message, path string, allowData bool) error {
	for i, m := range msgs {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch m.Role {
		case RoleUser, RoleAssistant, RoleTool:
		case "":
			return fieldErrorf(p+".role", "is required")
		default:
			return fieldErrorf(p+".role", "%q is not one of user, assistant, tool", m.Role)
		}
		if len(m.Attachments) > 0 && m.Role != RoleUser {
			return fieldErrorf(p+".attachments", "only user messages have attachments, not %s messages", m.Role)
		}
		if len(m.ToolCalls) > 0 && m.Role != RoleAssistant {
			return fieldErrorf(p+".tool_calls", "only assistant messages call tools, not %s messages", m.Role)
		}
		if m.ToolCallID != "" && m.Role != RoleTool {
			return fieldErrorf(p+".tool_call_id", "only tool messages answer a tool call, not %s messages", m.Role)
		}
		for j, a := range m.Attachments {
			ap := fmt.Sprintf("%s.attachments[%d]", p, j)
			if a.Kind != KindImage && a.Kind != KindFile {
				if a.Kind == "" {
					return fieldErrorf(ap+".kind", "is required")
				}
				return fieldErrorf(ap+".kind", "%q is not one of image, file", a.Kind)
			}
			if err := checkURL(a.URL, allowData); err != nil {
				return &FieldError{Path: ap + ".url", Err: err}
			}
		}
	}
	return nil
}

// isDataURL reports whether u is a data: URL.
func isDataURL(u string) bool {
	return len(u) >= 5 && strings.EqualFold(u[:5], "data:")
}

// checkURL accepts "", an absolute http(s) URL with a host, and (when
// allowData) a data: URL with a comma. Anything else, such as javascript:,
// is refused, since the UI puts these URLs in src and href attributes.
func checkURL(u string, allowData bool) error {
	if u == "" {
		return nil
	}
	if isDataURL(u) {
		if !allowData {
			return fmt.Errorf("data: URLs are not allowed here")
		}
		if !strings.Contains(u, ",") {
			return fmt.Errorf("the data: URL has no comma before its data")
		}
		return nil
	}
	pu, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("not a valid URL: %w", err)
	}
	if pu.Scheme != "http" && pu.Scheme != "https" || pu.Host == "" {
		return fmt.Errorf("%.40q is not an http(s) URL", u)
	}
	return nil
}
