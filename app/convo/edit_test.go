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

// toolConversation is u0 a1(calls c1, c2) t2(c1) t3(c2) a4 u5 a6(call c3) t7(c3).
func toolConversation() []Message {
	msgs := roles("uattauat")
	msgs[1].ToolCalls = []ToolCall{{ID: "c1", Name: "f"}, {ID: "c2", Name: "g"}}
	msgs[2].ToolCallID, msgs[3].ToolCallID = "c1", "c2"
	msgs[6].ToolCalls = []ToolCall{{ID: "c3", Name: "f"}}
	msgs[7].ToolCallID = "c3"
	return msgs
}

func TestDeleteWithResults(t *testing.T) {
	for _, c := range []struct {
		i       int
		want    string
		results int
	}{
		{1, "04567", 2},   // the answer with calls takes its two results along
		{6, "012345", 1},  // and the later one its one
		{2, "0134567", 0}, // a result alone goes alone
		{0, "1234567", 0}, // a user message
		{4, "0123567", 0}, // an answer without calls
	} {
		msgs := toolConversation()
		out, n, err := DeleteWithResults(msgs, c.i)
		if err != nil || texts(out) != c.want || n != c.results {
			t.Errorf("DeleteWithResults(%d) = %q, %d results, %v; want %q, %d", c.i, texts(out), n, err, c.want, c.results)
		}
		if texts(msgs) != "01234567" {
			t.Errorf("DeleteWithResults(%d) changed its input: %q", c.i, texts(msgs))
		}
		if err := CheckToolOrder(out); err != nil {
			t.Errorf("after DeleteWithResults(%d): %v", c.i, err)
		}
	}
	if _, _, err := DeleteWithResults(toolConversation(), 8); !errors.Is(err, ErrIndex) {
		t.Errorf("DeleteWithResults out of range: %v, want ErrIndex", err)
	}
}

func TestCheckToolOrder(t *testing.T) {
	msgs := toolConversation()
	if err := CheckToolOrder(msgs); err != nil {
		t.Fatalf("a well-ordered conversation: %v", err)
	}
	for _, c := range []struct {
		i, j int
		want string
	}{
		{1, 3, "message 1 is the result of tool call c1"}, // the answer moved below its results
		{2, 0, "message 0 is the result of tool call c1"}, // a result moved above its call
		{7, 5, "message 5 is the result of tool call c3"},
	} {
		moved, err := Move(msgs, c.i, c.j)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckToolOrder(moved); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Move(%d, %d): CheckToolOrder = %v, want %q", c.i, c.j, err, c.want)
		}
	}
	if moved, _ := Move(msgs, 4, 5); CheckToolOrder(moved) != nil {
		t.Errorf("moving messages without tools breaks the order: %v", CheckToolOrder(moved))
	}
}

func TestFillToolCallIDs(t *testing.T) {
	calls := []ToolCall{{Name: "f"}, {ID: "t3_1", Name: "g"}, {Name: "h"}, {ID: "x"}}
	got := FillToolCallIDs(calls, "t3")
	want := []string{"t3_0", "t3_1", "t3_2", "x"}
	for i, c := range got {
		if c.ID != want[i] {
			t.Errorf("call %d: id %q, want %q", i, c.ID, want[i])
		}
	}
	// A clash with an id the provider gave is avoided.
	got = FillToolCallIDs([]ToolCall{{ID: "p_1"}, {}}, "p")
	if got[1].ID != "p_1_2" {
		t.Errorf("clashing id: %q, want p_1_2", got[1].ID)
	}
	if calls[0].ID != "" {
		t.Error("FillToolCallIDs changed its input")
	}
}
