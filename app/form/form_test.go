package form

import (
	"encoding/json"
	"reflect"
	"testing"

	"playground/app/schema"
)

// testBody is a chat request body with the compound parameters the form edits.
const testBody = `{"type":"object","properties":{
	"stream_options":{"type":"object","properties":{"include_usage":{"type":"boolean"}}},
	"response_format":{"oneOf":[
		{"type":"object","properties":{"type":{"type":"string","enum":["text"]}},"required":["type"]},
		{"type":"object","properties":{"type":{"type":"string","enum":["json_object"]}},"required":["type"]},
		{"type":"object","properties":{"type":{"type":"string","enum":["json_schema"]},
			"json_schema":{"type":"object","properties":{"name":{"type":"string"},"strict":{"type":"boolean"},"schema":{"type":"object"}},"required":["name"]}},
			"required":["type","json_schema"]}]},
	"tools":{"type":"array","maxItems":3,"items":{"type":"object","properties":{
		"type":{"type":"string","enum":["function"]},
		"function":{"type":"object","properties":{"name":{"type":"string"},"description":{"type":"string"},"parameters":{"type":"object"}},"required":["name"]}},
		"required":["type","function"]}},
	"modalities":{"type":"array","items":{"type":"string","enum":["text","audio"]}},
	"logit_bias":{"type":"object","nullable":true,"additionalProperties":{"type":"integer"}},
	"stop":{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]},
	"weights":{"type":"array","items":{"type":"number"},"minItems":2},
	"seed":{"type":"integer","minimum":1,"maximum":9},
	"n":{"type":"integer","default":3},
	"size":{"type":"string","enum":["small","large"]},
	"prompt_or_n":{"anyOf":[{"type":"string"},{"type":"number"}]},
	"image_url":{"type":"string","format":"uri","description":"A URL or a base64 data URI."},
	"audio":{"type":"object","format":"binary","properties":{"buffer":{"type":"object"},"mimetype":{"type":"string"},"size":{"type":"integer"},"originalname":{"type":"string"},"encoding":{"type":"string"},"fieldname":{"type":"string"}},"required":["mimetype"]},
	"file":{"type":"string","format":"binary"}
}}`

func testFields(t *testing.T) map[string]schema.Field {
	t.Helper()
	var s schema.Schema
	if err := json.Unmarshal([]byte(testBody), &s); err != nil {
		t.Fatal(err)
	}
	out := map[string]schema.Field{}
	for _, f := range schema.Fields(&s) {
		out[f.Name] = f
	}
	return out
}

func raw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func TestKeyAndViolationKey(t *testing.T) {
	p := []Step{K("tools"), I(0), K("function"), K("name")}
	if got := Key(p); got != "tools.0.function.name" {
		t.Errorf("Key = %q", got)
	}
	if got := ViolationKey("tools[0].function.name"); got != "tools.0.function.name" {
		t.Errorf("ViolationKey = %q", got)
	}
	if got := ViolationKey("stop[12]"); got != "stop.12" {
		t.Errorf("ViolationKey = %q", got)
	}
	c := Child(p[:1], I(3))
	c2 := Child(p[:1], I(4))
	if Key(c) != "tools.3" || Key(c2) != "tools.4" {
		t.Errorf("Child shares storage: %q %q", Key(c), Key(c2))
	}
	for _, tt := range []struct {
		key, prefix string
		want        bool
	}{{"a", "a", true}, {"a.b", "a", true}, {"ab", "a", false}, {"a", "a.b", false}} {
		if got := Under(tt.key, tt.prefix); got != tt.want {
			t.Errorf("Under(%q, %q) = %v", tt.key, tt.prefix, got)
		}
	}
}

func TestGet(t *testing.T) {
	root := raw(`{"a":{"b":[1,{"c":"x"}]},"n":null}`)
	tests := []struct {
		path []Step
		want string
	}{
		{nil, `{"a":{"b":[1,{"c":"x"}]},"n":null}`},
		{[]Step{K("a")}, `{"b":[1,{"c":"x"}]}`},
		{[]Step{K("a"), K("b"), I(0)}, `1`},
		{[]Step{K("a"), K("b"), I(1), K("c")}, `"x"`},
		{[]Step{K("a"), K("b"), I(2)}, ``},
		{[]Step{K("a"), K("b"), I(-1)}, ``},
		{[]Step{K("a"), K("b"), K("c")}, ``},
		{[]Step{K("a"), I(0)}, ``},
		{[]Step{K("missing")}, ``},
		{[]Step{K("n")}, `null`},
		{[]Step{K("n"), K("x")}, ``},
	}
	for _, tt := range tests {
		if got := string(Get(root, tt.path)); got != tt.want {
			t.Errorf("Get(%s) = %s, want %s", Key(tt.path), got, tt.want)
		}
	}
	if Get(nil, []Step{K("a")}) != nil {
		t.Error("Get in nothing is not nil")
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		name, root string
		path       []Step
		v, want    string
		err        bool
	}{
		{"replace root", `{"a":1}`, nil, ` [ 1, 2 ] `, `[1,2]`, false},
		{"new key goes last", `{"b":1,"a":2}`, []Step{K("c")}, `3`, `{"b":1,"a":2,"c":3}`, false},
		{"existing key keeps its place", `{"b":1,"a":2}`, []Step{K("b")}, `"x"`, `{"b":"x","a":2}`, false},
		{"creates objects on the way", ``, []Step{K("a"), K("b")}, `true`, `{"a":{"b":true}}`, false},
		{"null becomes a container", `null`, []Step{K("a")}, `1`, `{"a":1}`, false},
		{"creates a list on the way", `{}`, []Step{K("l"), I(0)}, `"x"`, `{"l":["x"]}`, false},
		{"index = len appends", `[1]`, []Step{I(1)}, `2`, `[1,2]`, false},
		{"index replaces", `[1,2]`, []Step{I(0), K("k")}, `2`, ``, true},
		{"index inside", `[{"k":1},2]`, []Step{I(0), K("k")}, `5`, `[{"k":5},2]`, false},
		{"index past the end", `[1]`, []Step{I(3)}, `2`, ``, true},
		{"key in a string", `"s"`, []Step{K("a")}, `2`, ``, true},
		{"index in an object", `{}`, []Step{I(0)}, `2`, ``, true},
		{"no value", `{}`, []Step{K("a")}, ``, ``, true},
		{"value is compacted", `{}`, []Step{K("a")}, "{\n \"x\" : [ 1 ]\n}", `{"a":{"x":[1]}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Set(raw(tt.root), tt.path, raw(tt.v))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v (got %s)", err, tt.err, got)
			}
			if string(got) != tt.want {
				t.Errorf("Set = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	tests := []struct {
		root string
		path []Step
		want string
	}{
		{`{"a":1,"b":2}`, []Step{K("a")}, `{"b":2}`},
		{`{"a":1,"b":2}`, []Step{K("z")}, `{"a":1,"b":2}`},
		{`{"a":{"x":1,"y":2}}`, []Step{K("a"), K("x")}, `{"a":{"y":2}}`},
		{`[1,2,3]`, []Step{I(1)}, `[1,3]`},
		{`[1,2,3]`, []Step{I(5)}, `[1,2,3]`},
		{`{"l":[{"k":1,"j":2}]}`, []Step{K("l"), I(0), K("k")}, `{"l":[{"j":2}]}`},
		{`"s"`, []Step{K("a")}, `"s"`},
		{`{"a":1}`, nil, ``},
	}
	for _, tt := range tests {
		if got := string(Delete(raw(tt.root), tt.path)); got != tt.want {
			t.Errorf("Delete(%s, %s) = %s, want %s", tt.root, Key(tt.path), got, tt.want)
		}
	}
}

func TestMove(t *testing.T) {
	tests := []struct {
		list string
		i, j int
		want string
		err  bool
	}{
		{`[1,2,3]`, 0, 1, `[2,1,3]`, false},
		{`[1,2,3]`, 2, 1, `[1,3,2]`, false},
		{`[1,2,3]`, 0, 2, `[2,3,1]`, false},
		{`[1,2,3]`, 1, 1, `[1,2,3]`, false},
		{`[1,2,3]`, 0, 3, ``, true},
		{`{}`, 0, 0, ``, true},
	}
	for _, tt := range tests {
		got, err := Move(raw(tt.list), tt.i, tt.j)
		if (err != nil) != tt.err || string(got) != tt.want {
			t.Errorf("Move(%s, %d, %d) = %s, %v; want %s", tt.list, tt.i, tt.j, got, err, tt.want)
		}
	}
}

func TestReindex(t *testing.T) {
	m := map[string]string{
		"tools":                  "whole",
		"tools.0.function.name":  "a",
		"tools.1":                "b",
		"tools.2.function.x":     "c",
		"toolsx.1":               "other list",
		"tools.z":                "not an index",
		"response_format.schema": "outside",
	}
	// Item 0 removed: 1 → 0, 2 → 1.
	Reindex(m, "tools", func(i int) (int, bool) { return i - 1, i != 0 })
	want := map[string]string{
		"tools":                  "whole",
		"tools.0":                "b",
		"tools.1.function.x":     "c",
		"toolsx.1":               "other list",
		"tools.z":                "not an index",
		"response_format.schema": "outside",
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("after removing item 0: %v", m)
	}
	// Swap 0 and 1.
	Reindex(m, "tools", func(i int) (int, bool) { return 1 - i, true })
	if m["tools.1"] != "b" || m["tools.0.function.x"] != "c" || len(m) != len(want) {
		t.Errorf("after swapping: %v", m)
	}
}

func TestSample(t *testing.T) {
	fs := testFields(t)
	rf := fs["response_format"]
	tools := fs["tools"]
	tests := []struct {
		name string
		f    schema.Field
		want string
	}{
		{"object without required sub-fields", fs["stream_options"], `{}`},
		{"choice takes its first alternative", rf, `{"type":"text"}`},
		{"alternative with nested required object", rf.Choices[2], `{"type":"json_schema","json_schema":{"name":""}}`},
		{"list item", *tools.Items, `{"type":"function","function":{"name":""}}`},
		{"list", tools, `[]`},
		{"list with min items", fs["weights"], `[0,0]`},
		{"select takes the first value", fs["size"], `"small"`},
		{"bounded integer starts at its minimum", fs["seed"], `1`},
		{"default", fs["n"], `3`},
		{"free-form object", fs["logit_bias"], `{}`},
		{"url", fs["image_url"], `""`},
		{"file object", fs["audio"], `{"mimetype":""}`},
		{"file string", fs["file"], `""`},
		{"toggle", fs["stream_options"].Fields[0], `false`},
		{"choice of kinds", fs["prompt_or_n"], `""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Sample(tt.f)); got != tt.want {
				t.Errorf("Sample = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestWhichChoice(t *testing.T) {
	fs := testFields(t)
	rf := fs["response_format"]
	pn := fs["prompt_or_n"]
	tests := []struct {
		name string
		f    schema.Field
		v    string
		want int
	}{
		{"nothing", rf, ``, 0},
		{"valid text", rf, `{"type":"text"}`, 0},
		{"valid json_object", rf, `{"type":"json_object"}`, 1},
		{"valid json_schema", rf, `{"type":"json_schema","json_schema":{"name":"x"}}`, 2},
		{"invalid json_schema by its discriminator", rf, `{"type":"json_schema","json_schema":{}}`, 2},
		{"an object of no alternative", rf, `{"other":1}`, 0},
		{"string", pn, `"hi"`, 0},
		{"number", pn, `4.5`, 1},
		{"kind match when none accepts", pn, `true`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WhichChoice(tt.f, raw(tt.v)); got != tt.want {
				t.Errorf("WhichChoice(%s) = %d, want %d", tt.v, got, tt.want)
			}
		})
	}
}

func TestFieldAt(t *testing.T) {
	fs := testFields(t)
	tests := []struct {
		name  string
		f     schema.Field
		root  string
		path  []Step
		want  string // name and control, "" when not found
		found bool
	}{
		{"object sub-field", fs["stream_options"], `{}`, []Step{K("include_usage")}, "include_usage toggle", true},
		{"through a choice", fs["response_format"], `{"type":"json_schema","json_schema":{"name":"x"}}`, []Step{K("json_schema"), K("name")}, "name text", true},
		{"list item field", fs["tools"], `[{"type":"function","function":{"name":"f"}}]`, []Step{I(0), K("function"), K("parameters")}, "parameters json", true},
		{"unknown key", fs["tools"], `[]`, []Step{I(0), K("nope")}, "", false},
		{"index into an object", fs["stream_options"], `{}`, []Step{I(0)}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := FieldAt(tt.f, raw(tt.root), tt.path)
			if ok != tt.found {
				t.Fatalf("found = %v", ok)
			}
			if ok && f.Name+" "+string(f.Control) != tt.want {
				t.Errorf("FieldAt = %s %s, want %s", f.Name, f.Control, tt.want)
			}
		})
	}
}

func TestNormalizeAndPut(t *testing.T) {
	fs := testFields(t)
	rf, tools, so := fs["response_format"], fs["tools"], fs["stream_options"]
	if got := string(Normalize(rf, raw(`{"json_schema":{"schema":{"z":1,"a":2},"name":"n"},"extra":1,"type":"json_schema"}`))); got !=
		`{"type":"json_schema","json_schema":{"name":"n","schema":{"z":1,"a":2}},"extra":1}` {
		t.Errorf("Normalize = %s", got)
	}
	tests := []struct {
		name string
		f    schema.Field
		root string
		path []Step
		v    string
		want string
	}{
		{"sub-field of a not-sent object creates it", so, ``, []Step{K("include_usage")}, `true`, `{"include_usage":true}`},
		{"schema order wins over edit order", rf, `{"json_schema":{"name":"a"}}`, []Step{K("type")}, `"json_schema"`, `{"type":"json_schema","json_schema":{"name":"a"}}`},
		{"nested field of a choice", rf, `{"type":"json_schema","json_schema":{"name":""}}`, []Step{K("json_schema"), K("schema")}, `{"b":1,"a":2}`, `{"type":"json_schema","json_schema":{"name":"","schema":{"b":1,"a":2}}}`},
		{"new list item's missing object comes from its sample", tools, `[{"type":"function"}]`, []Step{I(0), K("function"), K("description")}, `"d"`, `[{"type":"function","function":{"name":"","description":"d"}}]`},
		{"append to a not-sent list", tools, ``, []Step{I(0)}, `{"function":{"name":"f"},"type":"function"}`, `[{"type":"function","function":{"name":"f"}}]`},
		{"replace the root", so, `{"include_usage":true}`, nil, `{}`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Put(tt.f, raw(tt.root), tt.path, raw(tt.v))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Put = %s, want %s", got, tt.want)
			}
		})
	}
	if _, err := Put(tools, raw(`[]`), []Step{I(3)}, raw(`1`)); err == nil {
		t.Error("Put past the end of a list did not fail")
	}
}
