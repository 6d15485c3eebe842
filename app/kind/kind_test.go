package kind

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

func TestFor(t *testing.T) {
	tests := []struct{ path, kind, canonical string }{
		{"/v1/chat/completions", "chat", "/v1/chat/completions"},
		{"/chat/completions", "chat", "/v1/chat/completions"},
		{"/v1/responses", "responses", "/v1/responses"},
		{"/v1/messages", "messages", "/v1/messages"},
		{"/v1/images/generations", "images", "/v1/images/generations"},
		{"/images/generations", "images", "/v1/images/generations"},
		{"/v1/images/generations/with-url", "images", "/v1/images/generations/with-url"},
		{"/v1/images/edits", "images", "/v1/images/edits"},
		{"/v1/embeddings", "embeddings", "/v1/embeddings"},
		{"/v2/video/generations", "video", "/v2/video/generations"},
		{"/video/generations", "video", "/v1/video/generations"},
		{"/v2/generate/video/kling/generation", "video", "/v2/generate/video/kling/generation"},
		{"/v1/tts", "tts", "/v1/tts"},
		{"/v1/stt/create", "stt", "/v1/stt/create"},
		{"/v2/generate/audio", "music", "/v2/generate/audio"},
		{"/v1/ocr", "ocr", "/v1/ocr"},
		{"/v1/keys", "", "/v1/keys"},
		{"/v2/generate/video/", "", "/v2/generate/video/"},
		{"/v1/billing/balance", "", "/v1/billing/balance"},
	}
	for _, tt := range tests {
		got := ""
		if k := For(tt.path); k != nil {
			got = k.Name()
		}
		if got != tt.kind || Canonical(tt.path) != tt.canonical {
			t.Errorf("For(%s) = %q, Canonical = %q; want %q, %q", tt.path, got, Canonical(tt.path), tt.kind, tt.canonical)
		}
	}
	for _, k := range All() {
		if ByName(k.Name()) != k || GroupLabel(k.Group()) == k.Group() || Canonical(k.Paths()[0]) != k.Paths()[0] {
			t.Errorf("kind %s: name, group or canonical path is off", k.Name())
		}
	}
	if Rank(Chat) >= Rank(Responses) || Rank(Responses) >= Rank(Messages) || Rank(nil) != len(All()) {
		t.Error("chat is not preferred over Responses over Messages")
	}
	runs := map[string]bool{}
	for _, k := range All() {
		runs[k.Name()] = k.Runs()
	}
	if !runs["chat"] || !runs["responses"] || !runs["messages"] || !runs["images"] || !runs["embeddings"] || !runs["video"] || !runs["music"] || !runs["stt"] || !runs["tts"] || !runs["ocr"] {
		t.Errorf("runs = %v", runs)
	}
}

func TestReadUsage(t *testing.T) {
	tests := []struct {
		name, body string
		want       Usage
	}{
		{"chat with cost", `{"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"cost":0.002}}`, Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15, USD: 0.002}},
		{"deepinfra estimated cost", `{"usage":{"prompt_tokens":3,"completion_tokens":4,"estimated_cost":"0.5"}}`, Usage{PromptTokens: 3, CompletionTokens: 4, USD: 0.5}},
		{"anthropic and responses", `{"usage":{"input_tokens":7,"output_tokens":8}}`, Usage{PromptTokens: 7, CompletionTokens: 8}},
		{"responses event", `{"type":"response.completed","response":{"usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3}}}`, Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}},
		{"aimlapi credits", `{"data":[],"meta":{"usage":{"credits_used":120000,"usd_spent":0.063}}}`, Usage{Credits: 120000, USD: 0.063}},
		{"nothing", `{"data":[]}`, Usage{}},
		{"garbage", `not json`, Usage{}},
		{"negative", `{"usage":{"prompt_tokens":-1}}`, Usage{}},
		{"wrong types", `{"usage":{"prompt_tokens":"many"},"meta":{"usage":"x"}}`, Usage{}},
	}
	for _, tt := range tests {
		if got := ReadUsage([]byte(tt.body)); got != tt.want {
			t.Errorf("%s: ReadUsage = %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if (Usage{PromptTokens: 2, CompletionTokens: 3}).Tokens() != 5 || (Usage{TotalTokens: 9, PromptTokens: 1}).Tokens() != 9 || !(Usage{}).IsZero() {
		t.Error("Tokens or IsZero is off")
	}
}

func TestParseImages(t *testing.T) {
	r, err := ParseImages([]byte(`{"data":[{"url":"https://files.example.com/a/b.png","revised_prompt":"a cat"},{"b64_json":"/9j/AAAA"},{"url":""}],
		"seed":42,"meta":{"usage":{"credits_used":7}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Images) != 2 || r.Seed == nil || *r.Seed != 42 || r.Usage.Credits != 7 {
		t.Fatalf("result = %+v", r)
	}
	a, b := r.Images[0], r.Images[1]
	if a.Source() != "https://files.example.com/a/b.png" || a.FileName(1) != "b.png" || a.RevisedPrompt != "a cat" || a.Is3D() {
		t.Errorf("first image = %+v", a)
	}
	if b.Source() != "data:image/jpeg;base64,/9j/AAAA" || b.FileName(2) != "image-2.jpg" {
		t.Errorf("second image: %s %s", b.Source(), b.FileName(2))
	}
	r, err = ParseImages([]byte(`{"data":[{"url":"https://files.example.com/a.png"},{"url":"https://evil.example/b.png"}],
		"playground_media":{"https://files.example.com/a.png":"/api/media/tok","https://evil.example/b.png":"https://evil.example/b.png"}}`))
	if err != nil || r.Images[0].Display() != "/api/media/tok" || r.Images[1].Display() != "" || r.Images[1].Source() != "https://evil.example/b.png" {
		t.Fatalf("relayed media: %+v, %v", r, err)
	}
	r, err = ParseImages([]byte(`{"images":[{"url":"https://x.example/m.glb"},{"url":"https://x.example/p","content_type":"model/gltf-binary"},{"url":"https://x.example/q.webp","width":8,"height":9}]}`))
	if err != nil || len(r.Images) != 3 || !r.Images[0].Is3D() || !r.Images[1].Is3D() || r.Images[2].Is3D() || r.Images[2].Width != 8 {
		t.Fatalf("images list: %+v, %v", r, err)
	}
	for _, body := range []string{``, `  `, `{"data":[]}`, `[1]`, `{"data":[{"url":null}]}`} {
		if _, err := ParseImages([]byte(body)); err == nil {
			t.Errorf("ParseImages(%q) did not fail", body)
		}
	}
	if _, err := ParseImages(nil); err == nil || !strings.Contains(err.Error(), "empty body") {
		t.Errorf("empty body: %v", err)
	}
}

func TestParseEmbeddings(t *testing.T) {
	buf := make([]byte, 8)
	binary.LittleEndian.PutUint32(buf, math.Float32bits(0.5))
	binary.LittleEndian.PutUint32(buf[4:], math.Float32bits(-2))
	b64 := base64.StdEncoding.EncodeToString(buf)
	r, err := ParseEmbeddings([]byte(`{"model":"m","data":[{"index":1,"embedding":"` + b64 + `"},{"index":0,"embedding":[3,4]}],"usage":{"prompt_tokens":4,"total_tokens":4}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Vectors) != 2 || r.Vectors[0].Index != 0 || r.Vectors[0].Norm() != 5 || r.Vectors[1].Values[0] != 0.5 || r.Vectors[1].Values[1] != -2 ||
		r.Model != "m" || r.Usage.Tokens() != 4 {
		t.Fatalf("result = %+v", r)
	}
	for _, body := range []string{`{}`, `{"data":[{"embedding":"%%%"}]}`, `{"data":[{"embedding":"AAA="}]}`, `{"data":[{"embedding":{}}]}`, `x`} {
		if _, err := ParseEmbeddings([]byte(body)); err == nil {
			t.Errorf("ParseEmbeddings(%s) did not fail", body)
		}
	}
	m := Similarity([]Vector{{Values: []float64{1, 0}}, {Values: []float64{0, 1}}, {Values: []float64{2, 0}}, {Values: []float64{1}}})
	if m[0][0] != 1 || m[0][1] != 0 || m[0][2] != 1 || m[1][2] != 0 || m[0][3] != 0 {
		t.Errorf("similarity = %v", m)
	}
}

func FuzzParseEmbeddings(f *testing.F) {
	f.Add([]byte(`{"data":[{"index":0,"embedding":[1,2]}]}`))
	f.Add([]byte(`{"data":[{"embedding":"AAAAPw=="}],"usage":{"prompt_tokens":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseEmbeddings(b)
		if err == nil && len(r.Vectors) == 0 {
			t.Fatal("no error and no vector")
		}
		for i := 1; err == nil && i < len(r.Vectors); i++ {
			if r.Vectors[i].Index < r.Vectors[i-1].Index {
				t.Fatal("vectors out of order")
			}
		}
		_ = Similarity(r.Vectors)
	})
}

func FuzzParseImages(f *testing.F) {
	f.Add([]byte(`{"data":[{"url":"https://a/b.png"},{"b64_json":"iVBOR"}],"seed":1}`))
	f.Add([]byte(`{"images":[{"url":"https://a/b.glb","content_type":"model/gltf-binary"}],"meta":{"usage":{"credits_used":"3"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseImages(b)
		if err == nil && len(r.Images) == 0 {
			t.Fatal("no error and no image")
		}
		for i, im := range r.Images {
			if im.Source() == "" || im.FileName(i) == "" {
				t.Fatal("an image without a source or a name")
			}
			_ = im.Is3D()
		}
		_ = ReadUsage(b)
	})
}
