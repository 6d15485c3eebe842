package form

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"playground/app/schema"
)

// ParseJSON reads the text of a JSON editor. Blank text returns (nil, ""); a valid value returns it
// compacted; anything else returns the error with its position, e.g.
// "line 3, column 5: invalid character '}' looking for beginning of object key string".
func ParseJSON(text string) (json.RawMessage, string) {
	if strings.TrimSpace(text) == "" {
		return nil, ""
	}
	var v any
	err := json.Unmarshal([]byte(text), &v)
	if err == nil {
		return compact(json.RawMessage(text)), ""
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset)
		if strings.Contains(se.Error(), "unexpected end") {
			off = len(strings.TrimRightFunc(text, unicode.IsSpace)) + 1
		}
		line, col := LineCol(text, off-1)
		return nil, fmt.Sprintf("line %d, column %d: %s", line, col, se.Error())
	}
	return nil, err.Error()
}

// LineCol converts a byte offset in text to a 1-based line and column (counted in characters). An
// offset past the end points just after the last character.
func LineCol(text string, offset int) (line, col int) {
	if offset < 0 {
		offset = 0
	}
	if offset > len(text) {
		offset = len(text)
	}
	before := text[:offset]
	line = strings.Count(before, "\n") + 1
	if i := strings.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, utf8.RuneCountInString(before) + 1
}

// Indent pretty-prints a JSON value with two spaces, or returns it as it is when it is not valid.
func Indent(v json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, v, "", "  ") != nil {
		return string(v)
	}
	return b.String()
}

// numericItems reports whether a Tags field holds numbers.
func numericItems(f schema.Field) bool {
	return f.Control == schema.Tags && f.Items != nil && (f.Items.Control == schema.Number || f.Items.Control == schema.Slider)
}

// Parse turns what was typed into a control into the value to send, like Field.ParseInput, and also
// reads URL boxes (a string), JSON editors (with the error's line and column), and tags of numbers
// (one per line, each bad line named). Empty text means not sent: (nil, "", true).
func Parse(f schema.Field, text string) (v json.RawMessage, rule string, ok bool) {
	switch {
	case f.Control == schema.URL:
		if text == "" {
			return nil, "", true
		}
		b, _ := json.Marshal(text)
		return b, "", true
	case f.Control == schema.JSON:
		v, msg := ParseJSON(text)
		if msg != "" {
			return nil, msg, false
		}
		return v, "", true
	case numericItems(f):
		var els []json.RawMessage
		var bad []string
		for n, line := range strings.Split(text, "\n") {
			t := strings.TrimSpace(line)
			if t == "" {
				continue
			}
			x, rule, ok := f.Items.ParseInput(t)
			if !ok {
				bad = append(bad, fmt.Sprintf("line %d: %s", n+1, rule))
				continue
			}
			els = append(els, x)
		}
		if len(bad) > 0 {
			return nil, strings.Join(bad, "; "), false
		}
		if len(els) == 0 {
			return nil, "", true
		}
		return encodeArray(els), "", true
	}
	return f.ParseInput(text)
}

// Display is the text a control shows for a value, the inverse of Parse.
func Display(f schema.Field, v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	switch {
	case f.Control == schema.URL || (f.Control == schema.File && f.Type == "string"):
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	case f.Control == schema.JSON:
		return Indent(v)
	case numericItems(f):
		if els, err := elements(v); err == nil {
			lines := make([]string, len(els))
			for i, e := range els {
				lines[i] = string(compact(e))
			}
			return strings.Join(lines, "\n")
		}
	}
	return f.Display(v)
}

// AcceptsDataURL reports whether a URL field says it also takes file content inline: its name or
// description mentions base64 or data URIs.
func AcceptsDataURL(f schema.Field) bool {
	s := strings.ToLower(f.Name + " " + f.Label + " " + f.Help)
	for _, w := range []string{"base64", "data uri", "data url", "data:"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// DataURL encodes file content as a data URL.
func DataURL(mime string, data []byte) string {
	if mime == "" {
		mime = "application/octet-stream"
	}
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)
}

// NamedDataURL encodes file content as a data URL that carries the file's name as a parameter
// (data:audio/wav;name=voice.wav;base64,…; RFC 2397 allows parameters): the name the file's
// multipart part gets when the request is sent as a form (see package upload).
func NamedDataURL(mime, name string, data []byte) string {
	if name == "" {
		return DataURL(mime, data)
	}
	if mime == "" {
		mime = "application/octet-stream"
	}
	return "data:" + mime + ";name=" + escapeName(name) + ";base64," + base64.StdEncoding.EncodeToString(data)
}

// FileValue is the value a File field holds for a picked file: its named data URL, whatever the
// field's type (a file object in the schema is a multipart file part on the wire, see package
// upload), so the form never builds the 3.6× {"type":"Buffer","data":[…]} object.
func FileValue(name, mime string, data []byte) json.RawMessage {
	b, _ := json.Marshal(NamedDataURL(mime, name, data))
	return b
}

// escapeName percent-encodes what may not stand in a data URL parameter.
func escapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`;,%"'()<>\`, c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// DataURLName is the name parameter of a data URL, "" when it has none.
func DataURLName(s string) string {
	head, _, ok := strings.Cut(s, ",")
	if !ok || !strings.HasPrefix(head, "data:") {
		return ""
	}
	for _, p := range strings.Split(head, ";")[1:] {
		if v, ok := strings.CutPrefix(p, "name="); ok {
			if name, err := url.PathUnescape(v); err == nil {
				return name
			}
			return v
		}
	}
	return ""
}

// FileInfo describes a File field's value for the user: the file name (from a file object) and the
// size in bytes (from a file object, or the content of a data URL); ok is false when v holds no file.
func FileInfo(v json.RawMessage) (name string, size int64, ok bool) {
	switch kind(v) {
	case '"':
		var s string
		if json.Unmarshal(v, &s) != nil || s == "" {
			return "", 0, false
		}
		if rest, found := strings.CutPrefix(s, "data:"); found {
			if i := strings.Index(rest, ";base64,"); i >= 0 {
				b64 := strings.TrimRight(rest[i+len(";base64,"):], "=")
				return DataURLName(s), int64(len(b64) * 3 / 4), true
			}
			if i := strings.IndexByte(rest, ','); i >= 0 {
				return "", int64(len(rest) - i - 1), true
			}
		}
		return "", int64(len(s)), true
	case '{':
		var o struct {
			Name *string `json:"originalname"`
			Size *int64  `json:"size"`
		}
		if json.Unmarshal(v, &o) != nil || (o.Name == nil && o.Size == nil) {
			return "", 0, false
		}
		if o.Name != nil {
			name = *o.Name
		}
		if o.Size != nil {
			size = *o.Size
		}
		return name, size, true
	}
	return "", 0, false
}

// FormatSize writes a byte count for people: "512 B", "3.4 KB", "1.2 MB".
func FormatSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
}

// ItemLabel names one item of a list field for its buttons ("Add tool"): the items' own label when
// the schema titles them, else the list's label in the singular, lower-cased.
func ItemLabel(f schema.Field) string {
	if f.Items != nil && f.Items.Label != "" && !strings.EqualFold(f.Items.Label, "item") && !strings.EqualFold(f.Items.Label, "message") {
		return f.Items.Label
	}
	l := strings.ToLower(f.Label)
	switch {
	case l == "":
		return "item"
	case strings.HasSuffix(l, "ies"):
		return l[:len(l)-3] + "y"
	case strings.HasSuffix(l, "sses"), strings.HasSuffix(l, "shes"), strings.HasSuffix(l, "ches"), strings.HasSuffix(l, "xes"):
		return l[:len(l)-2]
	case strings.HasSuffix(l, "s") && !strings.HasSuffix(l, "ss"):
		return l[:len(l)-1]
	}
	return l + " item"
}

// SetMember returns a multi-select's list after checking (on) or unchecking allowed value i: the
// chosen values in the order of the allowed ones, then any other values the list held. It returns
// nil when nothing is left chosen.
func SetMember(list json.RawMessage, allowed []json.RawMessage, i int, on bool) json.RawMessage {
	els, _ := elements(list)
	has := func(v json.RawMessage) bool {
		for _, e := range els {
			if Equal(e, v) {
				return true
			}
		}
		return false
	}
	var out []json.RawMessage
	for j, a := range allowed {
		if (j == i && on) || (j != i && has(a)) {
			out = append(out, a)
		}
	}
	for _, e := range els {
		known := false
		for _, a := range allowed {
			if Equal(e, a) {
				known = true
			}
		}
		if !known {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return encodeArray(out)
}

// HasMember reports whether the list holds v.
func HasMember(list json.RawMessage, v json.RawMessage) bool {
	els, _ := elements(list)
	for _, e := range els {
		if Equal(e, v) {
			return true
		}
	}
	return false
}

// previewLimit is the body size up to which Preview shows a body whole.
const previewLimit = 64 << 10

// Preview pretty-prints a request body for people. A body over 64 KB has its long parts shortened:
// a list of more than 64 numbers (a file's bytes) and a string of more than 2,000 characters (a data
// URL) are replaced by a string that says what was left out, so the preview stays readable and
// cheap to draw; the request itself is sent whole.
func Preview(body []byte) string {
	if len(body) <= previewLimit {
		return Indent(body)
	}
	return Indent(elide(body))
}

func elide(v json.RawMessage) json.RawMessage {
	switch kind(v) {
	case '{':
		ms, ok := splitObject(v)
		if !ok {
			return v
		}
		for i := range ms {
			ms[i].val = elide(ms[i].val)
		}
		return encodeObject(ms)
	case '[':
		if n, head, ok := numberList(v); ok && n > 64 {
			b, _ := json.Marshal(fmt.Sprintf("«%d numbers, not shown here: %s, …»", n, strings.Join(head, ", ")))
			return b
		}
		els, ok := splitArray(v)
		if !ok {
			return v
		}
		for i := range els {
			els[i] = elide(els[i])
		}
		return encodeArray(els)
	case '"':
		if len(v) <= 2000 {
			return v
		}
		var s string
		if json.Unmarshal(v, &s) != nil || utf8.RuneCountInString(s) <= 2000 {
			return v
		}
		r := []rune(s)
		b, _ := json.Marshal(fmt.Sprintf("%s… «%d characters in all, not shown here»", string(r[:80]), len(r)))
		return b
	}
	return v
}

// Light returns the value to check a field's value with while it is edited: for a file object (a
// File field of object type) whose buffer is a {"type":"Buffer","data":[…]} the data list is
// emptied, since those bytes were read from a picked file and checking millions of numbers on every
// change would stall the page; other values are returned as they are.
func Light(f schema.Field, v json.RawMessage) json.RawMessage {
	if f.Control != schema.File || f.Type == "string" || kind(v) != '{' || len(v) < previewLimit {
		return v
	}
	ms, ok := splitObject(v)
	if !ok {
		return v
	}
	for i, m := range ms {
		if m.key != "buffer" || kind(m.val) != '{' {
			continue
		}
		bs, ok := splitObject(m.val)
		if !ok {
			return v
		}
		for j, b := range bs {
			if b.key == "data" && kind(b.val) == '[' {
				bs[j].val = json.RawMessage("[]")
			}
		}
		ms[i].val = encodeObject(bs)
	}
	return encodeObject(ms)
}

// numberList reports whether v is a list of numbers only, with how many and the first eight.
func numberList(v []byte) (n int, head []string, ok bool) {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '[' {
		return 0, nil, false
	}
	start, filled := i+1, false
	for i = start; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			filled = true
		case c == ' ', c == '\n', c == '\t', c == '\r':
		case c == ',', c == ']':
			switch {
			case filled:
				n++
				if len(head) < 8 {
					head = append(head, string(bytes.TrimSpace(v[start:i])))
				}
			case c == ',' || n > 0:
				return 0, nil, false
			}
			if c == ']' {
				if len(bytes.TrimSpace(v[i+1:])) > 0 {
					return 0, nil, false
				}
				return n, head, true
			}
			start, filled = i+1, false
		default:
			return 0, nil, false
		}
	}
	return 0, nil, false
}
