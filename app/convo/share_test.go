package convo

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// fullShare uses every field.
func fullShare() Share {
	return Share{
		Model:    "meta-llama/Llama-3.3-70B-Instruct",
		Provider: "deep infra & co",
		Params:   map[string]json.RawMessage{"temperature": json.RawMessage(`0.7`), "stop": json.RawMessage(`["</s>","\n\n"]`), "tools": json.RawMessage(`[{"type":"function","function":{"name":"f"}}]`)},
		Conversation: Conversation{
			System: "Be <brief> & kind.",
			Messages: []Message{
				{Role: "user", Text: "Look: ünïcödé 🙂", Attachments: []Attachment{{Kind: "image", Name: "cat.png", MIME: "image/png", URL: "https://example.com/cat.png?x=1&y=2"}, {Kind: "file", Name: "gone.pdf"}}},
				{Role: "assistant", Text: "", Reasoning: "think", ToolCalls: []ToolCall{{ID: "c1", Type: "function", Name: "f", Arguments: `{"a":1}`}}},
				{Role: "tool", ToolCallID: "c1", Text: "42"},
				{Role: "assistant", Text: "Half", Stopped: true, Err: "network error"},
			},
		},
		Prompt: "next question",
	}
}

func TestShareRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		in        Share
		want      Share  // when different from in
		query     string // the exact query, when checked
		prefix    string // the query starts with it, when checked
		compress  bool   // the payload is compressed
		plain     bool   // the payload is not compressed
		dropNotes int
	}{
		{name: "empty", in: Share{}, query: ""},
		{name: "model only", in: Share{Model: "gpt-4o"}, query: "model=gpt-4o"},
		{name: "model and provider", in: Share{Model: "a/b c", Provider: "x&y"}, query: "model=a%2Fb+c&provider=x%26y"},
		{name: "prompt only", in: Share{Prompt: "hi"}, plain: true, query: "s=j" + base64.RawURLEncoding.EncodeToString([]byte(`{"prompt":"hi"}`))},
		{name: "system only", in: Share{Model: "m", Conversation: Conversation{System: "sys"}}, plain: true, prefix: "model=m&s=j"},
		{name: "params compacted", in: Share{Params: map[string]json.RawMessage{"top_p": json.RawMessage(" 0.9 "), "x": json.RawMessage(`{ "a" : [ 1 ] }`)}},
			want: Share{Params: map[string]json.RawMessage{"top_p": json.RawMessage("0.9"), "x": json.RawMessage(`{"a":[1]}`)}}},
		{name: "empty collections become nil", in: Share{Params: map[string]json.RawMessage{}, Conversation: Conversation{Messages: []Message{}}}, want: Share{}, query: ""},
		{name: "everything", in: fullShare(), compress: true, prefix: "model=meta-llama%2FLlama-3.3-70B-Instruct&provider=deep+infra+%26+co&s=z"},
		{name: "long and repetitive is compressed", in: Share{Conversation: Conversation{Messages: []Message{{Role: "user", Text: strings.Repeat("all work and no play ", 100)}}}}, compress: true, prefix: "s=z"},
		{name: "data URLs dropped", in: Share{Conversation: Conversation{Messages: []Message{{Role: "user", Text: "see", Attachments: []Attachment{
			{Kind: "image", Name: "a.png", URL: "data:image/png;base64,iVBORw0KGgo="},
			{Kind: "image", Name: "b.png", URL: "https://e.com/b.png"},
			{Kind: "file", Name: "c.pdf", URL: "DATA:application/pdf;base64,JVBERi0="},
		}}}}},
			want: Share{Conversation: Conversation{Messages: []Message{{Role: "user", Text: "see", Attachments: []Attachment{
				{Kind: "image", Name: "a.png"}, {Kind: "image", Name: "b.png", URL: "https://e.com/b.png"}, {Kind: "file", Name: "c.pdf"},
			}}}}},
			dropNotes: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fmt.Sprintf("%#v", tt.in)
			link, err := EncodeShare(tt.in, DefaultShareLimit)
			if err != nil {
				t.Fatal(err)
			}
			if after := fmt.Sprintf("%#v", tt.in); after != before {
				t.Errorf("EncodeShare modified its input")
			}
			if tt.query != "" || tt.name == "empty" {
				if link.Query != tt.query {
					t.Errorf("query %q, want %q", link.Query, tt.query)
				}
			}
			if !strings.HasPrefix(link.Query, tt.prefix) {
				t.Errorf("query %.40q does not start with %q", link.Query, tt.prefix)
			}
			if tt.compress && !link.Compressed || tt.plain && link.Compressed {
				t.Errorf("compressed %v", link.Compressed)
			}
			if n := len(link.Notes()); n != tt.dropNotes {
				t.Errorf("notes %q, want %d", link.Notes(), tt.dropNotes)
			}
			want := tt.in
			if tt.want.Model != "" || tt.want.Params != nil || tt.want.Conversation.Messages != nil || tt.name == "empty collections become nil" {
				want = tt.want
			}
			got, err := DecodeShare(link.Query)
			if err != nil {
				t.Fatalf("decoding %q: %v", link.Query, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip:\ngot  %+v\nwant %+v", got, want)
			}
			// Also from a whole URL, with a fragment.
			got2, err := DecodeShare("https://play.example/?" + link.Query + "#top")
			if err != nil || !reflect.DeepEqual(got2, got) {
				t.Errorf("from a URL: %+v, %v", got2, err)
			}
		})
	}
}

// randomText returns n characters that do not compress.
func randomText(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return base64.StdEncoding.EncodeToString(b)[:n]
}

func TestShareFitsLimit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var msgs []Message
	for i := range 40 {
		msgs = append(msgs,
			Message{Role: "user", Text: fmt.Sprintf("question %d %s", i, randomText(r, 200))},
			Message{Role: "assistant", Text: fmt.Sprintf("answer %d %s", i, randomText(r, 300))},
		)
	}
	// Tool exchanges are not split: the kept part starts with a user message.
	msgs = append(msgs[:1], append([]Message{
		{Role: "assistant", ToolCalls: []ToolCall{{ID: "c", Name: "f", Arguments: "{}"}}},
		{Role: "tool", ToolCallID: "c", Text: "x"},
	}, msgs[1:]...)...)
	s := Share{Model: "m", Conversation: Conversation{Messages: msgs}, Prompt: "go on"}

	link, err := EncodeShare(s, DefaultShareLimit)
	if err != nil {
		t.Fatal(err)
	}
	if len(link.Query) > DefaultShareLimit {
		t.Fatalf("query is %d characters", len(link.Query))
	}
	if link.DroppedMessages < 4 || link.DroppedMessages%2 != 0 { // 4 for the first exchange, then 2 each
		t.Errorf("dropped %d messages", link.DroppedMessages)
	}
	got, err := DecodeShare(link.Query)
	if err != nil {
		t.Fatal(err)
	}
	kept := got.Conversation.Messages
	if len(kept) == 0 || kept[0].Role != RoleUser {
		t.Fatalf("kept %d messages, first %+v", len(kept), kept)
	}
	if !reflect.DeepEqual(kept, msgs[link.DroppedMessages:]) {
		t.Errorf("did not keep the newest messages")
	}
	if got.Prompt != "go on" || got.Model != "m" {
		t.Errorf("lost the setup: %+v", got)
	}
	// The fewest messages were dropped: one more exchange does not fit.
	longer := s
	longer.Conversation.Messages = msgs[link.DroppedMessages-2:]
	if l, err := EncodeShare(longer, 0); err != nil || len(l.Query) <= DefaultShareLimit {
		t.Errorf("one more exchange gives %d characters, %v", len(l.Query), err)
	}
	if notes := link.Notes(); len(notes) != 1 || !strings.Contains(notes[0], fmt.Sprintf("The oldest %d messages were left out", link.DroppedMessages)) {
		t.Errorf("notes %q", notes)
	}
	// No limit: everything is kept.
	all, err := EncodeShare(s, 0)
	if err != nil || all.DroppedMessages != 0 || len(all.Query) <= DefaultShareLimit {
		t.Errorf("without a limit: %d characters, %d dropped, %v", len(all.Query), all.DroppedMessages, err)
	}
}

func TestShareDropsReasoningFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	msgs := []Message{
		{Role: "user", Text: "q1"},
		{Role: "assistant", Text: "a1", Reasoning: randomText(r, 3000)},
		{Role: "user", Text: "q2"},
		{Role: "assistant", Text: "a2", Reasoning: randomText(r, 3000)},
		{Role: "assistant", Text: "a3"},
	}
	link, err := EncodeShare(Share{Conversation: Conversation{Messages: msgs}}, 4000)
	if err != nil {
		t.Fatal(err)
	}
	if link.DroppedReasoning != 2 || link.DroppedMessages != 0 {
		t.Errorf("dropped reasoning of %d, %d messages; want 2, 0", link.DroppedReasoning, link.DroppedMessages)
	}
	got, err := DecodeShare(link.Query)
	if err != nil || len(got.Conversation.Messages) != 5 || got.Conversation.Messages[1].Reasoning != "" {
		t.Errorf("got %+v, %v", got, err)
	}
	if notes := link.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "reasoning of 2 messages") {
		t.Errorf("notes %q", notes)
	}
	// Reasoning and messages: only the kept messages' reasoning is counted.
	big := append([]Message{{Role: "user", Text: randomText(r, 2000)}}, msgs[1:]...)
	big = append(big, Message{Role: "user", Text: randomText(r, 2000)}, Message{Role: "assistant", Text: "a4", Reasoning: "r"})
	link, err = EncodeShare(Share{Conversation: Conversation{Messages: big}}, 3500)
	if err != nil {
		t.Fatal(err)
	}
	if link.DroppedMessages != 2 || link.DroppedReasoning != 2 {
		t.Errorf("dropped %d messages and the reasoning of %d; want 2 and 2", link.DroppedMessages, link.DroppedReasoning)
	}
}

func TestShareTooLong(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tests := []struct {
		name string
		s    Share
	}{
		{"system prompt", Share{Conversation: Conversation{System: randomText(r, 9000), Messages: []Message{{Role: "user", Text: "hi"}}}}},
		{"prompt", Share{Prompt: randomText(r, 9000)}},
		{"params", Share{Params: map[string]json.RawMessage{"stop": json.RawMessage(`"` + randomText(r, 9000) + `"`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EncodeShare(tt.s, DefaultShareLimit)
			if !errors.Is(err, ErrShareTooLong) || !strings.Contains(err.Error(), "over the limit of 8000") {
				t.Errorf("got %v, want ErrShareTooLong", err)
			}
		})
	}
}

func TestEncodeShareInvalid(t *testing.T) {
	tests := []struct {
		name string
		s    Share
		path string
		msg  string
	}{
		{"role", Share{Conversation: Conversation{Messages: []Message{{Role: "system"}}}}, "messages[0].role", "not one of"},
		{"param JSON", Share{Params: map[string]json.RawMessage{"t": json.RawMessage(`{`)}}, `params["t"]`, "invalid JSON"},
		{"reserved param", Share{Params: map[string]json.RawMessage{"messages": json.RawMessage(`[]`)}}, `params["messages"]`, "is not a parameter that can be set here"},
		{"empty param name", Share{Params: map[string]json.RawMessage{"": json.RawMessage(`1`)}}, `params`, "empty name"},
		{"model control character", Share{Model: "a\nb"}, "model", "control character"},
		{"provider invalid UTF-8", Share{Provider: "\xff"}, "provider", "UTF-8"},
		{"javascript image", Share{Conversation: Conversation{Messages: []Message{{Role: "user", Attachments: []Attachment{{Kind: "image", URL: "javascript:x"}}}}}}, "messages[0].attachments[0].url", "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EncodeShare(tt.s, 0)
			checkFieldError(t, err, tt.path, tt.msg)
		})
	}
}

// payloadQuery returns the s= query for a JSON payload, in the given
// format.
func payloadQuery(format byte, js string) string {
	data := []byte(js)
	if format == 'z' {
		data = deflate(data)
	}
	return "s=" + string(format) + base64.RawURLEncoding.EncodeToString(data)
}

func deflate(data []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func TestDecodeShareErrors(t *testing.T) {
	j := func(js string) string { return payloadQuery('j', js) }
	tests := []struct {
		name string
		q    string
		path string // of the FieldError, "" when not one
		msg  string
	}{
		{"bad escape", "model=%zz", "", "invalid URL escape"},
		{"two models", "model=a&model=b", "model", "is given 2 times"},
		{"two payloads", "s=j&s=j", "s", "is given 2 times"},
		{"model control character", "model=a%0Ab", "model", "control character"},
		{"model too long", "model=" + strings.Repeat("m", 300), "model", "the limit is 256"},
		{"empty payload", "model=a&s=", "s", "is empty"},
		{"unknown format", "s=xabc", "s", `unknown format "x"`},
		{"bad base64", "s=j!!", "s", "not valid base64url"},
		{"padded base64", "s=j" + base64.URLEncoding.EncodeToString([]byte(`{}`)), "s", "not valid base64url"},
		{"not JSON", j(`{"prompt":`), "s", "invalid JSON"},
		{"not an object", j(`[]`), "s", "got array, want an object"},
		{"trailing data", j(`{} {}`), "s", "unexpected data after the JSON value"},
		{"unknown field", j(`{"prompt":"x","evil":1}`), "s: evil", "unknown field"},
		{"prompt type", j(`{"prompt":3}`), "s: prompt", "got number, want a string"},
		{"params type", j(`{"params":[1]}`), "s: params", "got array, want an object"},
		{"reserved param", j(`{"params":{"model":"x"}}`), `s: params["model"]`, "is not a parameter that can be set here"},
		{"messages type", j(`{"messages":{}}`), "s: messages", "got object, want an array"},
		{"message type", j(`{"messages":[{"role":"user"},"hi"]}`), "s: messages[1]", "got string, want an object"},
		{"role type", j(`{"messages":[{"role":"user"},{"role":1}]}`), "s: messages[1].role", "got number, want a string"},
		{"role value", j(`{"messages":[{"role":"user"},{"role":"system","text":"x"}]}`), "s: messages[1].role", `"system" is not one of user, assistant, tool`},
		{"role missing", j(`{"messages":[{"text":"x"}]}`), "s: messages[0].role", "is required"},
		{"message unknown field", j(`{"messages":[{"role":"user","content":"x"}]}`), "s: messages[0].content", "unknown field"},
		{"stopped type", j(`{"messages":[{"role":"assistant","stopped":"yes"}]}`), "s: messages[0].stopped", "got string, want true or false"},
		{"attachment type", j(`{"messages":[{"role":"user","attachments":[{"kind":"image"},7]}]}`), "s: messages[0].attachments[1]", "got number, want an object"},
		{"attachment field", j(`{"messages":[{"role":"user","attachments":[{"kind":"image","size":7}]}]}`), "s: messages[0].attachments[0].size", "unknown field"},
		{"data URL", j(`{"messages":[{"role":"user","attachments":[{"kind":"image","url":"data:image/png;base64,AAAA"}]}]}`), "s: messages[0].attachments[0].url", "data: URLs are not allowed"},
		{"javascript URL", j(`{"messages":[{"role":"user","attachments":[{"kind":"file","url":"javascript:alert(1)"}]}]}`), "s: messages[0].attachments[0].url", "not an http(s) URL"},
		{"tool call type", j(`{"messages":[{"role":"assistant","tool_calls":[{"name":"f","arguments":{}}]}]}`), "s: messages[0].tool_calls[0].arguments", "got object, want a string"},
		{"tool calls on user", j(`{"messages":[{"role":"user","tool_calls":[{"name":"f"}]}]}`), "s: messages[0].tool_calls", "only assistant messages"},
		{"compressed not JSON", payloadQuery('z', `nope`), "s", "invalid JSON"},
		{"corrupt deflate", "s=z" + base64.RawURLEncoding.EncodeToString([]byte{0xff, 0xff, 0xff}), "s", "decompressing"},
		{"truncated deflate", "s=z" + base64.RawURLEncoding.EncodeToString(deflate([]byte(`{"prompt":"hello hello"}`))[:5]), "s", "decompressing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DecodeShare(tt.q)
			if err == nil {
				t.Fatalf("no error; got %+v", s)
			}
			if !reflect.DeepEqual(s, Share{}) {
				t.Errorf("a value with the error: %+v", s)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			if tt.path != "" {
				checkFieldError(t, err, tt.path, tt.msg)
			}
		})
	}
}

func TestDecodeShareLenient(t *testing.T) {
	tests := []struct {
		q    string
		want Share
	}{
		{"", Share{}},
		{"?", Share{}},
		{"utm_source=x&ref=y", Share{}},
		{"/?model=gpt-4o&provider=openai&utm=1", Share{Model: "gpt-4o", Provider: "openai"}},
		{"?model=a+b", Share{Model: "a b"}},
		{payloadQuery('j', `{"params":{},"messages":[],"prompt":"hi"}`), Share{Prompt: "hi"}},
		{payloadQuery('z', `{"prompt":"hi"}`), Share{Prompt: "hi"}},
		{payloadQuery('j', `{"messages":[{"role":"assistant","tool_calls":[]}]}`), Share{Conversation: Conversation{Messages: []Message{{Role: "assistant"}}}}},
	}
	for _, tt := range tests {
		got, err := DecodeShare(tt.q)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DecodeShare(%q) = %+v, %v; want %+v", tt.q, got, err, tt.want)
		}
	}
}

// TestDecodeShareBomb checks that a payload that decompresses to far more
// than MaxSharePayload is refused without allocating anywhere near its size.
func TestDecodeShareBomb(t *testing.T) {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 16 {
		w.Write(zeros)
	}
	w.Close()
	q := "s=z" + base64.RawURLEncoding.EncodeToString(b.Bytes())
	if len(q) > 50_000 {
		t.Fatalf("the bomb is %d characters", len(q))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := DecodeShare(q)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "decompresses to more than 1048576 bytes") {
		t.Fatalf("got %v, want a size error", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*MaxSharePayload {
		t.Errorf("decoding the bomb allocated %d bytes", alloc)
	}
	// Just at the limit is fine; one byte more is not.
	for _, n := range []int{MaxSharePayload, MaxSharePayload + 1} {
		js := `{"prompt":"` + strings.Repeat("a", n-len(`{"prompt":""}`)) + `"}`
		_, err := DecodeShare(payloadQuery('z', js))
		if (err == nil) != (n == MaxSharePayload) {
			t.Errorf("%d bytes: %v", n, err)
		}
	}
	// An uncompressed payload over the limit is refused before decoding.
	if _, err := DecodeShare("s=j" + strings.Repeat("A", base64.RawURLEncoding.EncodedLen(MaxSharePayload)+1)); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("long payload: %v", err)
	}
}

func FuzzDecodeShare(f *testing.F) {
	for _, s := range []Share{{}, {Model: "m", Provider: "p"}, fullShare(), {Prompt: strings.Repeat("abc ", 50)}} {
		link, err := EncodeShare(s, 0)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(link.Query)
	}
	f.Add(payloadQuery('j', `{"messages":[{"role":"user","attachments":[{"kind":"image","url":"https://e/"}]}],"params":{"a":{ }}}`))
	f.Add(payloadQuery('z', `{"messages":[{"role":"tool","tool_call_id":"x"}]}`))
	f.Add("model=%zz&s=z____")
	f.Fuzz(func(t *testing.T, q string) {
		s, err := DecodeShare(q)
		if err != nil {
			if !reflect.DeepEqual(s, Share{}) {
				t.Fatalf("a value with the error %v: %+v", err, s)
			}
			return
		}
		link, err := EncodeShare(s, 0)
		if err != nil {
			t.Fatalf("decoded %+v from %q, which does not encode: %v", s, q, err)
		}
		if n := link.DroppedData + link.DroppedMessages + link.DroppedReasoning; n != 0 {
			t.Fatalf("re-encoding dropped %d things", n)
		}
		again, err := DecodeShare(link.Query)
		if err != nil {
			t.Fatalf("re-encoded %q does not decode: %v", link.Query, err)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("round trip:\ngot  %#v\nwant %#v", again, s)
		}
	})
}
