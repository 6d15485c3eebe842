package server

import (
	"bytes"
	"encoding/base64"
	"mime"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"playground/app/kind"
	"playground/app/upload"
	"playground/server/fakeupstream"
)

// wavOf is a WAV file of n bytes: a RIFF/WAVE header, then silence.
func wavOf(n int) []byte {
	b := make([]byte, max(n, 44))
	copy(b, "RIFF\x00\x00\x00\x00WAVEfmt ")
	return b[:max(n, 44)]
}

// formBody is the multipart body of parts, and its Content-Type.
func formBody(t *testing.T, parts ...upload.Part) (string, string) {
	t.Helper()
	ct, body, err := upload.Encode(parts)
	if err != nil {
		t.Fatal(err)
	}
	return string(body), ct
}

func file(field, name, typ string, data []byte) upload.Part {
	return upload.Part{Name: field, File: &upload.File{Name: name, Type: typ, Data: data}}
}

// TestUploads: a speech-to-text upload reaches the provider as multipart/form-data, text fields
// first and the file as it was sent, with its exact length; every refusal names the file and why,
// and nothing refused reaches the provider.
func TestUploads(t *testing.T) {
	e, _ := runJobs(t, func(c *Config) { c.MaxUploadBytes = 8 << 20 })
	audio := wavOf(1_500_000)
	// The file first, the model after it: the file is spooled (past 1 MiB, to a temporary file,
	// removed after the call) until the model is known, and the form is checked whole.
	body, ct := formBody(t, file("audio", "voice memo.wav", "audio/wav", audio),
		upload.Part{Name: "model", Value: "aai/universal"}, upload.Part{Name: "punctuate", Value: "true"})
	n := len(e.fake.Requests())
	resp, answer := e.do(t, "POST", "/api/v1/stt/create", body, map[string]string{"Content-Type": ct})
	if job := kind.ReadJob(answer); resp.StatusCode != 200 || job.ID == "" {
		t.Fatalf("upload: %d %s", resp.StatusCode, answer)
	}
	calls := e.upstreamCalls(n, "/v1/stt/create")
	if len(calls) != 1 {
		t.Fatalf("%d calls reached the provider", len(calls))
	}
	got := calls[0]
	if !upload.IsMultipart(got.Header.Get("Content-Type")) || !wholeForm(got) {
		t.Errorf("the provider got Content-Type %q and a body that is not a whole form", got.Header.Get("Content-Type"))
	}
	var seen []string
	for _, p := range got.Parts {
		if p.FileName != "" {
			seen = append(seen, p.Name+"@"+p.FileName+":"+p.ContentType+":"+strconv.FormatInt(p.Size, 10))
			if !bytes.Equal(p.Data, audio[:len(p.Data)]) {
				t.Error("the file's bytes changed on the way")
			}
		} else {
			seen = append(seen, p.Name+"="+string(p.Data))
		}
	}
	if want := "model=aai/universal punctuate=true audio@voice memo.wav:audio/wav:1500000"; strings.Join(seen, " ") != want {
		t.Errorf("the provider got the parts %v\nwant %s", seen, want)
	}

	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "playground-upload-*")); len(left) != 0 {
		t.Errorf("spooled files left behind: %v", left)
	}

	// The model first, then the file: the file streams through.
	body, ct = formBody(t, upload.Part{Name: "model", Value: "aai/universal"}, file("audio", "clip.wav", "audio/wav", audio),
		upload.Part{Name: "language", Value: "en"})
	n = len(e.fake.Requests())
	if resp, answer := e.do(t, "POST", "/api/v1/stt/create", body, map[string]string{"Content-Type": ct}); resp.StatusCode != 200 {
		t.Fatalf("streamed upload: %d %s", resp.StatusCode, answer)
	}
	if calls := e.upstreamCalls(n, "/v1/stt/create"); len(calls) != 1 || !wholeForm(calls[0]) || len(calls[0].Parts) != 3 ||
		calls[0].Parts[1].Size != int64(len(audio)) || string(calls[0].Parts[2].Data) != "en" {
		t.Errorf("the streamed upload reached the provider as %+v", calls)
	}

	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	many := []upload.Part{{Name: "model", Value: "aai/universal"}}
	for i := 0; i <= upload.MaxFiles; i++ {
		many = append(many, file("audio", "a.wav", "audio/wav", wavOf(100)))
	}
	for _, tt := range []struct {
		name  string
		parts []upload.Part
		code  string
		says  string
	}{
		{"a PNG sent as WAV", []upload.Part{{Name: "model", Value: "aai/universal"}, file("audio", "song.wav", "audio/wav", png)},
			"file_refused", "song.wav: declared WAV audio, but its content is a PNG image"},
		{"audio over its cap", []upload.Part{{Name: "model", Value: "aai/universal"}, file("audio", "long.wav", "audio/wav", wavOf(5*upload.MB+1))},
			"file_refused", "long.wav is 5 MB, over the limit of 5 MB for an audio file"},
		{"a file in a text field", []upload.Part{{Name: "model", Value: "aai/universal"}, file("language", "x.wav", "audio/wav", wavOf(100))},
			"file_refused", "language: the file x.wav is sent in a field that takes no file"},
		{"too many files", many, "file_refused", "more than the 20 a call may send"},
		{"a PNG sent as WAV, streamed", []upload.Part{{Name: "model", Value: "aai/universal"}, file("audio", "song.wav", "audio/wav", png)},
			"file_refused", "song.wav: declared WAV audio, but its content is a PNG image"},
		{"audio over its cap, streamed", []upload.Part{{Name: "model", Value: "aai/universal"}, file("audio", "long.wav", "audio/wav", wavOf(5*upload.MB+1))},
			"file_refused", "long.wav is 5 MB, over the limit of 5 MB for an audio file"},
		{"a bad field after the streamed file", []upload.Part{{Name: "model", Value: "aai/universal"}, file("audio", "a.wav", "audio/wav", wavOf(100)), {Name: "punctuate", Value: "maybe"}},
			"invalid_parameters", "punctuate"},
		{"a forbidden field after the streamed file", []upload.Part{{Name: "model", Value: "aai/universal"}, file("audio", "a.wav", "audio/wav", wavOf(100)), {Name: "api_key", Value: "x"}},
			"forbidden_field", "api_key: not allowed"},
		{"a form over the upload limit", []upload.Part{{Name: "model", Value: "aai/universal"}, file("audio", "a.wav", "audio/wav", wavOf(4500_000)), file("audio", "b.wav", "audio/wav", wavOf(4500_000))},
			"body_too_large", "larger than the server's limit"},
		{"a forbidden field", []upload.Part{{Name: "model", Value: "aai/universal"}, {Name: "base_url", Value: "http://evil.example"}, file("audio", "a.wav", "audio/wav", wavOf(100))},
			"forbidden_field", "base_url: not allowed"},
		{"no model", []upload.Part{file("audio", "a.wav", "audio/wav", wavOf(100))}, "model_required", "model: is required"},
		{"a text field of the wrong type", []upload.Part{{Name: "model", Value: "aai/universal"}, {Name: "punctuate", Value: "maybe"}, file("audio", "a.wav", "audio/wav", wavOf(100))},
			"invalid_parameters", "punctuate"},
	} {
		n := len(e.fake.Requests())
		body, ct := formBody(t, tt.parts...)
		resp, answer := e.do(t, "POST", "/api/v1/stt/create", body, map[string]string{"Content-Type": ct})
		msg, code := errorMessage(t, answer)
		if resp.StatusCode < 400 || code != tt.code || !strings.Contains(msg, tt.says) {
			t.Errorf("%s: %d %s %q, want %s saying %q", tt.name, resp.StatusCode, code, msg, tt.code, tt.says)
		}
		for _, r := range e.fake.Requests()[n:] {
			if wholeForm(r) {
				t.Errorf("%s: the provider got the whole form", tt.name)
			}
		}
	}
	resp, answer = e.do(t, "POST", "/api/v1/stt/create", "x", map[string]string{"Content-Type": "text/plain"})
	if _, code := errorMessage(t, answer); resp.StatusCode != 415 || code != "content_type" {
		t.Errorf("text/plain: %d %s", resp.StatusCode, answer)
	}
}

// TestOCRBodyLimit: an OCR call may carry a PDF at its 50 MB cap as base64 in its JSON body,
// above the server's limit for other calls, which still refuse such a body.
func TestOCRBodyLimit(t *testing.T) {
	e := runKinds(t, "")
	pdf := append([]byte("%PDF-1.4\n"), make([]byte, 30<<20)...)
	doc := "data:application/pdf;base64," + base64.StdEncoding.EncodeToString(pdf)
	resp, answer := e.do(t, "POST", "/api/v1/ocr", `{"model":"mistral/mistral-ocr-latest","document":{"type":"document_url","document_url":"`+doc+`"}}`, nil)
	if resp.StatusCode != 200 {
		t.Errorf("OCR with a %s PDF: %d %.300s", upload.Size(int64(len(pdf))), resp.StatusCode, answer)
	}
	resp, answer = e.do(t, "POST", "/api/v1/chat/completions", `{"model":"gryphe/mythomax-l2-13b","messages":[{"role":"user","content":"`+doc+`"}]}`, nil)
	if _, code := errorMessage(t, answer); resp.StatusCode != 413 || code != "body_too_large" {
		t.Errorf("chat with the same body: %d %.300s", resp.StatusCode, answer)
	}
}

// wholeForm reports whether a request the fake got is a whole multipart body, to its closing
// boundary: a refused upload's body is cut before it.
func wholeForm(r fakeupstream.Request) bool {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && bytes.Contains(r.Body, []byte("--"+params["boundary"]+"--"))
}
