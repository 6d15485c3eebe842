package formcall

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"playground/app/schema"
	"playground/app/upload"
)

// fields are a speech-to-text operation's.
var fields = []schema.Field{
	{Name: "model", Control: schema.Model},
	{Name: "audio", Control: schema.File, Type: "object"},
	{Name: "punctuate", Control: schema.Toggle, Type: "boolean"},
}

var wav = append([]byte("RIFF\x00\x00\x00\x00WAVEfmt "), make([]byte, 100)...)

// send reads a form made of parts and streams it on, returning what the provider would get.
func send(t testing.TB, parts []upload.Part, final func([]byte) error) (*Form, []byte, error) {
	ct, body, err := upload.Encode(parts)
	if err != nil {
		t.Fatal(err)
	}
	f, _, out, err := sendRaw(ct, body, final)
	return f, out, err
}

// sendRaw is send of a raw body; outType is the Content-Type of what is sent on.
func sendRaw(ct string, body []byte, final func([]byte) error) (f *Form, outType string, out []byte, err error) {
	r := httptest.NewRequest(http.MethodPost, "/v1/stt/create", bytes.NewReader(body))
	if f, err = Read(httptest.NewRecorder(), r, ct, 1<<20); err != nil {
		return nil, "", nil, err
	}
	defer f.Remove()
	if err := f.Check("stt", fields); err != nil {
		return f, "", nil, err
	}
	var buf bytes.Buffer
	outType, run := f.Stream(&buf, "stt", fields, final)
	err = run()
	return f, outType, buf.Bytes(), err
}

func TestStream(t *testing.T) {
	ok := func([]byte) error { return nil }
	tests := []struct {
		name   string
		parts  []upload.Part
		json   string
		refuse string
	}{
		{"model first", []upload.Part{{Name: "model", Value: "m"}, {Name: "audio", File: &upload.File{Name: "a.wav", Type: "audio/wav", Data: wav}}, {Name: "punctuate", Value: "true"}},
			`{"model":"m","punctuate":true,"audio":"data:audio/wav;base64,"}`, ""},
		{"file first", []upload.Part{{Name: "audio", File: &upload.File{Name: "a.wav", Data: wav}}, {Name: "model", Value: "m"}},
			`{"model":"m","audio":"data:audio/wav;base64,"}`, ""},
		{"a file in a text field", []upload.Part{{Name: "model", Value: "m"}, {Name: "punctuate", File: &upload.File{Name: "a.wav", Type: "audio/wav", Data: wav}}},
			"", "punctuate: the file a.wav is sent in a field that takes no file"},
		{"a text file as audio", []upload.Part{{Name: "model", Value: "m"}, {Name: "audio", File: &upload.File{Name: "a.wav", Type: "audio/wav", Data: []byte("hello")}}},
			"", "a.wav: its content is no image, PDF or audio"},
	}
	for _, tt := range tests {
		var final []byte
		f, out, err := send(t, tt.parts, func(b []byte) error { final = b; return ok(b) })
		if tt.refuse != "" {
			if err == nil || !strings.Contains(err.Error(), tt.refuse) {
				t.Errorf("%s: %v, want a refusal saying %q", tt.name, err, tt.refuse)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(final) != tt.json {
			t.Errorf("%s: the final check got %s, want %s", tt.name, final, tt.json)
		}
		if !bytes.Contains(out, wav) || !bytes.HasSuffix(bytes.TrimSpace(out), []byte("--")) {
			t.Errorf("%s: the body sent on is not the whole form:\n%q", tt.name, out)
		}
		if f.Ended() != true {
			t.Errorf("%s: the form is not read to its end after the stream", tt.name)
		}
	}
}

func FuzzRead(f *testing.F) {
	ct, body, _ := upload.Encode([]upload.Part{{Name: "model", Value: "m"}, {Name: "audio", File: &upload.File{Name: "a.wav", Type: "audio/wav", Data: wav}}})
	boundary := ct[strings.Index(ct, "boundary=")+len("boundary="):]
	f.Add(body)
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--" + boundary + "--\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		form, outType, out, err := sendRaw(ct, body, func([]byte) error { return nil })
		if err != nil {
			return
		}
		// What was taken streams on as a form that reads back, part for part.
		_, params, _ := mime.ParseMediaType(outType)
		mr := multipart.NewReader(bytes.NewReader(out), params["boundary"])
		n := 0
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("the form sent on does not read back: %v", err)
			}
			io.Copy(io.Discard, p)
			n++
		}
		if n != len(form.Texts)+len(form.Files) {
			t.Fatalf("%d parts sent on, %d texts and %d files taken", n, len(form.Texts), len(form.Files))
		}
	})
}
