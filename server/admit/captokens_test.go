package admit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"playground/app/schema"
	"playground/server/httperr"
)

func fptr(v float64) *float64 { return &v }

// topLevelKeys lists the keys of a JSON object in order, repeats included.
func topLevelKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", b)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("reading %s: %v", b, err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("reading %s: %v", b, err)
		}
	}
	return keys
}

func TestCapTokens(t *testing.T) {
	maxTok := schema.Field{Name: "max_tokens", Type: "integer"}
	maxCompl := schema.Field{Name: "max_completion_tokens", Type: "integer"}
	messages := schema.Field{Name: "messages"}
	std := []schema.Field{{Name: "model"}, messages, maxTok, maxCompl}
	const msgs = `{"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`
	tests := []struct {
		name        string
		max         int
		fields      []schema.Field
		body        string
		wantBody    string // "" means the body must come back unchanged
		wantLongest int64
		wantCut     bool
		wantStatus  int
		wantCode    string
		wantMsg     []string
	}{
		{name: "max_tokens above the cap", max: 1024, fields: std, body: `{"model":"m","max_tokens":2000}`,
			wantStatus: 400, wantCode: "embed_max_tokens", wantMsg: []string{"max_tokens:", "at most 1,024 tokens"}},
		{name: "max_completion_tokens above the cap", max: 1024, fields: std, body: `{"model":"m","max_completion_tokens":1025}`,
			wantStatus: 400, wantCode: "embed_max_tokens", wantMsg: []string{"max_completion_tokens:"}},
		{name: "a field the schema lacks is still capped", max: 10, fields: std, body: `{"model":"m","max_new_tokens":11}`,
			wantStatus: 400, wantCode: "embed_max_tokens", wantMsg: []string{"max_new_tokens:"}},
		{name: "fraction above the cap", max: 1024, fields: std, body: `{"max_tokens":1024.5}`,
			wantStatus: 400, wantCode: "embed_max_tokens"},
		{name: "one of two above the cap", max: 100, fields: std, body: `{"max_tokens":5,"max_output_tokens":101}`,
			wantStatus: 400, wantCode: "embed_max_tokens", wantMsg: []string{"max_output_tokens:"}},
		{name: "not a number", max: 1024, fields: std, body: `{"max_tokens":"lots"}`,
			wantStatus: 400, wantCode: "invalid_parameters", wantMsg: []string{"max_tokens: must be a number"}},
		{name: "not a JSON object", max: 1024, fields: std, body: `[1,2]`,
			wantStatus: 400, wantCode: "invalid_json"},
		{name: "equal to the cap", max: 1024, fields: std, body: `{"model":"m", "max_tokens": 1024 }`, wantLongest: 1024},
		{name: "below the cap", max: 1024, fields: std, body: `{"model":"m","max_tokens":100}`, wantLongest: 100},
		{name: "two set: the longer counts", max: 1024, fields: std, body: `{"max_tokens":100,"max_completion_tokens":300}`, wantLongest: 300},
		{name: "null and a value", max: 1024, fields: std, body: `{"max_tokens":null,"max_completion_tokens":30}`, wantLongest: 30},
		{name: "absent: the schema's first length field is added", max: 1024, fields: std, body: msgs,
			wantBody: `{"max_tokens":1024,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 1024},
		{name: "absent: max_tokens first, whatever the schema's order", max: 1024, fields: []schema.Field{messages, maxCompl, maxTok}, body: msgs,
			wantBody: `{"max_tokens":1024,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 1024},
		{name: "absent: max_completion_tokens before max_new_tokens", max: 1024,
			fields: []schema.Field{messages, {Name: "max_new_tokens"}, {Name: "max_output_tokens"}, maxCompl}, body: msgs,
			wantBody: `{"max_completion_tokens":1024,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 1024},
		{name: "absent: max_output_tokens before max_new_tokens", max: 1024,
			fields: []schema.Field{messages, {Name: "max_new_tokens"}, {Name: "max_output_tokens", Max: fptr(8)}}, body: msgs,
			wantBody: `{"max_output_tokens":8,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 8},
		{name: "absent: the schema's lower maximum", max: 1024,
			fields: []schema.Field{messages, {Name: "max_tokens", Max: fptr(256)}}, body: msgs,
			wantBody: `{"max_tokens":256,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 256},
		{name: "absent: a higher schema maximum keeps the cap", max: 1024,
			fields: []schema.Field{messages, {Name: "max_tokens", Max: fptr(100000)}}, body: msgs,
			wantBody: `{"max_tokens":1024,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 1024},
		{name: "absent: a schema maximum below 1 is ignored", max: 1024,
			fields: []schema.Field{messages, {Name: "max_tokens", Max: fptr(0.5)}}, body: msgs,
			wantBody: `{"max_tokens":1024,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 1024},
		{name: "absent: max_new_tokens", max: 64, fields: []schema.Field{messages, {Name: "max_new_tokens"}}, body: msgs,
			wantBody: `{"max_new_tokens":64,"model":"m","messages":[{"role":"user","content":"hi, {x}"}]}`, wantLongest: 64},
		{name: "absent: empty object", max: 7, fields: std, body: `{}`, wantBody: `{"max_tokens":7}`, wantLongest: 7},
		{name: "absent: empty object with spaces", max: 7, fields: std, body: " {\n} ", wantBody: " {\"max_tokens\":7\n} ", wantLongest: 7},
		{name: "absent: leading white space and odd spacing kept", max: 9, fields: std, body: "\n\t{ \"model\" : \"m\" ,\"n\":1}",
			wantBody: "\n\t{\"max_tokens\":9, \"model\" : \"m\" ,\"n\":1}", wantLongest: 9},
		{name: "no length field in the schema: cut while streaming", max: 500, fields: []schema.Field{messages}, body: msgs,
			wantLongest: 500, wantCut: true},
		{name: "no cap: nothing changes", max: 0, fields: std, body: `{"max_tokens":999999}`},
		{name: "no cap: nothing added", max: 0, fields: std, body: msgs},
		{name: "no cap: not even parsed", max: 0, fields: std, body: `not json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &Gate{rules: Rules{MaxTokens: tt.max}}
			in := []byte(tt.body)
			orig := bytes.Clone(in)
			out, longest, cut, err := g.CapTokens(&schema.Operation{Fields: tt.fields}, in)
			if !bytes.Equal(in, orig) {
				t.Fatalf("the input body was modified: %s", in)
			}
			if tt.wantStatus != 0 {
				e, ok := err.(*httperr.Error)
				if !ok {
					t.Fatalf("err = %v (%T), want an *httperr.Error %d %s", err, err, tt.wantStatus, tt.wantCode)
				}
				if e.Status() != tt.wantStatus || e.Code != tt.wantCode || e.Type() != "invalid_request_error" {
					t.Fatalf("got %d %s %s, want %d %s", e.Status(), e.Type(), e.Code, tt.wantStatus, tt.wantCode)
				}
				for _, m := range tt.wantMsg {
					if !strings.Contains(e.Message, m) {
						t.Errorf("message %q does not contain %q", e.Message, m)
					}
				}
				if out != nil {
					t.Errorf("a refused body came back: %s", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantBody
			if want == "" {
				want = tt.body
			}
			if string(out) != want {
				t.Fatalf("body\n got %s\nwant %s", out, want)
			}
			if longest != tt.wantLongest || cut != tt.wantCut {
				t.Fatalf("longest %d cut %v, want %d %v", longest, cut, tt.wantLongest, tt.wantCut)
			}
			if tt.max > 0 {
				if !json.Valid(out) {
					t.Fatalf("invalid JSON: %s", out)
				}
				seen := map[string]bool{}
				for _, k := range topLevelKeys(t, out) {
					if seen[k] {
						t.Fatalf("key %q twice in %s", k, out)
					}
					seen[k] = true
				}
			}
			if tt.wantBody != "" {
				// Everything after the opening brace goes out as it came.
				i := strings.IndexByte(tt.body, '{')
				if !bytes.HasPrefix(out, []byte(tt.body[:i+1])) || !bytes.HasSuffix(out, []byte(tt.body[i+1:])) {
					t.Fatalf("the body around the insertion changed: %s", out)
				}
			}
		})
	}
}

// TestCapTokensNullField: a client that sends a nullable length parameter as null must not get a
// second key added next to it (an upstream reading the last of two keys would see null: no cap).
func TestCapTokensNullField(t *testing.T) {
	g := &Gate{rules: Rules{MaxTokens: 100}}
	op := &schema.Operation{Fields: []schema.Field{{Name: "messages"}, {Name: "max_tokens", Nullable: true}}}
	for _, body := range []string{`{"model":"m","max_tokens":null}`, `{"max_tokens":null}`, `{"messages":[],"max_tokens":null,"n":1}`} {
		out, longest, cut, err := g.CapTokens(op, []byte(body))
		if err != nil || longest != 100 || cut {
			t.Fatalf("%s: longest %d cut %v err %v", body, longest, cut, err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s: invalid JSON out: %s", body, out)
		}
		if keys := topLevelKeys(t, out); strings.Count(strings.Join(keys, " ")+" ", "max_tokens ") != 1 {
			t.Fatalf("%s: max_tokens is not there exactly once: %s", body, out)
		}
		if string(got["max_tokens"]) != "100" {
			t.Fatalf("%s: max_tokens = %s, want 100 (%s)", body, got["max_tokens"], out)
		}
		var in map[string]json.RawMessage
		_ = json.Unmarshal([]byte(body), &in)
		for k, v := range in {
			if k != "max_tokens" && string(got[k]) != string(v) {
				t.Errorf("%s: %s changed to %s", body, k, got[k])
			}
		}
	}
}

// TestDefaultLength: a request without a length gets the cap (or the schema's lower maximum) in
// the schema's parameter; one that sets a length keeps it, even above the cap; a schema without
// a length parameter leaves the body alone and reserves the cap.
func TestDefaultLength(t *testing.T) {
	maxTok := schema.Field{Name: "max_tokens", Type: "integer"}
	small := schema.Field{Name: "max_completion_tokens", Type: "integer", Max: fptr(1000)}
	tests := []struct {
		name    string
		fields  []schema.Field
		body    string
		want    string
		longest int64
	}{
		{"added", []schema.Field{maxTok}, `{"model":"m"}`, `{"max_tokens":4096,"model":"m"}`, 4096},
		{"schema's maximum", []schema.Field{small}, `{"model":"m"}`, `{"max_completion_tokens":1000,"model":"m"}`, 1000},
		{"kept above the cap", []schema.Field{maxTok}, `{"model":"m","max_tokens":20000}`, `{"model":"m","max_tokens":20000}`, 20000},
		{"null set", []schema.Field{maxTok}, `{"model":"m","max_tokens":null}`, `{"max_tokens":4096,"model":"m"}`, 4096},
		{"no parameter", nil, `{"model":"m"}`, `{"model":"m"}`, 4096},
	}
	for _, tt := range tests {
		out, longest, err := DefaultLength(&schema.Operation{Fields: tt.fields}, []byte(tt.body), 4096)
		if err != nil || string(out) != tt.want || longest != tt.longest {
			t.Errorf("%s: %s %d %v, want %s %d", tt.name, out, longest, err, tt.want, tt.longest)
		}
	}
	if _, _, err := DefaultLength(&schema.Operation{}, []byte(`{"max_tokens":"many"}`), 10); httperr.From(err).Code != httperr.EInvalidParameters || !strings.Contains(err.Error(), "max_tokens: must be a number") {
		t.Errorf("a length that is not a number: %v", err)
	}
}

// TestAskUsage: a stream that does not ask for its usage is made to, when its schema can; any
// other request goes as it came.
func TestAskUsage(t *testing.T) {
	withOptions := &schema.Operation{Fields: []schema.Field{{Name: "stream_options", Type: "object", Fields: []schema.Field{{Name: "include_usage", Type: "boolean"}}}}}
	tests := []struct {
		name string
		op   *schema.Operation
		body string
		want string
	}{
		{"asked", withOptions, `{"model":"m","stream":true}`, `{"stream_options":{"include_usage":true},"model":"m","stream":true}`},
		{"set already", withOptions, `{"stream":true,"stream_options":{"include_usage":false}}`, `{"stream":true,"stream_options":{"include_usage":false}}`},
		{"not a stream", withOptions, `{"model":"m","stream":false}`, `{"model":"m","stream":false}`},
		{"no stream field", withOptions, `{"model":"m"}`, `{"model":"m"}`},
		{"schema without it", &schema.Operation{}, `{"stream":true}`, `{"stream":true}`},
		{"not JSON", withOptions, `{"stream":tru`, `{"stream":tru`},
	}
	for _, tt := range tests {
		if got := string(AskUsage(tt.op, []byte(tt.body))); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
