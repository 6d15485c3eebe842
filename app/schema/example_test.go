package schema

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// testOperation parses a one-operation document whose JSON request body is the schema body.
func testOperation(t *testing.T, body string) *Operation {
	t.Helper()
	doc, err := parseOwned([]byte(`{"openapi":"3.1.0","paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":` + body + `}}}}}}}`))
	if err != nil {
		t.Fatalf("bad test schema %s: %v", body, err)
	}
	if len(doc.Operations) != 1 {
		t.Fatalf("%d operations, want 1", len(doc.Operations))
	}
	return doc.Operations[0]
}

// required wraps properties in a body schema that requires every one of them.
func required(names, props string) string {
	return `{"type":"object","required":[` + names + `],"properties":{` + props + `}}`
}

func TestExampleRequest(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"chat: model, messages, optional fields left out",
			`{"type":"object","required":["model","messages"],"properties":{"temperature":{"type":"number","minimum":0,"maximum":2},
			"messages":{"type":"array","items":{"type":"object"}},"model":{"type":"string","enum":["a/b","c"]},"stream":{"type":"boolean"}}}`,
			`{"model":"a/b","messages":[{"role":"user","content":"Hello"}]}`},
		{"model without ids", required(`"model"`, `"model":{"type":"string"}`), `{"model":"model"}`},
		{"messages of content parts",
			required(`"messages"`, `"messages":{"type":"array","items":{"type":"object","required":["role","content"],"properties":{
				"role":{"type":"string","enum":["user"]},"content":{"type":"array","items":{"type":"object","required":["type","text"],"properties":{
				"type":{"const":"text"},"text":{"type":"string"}}}}}}}`),
			`{"messages":[{"role":"user","content":[{"type":"text","text":"Hello"}]}]}`},
		{"prompt is Hello, even with an example", required(`"prompt"`, `"prompt":{"type":"string","example":"a cat"}`), `{"prompt":"Hello"}`},
		{"main text by name before a textarea",
			required(`"instructions","query"`, `"instructions":{"type":"string"},"query":{"type":"string","example":"why"}`),
			`{"instructions":"Hello","query":"Hello"}`},
		{"first required textarea", required(`"notes"`, `"notes":{"type":"string","maxLength":4000}`), `{"notes":"Hello"}`},
		{"input as a string or list", required(`"input"`, `"input":{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]}`), `{"input":"Hello"}`},
		{"input as a list", required(`"input"`, `"input":{"type":"array","items":{"type":"string"}}`), `{"input":["Hello"]}`},
		{"slider: the minimum", required(`"t"`, `"t":{"type":"number","minimum":0.5,"maximum":2}`), `{"t":0.5}`},
		{"exclusive minimum: a step above", required(`"t"`, `"t":{"type":"number","exclusiveMinimum":0,"maximum":1}`), `{"t":0.01}`},
		{"exclusive integer minimum", required(`"n"`, `"n":{"type":"integer","exclusiveMinimum":0}`), `{"n":1}`},
		{"unbounded number: 1", required(`"x"`, `"x":{"type":"number"}`), `{"x":1}`},
		{"upper bound only: 1 clamped", required(`"x"`, `"x":{"type":"integer","maximum":-3}`), `{"x":-3}`},
		{"both bounds exclusive: a step above the minimum", required(`"x"`, `"x":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":0.001}`), `{"x":1e-05}`},
		{"valid example wins", required(`"x"`, `"x":{"type":"integer","minimum":1,"example":7,"default":3}`), `{"x":7}`},
		{"invalid example: the default", required(`"x"`, `"x":{"type":"integer","minimum":1,"example":0,"default":3}`), `{"x":3}`},
		{"invalid example and default: generated", required(`"x"`, `"x":{"type":"integer","minimum":2,"example":"two","default":1.5}`), `{"x":2}`},
		{"text is Hello", required(`"user"`, `"user":{"type":"string"}`), `{"user":"Hello"}`},
		{"text padded to minLength", required(`"id"`, `"id":{"type":"string","minLength":8}`), `{"id":"Hello He"}`},
		{"text cut to maxLength", required(`"id"`, `"id":{"type":"string","maxLength":3}`), `{"id":"Hel"}`},
		{"pattern: the example", required(`"id"`, `"id":{"type":"string","pattern":"^[0-9]+$","example":"42"}`), `{"id":"42"}`},
		{"URL extensions from the name",
			required(`"image_url","audio_url","video_url","document_url","url"`, `"image_url":{"type":"string"},"audio_url":{"type":"string"},
				"video_url":{"type":"string"},"document_url":{"type":"string"},"url":{"type":"string","format":"uri"}`),
			`{"image_url":"https://example.com/input.png","audio_url":"https://example.com/input.mp3","video_url":"https://example.com/input.mp4",` +
				`"document_url":"https://example.com/input.pdf","url":"https://example.com/input"}`},
		{"select: the first value", required(`"size"`, `"size":{"type":"string","enum":["512x512","1024x1024"]}`), `{"size":"512x512"}`},
		{"select: a valid default", required(`"size"`, `"size":{"type":"string","enum":["512x512","1024x1024"],"default":"1024x1024"}`), `{"size":"1024x1024"}`},
		{"toggle: false", required(`"b"`, `"b":{"type":"boolean"}`), `{"b":false}`},
		{"object: required sub-fields, recursively",
			required(`"o"`, `"o":{"type":"object","required":["a","c"],"properties":{"a":{"type":"integer","minimum":3},"b":{"type":"string"},
				"c":{"type":"object","required":["d"],"properties":{"d":{"type":"boolean"},"e":{"type":"string"}}}}}`),
			`{"o":{"a":3,"c":{"d":false}}}`},
		{"list: empty", required(`"l"`, `"l":{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"}}}}`), `{"l":[]}`},
		{"list: minItems samples",
			required(`"l"`, `"l":{"type":"array","minItems":2,"items":{"type":"object","required":["a"],"properties":{"a":{"type":"string"}}}}`),
			`{"l":[{"a":"Hello"},{"a":"Hello"}]}`},
		{"tags: empty", required(`"stop"`, `"stop":{"type":"array","items":{"type":"string"}}`), `{"stop":[]}`},
		{"tags: minItems", required(`"ids"`, `"ids":{"type":"array","minItems":1,"items":{"type":"integer","minimum":5}}`), `{"ids":[5]}`},
		{"choice: the first alternative that validates",
			required(`"c"`, `"c":{"oneOf":[{"type":"string","pattern":"^[0-9]+$"},{"type":"object","required":["k"],"properties":{"k":{"const":"v"}}}]}`),
			`{"c":{"k":"v"}}`},
		{"json: object, array", required(`"o","a"`, `"o":{"type":"object"},"a":{"type":"array"}`), `{"o":{},"a":[]}`},
		{"file: a data URL", required(`"image"`, `"image":{"type":"string","format":"binary"}`),
			`{"image":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="}`},
		{"file: base64", required(`"audio"`, `"audio":{"type":"string","format":"byte"}`), `{"audio":"SGVsbG8="}`},
		{"file object: required parts",
			required(`"audio"`, `"audio":{"type":"object","format":"binary","required":["mimetype"],"properties":{"mimetype":{"type":"string"},"size":{"type":"integer"}}}`),
			`{"audio":{"mimetype":"Hello"}}`},
		{"schema order", required(`"z","a","m"`, `"z":{"type":"boolean"},"a":{"type":"integer"},"m":{"type":"string"}`), `{"z":false,"a":1,"m":"Hello"}`},
		{"nothing required", `{"type":"object","properties":{"a":{"type":"integer"}}}`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExampleRequest(testOperation(t, tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("ExampleRequest =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestExampleRequestInvalid(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"a pattern Hello cannot match", required(`"id"`, `"id":{"type":"string","pattern":"^[0-9]+$"}`), "id: must match the pattern"},
		{"a required sub-field the form cannot set", required(`"o"`, `"o":{"type":"object","required":["x"],"properties":{"x":{"type":"file"}}}`),
			"o.x: cannot be set in the playground"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := ExampleRequest(testOperation(t, tt.body))
			var vs Violations
			if !errors.As(err, &vs) || len(vs) == 0 {
				t.Fatalf("ExampleRequest = %s, %v; want an error wrapping Violations", body, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "POST /x") {
				t.Fatalf("error %q, want it to name POST /x and %q", err, tt.want)
			}
		})
	}
}

func TestExampleRequestDeterministic(t *testing.T) {
	body := `{"type":"object","required":["model","messages","o","c","l","n"],"properties":{"model":{"enum":["m1","m2"]},
		"messages":{"type":"array"},"o":{"type":"object","required":["z","y","x"],"properties":{"z":{"type":"integer"},"y":{"type":"string"},"x":{"type":"boolean"}}},
		"c":{"anyOf":[{"type":"integer","minimum":3},{"type":"string"}]},"l":{"type":"array","minItems":3,"items":{"type":"number","exclusiveMinimum":0}},
		"n":{"type":"number","minimum":-1,"maximum":1}}}`
	first, err := ExampleRequest(testOperation(t, body))
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		got, err := ExampleRequest(testOperation(t, body))
		if err != nil || !bytes.Equal(got, first) {
			t.Fatalf("ExampleRequest = %s, %v; first call gave %s", got, err, first)
		}
	}
}

// TestExampleRequestCorpus checks that every operation of every real schema yields a valid example
// request, the same one twice.
func TestExampleRequestCorpus(t *testing.T) {
	ops := 0
	for _, p := range corpusFiles(t) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parseOwned(data)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		for _, op := range doc.Operations {
			ops++
			body, err := ExampleRequest(op)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			if again, _ := ExampleRequest(op); !bytes.Equal(again, body) {
				t.Errorf("%s %s %s: not deterministic:\n%s\n%s", p, op.Method, op.Path, body, again)
			}
		}
	}
	t.Logf("%d operations, every example request valid", ops)
}
