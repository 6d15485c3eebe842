package form

import (
	"encoding/json"
	"reflect"
	"strings"
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

func TestParseJSON(t *testing.T) {
	tests := []struct {
		text, want, err string
	}{
		{"", "", ""},
		{"  \n ", "", ""},
		{`{"a": [1, 2]}`, `{"a":[1,2]}`, ""},
		{`{"a": }`, "", "line 1, column 7: invalid character '}'"},
		{"{\n  \"a\": 1,\n}", "", "line 3, column 1: invalid character '}' looking for beginning of object key string"},
		{`{"a": 1`, "", "line 1, column 8: unexpected end of JSON input"},
		{"{\"a\": 1\n\n", "", "line 1, column 8: unexpected end"},
		{`[1,2] x`, "", "line 1, column 7: invalid character 'x' after top-level value"},
		{"{\"é\": \"ü\", ?}", "", "line 1, column 12: invalid character '?'"},
	}
	for _, tt := range tests {
		v, msg := ParseJSON(tt.text)
		if string(v) != tt.want || (tt.err == "") != (msg == "") || !strings.HasPrefix(msg, tt.err) {
			t.Errorf("ParseJSON(%q) = %s, %q; want %s, %q…", tt.text, v, msg, tt.want, tt.err)
		}
	}
}

func TestLineCol(t *testing.T) {
	text := "ab\ncdé\n\nx"
	tests := []struct{ off, line, col int }{
		{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {5, 2, 3}, {7, 2, 4}, {8, 3, 1}, {9, 4, 1}, {99, 4, 2}, {-4, 1, 1},
	}
	for _, tt := range tests {
		if l, c := LineCol(text, tt.off); l != tt.line || c != tt.col {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
		}
	}
}

func TestParseAndDisplay(t *testing.T) {
	fs := testFields(t)
	tests := []struct {
		name, field, text string
		want, rule        string
		ok                bool
		display           string // "" means the text itself
	}{
		{"url", "image_url", "https://x.test/a.png", `"https://x.test/a.png"`, "", true, ""},
		{"empty url is not sent", "image_url", "", ``, "", true, ""},
		{"json", "logit_bias", "{\"1\": 2}", `{"1":2}`, "", true, "{\n  \"1\": 2\n}"},
		{"bad json", "logit_bias", "{\"1\": }", ``, "line 1, column 7: invalid character '}' looking for beginning of value", false, ""},
		{"numbers, one per line", "weights", "1\n 2.5 \n\n-3", `[1,2.5,-3]`, "", true, "1\n2.5\n-3"},
		{"bad number lines are named", "weights", "1\nx\n2\ny", ``, "line 2: must be a number; line 4: must be a number", false, ""},
		{"no numbers is not sent", "weights", "\n \n", ``, "", true, ""},
		{"strings fall through to ParseInput", "stop", "a\nb", `["a","b"]`, "", true, ""},
		{"numbers fall through", "seed", "4", `4`, "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fs[tt.field]
			v, rule, ok := Parse(f, tt.text)
			if string(v) != tt.want || rule != tt.rule || ok != tt.ok {
				t.Fatalf("Parse(%q) = %s, %q, %v; want %s, %q, %v", tt.text, v, rule, ok, tt.want, tt.rule, tt.ok)
			}
			if ok && v != nil {
				want := tt.display
				if want == "" {
					want = tt.text
				}
				if got := Display(f, v); got != want {
					t.Errorf("Display(%s) = %q, want %q", v, got, want)
				}
			}
		})
	}
}

func TestAcceptsDataURL(t *testing.T) {
	fs := testFields(t)
	if !AcceptsDataURL(fs["image_url"]) {
		t.Error("a URL described as taking base64 data URIs does not accept them")
	}
	if AcceptsDataURL(schema.Field{Name: "callback_url", Control: schema.URL, Help: "Where we POST the result."}) {
		t.Error("a plain URL accepts data URLs")
	}
	if !AcceptsDataURL(schema.Field{Name: "image", Control: schema.URL, Help: "An https: or data: URL."}) {
		t.Error(`"data:" in the description is not noticed`)
	}
}

func TestFiles(t *testing.T) {
	fs := testFields(t)
	if got := DataURL("image/png", []byte("hi!")); got != "data:image/png;base64,aGkh" {
		t.Errorf("DataURL = %s", got)
	}
	if got := DataURL("", nil); got != "data:application/octet-stream;base64," {
		t.Errorf("DataURL = %s", got)
	}
	obj := FileObject(fs["audio"], "a.wav", "audio/wav", []byte{0, 7, 255})
	want := `{"buffer":{"type":"Buffer","data":[0,7,255]},"mimetype":"audio/wav","size":3,"originalname":"a.wav","encoding":"7bit","fieldname":"audio"}`
	if string(obj) != want {
		t.Errorf("FileObject = %s\nwant %s", obj, want)
	}
	if vs := fs["audio"].Validate(obj); len(vs) != 0 {
		t.Errorf("the file object does not validate: %v", vs)
	}
	partial := schema.Field{Name: "f", Control: schema.File, Type: "object", Fields: []schema.Field{{Name: "originalname"}, {Name: "size"}}}
	if got := string(FileObject(partial, "x", "", nil)); got != `{"originalname":"x","size":0}` {
		t.Errorf("FileObject with two parts = %s", got)
	}
	if got := string(FileObject(schema.Field{Name: "f"}, "x", "", []byte{1})); got !=
		`{"fieldname":"f","originalname":"x","encoding":"7bit","mimetype":"application/octet-stream","buffer":{"type":"Buffer","data":[1]},"size":1}` {
		t.Errorf("FileObject without declared parts = %s", got)
	}
	tests := []struct {
		v    string
		name string
		size int64
		ok   bool
	}{
		{string(obj), "a.wav", 3, true},
		{`"data:image/png;base64,aGkh"`, "", 3, true},
		{`"data:image/png;base64,aGk="`, "", 2, true},
		{`"data:text/plain,hello"`, "", 5, true},
		{`""`, "", 0, false},
		{`{}`, "", 0, false},
		{`null`, "", 0, false},
		{``, "", 0, false},
	}
	for _, tt := range tests {
		name, size, ok := FileInfo(raw(tt.v))
		if name != tt.name || size != tt.size || ok != tt.ok {
			t.Errorf("FileInfo(%s) = %q, %d, %v", tt.v, name, size, ok)
		}
	}
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1500: "1.5 KB", 2_300_000: "2.3 MB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %s", n, got)
		}
	}
}

func TestItemLabel(t *testing.T) {
	item := &schema.Field{Name: "item", Label: "Item"}
	tests := []struct {
		f    schema.Field
		want string
	}{
		{schema.Field{Label: "Tools", Items: item}, "tool"},
		{schema.Field{Label: "Entries", Items: item}, "entry"},
		{schema.Field{Label: "Boxes", Items: item}, "box"},
		{schema.Field{Label: "Address", Items: item}, "address item"},
		{schema.Field{Label: "Tools", Items: &schema.Field{Label: "Function tool"}}, "Function tool"},
		{schema.Field{Items: item}, "item"},
	}
	for _, tt := range tests {
		if got := ItemLabel(tt.f); got != tt.want {
			t.Errorf("ItemLabel(%s) = %q, want %q", tt.f.Label, got, tt.want)
		}
	}
}

func TestSetMember(t *testing.T) {
	allowed := []json.RawMessage{raw(`"text"`), raw(`"audio"`), raw(`"image"`)}
	tests := []struct {
		list string
		i    int
		on   bool
		want string
	}{
		{``, 1, true, `["audio"]`},
		{`["audio"]`, 0, true, `["text","audio"]`},
		{`["audio","text"]`, 2, true, `["text","audio","image"]`},
		{`["text","audio"]`, 0, false, `["audio"]`},
		{`["audio"]`, 1, false, ``},
		{`["video","audio"]`, 0, true, `["text","audio","video"]`},
	}
	for _, tt := range tests {
		if got := string(SetMember(raw(tt.list), allowed, tt.i, tt.on)); got != tt.want {
			t.Errorf("SetMember(%s, %d, %v) = %s, want %s", tt.list, tt.i, tt.on, got, tt.want)
		}
	}
	if !HasMember(raw(`["a","b"]`), raw(`"b"`)) || HasMember(raw(`["a"]`), raw(`"b"`)) || HasMember(nil, raw(`"a"`)) {
		t.Error("HasMember")
	}
}

func TestPreview(t *testing.T) {
	small := []byte(`{"a":[1,2],"b":"x"}`)
	if got := Preview(small); got != "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": \"x\"\n}" {
		t.Errorf("Preview(small) = %q", got)
	}
	data := make([]int, 40000)
	for i := range data {
		data[i] = i % 256
	}
	url := DataURL("image/png", make([]byte, 30000))
	body, _ := json.Marshal(map[string]any{"audio": map[string]any{"buffer": map[string]any{"type": "Buffer", "data": data}, "size": 40000},
		"image": url, "tags": []string{"a", "b"}, "short": []int{1, 2, 3}})
	got := Preview(body)
	for _, want := range []string{
		`"data": "«40000 numbers, not shown here: 0, 1, 2, 3, 4, 5, 6, 7, …»"`,
		`"image": "data:image/png;base64,AAAA`, `… «40022 characters in all, not shown here»"`,
		`"size": 40000`, "\"tags\": [\n    \"a\",\n    \"b\"\n  ]", "\"short\": [\n    1,",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Preview lacks %q:\n%s", want, got)
		}
	}
	if len(got) > 2000 {
		t.Errorf("Preview of a %d-byte body is %d bytes", len(body), len(got))
	}
}

func TestLight(t *testing.T) {
	fs := testFields(t)
	big := FileObject(fs["audio"], "a.wav", "audio/wav", make([]byte, 40000))
	light := Light(fs["audio"], big)
	if want := `{"buffer":{"type":"Buffer","data":[]},"mimetype":"audio/wav","size":40000,"originalname":"a.wav","encoding":"7bit","fieldname":"audio"}`; string(light) != want {
		t.Errorf("Light = %.300s", light)
	}
	small := FileObject(fs["audio"], "a.wav", "audio/wav", []byte{1, 2})
	if got := Light(fs["audio"], small); string(got) != string(small) {
		t.Errorf("Light changed a small file: %s", got)
	}
	if got := Light(fs["logit_bias"], raw(`{"buffer":{"data":[1]}}`)); string(got) != `{"buffer":{"data":[1]}}` {
		t.Errorf("Light changed a field that is not a file: %s", got)
	}
}

func TestSplit(t *testing.T) {
	arr, ok := splitArray([]byte(` [ 1 , "a,]\"" , {"x":[1,{"y":"}"}]}, [ ], null ] `))
	var got []string
	for _, e := range arr {
		got = append(got, string(e))
	}
	if want := []string{`1`, `"a,]\""`, `{"x":[1,{"y":"}"}]}`, `[ ]`, `null`}; !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("splitArray = %q, %v", got, ok)
	}
	obj, ok := splitObject([]byte(`{ "a\u0062" : [1,2] , "c":"}" ,"d":{}}`))
	if !ok || len(obj) != 3 || obj[0].key != "ab" || string(obj[0].val) != "[1,2]" || string(obj[1].val) != `"}"` || string(obj[2].val) != "{}" {
		t.Errorf("splitObject = %v, %v", obj, ok)
	}
	for _, bad := range []string{``, `[`, `[1,`, `[1 2]`, `{"a" 1}`, `{"a":}`, `{1:2}`, `"x"`, `["unterminated]`} {
		_, ok1 := splitArray([]byte(bad))
		_, ok2 := splitObject([]byte(bad))
		if ok1 || ok2 {
			t.Errorf("split accepted %q", bad)
		}
	}
	if a, ok := splitArray([]byte(`[]`)); !ok || len(a) != 0 {
		t.Error("empty array")
	}
	if o, ok := splitObject([]byte(`{}`)); !ok || len(o) != 0 {
		t.Error("empty object")
	}
}

func TestNumberList(t *testing.T) {
	tests := []struct {
		v    string
		n    int
		head string
		ok   bool
	}{
		{`[1, -2.5e3 ,3]`, 3, "1|-2.5e3|3", true},
		{` [ ] `, 0, "", true},
		{`[1,2,3,4,5,6,7,8,9,10]`, 10, "1|2|3|4|5|6|7|8", true},
		{`[1,"2"]`, 0, "", false},
		{`[1,,2]`, 0, "", false},
		{`[1,]`, 0, "", false},
		{`[1] x`, 0, "", false},
		{`[[1]]`, 0, "", false},
		{`{"a":1}`, 0, "", false},
		{`[1`, 0, "", false},
	}
	for _, tt := range tests {
		n, head, ok := numberList([]byte(tt.v))
		if n != tt.n || strings.Join(head, "|") != tt.head || ok != tt.ok {
			t.Errorf("numberList(%s) = %d, %q, %v", tt.v, n, head, ok)
		}
	}
}
