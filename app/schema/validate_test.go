package schema

import (
	"encoding/json"
	"strings"
	"testing"
)

func testFields(t *testing.T) []Field {
	t.Helper()
	s := mustSchema(t, `{"type":"object","required":["model","messages"],"properties":{
		"model":{"type":"string","enum":["m"]},
		"messages":{"type":"array"},
		"temperature":{"type":"number","minimum":0,"maximum":2},
		"seed":{"type":"integer","minimum":1},
		"stream":{"type":"boolean"},
		"effort":{"type":"string","enum":["low","high"]},
		"penalty":{"type":"number","nullable":true,"minimum":-2,"maximum":2},
		"stop":{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"},"maxItems":2}]},
		"user":{"type":"string","maxLength":5},
		"opts":{"type":"object"}}}`)
	op := &Operation{Body: s, Fields: Fields(s)}
	op.Own("model", Model)
	op.Own("messages", Messages)
	return op.Fields
}

func field(t *testing.T, fields []Field, name string) Field {
	t.Helper()
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no field %s", name)
	return Field{}
}

func TestCheck(t *testing.T) {
	fields := testFields(t)
	tests := []struct {
		field, value, rule string
	}{
		{"temperature", `1.5`, ""},
		{"temperature", `2`, ""},
		{"temperature", `2.01`, "must be ≤ 2"},
		{"temperature", `-1`, "must be ≥ 0"},
		{"temperature", `"1"`, "must be a number"},
		{"temperature", `null`, "must not be null"},
		{"seed", `3`, ""},
		{"seed", `3.5`, "must be a whole number"},
		{"seed", `0`, "must be ≥ 1"},
		{"stream", `true`, ""},
		{"stream", `"yes"`, "must be true or false"},
		{"effort", `"low"`, ""},
		{"effort", `"max"`, `must be one of "low", "high"`},
		{"penalty", `null`, ""},
		{"penalty", `3`, "must be ≤ 2"},
		{"stop", `"\n"`, ""},
		{"stop", `["a","b"]`, ""},
		{"stop", `["a","b","c"]`, "must have at most 2 items"},
		{"stop", `[1]`, "[0]: must be a string"},
		{"stop", `{}`, "must be a list"},
		{"user", `"abcde"`, ""},
		{"user", `"abcdef"`, "must be at most 5 characters"},
		{"opts", `{"any":["thing"]}`, ""},
		{"opts", `[1]`, "must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			if got := field(t, fields, tt.field).Check(json.RawMessage(tt.value)); got != tt.rule {
				t.Fatalf("Check(%s) = %q, want %q", tt.value, got, tt.rule)
			}
		})
	}
}

func TestBody(t *testing.T) {
	fields := testFields(t)
	msgs := json.RawMessage(`[{"role":"user","content":"Hello"}]`)
	t.Run("only set values are sent, in schema order after model and messages", func(t *testing.T) {
		body, vs := Body(fields, Values{"model": json.RawMessage(`"m"`), "messages": msgs}, Values{"stream": json.RawMessage("true"), "temperature": json.RawMessage("0.7")})
		if len(vs) > 0 {
			t.Fatalf("violations: %v", vs)
		}
		want := `{"model":"m","messages":[{"role":"user","content":"Hello"}],"temperature":0.7,"stream":true}`
		if got := string(body); got != want {
			t.Fatalf("body =\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("explicit null is sent", func(t *testing.T) {
		body, vs := Body(fields, Values{"model": json.RawMessage(`"m"`), "messages": msgs}, Values{"penalty": json.RawMessage("null")})
		if len(vs) > 0 || !strings.Contains(string(body), `"penalty":null`) {
			t.Fatalf("body %s, violations %v", body, vs)
		}
	})
	t.Run("violations name the field and the rule", func(t *testing.T) {
		_, vs := Body(fields, Values{"model": json.RawMessage(`"m"`), "messages": msgs}, Values{"temperature": json.RawMessage("3"), "nope": json.RawMessage("1")})
		if got, want := vs.Error(), "temperature: must be ≤ 2; nope: is not a parameter of this model"; got != want {
			t.Fatalf("violations = %q, want %q", got, want)
		}
	})
}

func TestCheckBody(t *testing.T) {
	doc, err := parseOwned([]byte(`{"openapi":"3.0.0","paths":{"/v1/chat/completions":{"post":{"requestBody":{"content":{"application/json":{"schema":
		{"type":"object","required":["model","messages"],"properties":{"model":{"type":"string","enum":["m"]},"messages":{"type":"array"},
		"temperature":{"type":"number","minimum":0,"maximum":2},"stream_options":{"type":"object"}}}}}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Operations[0]
	tests := []struct{ name, body, want string }{
		{"valid", `{"model":"m","messages":[],"temperature":1}`, ""},
		{"unknown fields pass to the upstream", `{"model":"m","messages":[],"logit_bias":{}}`, ""},
		{"read-only shapes pass to the upstream", `{"model":"m","messages":[],"stream_options":{"include_usage":true}}`, ""},
		{"missing required", `{"model":"m"}`, "messages: is required"},
		{"out of range", `{"model":"m","messages":[],"temperature":9}`, "temperature: must be ≤ 2"},
		{"messages not a list", `{"model":"m","messages":"hi"}`, "messages: must be a list"},
		{"not an object", `[1]`, "(body): must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckBody(op, []byte(tt.body)).Error()
			if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
				t.Fatalf("CheckBody = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseInputAndDisplay(t *testing.T) {
	fields := testFields(t)
	tests := []struct {
		field, text, value, rule string
		ok                       bool
	}{
		{"temperature", "0.70", "0.7", "", true},
		{"temperature", " 1 ", "1", "", true},
		{"temperature", "", "", "", true},
		{"temperature", "abc", "", "must be a number", false},
		{"temperature", "3", "3", "", true}, // a value that fails Check, not unparsable text
		{"seed", "2.5", "", "must be a whole number", false},
		{"user", "hi", `"hi"`, "", true},
		{"stop", "a\n\nb", `["a","b"]`, "", true},
		{"stream", "true", "true", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.text, func(t *testing.T) {
			f := field(t, fields, tt.field)
			v, rule, ok := f.ParseInput(tt.text)
			if string(v) != tt.value || rule != tt.rule || ok != tt.ok {
				t.Fatalf("ParseInput(%q) = %s, %q, %v; want %s, %q, %v", tt.text, v, rule, ok, tt.value, tt.rule, tt.ok)
			}
			if ok && v != nil && f.Control != Tags {
				if back, _, _ := f.ParseInput(f.Display(v)); string(back) != string(v) {
					t.Fatalf("Display round trip: %s → %q → %s", v, f.Display(v), back)
				}
			}
		})
	}
}

func TestCarry(t *testing.T) {
	fields := testFields(t)
	kept, aside := Carry(fields, Values{
		"temperature": json.RawMessage("1"),  // same name, valid: kept
		"seed":        json.RawMessage("0"),  // same name, now invalid: aside
		"top_k":       json.RawMessage("40"), // not a parameter: aside
		"opts":        json.RawMessage("[]"), // same name, wrong kind: aside
	})
	if len(kept) != 1 || string(kept["temperature"]) != "1" {
		t.Fatalf("kept = %v", kept)
	}
	if got, want := strings.Join(aside, ","), "opts,seed,top_k"; got != want {
		t.Fatalf("aside = %s, want %s", got, want)
	}
}

func TestNestedValidation(t *testing.T) {
	fields := Fields(mustSchema(t, `{"type":"object","properties":{
		"response_format":{"oneOf":[
			{"type":"object","properties":{"type":{"type":"string","enum":["text"]}},"required":["type"]},
			{"type":"object","properties":{"type":{"type":"string","enum":["json_schema"]},
				"json_schema":{"type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":8},"schema":{"type":"object","additionalProperties":true}}}},
				"required":["type","json_schema"]}]},
		"tools":{"type":"array","maxItems":2,"items":{"type":"object","additionalProperties":false,"required":["type","function"],"properties":{
			"type":{"type":"string","enum":["function"]},
			"function":{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"parameters":{"type":"object"}}}}}},
		"tool_choice":{"anyOf":[{"type":"string","enum":["none","auto"]},{"type":"object","properties":{"type":{"type":"string","enum":["function"]}},"required":["type"]}]}}}`))
	rf, tools, tc := fields[0], fields[1], fields[2]
	if got := []string{rf.Choices[0].Label, rf.Choices[1].Label}; got[0] != "text" || got[1] != "json_schema" {
		t.Errorf("choice labels = %v, want the discriminating constants", got)
	}
	tests := []struct {
		f     Field
		value string
		want  string
	}{
		{rf, `{"type":"text"}`, ""},
		{rf, `{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}}`, ""},
		{rf, `{"type":"json_schema","json_schema":{"name":"far-too-long"}}`, "response_format.json_schema.name: must be at most 8 characters"},
		{rf, `{"type":"json_schema"}`, "response_format.json_schema: is required"},
		{rf, `"text"`, "response_format: must be one of: text; json_schema"},
		{tools, `[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]`, ""},
		{tools, `[{"type":"function","function":{}}]`, "tools[0].function.name: is required"},
		{tools, `[{"type":"function","function":{"name":"f"},"extra":1}]`, "tools[0].extra: is not allowed here"},
		{tools, `[{"type":"tool","function":{"name":"f"}}]`, `tools[0].type: must be one of "function"`},
		{tools, `[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b"}},{"type":"function","function":{"name":"c"}}]`, "tools: must have at most 2 items"},
		{tc, `"auto"`, ""},
		{tc, `{"type":"function"}`, ""},
		{tc, `"sometimes"`, `tool_choice: must be one of "none", "auto"`},
		{tc, `42`, "tool_choice: must be one of: choice; function"},
	}
	for _, tt := range tests {
		t.Run(tt.f.Name+"="+tt.value, func(t *testing.T) {
			got := tt.f.Validate(json.RawMessage(tt.value))
			if tt.want == "" && len(got) > 0 || tt.want != "" && (len(got) == 0 || got[0].Error() != tt.want) {
				t.Fatalf("Validate = %v, want %q", got, tt.want)
			}
		})
	}
}

// BenchmarkValidateFileBytes validates a 1 MB file as the multer-style object some speech schemas
// take (its bytes are a list of numbers).
func BenchmarkValidateFileBytes(b *testing.B) {
	f := fieldOf("audio", &Schema{Type: Types{"object"}, Format: "binary", Properties: Properties{
		{Name: "buffer", Schema: &Schema{Type: Types{"object"}, Properties: Properties{
			{Name: "type", Schema: &Schema{Type: Types{"string"}, Enum: []json.RawMessage{json.RawMessage(`"Buffer"`)}}},
			{Name: "data", Schema: &Schema{Type: Types{"array"}, Items: &Schema{Type: Types{"number"}}}}}}}}}, 0)
	data := make([]byte, 0, 4<<20)
	data = append(data, `{"buffer":{"type":"Buffer","data":[`...)
	for i := 0; i < 1<<20; i++ {
		if i > 0 {
			data = append(data, ',')
		}
		data = append(data, '7')
	}
	data = append(data, "]}}"...)
	b.SetBytes(1 << 20)
	for i := 0; i < b.N; i++ {
		if vs := f.Validate(data); len(vs) > 0 {
			b.Fatal(vs)
		}
	}
}

// parseOwned parses an OpenAPI document and gives every operation's model and messages to the
// run area, as the chat kind does (see package kind): the fields these tests expect.
func parseOwned(data []byte) (*Document, error) {
	doc, err := Parse(data)
	if err != nil {
		return nil, err
	}
	for _, op := range doc.Operations {
		op.Own("model", Model)
		op.Own("messages", Messages)
	}
	return doc, nil
}
