package kind

import "playground/app/schema"

// Chat is the OpenAI-compatible chat completions kind: a conversation, streamed as server-sent
// events when `stream` is set.
var Chat Kind = &chatKind{base{name: "chat", label: "Chat", group: "chat",
	paths: []string{"/v1/chat/completions", "/chat/completions"}, mode: Stream,
	sdk: map[string]string{"/v1/chat/completions": "chat.completions.create"}}}

type chatKind struct{ base }

// Prepare gives the model to the picker and `messages` to the conversation.
func (k *chatKind) Prepare(op *schema.Operation) {
	ownModel(op)
	op.Own("messages", schema.Messages)
}

func (k *chatKind) Runs() bool { return true }

// Responses is OpenAI's Responses API (`/v1/responses`): an `input` and its own event stream.
var Responses Kind = &responsesKind{base{name: "responses", label: "Responses", group: "chat",
	paths: []string{"/v1/responses"}, mode: Stream, sdk: map[string]string{"/v1/responses": "responses.create"}}}

type responsesKind struct{ base }

// Prepare gives the model to the picker, `input` to the conversation and `instructions` to the
// system prompt box.
func (k *responsesKind) Prepare(op *schema.Operation) {
	ownModel(op)
	op.Own("input", "")
	op.Own("instructions", "")
}

func (k *responsesKind) Runs() bool { return true }

// Events is the Responses API's: a complete answer is read like a response.completed event's
// response (its usage).
func (k *responsesKind) Events() Events { return ResponsesEvents }

// Messages is Anthropic's Messages API (`/v1/messages`): `system` at the top level and its own
// event stream.
var Messages Kind = &messagesKind{base{name: "messages", label: "Messages", group: "chat",
	paths: []string{"/v1/messages"}, mode: Stream}}

type messagesKind struct{ base }

// Prepare gives the model to the picker, `messages` to the conversation and `system` to the
// system prompt box.
func (k *messagesKind) Prepare(op *schema.Operation) {
	ownModel(op)
	op.Own("messages", schema.Messages)
	op.Own("system", "")
}

func (k *messagesKind) Runs() bool { return true }

// Events is the Messages API's (message_start, content_block_delta, message_delta).
func (k *messagesKind) Events() Events { return MessagesEvents }
