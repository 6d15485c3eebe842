package convo

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// roles is a compact way to write a conversation: one letter per message
// (u, a, t), the message text being its index.
func roles(s string) []Message {
	msgs := make([]Message, len(s))
	for i, r := range s {
		role := map[rune]string{'u': RoleUser, 'a': RoleAssistant, 't': RoleTool, 'x': "bogus"}[r]
		msgs[i] = Message{Role: role, Text: string(rune('0' + i))}
	}
	return msgs
}

// texts returns the texts of msgs joined.
func texts(msgs []Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Text)
	}
	return b.String()
}

func TestEdits(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		op      func([]Message) ([]Message, error)
		want    string // texts of the result
		wantErr string
	}{
		{"edit", "uau", func(m []Message) ([]Message, error) { return Edit(m, 1, "X") }, "0X2", ""},
		{"edit out of range", "ua", func(m []Message) ([]Message, error) { return Edit(m, 2, "X") }, "", "edit message 2: index out of range (the conversation has 2 messages)"},
		{"edit negative", "ua", func(m []Message) ([]Message, error) { return Edit(m, -1, "X") }, "", "edit message -1: index out of range"},
		{"delete first", "uau", func(m []Message) ([]Message, error) { return Delete(m, 0) }, "12", ""},
		{"delete last", "uau", func(m []Message) ([]Message, error) { return Delete(m, 2) }, "01", ""},
		{"delete only", "u", func(m []Message) ([]Message, error) { return Delete(m, 0) }, "", ""},
		{"delete empty", "", func(m []Message) ([]Message, error) { return Delete(m, 0) }, "", "delete message 0: index out of range (the conversation has 0 messages)"},
		{"move up", "uaua", func(m []Message) ([]Message, error) { return Move(m, 2, 1) }, "0213", ""},
		{"move down", "uaua", func(m []Message) ([]Message, error) { return Move(m, 1, 2) }, "0213", ""},
		{"move to end", "uaua", func(m []Message) ([]Message, error) { return Move(m, 0, 3) }, "1230", ""},
		{"move to start", "uaua", func(m []Message) ([]Message, error) { return Move(m, 3, 0) }, "3012", ""},
		{"move in place", "ua", func(m []Message) ([]Message, error) { return Move(m, 1, 1) }, "01", ""},
		{"move past end", "ua", func(m []Message) ([]Message, error) { return Move(m, 1, 2) }, "", "move message 1 to 2: index out of range"},
		{"move from nowhere", "ua", func(m []Message) ([]Message, error) { return Move(m, 5, 0) }, "", "move message 5: index out of range"},
		{"regenerate assistant", "uaua", func(m []Message) ([]Message, error) { return TruncateForRegenerate(m, 1) }, "0", ""},
		{"regenerate last assistant", "uaua", func(m []Message) ([]Message, error) { return TruncateForRegenerate(m, 3) }, "012", ""},
		{"regenerate user", "uaua", func(m []Message) ([]Message, error) { return TruncateForRegenerate(m, 2) }, "012", ""},
		{"regenerate tool", "uatau", func(m []Message) ([]Message, error) { return TruncateForRegenerate(m, 2) }, "012", ""},
		{"regenerate first assistant", "au", func(m []Message) ([]Message, error) { return TruncateForRegenerate(m, 0) }, "", ""},
		{"regenerate out of range", "ua", func(m []Message) ([]Message, error) { return TruncateForRegenerate(m, 2) }, "", "regenerate from message 2: index out of range"},
		{"regenerate odd role", "ux", func(m []Message) ([]Message, error) { return TruncateForRegenerate(m, 1) }, "", `cannot regenerate from a "bogus" message`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := roles(tt.in)
			before := append([]Message(nil), in...)
			got, err := tt.op(in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "out of range") && !errors.Is(err, ErrIndex) {
					t.Errorf("error %v does not wrap ErrIndex", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g := texts(got); g != tt.want {
				t.Errorf("got %q, want %q", g, tt.want)
			}
			if !reflect.DeepEqual(in, before) {
				t.Errorf("the input was modified: %q", texts(in))
			}
			// The result must not share the input's backing array:
			// appending to it or changing it leaves the input alone.
			if len(got) > 0 {
				got[0].Text = "changed"
			}
			_ = append(got, Message{Text: "appended"})
			if !reflect.DeepEqual(in, before) {
				t.Errorf("the result shares the input's array: %q", texts(in))
			}
		})
	}
}
