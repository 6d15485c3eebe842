package schema

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ParseInput turns what a user typed into a field's control into the JSON value to send. It returns
// ok=false with the broken rule when the text is not a value of the field's type; the caller keeps
// the text so nothing typed is lost. Empty text means "not sent" and returns a nil value with ok=true.
// Rules beyond the type (bounds, lengths) are checked by Field.Check, so a typed 3 for a field with
// maximum 2 is a value that fails validation, not unparsable text.
func (f Field) ParseInput(text string) (v json.RawMessage, rule string, ok bool) {
	switch f.Control {
	case Slider, Number:
		t := strings.TrimSpace(text)
		if t == "" {
			return nil, "", true
		}
		x, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, "must be a number", false
		}
		if f.Type == "integer" && x != math.Trunc(x) {
			return nil, "must be a whole number", false
		}
		return FormatNumber(x), "", true
	case Text, Textarea:
		if text == "" {
			return nil, "", true
		}
		b, _ := json.Marshal(text)
		return b, "", true
	case Toggle:
		switch strings.TrimSpace(text) {
		case "true":
			return json.RawMessage("true"), "", true
		case "false":
			return json.RawMessage("false"), "", true
		case "":
			return nil, "", true
		}
		return nil, "must be true or false", false
	case Tags:
		tags := SplitTags(text)
		if len(tags) == 0 {
			return nil, "", true
		}
		b, _ := json.Marshal(tags)
		return b, "", true
	}
	return nil, "cannot be typed in", false
}

// FormatNumber writes a number the way JSON and a person both read it: integers without a decimal
// point, others in the shortest form that round-trips.
func FormatNumber(x float64) json.RawMessage {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return json.RawMessage(strconv.FormatInt(int64(x), 10))
	}
	return json.RawMessage(strconv.FormatFloat(x, 'g', -1, 64))
}

// SplitTags reads a tags box: one value per line, empty lines dropped. Values keep their spaces,
// since stop sequences are often whitespace-sensitive.
func SplitTags(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// Display turns a value back into the text its control shows, the inverse of ParseInput.
func (f Field) Display(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	switch f.Control {
	case Text, Textarea:
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	case Tags:
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		var list []string
		if json.Unmarshal(v, &list) == nil {
			return strings.Join(list, "\n")
		}
	}
	return string(v)
}

// Carry moves form values to another model's fields: a value is kept when the new fields have a
// parameter of the same name that accepts it; every other name is returned in aside, sorted, so the
// caller can keep those values and tell the user.
func Carry(fields []Field, values Values) (kept Values, aside []string) {
	byName := make(map[string]Field, len(fields))
	for _, f := range fields {
		byName[f.Name] = f
	}
	kept = Values{}
	for name, v := range values {
		f, ok := byName[name]
		if ok && f.Control != ReadOnly && f.Check(v) == "" {
			kept[name] = v
			continue
		}
		aside = append(aside, name)
	}
	sort.Strings(aside)
	return kept, aside
}
