package upload

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"

	"playground/app/form"
	"playground/app/schema"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head string
		want string
	}{
		{"png", "\x89PNG\r\n\x1a\n....", "image/png"},
		{"jpeg", "\xff\xd8\xff\xe0", "image/jpeg"},
		{"webp", "RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"},
		{"gif", "GIF89a", "image/gif"},
		{"pdf", "%PDF-1.7\n", "application/pdf"},
		{"wav", "RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"},
		{"mp3 id3", "ID3\x04\x00", "audio/mpeg"},
		{"mp3 frame", "\xff\xfb\x90\x64", "audio/mpeg"},
		{"aac adts", "\xff\xf1\x50\x80", "audio/aac"},
		{"ogg", "OggS\x00\x02", "audio/ogg"},
		{"flac", "fLaC\x00\x00", "audio/flac"},
		{"webm", "\x1a\x45\xdf\xa3\x9f", "video/webm"},
		{"m4a", "\x00\x00\x00\x20ftypM4A \x00", "audio/mp4"},
		{"mp4", "\x00\x00\x00\x20ftypisom\x00", "video/mp4"},
		{"text", "hello", ""},
		{"empty", "", ""},
		{"riff other", "RIFF\x00\x00\x00\x00AVI ", ""},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.head)); got != tt.want {
			t.Errorf("%s: Sniff = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCheckType(t *testing.T) {
	wav := "RIFF\x24\x00\x00\x00WAVEfmt "
	tests := []struct {
		name, declared, head string
		want, err            string
	}{
		{"voice.wav", "audio/wav", wav, "audio/wav", ""},
		{"voice.wav", "audio/x-wav", wav, "audio/wav", ""},
		{"voice.wav", "", wav, "audio/wav", ""},
		{"voice.wav", "application/octet-stream", wav, "audio/wav", ""},
		{"rec.webm", "audio/webm;codecs=opus", "\x1a\x45\xdf\xa3", "video/webm", ""},
		{"a.m4a", "audio/x-m4a", "\x00\x00\x00\x20ftypM4A ", "audio/mp4", ""},
		{"scan.pdf", "application/pdf", "\x89PNG\r\n\x1a\n", "", "scan.pdf: declared a PDF document, but its content is a PNG image; it is not sent"},
		{"notes.wav", "audio/wav", "hello there", "", "notes.wav: its content is no image, PDF or audio the playground knows (declared audio/wav); it is not sent"},
	}
	for _, tt := range tests {
		got, err := CheckType(tt.name, tt.declared, []byte(tt.head))
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("CheckType(%s, %s) = %q, %v; want %q, %q", tt.name, tt.declared, got, err, tt.want, tt.err)
		}
	}
}

func TestCaps(t *testing.T) {
	tests := []struct {
		kind, field, mime string
		want              int64
	}{
		{"images", "image", "image/png", 50 * MB},
		{"images", "mask", "image/png", 4 * MB},
		{"ocr", "document_url", "application/pdf", 50 * MB},
		{"ocr", "image_url", "image/jpeg", 10 * MB},
		{"stt", "audio", "audio/wav", 5 * MB},
		{"stt", "file", "", 5 * MB},
		{"video", "image", "audio/mpeg", 5 * MB},
		{"video", "image", "image/png", 20 * MB},
	}
	for _, tt := range tests {
		if got := CapFor(tt.kind, tt.field, tt.mime).Bytes; got != tt.want {
			t.Errorf("CapFor(%s, %s, %s) = %d, want %d", tt.kind, tt.field, tt.mime, got, tt.want)
		}
	}
	err := CapFor("stt", "audio", "audio/wav").Check("long.wav", 5*MB+1)
	if err == nil || err.Error() != "long.wav is 5 MB, over the limit of 5 MB for an audio file; it is not sent" {
		t.Errorf("Check over the cap: %v", err)
	}
	if err := CapFor("stt", "audio", "audio/wav").Check("ok.wav", 5*MB); err != nil {
		t.Errorf("Check at the cap: %v", err)
	}
	if got := Base64Len(3); got != 4 {
		t.Errorf("Base64Len(3) = %d", got)
	}
	if got := Base64Len(4); got != 8 {
		t.Errorf("Base64Len(4) = %d", got)
	}
	err = FitBody("scan.pdf", 30*MB, 1000, 32<<20)
	if err == nil || err.Error() != "scan.pdf is 30 MB, 40 MB as base64 in the request, which would make the request 40 MB, over the server's limit of 33.6 MB; it is not sent" {
		t.Errorf("FitBody over: %v", err)
	}
	if err := FitBody("scan.pdf", 20*MB, 1000, 32<<20); err != nil {
		t.Errorf("FitBody under: %v", err)
	}
	if got := BodyLimit("ocr", 32<<20); got < Base64Len(50*MB) {
		t.Errorf("BodyLimit(ocr) = %d, below a 50 MB PDF as base64", got)
	}
	if got := BodyLimit("chat", 32<<20); got != 32<<20 {
		t.Errorf("BodyLimit(chat) = %d", got)
	}
}

// sttFields are the fields of a speech-to-text operation that takes a URL or an upload.
func sttFields() []schema.Field {
	return []schema.Field{
		{Name: "model", Control: schema.Model},
		{Name: "url", Control: schema.URL, Type: "string"},
		{Name: "audio", Control: schema.File, Type: "object"},
		{Name: "punctuate", Control: schema.Toggle, Type: "boolean"},
		{Name: "keywords", Control: schema.Tags, Type: "array", Items: &schema.Field{Control: schema.Text, Type: "string"}},
	}
}

// editFields are an image edit's: one image or a list of them, and a mask.
func editFields() []schema.Field {
	file := schema.Field{Control: schema.File, Type: "object"}
	list := schema.Field{Control: schema.List, Type: "array", Items: &file}
	return []schema.Field{
		{Name: "model", Control: schema.Model},
		{Name: "prompt", Control: schema.Textarea, Type: "string"},
		{Name: "image", Control: schema.Choice, Choices: []schema.Field{file, list}},
		{Name: "mask", Control: schema.File, Type: "object"},
		{Name: "n", Control: schema.Number, Type: "integer"},
	}
}

func TestParts(t *testing.T) {
	audio := string(form.FileValue("voice memo.wav", "audio/wav", []byte("RIFF\x00\x00\x00\x00WAVE")))
	png := func(name string) string {
		return string(form.FileValue(name, "image/png", []byte("\x89PNG\r\n\x1a\n"+name)))
	}
	tests := []struct {
		name    string
		fields  []schema.Field
		body    string
		want    []string // name=value or name@file:type:len
		hasFile bool
	}{
		{"stt upload", sttFields(), `{"model":"#g1_whisper-base","audio":` + audio + `,"punctuate":true,"keywords":["a","b"],"language":null}`,
			[]string{"model=#g1_whisper-base", "punctuate=true", `keywords=["a","b"]`, "audio@voice memo.wav:audio/wav:12"}, true},
		{"stt by URL stays JSON", sttFields(), `{"model":"m","url":"https://files.example/a.mp3"}`,
			[]string{"model=m", "url=https://files.example/a.mp3"}, false},
		{"edit with two images and a mask", editFields(), `{"model":"openai/gpt-image-1","image":[` + png("a.png") + `,` + png("b.png") + `],"prompt":"add a hat","mask":"data:image/png;base64,iVBORw0KGgo=","n":2}`,
			[]string{"model=openai/gpt-image-1", "prompt=add a hat", "n=2", "image@a.png:image/png:13", "image@b.png:image/png:13", "mask@mask.png:image/png:8"}, true},
		{"a legacy file object", sttFields(), `{"model":"m","audio":{"buffer":{"type":"Buffer","data":[82,73]},"mimetype":"audio/wav","originalname":"old.wav"}}`,
			[]string{"model=m", "audio@old.wav:audio/wav:2"}, true},
	}
	for _, tt := range tests {
		parts, hasFile, err := Parts(tt.fields, []byte(tt.body))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var got []string
		for _, p := range parts {
			if p.File != nil {
				got = append(got, p.Name+"@"+p.File.Name+":"+p.File.Type+":"+itoa(len(p.File.Data)))
			} else {
				got = append(got, p.Name+"="+p.Value)
			}
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") || hasFile != tt.hasFile {
			t.Errorf("%s: Parts = %v (files %v)\nwant %v (files %v)", tt.name, got, hasFile, tt.want, tt.hasFile)
		}
	}
	var many []string
	for i := 0; i <= MaxFiles; i++ {
		many = append(many, png("p.png"))
	}
	_, _, err := Parts(editFields(), []byte(`{"image":[`+strings.Join(many, ",")+`]}`))
	if err == nil || !strings.Contains(err.Error(), "21 files, more than the 20") {
		t.Errorf("too many files: %v", err)
	}
	if _, _, err := Parts(sttFields(), []byte(`[1]`)); err == nil {
		t.Error("a body that is not an object: no error")
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestBody checks the request a body becomes: JSON as it is without files, else a multipart body
// whose parts read back as they were sent.
func TestBody(t *testing.T) {
	body := []byte(`{"model":"m","url":"https://files.example/a.mp3"}`)
	ct, out, err := Body(sttFields(), body)
	if err != nil || ct != "application/json" || !bytes.Equal(out, body) {
		t.Errorf("Body without a file = %s %s %v", ct, out, err)
	}
	ct, out, err = Body([]schema.Field{{Name: "model", Control: schema.Model}}, body)
	if err != nil || ct != "application/json" || !bytes.Equal(out, body) {
		t.Errorf("Body of an operation without file fields = %s %s %v", ct, out, err)
	}
	audio := []byte("RIFF\x00\x00\x00\x00WAVEdata\x00\x01\x02")
	body = []byte(`{"model":"m","audio":` + string(form.FileValue(`odd "name".wav`, "audio/wav", audio)) + `,"punctuate":false}`)
	ct, out, err = Body(sttFields(), body)
	if err != nil || !IsMultipart(ct) {
		t.Fatalf("Body with a file = %s, %v", ct, err)
	}
	_, params, _ := mime.ParseMediaType(ct)
	mr := multipart.NewReader(bytes.NewReader(out), params["boundary"])
	var got []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(p)
		got = append(got, p.FormName()+"|"+p.FileName()+"|"+p.Header.Get("Content-Type")+"|"+string(data))
	}
	want := []string{"model|||m", "punctuate|||false", `audio|odd "name".wav|audio/wav|` + string(audio)}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the multipart body reads back as\n%q\nwant\n%q", got, want)
	}
}

func FuzzParts(f *testing.F) {
	f.Add([]byte(`{"model":"m","audio":"data:audio/wav;name=a.wav;base64,UklGRg==","n":1}`))
	f.Add([]byte(`{"image":["data:image/png;base64,iVBO","https://x.example/a.png"],"mask":null}`))
	f.Add([]byte(`{"audio":{"buffer":{"type":"Buffer","data":[1,2]},"originalname":"x"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fields := append(sttFields(), editFields()...)
		parts, hasFile, err := Parts(fields, body)
		if err != nil {
			return
		}
		ct, out, err := Encode(parts)
		if err != nil {
			t.Fatalf("Encode of the parts of %q: %v", body, err)
		}
		_, params, _ := mime.ParseMediaType(ct)
		mr := multipart.NewReader(bytes.NewReader(out), params["boundary"])
		n, files := 0, 0
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("reading back the parts of %q: %v", body, err)
			}
			if p.FileName() != "" {
				files++
			}
			n++
		}
		if n != len(parts) || (files > 0) != hasFile {
			t.Fatalf("%q: %d parts (%d files) read back, %d sent (files %v)", body, n, files, len(parts), hasFile)
		}
	})
}
