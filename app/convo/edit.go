package convo

import (
	"errors"
	"fmt"
	"slices"
)

// ErrIndex is wrapped by the errors of the edit functions when an index is
// out of range.
var ErrIndex = errors.New("index out of range")

// The edit functions below never modify msgs: each returns a new slice that
// shares no backing array with it. The Attachments and ToolCalls slices of
// the messages themselves are shared, so treat messages as values.
//
// Delete, Move and TruncateForRegenerate also take slices of a type that
// embeds Message (a UI keeps each message with its view state), through
// [Entry].

// Entry is a Message, or a type that embeds one.
type Entry interface {
	// MessageRole is the role of the message.
	MessageRole() string
}

// MessageRole returns m.Role; it makes Message an [Entry].
func (m Message) MessageRole() string { return m.Role }

// Messenger is an [Entry] that gives its whole Message, for the edits that look at tool calls
// and results.
type Messenger interface {
	Entry
	// AsMessage returns the message.
	AsMessage() Message
}

// AsMessage returns m; it makes Message (and types that embed it) a [Messenger].
func (m Message) AsMessage() Message { return m }

// DeleteWithResults returns msgs without message i and, when it is an assistant message with
// tool calls, without the tool messages after it that answer those calls (an API refuses a result
// whose call is gone). It also returns how many results went with it.
func DeleteWithResults[M Messenger](msgs []M, i int) ([]M, int, error) {
	if err := checkIndex("delete", i, len(msgs)); err != nil {
		return nil, 0, err
	}
	calls := map[string]bool{}
	for _, c := range msgs[i].AsMessage().ToolCalls {
		if c.ID != "" {
			calls[c.ID] = true
		}
	}
	out := make([]M, 0, len(msgs)-1)
	out = append(out, msgs[:i]...)
	results := 0
	for _, m := range msgs[i+1:] {
		if mm := m.AsMessage(); mm.Role == RoleTool && calls[mm.ToolCallID] {
			results++
			continue
		}
		out = append(out, m)
	}
	return out, results, nil
}

// CheckToolOrder reports the first tool message whose call is not in an assistant message before
// it, naming its position; nil when every tool result follows its call.
func CheckToolOrder[M Messenger](msgs []M) error {
	calls := map[string]bool{}
	for i, m := range msgs {
		mm := m.AsMessage()
		for _, c := range mm.ToolCalls {
			calls[c.ID] = true
		}
		if mm.Role == RoleTool && mm.ToolCallID != "" && !calls[mm.ToolCallID] {
			return fmt.Errorf("convo: message %d is the result of tool call %s, which no earlier message makes", i, mm.ToolCallID)
		}
	}
	return nil
}

// checkIndex returns an error when i is not an index of a slice of n
// messages.
func checkIndex(op string, i, n int) error {
	if i < 0 || i >= n {
		return fmt.Errorf("convo: %s message %d: %w (the conversation has %d messages)", op, i, ErrIndex, n)
	}
	return nil
}

// Edit returns msgs with the text of message i replaced. Nothing else about
// the message changes.
func Edit(msgs []Message, i int, text string) ([]Message, error) {
	if err := checkIndex("edit", i, len(msgs)); err != nil {
		return nil, err
	}
	out := slices.Clone(msgs)
	out[i].Text = text
	return out, nil
}

// Delete returns msgs without message i.
func Delete[M any](msgs []M, i int) ([]M, error) {
	if err := checkIndex("delete", i, len(msgs)); err != nil {
		return nil, err
	}
	out := make([]M, 0, len(msgs)-1)
	out = append(out, msgs[:i]...)
	return append(out, msgs[i+1:]...), nil
}

// Move returns msgs with message i moved to position j, the messages in
// between shifting by one: Move(msgs, i, i-1) moves a message up and
// Move(msgs, i, i+1) down.
func Move[M any](msgs []M, i, j int) ([]M, error) {
	if err := checkIndex("move", i, len(msgs)); err != nil {
		return nil, err
	}
	if j < 0 || j >= len(msgs) {
		return nil, fmt.Errorf("convo: move message %d to %d: %w (the conversation has %d messages)", i, j, ErrIndex, len(msgs))
	}
	out := slices.Clone(msgs)
	m := out[i]
	if i < j {
		copy(out[i:j], out[i+1:j+1])
	} else {
		copy(out[j+1:i+1], out[j:i])
	}
	out[j] = m
	return out, nil
}

// TruncateForRegenerate returns the messages to send again to regenerate
// from message i. For an assistant message, that is everything before it
// (the message and all after it are dropped); for a user or tool message,
// the message is kept and everything after it is dropped.
func TruncateForRegenerate[M Entry](msgs []M, i int) ([]M, error) {
	if err := checkIndex("regenerate from", i, len(msgs)); err != nil {
		return nil, err
	}
	switch role := msgs[i].MessageRole(); role {
	case RoleAssistant:
		return slices.Clone(msgs[:i]), nil
	case RoleUser, RoleTool:
		return slices.Clone(msgs[:i+1]), nil
	default:
		return nil, fmt.Errorf("convo: regenerate from message %d: cannot regenerate from a %q message", i, role)
	}
}
