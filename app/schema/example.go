package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// exampleText is the text sent for the prompt and used as the base of every generated string.
const exampleText = "Hello"

// maxSampleDepth bounds how deep ExampleRequest follows nested required fields.
const maxSampleDepth = 32

// ExampleRequest returns the body the playground's form sends for op when the user has filled only
// what is required: `model` (the first of op.Models, or "model") and `messages` (one user message
// saying "Hello") when the operation has them, then every other required field in the schema's
// order. The main text input (prompt, input, text or query, else the first required long text)
// says "Hello"; every other required field takes its example if that is valid, else its default if
// that is valid, else a generated value that respects its bounds. Optional fields are left out.
// The result is deterministic. It returns an error wrapping the Violations when CheckBody rejects
// the body.
func ExampleRequest(op *Operation) (json.RawMessage, error) {
	var obj objectWriter
	add := obj.add
	for i := range op.Fields {
		if f := &op.Fields[i]; f.Control == Model {
			model := "model"
			if len(op.Models) > 0 {
				model = op.Models[0]
			}
			m, _ := json.Marshal(model)
			add(f.Name, m)
		}
	}
	for i := range op.Fields {
		if f := &op.Fields[i]; f.Control == Messages {
			add(f.Name, exampleMessages(f))
		}
	}
	main := mainText(op.Fields)
	for i := range op.Fields {
		f := &op.Fields[i]
		if !f.Required || f.Control == Model || f.Control == Messages {
			continue
		}
		if i == main {
			if v := mainSample(f); len(f.Validate(v)) == 0 {
				add(f.Name, v)
				continue
			}
		}
		add(f.Name, sample(f, 0))
	}
	body := json.RawMessage(obj.close())
	if vs := CheckBody(op, body); len(vs) > 0 {
		return nil, fmt.Errorf("example request for %s %s is invalid: %w", op.Method, op.Path, vs)
	}
	return body, nil
}

// exampleMessages is a one-message conversation the messages field accepts: plain text content,
// else a list of content parts, else a message built from the field's item.
func exampleMessages(f *Field) json.RawMessage {
	candidates := []json.RawMessage{
		json.RawMessage(`[{"role":"user","content":"Hello"}]`),
		json.RawMessage(`[{"role":"user","content":[{"type":"text","text":"Hello"}]}]`),
	}
	for _, c := range candidates {
		if len(f.Validate(c)) == 0 {
			return c
		}
	}
	if f.Items != nil {
		if c := json.RawMessage("[" + string(sample(f.Items, 1)) + "]"); len(f.Validate(c)) == 0 {
			return c
		}
	}
	return candidates[0]
}

// mainText returns the index of the field that takes the user's prompt: a required text field
// (or list of texts, like an embedding's input) named prompt, input, text or query, else the first
// required long text, or -1.
func mainText(fields []Field) int {
	for _, name := range []string{"prompt", "input", "text", "query"} {
		for i := range fields {
			f := &fields[i]
			if f.Name == name && f.Required && (f.Control == Text || f.Control == Textarea || f.Control == Tags) {
				return i
			}
		}
	}
	for i := range fields {
		if f := &fields[i]; f.Required && f.Control == Textarea {
			return i
		}
	}
	return -1
}

// mainSample is the prompt's value: "Hello", as a one-item list for a list of texts.
func mainSample(f *Field) json.RawMessage {
	switch {
	case f.Control != Tags:
		return textSample(f)
	case f.Type == "":
		return quote(exampleText) // a string or a list of them: the string
	}
	return json.RawMessage(`["` + exampleText + `"]`)
}

// sample returns a value for f: its example when valid, else its default when valid, else one
// generated from the field's rules (which may still break a rule the generator cannot satisfy,
// such as a pattern; validation then says so).
func sample(f *Field, depth int) json.RawMessage {
	for _, v := range []json.RawMessage{f.Example, f.Default} {
		if len(bytes.TrimSpace(v)) > 0 && len(f.Validate(v)) == 0 {
			return v
		}
	}
	return generate(f, depth)
}

// generate makes a value of f's kind from its rules alone.
func generate(f *Field, depth int) json.RawMessage {
	if len(f.Enum) > 0 {
		return f.Enum[0]
	}
	switch f.Control {
	case Slider, Number:
		return numberSample(f)
	case Toggle:
		return json.RawMessage("false")
	case Text, Textarea, Model:
		return textSample(f)
	case URL:
		s := "https://example.com/input" + extension(f.Name)
		if f.checkString(s) != "" {
			return textSample(f)
		}
		return quote(s)
	case File:
		if f.Type == "string" {
			return quote(fileSample(f))
		}
		return objectSample(f, depth)
	case Object:
		return objectSample(f, depth)
	case Tags, List, Messages:
		return listSample(f, depth)
	case Choice:
		for i := range f.Choices {
			c := &f.Choices[i]
			if v := sample(c, depth+1); len(c.Validate(v)) == 0 && len(f.Validate(v)) == 0 {
				return v
			}
		}
		if len(f.Choices) > 0 {
			return sample(&f.Choices[0], depth+1)
		}
		return json.RawMessage("{}")
	case JSON:
		switch f.Type {
		case "array":
			return json.RawMessage("[]")
		case "string":
			return quote(exampleText)
		case "number", "integer":
			return json.RawMessage("0")
		case "boolean":
			return json.RawMessage("false")
		}
		return json.RawMessage("{}")
	}
	return json.RawMessage("{}") // ReadOnly: validation reports it
}

// numberSample picks a number within the field's bounds: the lower bound (or the step above an
// exclusive one), 1 clamped into range, the midpoint, the upper bound, or the step below it.
func numberSample(f *Field) json.RawMessage {
	st := f.Step
	if st <= 0 {
		st = 1
		if f.Type != "integer" && f.Min != nil && f.Max != nil && *f.Max-*f.Min < 2 {
			st = (*f.Max - *f.Min) / 100
		}
	}
	var cands []float64
	if f.Min != nil {
		cands = append(cands, *f.Min, *f.Min+st)
	}
	one := 1.0
	if f.Min != nil && one < *f.Min {
		one = *f.Min
	}
	if f.Max != nil && one > *f.Max {
		one = *f.Max
	}
	cands = append(cands, one)
	if f.Min != nil && f.Max != nil {
		mid := (*f.Min + *f.Max) / 2
		if f.Type == "integer" {
			mid = math.Floor(mid)
		}
		cands = append(cands, mid)
	}
	if f.Max != nil {
		cands = append(cands, *f.Max, *f.Max-st)
	}
	for _, x := range cands {
		if v := FormatNumber(x); f.checkNumber(json.Number(v)) == "" {
			return v
		}
	}
	return FormatNumber(cands[0])
}

// textSample is "Hello" cut or padded to the field's length bounds.
func textSample(f *Field) json.RawMessage {
	r := []rune(exampleText)
	if f.MinLength != nil {
		for len(r) < *f.MinLength {
			r = append(r, []rune(" "+exampleText)...)
		}
		r = r[:max(*f.MinLength, len(exampleText))]
	}
	if f.MaxLength != nil && len(r) > *f.MaxLength && *f.MaxLength >= 0 {
		r = r[:*f.MaxLength]
	}
	return quote(string(r))
}

// fileSample is a small file as a data URL (plain base64 for format "byte").
func fileSample(f *Field) string {
	if f.Format == "byte" {
		return "SGVsbG8=" // "Hello"
	}
	switch extension(f.Name) {
	case ".png":
		return "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
	case ".mp3":
		return "data:audio/mpeg;base64,SGVsbG8="
	case ".mp4":
		return "data:video/mp4;base64,SGVsbG8="
	case ".pdf":
		return "data:application/pdf;base64,SGVsbG8="
	}
	return "data:text/plain;base64,SGVsbG8="
}

// extension guesses a file extension from a field name: image → .png, audio → .mp3, video → .mp4,
// document → .pdf, else none.
func extension(name string) string {
	name = strings.ToLower(name)
	switch {
	case strings.Contains(name, "image") || strings.Contains(name, "img") || strings.Contains(name, "mask") || strings.Contains(name, "photo"):
		return ".png"
	case strings.Contains(name, "audio") || strings.Contains(name, "voice") || strings.Contains(name, "speech") || strings.Contains(name, "music"):
		return ".mp3"
	case strings.Contains(name, "video"):
		return ".mp4"
	case strings.Contains(name, "document") || strings.Contains(name, "pdf") || strings.Contains(name, "file"):
		return ".pdf"
	}
	return ""
}

// objectSample is an object holding samples of the field's required sub-fields, in order.
func objectSample(f *Field, depth int) json.RawMessage {
	var obj objectWriter
	for i := range f.Fields {
		sf := &f.Fields[i]
		if !sf.Required || depth >= maxSampleDepth {
			continue
		}
		obj.add(sf.Name, sample(sf, depth+1))
	}
	return obj.close()
}

// listSample is [] or, when the list needs items, that many samples of its item.
func listSample(f *Field, depth int) json.RawMessage {
	if f.MinItems == nil || *f.MinItems <= 0 || f.Items == nil || depth >= maxSampleDepth {
		return json.RawMessage("[]")
	}
	item := compact(sample(f.Items, depth+1))
	parts := make([]string, *f.MinItems)
	for i := range parts {
		parts[i] = string(item)
	}
	return json.RawMessage("[" + strings.Join(parts, ",") + "]")
}

func quote(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// compact removes insignificant space from a valid JSON value (and returns anything else as is).
// objectWriter writes a JSON object member by member, in the order they are added, with each
// value compacted.
type objectWriter struct {
	buf bytes.Buffer
	n   int
}

func (w *objectWriter) add(name string, v json.RawMessage) {
	if w.n == 0 {
		w.buf.WriteByte('{')
	} else {
		w.buf.WriteByte(',')
	}
	w.n++
	k, _ := json.Marshal(name)
	w.buf.Write(k)
	w.buf.WriteByte(':')
	w.buf.Write(compact(v))
}

// close ends the object and returns it ("{}" when nothing was added).
func (w *objectWriter) close() []byte {
	if w.n == 0 {
		return []byte("{}")
	}
	w.buf.WriteByte('}')
	return w.buf.Bytes()
}

func compact(v json.RawMessage) json.RawMessage {
	var c bytes.Buffer
	if json.Compact(&c, v) != nil {
		return v
	}
	return c.Bytes()
}
