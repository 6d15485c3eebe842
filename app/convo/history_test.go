package convo

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestTitle(t *testing.T) {
	long := "Explain the difference between a mutex and a semaphore in operating systems, with examples"
	tests := []struct {
		name string
		c    Conversation
		want string
	}{
		{"empty", Conversation{}, "New conversation"},
		{"system only", Conversation{System: "You are helpful"}, "New conversation"},
		{"no user text", Conversation{Messages: []Message{{Role: "assistant", Text: "Hello!"}, {Role: "user", Text: "  \n "}}}, "New conversation"},
		{"first user message", Conversation{Messages: []Message{{Role: "assistant", Text: "Hi"}, {Role: "user", Text: "  What is Go?\n\nTell me. "}, {Role: "user", Text: "later"}}}, "What is Go? Tell me."},
		{"attachment name", Conversation{Messages: []Message{{Role: "user", Attachments: []Attachment{{Kind: "image", Name: "cat photo.png"}}}}}, "cat photo.png"},
		{"exactly 60", Conversation{Messages: []Message{{Role: "user", Text: strings.Repeat("x", 60)}}}, strings.Repeat("x", 60)},
		{"word boundary", Conversation{Messages: []Message{{Role: "user", Text: long}}}, "Explain the difference between a mutex and a semaphore in…"},
		{"no spaces", Conversation{Messages: []Message{{Role: "user", Text: strings.Repeat("é", 100)}}}, strings.Repeat("é", 59) + "…"},
		{"punctuation before cut", Conversation{Messages: []Message{{Role: "user", Text: strings.Repeat("abcd ", 10) + "efghijk, lmnopqrstuvwxyz"}}}, strings.Repeat("abcd ", 10) + "efghijk…"},
		{"space right at the cut", Conversation{Messages: []Message{{Role: "user", Text: strings.Repeat("x", 59) + " tail"}}}, strings.Repeat("x", 59) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Title(tt.c)
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > TitleLength {
				t.Errorf("%d characters", n)
			}
		})
	}
}

// at returns a time n minutes after a fixed instant.
func at(n int) time.Time {
	return time.Date(2025, 3, 1, 12, n, 0, 0, time.UTC)
}

// ids returns the IDs of the history's items.
func ids(h History) string {
	var s []string
	for _, it := range h.Items {
		s = append(s, it.ID)
	}
	return strings.Join(s, ",")
}

func TestHistoryEdits(t *testing.T) {
	var h History
	steps := []struct {
		op   func(History) (History, error)
		want string
	}{
		{func(h History) (History, error) { return h.Upsert(Saved{ID: "a", Updated: at(1)}) }, "a"},
		{func(h History) (History, error) { return h.Upsert(Saved{ID: "b", Updated: at(2)}) }, "b,a"},
		{func(h History) (History, error) { return h.Upsert(Saved{ID: "c", Updated: at(3)}) }, "c,b,a"},
		{func(h History) (History, error) { return h.Upsert(Saved{ID: "a", Updated: at(4)}) }, "a,c,b"},
		{func(h History) (History, error) { return h.Upsert(Saved{ID: "old", Updated: at(0)}) }, "a,c,b,old"},
		{func(h History) (History, error) { return h.Upsert(Saved{ID: "tie", Updated: at(3)}) }, "a,tie,c,b,old"},
		{func(h History) (History, error) { return h.Remove("c"), nil }, "a,tie,b,old"},
		{func(h History) (History, error) { return h.Remove("nope"), nil }, "a,tie,b,old"},
	}
	for i, st := range steps {
		before := ids(h)
		snapshot := append([]Saved(nil), h.Items...)
		next, err := st.op(h)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := ids(next); got != st.want {
			t.Fatalf("step %d: got %s, want %s", i, got, st.want)
		}
		if ids(h) != before || !reflect.DeepEqual(h.Items, snapshot) {
			t.Fatalf("step %d modified the history it was given", i)
		}
		h = next
	}
	if s, ok := h.Find("b"); !ok || s.Title != NewConversationTitle {
		t.Errorf("Find: %+v, %v", s, ok)
	}
	if _, ok := h.Find("c"); ok {
		t.Error("found a removed conversation")
	}
}

func TestHistoryUpsert(t *testing.T) {
	s := Saved{ID: "x", Updated: at(1), Params: map[string]json.RawMessage{"temperature": json.RawMessage(" 1 ")},
		Conversation: Conversation{Messages: []Message{{Role: "user", Text: "Hello there"}}}}
	h, err := History{}.Upsert(s)
	if err != nil {
		t.Fatal(err)
	}
	got := h.Items[0]
	if got.Title != "Hello there" || string(got.Params["temperature"]) != "1" {
		t.Errorf("got %+v", got)
	}
	s.Title = "Mine"
	if h, _ = h.Upsert(s); h.Items[0].Title != "Mine" {
		t.Errorf("title %q", h.Items[0].Title)
	}

	bad := []struct {
		s    Saved
		path string
		msg  string
	}{
		{Saved{}, "id", "is required"},
		{Saved{ID: strings.Repeat("i", 200)}, "id", "the limit is 128"},
		{Saved{ID: "x", Params: map[string]json.RawMessage{"t": json.RawMessage("nan")}}, `params["t"]`, "invalid JSON"},
		{Saved{ID: "x", Conversation: Conversation{Messages: []Message{{Role: "robot"}}}}, "conversation.messages[0].role", "not one of"},
		{Saved{ID: "x", Model: "a\x00"}, "model", "control character"},
	}
	for _, b := range bad {
		h2, err := h.Upsert(b.s)
		checkFieldError(t, err, b.path, b.msg)
		if ids(h2) != ids(h) {
			t.Errorf("a failed Upsert changed the history")
		}
	}

	// Beyond MaxSaved, the oldest go.
	h = History{}
	for i := range MaxSaved + 5 {
		if h, err = h.Upsert(Saved{ID: fmt.Sprint(i), Updated: at(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.Items) != MaxSaved || h.Items[0].ID != fmt.Sprint(MaxSaved+4) || h.Items[MaxSaved-1].ID != "5" {
		t.Errorf("kept %d: %s", len(h.Items), ids(h))
	}
}

// sampleHistory has a conversation with every kind of field.
func sampleHistory(t *testing.T) History {
	t.Helper()
	var h History
	var err error
	for _, s := range []Saved{
		{ID: "one", Updated: at(1), Model: "m1", Provider: "p", Params: map[string]json.RawMessage{"stop": json.RawMessage(`["x"]`)},
			Conversation: Conversation{System: "sys", Messages: []Message{
				{Role: "user", Text: "see <this>", Attachments: []Attachment{{Kind: "image", Name: "a.png", MIME: "image/png", URL: "data:image/png;base64,AAAA"}}},
				{Role: "assistant", Reasoning: "hmm", ToolCalls: []ToolCall{{ID: "c", Type: "function", Name: "f", Arguments: "{}"}}},
				{Role: "tool", ToolCallID: "c", Text: "1"},
				{Role: "assistant", Text: "done", Stopped: true, Err: "oops"},
			}}},
		{ID: "two", Title: "Second", Updated: at(2).In(time.FixedZone("CET", 3600))},
	} {
		if h, err = h.Upsert(s); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func TestHistoryRoundTrip(t *testing.T) {
	h := sampleHistory(t)
	data, tr, err := MarshalHistory(h, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tr.DroppedData != 0 || len(tr.Dropped) != 0 || len(tr.Notes()) != 0 {
		t.Errorf("trimmed %+v", tr)
	}
	if !strings.HasPrefix(string(data), `{"version":1,"items":[{"id":"two","title":"Second","updated":"2025-03-01T13:02:00+01:00"`) || !json.Valid(data) {
		t.Errorf("stored %s", data)
	}
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalHistory(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 2 {
		t.Fatalf("got %d items", len(got.Items))
	}
	for i := range got.Items {
		g, w := got.Items[i], h.Items[i]
		if !g.Updated.Equal(w.Updated) {
			t.Errorf("item %d updated %v, want %v", i, g.Updated, w.Updated)
		}
		g.Updated, w.Updated = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("item %d:\ngot  %+v\nwant %+v", i, g, w)
		}
	}
	// Encoding what was decoded gives the same bytes.
	again, _, err := MarshalHistory(got, 0)
	if err != nil || string(again) != string(data) {
		t.Errorf("not stable: %v\n%s\n%s", err, again, data)
	}
}

func TestMarshalHistoryBounds(t *testing.T) {
	big := strings.Repeat("A", 10_000)
	item := func(id string, n int, data bool) Saved {
		s := Saved{ID: id, Updated: at(n), Conversation: Conversation{Messages: []Message{{Role: "user", Text: "hi"}}}}
		if data {
			s.Conversation.Messages[0].Attachments = []Attachment{{Kind: "image", Name: id + ".png", URL: "data:image/png;base64," + big}}
		}
		return s
	}
	h := History{Items: []Saved{item("new", 3, true), item("mid", 2, true), item("old", 1, false)}}
	full, _, err := MarshalHistory(h, 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		max      int
		wantIDs  string
		dropData int
		dropped  string
	}{
		{"fits", len(full), "new,mid,old", 0, ""},
		{"one data URL goes, oldest first", len(full) - 1, "new,mid,old", 1, ""},
		{"both data URLs go", len(full) - 10_100, "new,mid,old", 2, ""},
		{"then the oldest conversation", 400, "new,mid", 2, "old"},
		{"then all", 10, "", 2, "old,mid,new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, tr, err := MarshalHistory(h, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if len(data) > tt.max && tt.wantIDs != "" {
				t.Errorf("%d bytes, over %d", len(data), tt.max)
			}
			got, err := UnmarshalHistory(data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if ids(got) != tt.wantIDs || tr.DroppedData != tt.dropData || strings.Join(tr.Dropped, ",") != tt.dropped {
				t.Errorf("kept %q, trimmed %+v", ids(got), tr)
			}
			if tt.dropData == 1 && got.Items[1].Conversation.Messages[0].Attachments[0].URL != "" {
				t.Errorf("the newer data URL went first")
			}
			for _, it := range got.Items {
				for _, m := range it.Conversation.Messages {
					for _, a := range m.Attachments {
						if a.Name == "" {
							t.Errorf("lost an attachment's name")
						}
					}
				}
			}
		})
	}
	if _, _, err := MarshalHistory(History{Items: []Saved{{ID: ""}}}, 0); err == nil || !strings.Contains(err.Error(), "items[0].id: is required") {
		t.Errorf("invalid item: %v", err)
	}
	// More than MaxSaved items (built by hand): the oldest are dropped.
	var many History
	for i := range MaxSaved + 2 {
		many.Items = append(many.Items, Saved{ID: fmt.Sprint(i), Updated: at(i)})
	}
	_, tr, err := MarshalHistory(many, 0)
	if err != nil || strings.Join(tr.Dropped, ",") != "1,0" {
		t.Errorf("dropped %q, %v", tr.Dropped, err)
	}
	if notes := tr.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "2 conversations were removed") {
		t.Errorf("notes %q", notes)
	}
}

func TestUnmarshalHistory(t *testing.T) {
	item := func(id string, min int) string {
		return fmt.Sprintf(`{"id":%q,"title":"t","updated":%q,"conversation":{"messages":[{"role":"user","text":"hi"}]}}`, id, at(min).Format(time.RFC3339))
	}
	tests := []struct {
		name    string
		data    string
		wantIDs string
		errHas  []string
	}{
		{"nothing stored", "", "", nil},
		{"blank", " \n", "", nil},
		{"empty", `{"version":1}`, "", nil},
		{"ordered newest first", `{"version":1,"items":[` + item("a", 1) + "," + item("b", 2) + `]}`, "b,a", nil},
		{"unknown fields ignored", `{"version":1,"future":{"x":1},"items":[{"id":"a","pinned":true,"conversation":{"folder":"x","messages":[{"role":"user","emoji":"🙂"}]}}]}`, "a", nil},
		{"duplicate IDs: newest kept", `{"version":1,"items":[` + item("a", 1) + "," + item("a", 5) + `]}`, "a", nil},
		{"not JSON", `{"version":1,"items":[`, "", []string{"history: invalid JSON"}},
		{"not an object", `[1,2]`, "", []string{"history: got array, want an object"}},
		{"garbage", "\x00\xff", "", []string{"history: invalid JSON at 1:1"}},
		{"no version", `{"items":[]}`, "", []string{"history: version: is required"}},
		{"version type", `{"version":"1"}`, "", []string{"history: version: got string, want an integer"}},
		{"newer version", `{"version":2,"items":[]}`, "", []string{"version: 2 is newer than this version of the playground reads (1)"}},
		{"version zero", `{"version":0}`, "", []string{"version: 0 is not a known version"}},
		{"items type", `{"version":1,"items":{}}`, "", []string{"history: items: got object, want an array"}},
		{"bad items skipped", `{"version":1,"items":[` + item("a", 1) + `,7,{"id":3},{"id":"x","updated":"yesterday"},{"id":"y","updated":5},{"title":"no id"},{"id":"z","conversation":{"messages":[{"role":"system"}]}},{"id":"w","conversation":{"messages":[{"role":"user","attachments":[{"kind":"image","url":"javascript:x"}]}]}},{"id":"v","params":{"a":1,"":2}},` + item("b", 2) + `]}`,
			"b,a", []string{
				"skipped 8 unreadable conversation(s)",
				"items[1]: got number, want an object",
				"items[2].id: got number, want a string",
				`items[3].updated: parsing time "yesterday"`,
				"items[4].updated: ",
				"items[5].id: is required",
				`items[6].conversation.messages[0].role: "system" is not one of`,
				"items[7].conversation.messages[0].attachments[0].url",
				"items[8].params: a parameter has an empty name",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := UnmarshalHistory([]byte(tt.data))
			if ids(h) != tt.wantIDs {
				t.Errorf("got %q, want %q", ids(h), tt.wantIDs)
			}
			errorHas(t, err, tt.errHas...)
		})
	}
}

func FuzzUnmarshalHistory(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte(`{"version":1,"items":[{"id":"a","updated":"2025-01-01T00:00:00Z","params":{"t":1},"conversation":{"system":"s","messages":[{"role":"user","text":"x","attachments":[{"kind":"file","url":"data:,x"}]},{"role":"assistant","tool_calls":[{"name":"f"}]}]}}]}`))
	f.Add([]byte(`{"version":1,"items":[{"id":"a"},{"id":"a"},{"id":""},3]}`))
	f.Add([]byte(`{"version":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := UnmarshalHistory(data)
		if err != nil && h.Items == nil {
			return
		}
		// Whatever was read is stored and read back the same.
		out, tr, err := MarshalHistory(h, 0)
		if err != nil {
			t.Fatalf("read %+v, which does not store: %v", h, err)
		}
		if len(tr.Dropped) > 0 || tr.DroppedData > 0 {
			return // over the bounds: not a round trip
		}
		again, err := UnmarshalHistory(out)
		if err != nil || len(again.Items) != len(h.Items) {
			t.Fatalf("stored %s, read back %d items, %v", out, len(again.Items), err)
		}
		out2, _, err := MarshalHistory(again, 0)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}
