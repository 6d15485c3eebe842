package schema

import (
	"encoding/json"
	"strings"
	"testing"
)

func mustSchema(t *testing.T, src string) *Schema {
	t.Helper()
	var s Schema
	if err := json.Unmarshal([]byte(src), &s); err != nil {
		t.Fatalf("bad test schema %s: %v", src, err)
	}
	return &s
}

func fp(x float64) *float64 { return &x }

func TestFieldOf(t *testing.T) {
	tests := []struct {
		name     string
		prop     string
		schema   string
		control  Control
		typ      string
		nullable bool
		min, max *float64
		step     float64
		enum     int
	}{
		{"bounded number is a slider", "temperature", `{"type":"number","minimum":0,"maximum":2}`, Slider, "number", false, fp(0), fp(2), 0.01, 0},
		{"bounded integer steps by one", "n", `{"type":"integer","minimum":1,"maximum":8}`, Slider, "integer", false, fp(1), fp(8), 1, 0},
		{"min_p steps land on its bounds", "min_p", `{"type":"number","minimum":0.001,"maximum":0.999}`, Slider, "number", false, fp(0.001), fp(0.999), 0.001, 0},
		{"multipleOf is the step", "x", `{"type":"number","minimum":0,"maximum":10,"multipleOf":0.5}`, Slider, "number", false, fp(0), fp(10), 0.5, 0},
		{"number with one bound is a number box", "max_tokens", `{"type":"number","minimum":1}`, Number, "number", false, fp(1), nil, 0, 0},
		{"3.0 nullable number", "frequency_penalty", `{"type":"number","nullable":true,"minimum":-2,"maximum":2}`, Slider, "number", true, fp(-2), fp(2), 0.01, 0},
		{"3.1 type list with null", "presence_penalty", `{"type":["number","null"],"minimum":-2,"maximum":2}`, Slider, "number", true, fp(-2), fp(2), 0.01, 0},
		{"anyOf number or null", "top_k", `{"anyOf":[{"type":"number"},{"type":"null"}]}`, Number, "number", true, nil, nil, 0, 0},
		{"3.1 exclusive bound", "x", `{"type":"number","exclusiveMinimum":0,"maximum":1}`, Slider, "number", false, fp(0), fp(1), 0.01, 0},
		{"boolean is a toggle", "stream", `{"type":"boolean","default":false}`, Toggle, "boolean", false, nil, nil, 0, 0},
		{"string enum is a select, repeats folded", "reasoning_effort", `{"type":"string","enum":["low","medium","high","low"]}`, Select, "string", false, nil, nil, 0, 3},
		{"integer enum is a select", "n", `{"type":"integer","enum":[1,2,4]}`, Select, "integer", false, nil, nil, 0, 3},
		{"const is a select", "type", `{"const":"text"}`, Select, "string", false, nil, nil, 0, 1},
		{"enum without type infers it", "size", `{"enum":["1024x1024","512x512"]}`, Select, "string", false, nil, nil, 0, 2},
		{"nullable enum drops null", "voice", `{"type":"string","enum":["a",null],"nullable":true}`, Select, "string", true, nil, nil, 0, 1},
		{"plain string is text", "user", `{"type":"string"}`, Text, "string", false, nil, nil, 0, 0},
		{"prompt is a textarea", "prompt", `{"type":"string"}`, Textarea, "string", false, nil, nil, 0, 0},
		{"long string is a textarea", "notes", `{"type":"string","maxLength":4000}`, Textarea, "string", false, nil, nil, 0, 0},
		{"stop is tags", "stop", `{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}},{"nullable":true}]}`, Tags, "", true, nil, nil, 0, 0},
		{"model is an ordinary field until a kind owns it", "model", `{"type":"string","enum":["a","b"]}`, Select, "string", false, nil, nil, 0, 2},
		{"messages is an ordinary field until a kind owns it", "messages", `{"type":"array","items":{"type":"object"}}`, List, "array", false, nil, nil, 0, 0},
		{"object with properties is a sub-form", "stream_options", `{"type":"object","properties":{"include_usage":{"type":"boolean"}}}`, Object, "object", false, nil, nil, 0, 0},
		{"free-form object is JSON", "logit_bias", `{"type":"object","nullable":true,"additionalProperties":{"type":"integer"}}`, JSON, "object", true, nil, nil, 0, 0},
		{"union of objects is a choice", "response_format", `{"oneOf":[{"type":"object","properties":{"type":{"const":"text"}}},{"type":"object","properties":{"type":{"const":"json_object"}}}]}`, Choice, "", false, nil, nil, 0, 0},
		{"enum or object is a choice", "tool_choice", `{"anyOf":[{"type":"string","enum":["none","auto"]},{"type":"object","properties":{"type":{"type":"string"}}}]}`, Choice, "", false, nil, nil, 0, 0},
		{"uri string is a URL", "image_url", `{"type":"string","format":"uri"}`, URL, "string", false, nil, nil, 0, 0},
		{"_url name is a URL", "video_url", `{"type":"string"}`, URL, "string", false, nil, nil, 0, 0},
		{"binary object is a file", "audio", `{"type":"object","format":"binary","properties":{"mimetype":{"type":"string"}}}`, File, "object", false, nil, nil, 0, 0},
		{"array of strings is tags", "search_domain_filter", `{"type":"array","items":{"type":"string"}}`, Tags, "array", false, nil, nil, 0, 0},
		{"array of enum strings is a multi-select", "include", `{"type":"array","nullable":true,"items":{"type":"string","enum":["a","b"]}}`, Tags, "array", true, nil, nil, 0, 0},
		{"array of objects is a list", "tools", `{"type":"array","items":{"type":"object","properties":{"type":{"const":"function"}}}}`, List, "array", false, nil, nil, 0, 0},
		{"array without items is JSON", "x", `{"type":"array"}`, JSON, "array", false, nil, nil, 0, 0},
		{"no type at all is JSON", "spaces_between_special_tokens", `{"nullable":true}`, JSON, "", true, nil, nil, 0, 0},
		{"several types are a choice", "seed", `{"type":["string","integer"]}`, Choice, "", false, nil, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fieldOf(tt.prop, mustSchema(t, tt.schema), 0)
			if got, want := f.Control, tt.control; got != want {
				t.Fatalf("control = %q, want %q", got, want)
			}
			if got, want := f.Type, tt.typ; got != want {
				t.Errorf("type = %q, want %q", got, want)
			}
			if got, want := f.Nullable, tt.nullable; got != want {
				t.Errorf("nullable = %v, want %v", got, want)
			}
			if !sameBound(f.Min, tt.min) || !sameBound(f.Max, tt.max) {
				t.Errorf("bounds = %v..%v, want %v..%v", deref(f.Min), deref(f.Max), deref(tt.min), deref(tt.max))
			}
			if got, want := f.Step, tt.step; got != want {
				t.Errorf("step = %v, want %v", got, want)
			}
			if got, want := len(f.Enum), tt.enum; got != want {
				t.Errorf("enum has %d values, want %d", got, want)
			}
			if f.Control == ReadOnly && !strings.Contains(f.Note, "not sent") {
				t.Errorf("read-only note %q does not say the value is not sent", f.Note)
			}
		})
	}
}

func sameBound(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func deref(p *float64) any {
	if p == nil {
		return "nil"
	}
	return *p
}

func TestLabel(t *testing.T) {
	tests := map[string]string{
		"max_tokens":    "Max tokens",
		"top_p":         "Top P",
		"image_url":     "Image URL",
		"temperature":   "Temperature",
		"stop":          "Stop",
		"response-mode": "Response mode",
	}
	for in, want := range tests {
		if got := label(in, &Schema{}); got != want {
			t.Errorf("label(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := label("x", &Schema{Title: "Custom"}), "Custom"; got != want {
		t.Errorf("label with title = %q, want %q", got, want)
	}
}

func TestFieldsKeepDocumentOrderAndRequired(t *testing.T) {
	s := mustSchema(t, `{"type":"object","required":["model","messages"],"properties":{
		"model":{"type":"string"},"messages":{"type":"array"},"zeta":{"type":"number"},"alpha":{"type":"boolean"}}}`)
	fields := Fields(s)
	var names []string
	for _, f := range fields {
		names = append(names, f.Name)
	}
	if got, want := strings.Join(names, ","), "model,messages,zeta,alpha"; got != want {
		t.Fatalf("order = %s, want %s", got, want)
	}
	if !fields[0].Required || !fields[1].Required || fields[2].Required {
		t.Fatalf("required flags wrong: %+v", fields)
	}
}

// TestOwn checks that the fields an endpoint kind gives the run area become its controls: the
// model the picker's (any id), the conversation the messages control with its item schema, and
// any other field only marked.
func TestOwn(t *testing.T) {
	s := mustSchema(t, `{"type":"object","required":["model","prompt"],"properties":{
		"model":{"type":"string","enum":["a","b"]},
		"messages":{"type":"array","maxItems":9,"items":{"type":"object","properties":{"role":{"type":"string"}}}},
		"prompt":{"type":"string","maxLength":10},
		"n":{"type":"integer"}}}`)
	op := &Operation{Body: s, Fields: Fields(s)}
	if !op.Own("model", Model) || !op.Own("messages", Messages) || !op.Own("prompt", Textarea) || op.Own("absent", Model) {
		t.Fatal("Own reported the wrong fields")
	}
	m, msgs, prompt, n := op.Field("model"), op.Field("messages"), op.Field("prompt"), op.Field("n")
	if m.Control != Model || m.Type != "string" || len(m.Enum) != 0 || !m.Required || !m.Page {
		t.Errorf("model = %+v", m)
	}
	if msgs.Control != Messages || msgs.Type != "array" || msgs.Items == nil || msgs.Items.Name != "message" ||
		msgs.Items.Control != Object || msgs.MaxItems == nil || *msgs.MaxItems != 9 || !msgs.Page {
		t.Errorf("messages = %+v", msgs)
	}
	if prompt.Control != Textarea || !prompt.Page || prompt.MaxLength == nil || *prompt.MaxLength != 10 {
		t.Errorf("prompt = %+v", prompt)
	}
	if n.Page {
		t.Errorf("n is not the run area's: %+v", n)
	}
	if rule := prompt.Check(json.RawMessage(`"far too long a prompt"`)); rule == "" {
		t.Error("an owned field is still validated by its schema")
	}
}

// TestLocalFileObjects checks that a bare object described as a local file is a file picker (alone
// or in a list, as gpt-image-2's edit `image` and `mask`), and that other bare objects stay JSON.
func TestLocalFileObjects(t *testing.T) {
	tests := []struct {
		name, src string
		want      Control
		labels    string
	}{
		{"mask", `{"type":"object","description":"A local PNG file used as a mask."}`, File, ""},
		{"image", `{"anyOf":[{"type":"object"},{"type":"array","items":{"type":"object"},"maxItems":16}],
			"description":"Each must be a local file (png, webp, or jpg), up to 50MB."}`, Choice, "one file,several files"},
		{"variables", `{"type":"object","description":"values like images or files: a local map"}`, JSON, ""},
		{"metadata", `{"type":"object"}`, JSON, ""},
		{"image_size", `{"type":"object","properties":{"width":{"type":"integer"}},"description":"a local file"}`, Object, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fieldOf(tt.name, mustSchema(t, tt.src), 0)
			if f.Control != tt.want {
				t.Fatalf("control %s, want %s", f.Control, tt.want)
			}
			var labels []string
			for _, c := range f.Choices {
				labels = append(labels, c.Label)
			}
			if got := strings.Join(labels, ","); got != tt.labels {
				t.Errorf("choices %q, want %q", got, tt.labels)
			}
			if f.Control == Choice && (f.Choices[0].Control != File || f.Choices[1].Items.Control != File) {
				t.Errorf("alternatives %+v", f.Choices)
			}
		})
	}
}
