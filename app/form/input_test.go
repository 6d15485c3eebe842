package form

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"playground/app/schema"
)

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
	v := FileValue("a b;c.wav", "audio/wav", []byte{0, 7, 255})
	if want := `"data:audio/wav;name=a%20b%3Bc.wav;base64,AAf/"`; string(v) != want {
		t.Errorf("FileValue = %s\nwant %s", v, want)
	}
	var s string
	_ = json.Unmarshal(v, &s)
	if got := DataURLName(s); got != "a b;c.wav" {
		t.Errorf("DataURLName = %q, want the file name back", got)
	}
	if vs := fs["audio"].Validate(v); len(vs) != 0 {
		t.Errorf("a file object field does not take the named data URL: %v", vs)
	}
	if name, size, ok := FileInfo(v); !ok || name != "a b;c.wav" || size != 3 {
		t.Errorf("FileInfo = %q %d %v", name, size, ok)
	}
	if got := NamedDataURL("", "", []byte{1}); got != "data:application/octet-stream;base64,AQ==" {
		t.Errorf("NamedDataURL without a name = %s", got)
	}
	if got := DataURLName("data:image/png;base64,AAAA"); got != "" {
		t.Errorf("DataURLName of an unnamed data URL = %q", got)
	}
	tests := []struct {
		v    string
		name string
		size int64
		ok   bool
	}{
		{`{"originalname":"a.wav","size":3}`, "a.wav", 3, true},
		{`"data:audio/wav;name=a.wav;base64,AAf/"`, "a.wav", 3, true},
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
	big := raw(`{"buffer":{"type":"Buffer","data":[` + strings.Repeat("0,", 40000) + `0]},"mimetype":"audio/wav","size":40001,"originalname":"a.wav","encoding":"7bit","fieldname":"audio"}`)
	light := Light(fs["audio"], big)
	if want := `{"buffer":{"type":"Buffer","data":[]},"mimetype":"audio/wav","size":40001,"originalname":"a.wav","encoding":"7bit","fieldname":"audio"}`; string(light) != want {
		t.Errorf("Light = %.300s", light)
	}
	small := raw(`{"buffer":{"type":"Buffer","data":[1,2]},"mimetype":"audio/wav"}`)
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
