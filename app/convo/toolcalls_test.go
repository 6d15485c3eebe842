package convo

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// raws turns JSON texts into raw values.
func raws(s ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(s))
	for i, x := range s {
		out[i] = json.RawMessage(x)
	}
	return out
}

func TestMergeToolCalls(t *testing.T) {
	weather := ToolCall{ID: "call_1", Type: "function", Name: "get_weather", Arguments: `{"city": "Paris"}`}
	tests := []struct {
		name    string
		in      []json.RawMessage
		want    []ToolCall
		skipped int
		errHas  string
	}{
		{"none", nil, nil, 0, ""},
		{"openai stream", raws(
			`[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]`,
			`[{"index":0,"function":{"arguments":"{\"ci"}}]`,
			`[{"index":0,"function":{"arguments":"ty\": \"Paris\"}"}}]`,
		), []ToolCall{weather}, 0, ""},
		{"brief example", raws(
			`[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"ci"}}]`,
			`[{"index":0,"function":{"arguments":"ty\": \"Paris\"}"}}]`,
		), []ToolCall{weather}, 0, ""},
		{"two calls interleaved", raws(
			`[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{"}}]`,
			`[{"index":1,"id":"b","type":"function","function":{"name":"g","arguments":"["}}]`,
			`[{"index":0,"function":{"arguments":"}"}},{"index":1,"function":{"arguments":"]"}}]`,
		), []ToolCall{{ID: "a", Type: "function", Name: "f", Arguments: "{}"}, {ID: "b", Type: "function", Name: "g", Arguments: "[]"}}, 0, ""},
		{"complete array without index", raws(
			`[{"id":"a","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},{"id":"b","type":"function","function":{"name":"g","arguments":"{}"}}]`,
		), []ToolCall{{ID: "a", Type: "function", Name: "f", Arguments: `{"x":1}`}, {ID: "b", Type: "function", Name: "g", Arguments: "{}"}}, 0, ""},
		{"whole calls in separate chunks without index", raws(
			`[{"id":"a","function":{"name":"f","arguments":"{}"}}]`,
			`[{"id":"b","function":{"name":"g","arguments":"{}"}}]`,
		), []ToolCall{{ID: "a", Name: "f", Arguments: "{}"}, {ID: "b", Name: "g", Arguments: "{}"}}, 0, ""},
		{"index reused for a new id", raws(
			`[{"index":0,"id":"a","function":{"name":"f","arguments":"{}"}}]`,
			`[{"index":0,"id":"b","function":{"name":"g","arguments":"{"}}]`,
			`[{"index":0,"function":{"arguments":"}"}}]`,
		), []ToolCall{{ID: "a", Name: "f", Arguments: "{}"}, {ID: "b", Name: "g", Arguments: "{}"}}, 0, ""},
		{"id and name repeated in every delta", raws(
			`[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{\"k\":"}}]`,
			`[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"2}"}}]`,
		), []ToolCall{{ID: "a", Type: "function", Name: "f", Arguments: `{"k":2}`}}, 0, ""},
		{"arguments as an object", raws(
			`[{"function":{"name":"f","arguments":{"a": [1, 2]}}}]`,
		), []ToolCall{{Name: "f", Arguments: `{"a":[1,2]}`}}, 0, ""},
		{"arguments object with invalid UTF-8", raws("[{\"function\":{\"name\":\"f\",\"arguments\":{\"\xc3\":0}}}]"), []ToolCall{{Name: "f", Arguments: "{\"\uFFFD\":0}"}}, 0, ""},
		{"lone object", raws(`{"index":0,"id":"a","function":{"name":"f"}}`), []ToolCall{{ID: "a", Name: "f"}}, 0, ""},
		{"null and empty chunks", raws(`null`, ``, ` `, `[]`), nil, 0, ""},
		{"garbage chunk skipped", raws(
			`[{"index":0,"id":"a","function":{"name":"f","arguments":"{"}}]`,
			`[{"index":0,`,
			`[{"index":0,"function":{"arguments":"}"}}]`,
		), []ToolCall{{ID: "a", Name: "f", Arguments: "{}"}}, 1, "chunk 1: want an array of tool calls"},
		{"wrong types skipped", raws(
			`[{"index":"0","id":"a"}]`,
			`[{"index":0,"id":"b","function":"f"}]`,
			`"text"`,
			`[{"index":-1}]`,
			`[{"index":0,"id":"c","function":{"name":"f","arguments":"{}"}}]`,
		), []ToolCall{{ID: "c", Name: "f", Arguments: "{}"}}, 4, "chunk 0, element 0: index: got string, want an integer"},
		{"many errors counted", raws(`x`, `x`, `x`, `x`, `x`, `x`, `x`), nil, 7, "and 2 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MergeToolCalls(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if tt.skipped == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var me *MergeError
			if !errors.As(err, &me) {
				t.Fatalf("got %v, want a *MergeError", err)
			}
			if me.Skipped != tt.skipped || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("got %d skipped, %q; want %d, containing %q", me.Skipped, err, tt.skipped, tt.errHas)
			}
		})
	}
}

// TestMergeToolCallsRoundTrip checks that calls written as one whole array,
// or as a stream of one-byte argument deltas, merge back to themselves.
func TestMergeToolCallsRoundTrip(t *testing.T) {
	calls := []ToolCall{
		{ID: "a", Type: "function", Name: "f", Arguments: `{"q": "ünïcödé \"quoted\""}`},
		{ID: "b", Type: "function", Name: "g", Arguments: `{}`},
	}
	var whole []map[string]any
	var stream []json.RawMessage
	for i, c := range calls {
		whole = append(whole, map[string]any{"id": c.ID, "type": c.Type, "function": map[string]any{"name": c.Name, "arguments": c.Arguments}})
		b, _ := json.Marshal([]map[string]any{{"index": i, "id": c.ID, "type": c.Type, "function": map[string]any{"name": c.Name}}})
		stream = append(stream, b)
		for _, r := range c.Arguments {
			b, _ := json.Marshal([]map[string]any{{"index": i, "function": map[string]any{"arguments": string(r)}}})
			stream = append(stream, b)
		}
	}
	b, _ := json.Marshal(whole)
	for name, in := range map[string][]json.RawMessage{"whole": {b}, "stream": stream} {
		got, err := MergeToolCalls(in)
		if err != nil || !reflect.DeepEqual(got, calls) {
			t.Errorf("%s: got %+v, %v; want %+v", name, got, err, calls)
		}
	}
}

func FuzzMergeToolCalls(f *testing.F) {
	f.Add([]byte(`[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"ci"}}]` + "\n" + `[{"index":0,"function":{"arguments":"ty\": \"Paris\"}"}}]`))
	f.Add([]byte(`[{"id":"a","function":{"name":"f","arguments":{"x":1}}},{"id":"b"}]`))
	f.Add([]byte(`{"index":3}` + "\n" + `[{"index":0,"id":"a"}]` + "\n" + `[{"index":0,"id":"b"}]`))
	f.Add([]byte("[1,\"x\",null,{}]\n[{\"index\":-1}]\nnull"))
	f.Fuzz(func(t *testing.T, data []byte) {
		chunks := bytes.Split(data, []byte("\n"))
		in := make([]json.RawMessage, len(chunks))
		for i, c := range chunks {
			in[i] = c
		}
		calls, err := MergeToolCalls(in)
		if err != nil {
			var me *MergeError
			if !errors.As(err, &me) || me.Skipped == 0 || len(me.Errs) == 0 || len(me.Errs) > maxMergeErrors {
				t.Fatalf("bad error %#v", err)
			}
		}
		n := 0
		for _, c := range calls {
			n += len(c.ID) + len(c.Type) + len(c.Name) + len(c.Arguments)
		}
		if n > 3*len(data) { // an invalid byte becomes U+FFFD, 3 bytes
			t.Fatalf("merged %d bytes of text from %d bytes of input", n, len(data))
		}
		// Whatever merged, written back as one whole array, merges to
		// itself.
		var whole []map[string]any
		for _, c := range calls {
			whole = append(whole, map[string]any{"id": c.ID, "type": c.Type, "function": map[string]any{"name": c.Name, "arguments": c.Arguments}})
		}
		b, _ := json.Marshal(whole)
		again, err := MergeToolCalls([]json.RawMessage{b})
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) > 0 && !reflect.DeepEqual(again, calls) {
			t.Fatalf("round trip: got %+v, want %+v", again, calls)
		}
		_ = ToolCallsValid(calls)
	})
}

func TestToolCallsValid(t *testing.T) {
	tests := []struct {
		name  string
		calls []ToolCall
		want  []string // substrings of the error; none for nil
	}{
		{"none", nil, nil},
		{"good", []ToolCall{{Name: "f", Arguments: `{"a":1}`}, {Name: "g", Arguments: " {} "}}, nil},
		{"truncated", []ToolCall{{Name: "f", Arguments: `{}`}, {Name: "get_weather", Arguments: `{"city": "Par`}},
			[]string{"tool call 1 (get_weather): arguments are not valid JSON", "at offset 13"}},
		{"empty", []ToolCall{{Name: "f"}}, []string{"tool call 0 (f): arguments are empty"}},
		{"not an object", []ToolCall{{Name: "f", Arguments: `[1]`}}, []string{"tool call 0 (f): arguments are an array, not a JSON object"}},
		{"no name", []ToolCall{{Arguments: `{}`}}, []string{"tool call 0 has no function name"}},
		{"several", []ToolCall{{Name: "f", Arguments: `{`}, {Name: "g", Arguments: `{}`}, {Name: "h", Arguments: `x`}},
			[]string{"tool call 0 (f)", "tool call 2 (h)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ToolCallsValid(tt.calls)
			errorHas(t, err, tt.want...)
		})
	}
}

// errorHas checks that err is nil when want is empty, else that its text holds every want.
func errorHas(t *testing.T, err error, want ...string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}
