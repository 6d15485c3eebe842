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
