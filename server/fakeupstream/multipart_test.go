package fakeupstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
)

// formPart is one part of a test's multipart form: a plain field, or a file when file is set.
type formPart struct {
	name, value string
	file, ctype string // ctype "": no Content-Type header
	data        []byte
}

// form encodes parts as multipart/form-data and returns its Content-Type and body.
func form(t *testing.T, parts ...formPart) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		var err error
		if p.file == "" {
			err = mw.WriteField(p.name, p.value)
		} else {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.file))
			if p.ctype != "" {
				h.Set("Content-Type", p.ctype)
			}
			var w io.Writer
			if w, err = mw.CreatePart(h); err == nil {
				_, err = w.Write(p.data)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.Bytes()
}

// postForm POSTs a body with the Content-Type ct and returns the answer.
func postForm(t *testing.T, url, ct string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, out
}

func field(name, value string) formPart { return formPart{name: name, value: value} }

func file(name, fileName, ctype string, data []byte) formPart {
	return formPart{name: name, file: fileName, ctype: ctype, data: data}
}

func TestMultipart(t *testing.T) {
	png := FilePNG("upload.png")
	wav := WAV(0.2)
	pdf := []byte("%PDF-1.4 fake document")
	tests := []struct {
		name, path string
		parts      []formPart
		wantStatus int
		wantInBody string
		check      func(t *testing.T, s *Server, body []byte)
	}{
		{"images edits", "/v1/images/edits", []formPart{field("model", "openai/gpt-image-1"), field("prompt", "a red fox"), field("n", "2"), file("image", "fox.png", "image/png", png)},
			200, `"revised_prompt":"a red fox"`, func(t *testing.T, _ *Server, body []byte) {
				var out imagesAnswer
				if err := json.Unmarshal(body, &out); err != nil || len(out.Data) != 2 || out.Data[0].URL == "" {
					t.Fatalf("want 2 image URLs: %s", body)
				}
			}},
		{"images edits scenario", "/v1/images/edits", []formPart{field("model", "m"), field("prompt", "fake:error 429"), file("image", "fox.png", "image/png", png)},
			429, "rate_limit_exceeded", nil},
		{"stt job of a file", "/v1/stt/create", []formPart{field("model", "#g1_nova-2-general"), file("audio", "hello.wav", "audio/wav", wav)},
			200, `"generation_id":"fake-job-`, func(t *testing.T, s *Server, _ []byte) {
				if js := s.Jobs(); len(js) != 1 || js[0].Family != "stt" || js[0].Scenario != "" {
					t.Fatalf("jobs %+v", js)
				}
			}},
		{"stt job scenario in a field", "/v1/stt/create", []formPart{field("model", "m"), field("url", "fake:job-never")},
			200, `"generation_id"`, func(t *testing.T, s *Server, _ []byte) {
				if js := s.Jobs(); len(js) != 1 || js[0].Scenario != "job-never" {
					t.Fatalf("jobs %+v", js)
				}
			}},
		{"sync stt", "/v1/stt", []formPart{field("model", "#g1_nova-2-general"), file("audio", "hello.wav", "audio/wav", wav)},
			201, `"transcript":"` + Transcript + `"`, nil},
		{"tts json", "/v1/tts", []formPart{field("model", "alibaba/qwen3-tts-flash"), field("text", "fake:json"), field("voice", "Cherry")},
			200, `"audio":"http://`, nil},
		{"tts digits stay text", "/v1/tts", []formPart{field("model", "openai/tts-1"), field("text", "12345")},
			200, "RIFF", nil},
		{"ocr of a file", "/v1/ocr", []formPart{field("model", "mistral-ocr-latest"), file("document", "a.pdf", "application/pdf", pdf), field("pages", "[1]"), field("include_image_base64", "true")},
			200, `"index":1`, func(t *testing.T, _ *Server, body []byte) {
				var out ocrAnswer
				if err := json.Unmarshal(body, &out); err != nil || len(out.Pages) != 1 || out.Pages[0].Images[0].ImageBase64 == nil ||
					out.UsageInfo == nil || out.UsageInfo.DocSizeBytes == nil || *out.UsageInfo.DocSizeBytes != len(pdf) {
					t.Fatalf("%.400s", body)
				}
			}},
		{"ocr file part", "/v1/ocr", []formPart{field("model", "m"), file("file", "a.pdf", "application/pdf", pdf), field("pages", "0-1")},
			200, `"pages_processed":2`, nil},
		{"ocr url field", "/v1/ocr", []formPart{field("model", "m"), field("document", `{"type":"document_url","document_url":"https://x/fake:xss.pdf"}`)},
			200, `\u003cscript\u003e`, nil},
		{"echo converts the fields", "/v1/other", []formPart{field("model", "m"), field("prompt", "42"), field("n", "2"), field("flag", "true"),
			field("obj", `{"a":1}`), field("tags", "x"), field("tags", "y"), field("size", "1024x1024"), file("f", "b.bin", "", []byte{0, 1})},
			200, `{"echo":{"f":"data:application/octet-stream;base64,AAE=","flag":true,"model":"m","n":2,"obj":{"a":1},"prompt":"42","size":"1024x1024","tags":["x","y"]},"path":"/v1/other"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base, _ := setup(t)
			ct, body := form(t, tt.parts...)
			resp, out := postForm(t, base+tt.path, ct, body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(out), tt.wantInBody) {
				t.Fatalf("%d %.400s, want %d with %s", resp.StatusCode, out, tt.wantStatus, tt.wantInBody)
			}
			if tt.check != nil {
				tt.check(t, s, out)
			}
			reqs := s.Requests()
			if len(reqs) != 1 || !bytes.Equal(reqs[0].Body, body) || len(reqs[0].Parts) != len(tt.parts) {
				t.Fatalf("recorded %d requests, the first with %d parts (want %d) and its raw body %v", len(reqs), len(reqs[0].Parts), len(tt.parts), bytes.Equal(reqs[0].Body, body))
			}
			for i, p := range reqs[0].Parts {
				want := tt.parts[i]
				data := []byte(want.value)
				if want.file != "" {
					data = want.data
				}
				if p.Name != want.name || p.FileName != want.file || p.ContentType != want.ctype || p.Size != int64(len(data)) || !bytes.Equal(p.Data, data) {
					t.Fatalf("part %d recorded as {%q %q %q %d %.20q}, want {%q %q %q %d}", i, p.Name, p.FileName, p.ContentType, p.Size, p.Data, want.name, want.file, want.ctype, len(data))
				}
			}
		})
	}
}

func TestMultipartLimits(t *testing.T) {
	s, base, _ := setup(t)
	big := bytes.Repeat([]byte{7}, PartDataMax+100)
	ct, body := form(t, field("model", "m"), field("prompt", "x"), file("image", "big.png", "image/png", big))
	if resp, out := postForm(t, base+"/v1/images/edits", ct, body); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, out)
	}
	reqs := s.Requests()
	if p := reqs[0].Parts[2]; p.Size != int64(len(big)) || len(p.Data) != PartDataMax {
		t.Fatalf("a part of %d bytes recorded as size %d with %d bytes, want %d kept", len(big), p.Size, len(p.Data), PartDataMax)
	}
	// Requests returns copies.
	reqs[0].Parts[0].Data[0] = 'X'
	if s.Requests()[0].Parts[0].Data[0] != 'm' {
		t.Fatal("changing a returned part changed the record")
	}

	goodCT, good := form(t, field("model", "m"), field("prompt", "x"))
	tests := []struct {
		name, ct   string
		body       []byte
		wantStatus int
		wantInBody string
	}{
		{"no boundary", "multipart/form-data", good, 400, "without a boundary"},
		{"wrong boundary", "multipart/form-data; boundary=nope", good, 400, "model parameter"}, // no parts: an empty form
		{"truncated", goodCT, good[:len(good)-10], 400, "multipart form"},
		{"empty form", goodCT, []byte("--" + strings.TrimPrefix(goodCT, "multipart/form-data; boundary=") + "--\r\n"), 400, "model parameter"},
		{"too big", goodCT, append(bytes.Clone(good[:len(good)/2]), make([]byte, maxBody)...), 413, "too large"},
		{"form-urlencoded is not a form here", "application/x-www-form-urlencoded", []byte("model=m&prompt=x"), 400, "could not parse the JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := postForm(t, base+"/v1/images/edits", tt.ct, tt.body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(out), tt.wantInBody) {
				t.Fatalf("%d %.300s, want %d with %s", resp.StatusCode, out, tt.wantStatus, tt.wantInBody)
			}
		})
	}
}
