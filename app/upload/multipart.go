package upload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"

	"playground/app/form"
	"playground/app/imagefile"
	"playground/app/schema"
)

// TakesFile reports whether field f takes files: a File field, a list of them, or a choice with a
// File alternative.
func TakesFile(f schema.Field) bool {
	switch f.Control {
	case schema.File:
		return true
	case schema.Tags, schema.List:
		return f.Items != nil && TakesFile(*f.Items)
	case schema.Choice:
		for _, c := range f.Choices {
			if TakesFile(c) {
				return true
			}
		}
	}
	return false
}

// Multipart reports whether an operation with these fields sends multipart/form-data when it
// holds a file: it has a field that takes files (format binary), as the provider's upload
// operations (image edits, speech to text) do. Its other requests (a URL instead of a file) stay
// JSON.
func Multipart(fields []schema.Field) bool {
	for _, f := range fields {
		if TakesFile(f) {
			return true
		}
	}
	return false
}

// File is one file part.
type File struct {
	// Name is the file name the part carries.
	Name string
	// Type is its media type.
	Type string
	// Data is its content.
	Data []byte
}

// Part is one part of a multipart/form-data request: a text field, or a file.
type Part struct {
	// Name is the form field's name.
	Name string
	// Value is a text field's value.
	Value string
	// File is the file of a file part, nil for a text field.
	File *File
}

// Parts splits the JSON object body of a request to an operation with these fields into the parts of a multipart/form-data
// request: the text fields in the body's order, then the files. A field that takes files gives one
// part per file its value holds (a data URL, a file object, or a list of them: one part per item,
// under the field's name); any other value is a text part, a string as it is and anything else as
// its JSON text; nulls are left out. hasFile is false when no field holds a file: the body is then
// sent as JSON, as it is.
func Parts(fields []schema.Field, body []byte) (parts []Part, hasFile bool, err error) {
	takes := map[string]bool{}
	for _, f := range fields {
		takes[f.Name] = TakesFile(f)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false, fmt.Errorf("the request body is not a JSON object")
	}
	var files []Part
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false, fmt.Errorf("reading the request body: %w", err)
		}
		name, _ := t.(string)
		if strings.IndexFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			return nil, false, fmt.Errorf("%q: not a name a form field can have", name)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false, fmt.Errorf("reading %s: %w", name, err)
		}
		if takes[name] {
			fs, err := imagefile.Files(v)
			if err != nil {
				return nil, false, fmt.Errorf("%s: %w", name, err)
			}
			if len(fs) > 0 {
				for i, f := range fs {
					files = append(files, Part{Name: name, File: &File{Name: fileName(v, f, name, i, len(fs)), Type: f.Mime, Data: f.Data}})
				}
				continue
			}
		}
		var s string
		switch {
		case string(v) == "null":
			continue
		case json.Unmarshal(v, &s) == nil:
			parts = append(parts, Part{Name: name, Value: s})
		default:
			var c bytes.Buffer
			if json.Compact(&c, v) != nil {
				return nil, false, fmt.Errorf("%s: not JSON", name)
			}
			parts = append(parts, Part{Name: name, Value: c.String()})
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false, fmt.Errorf("the request body is not a whole JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false, fmt.Errorf("the request body has more after its JSON object")
	}
	if len(files) > MaxFiles {
		return nil, false, fmt.Errorf("the request holds %d files, more than the %d the playground sends at once", len(files), MaxFiles)
	}
	return append(parts, files...), len(files) > 0, nil
}

// fileName is the name of the i-th of n files of field name: the data URL's name parameter, the
// file object's original name, else the field's name with the type's extension.
func fileName(v json.RawMessage, f imagefile.File, field string, i, n int) string {
	var list []json.RawMessage
	if f.Index >= 0 && json.Unmarshal(v, &list) == nil && f.Index < len(list) {
		v = list[f.Index]
	}
	if name := nameIn(v); name != "" {
		return name
	}
	base := field
	if n > 1 {
		base = fmt.Sprintf("%s-%d", field, i+1)
	}
	return base + Extension(f.Mime)
}

// nameIn is the file name a value gives: a data URL's name parameter, a file object's
// originalname.
func nameIn(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return form.DataURLName(s)
	}
	var o struct {
		Name string `json:"originalname"`
	}
	_ = json.Unmarshal(v, &o)
	return o.Name
}

// Extension is a file extension for a media type: ".png", ".wav", ".pdf"…, "" when unknown.
func Extension(t string) string {
	switch container(t) {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/webp":
		return ".webp"
	case "image/gif":
		return ".gif"
	case "application/pdf":
		return ".pdf"
	case "audio/wav":
		return ".wav"
	case "audio/mpeg":
		return ".mp3"
	case "audio/ogg":
		return ".ogg"
	case "audio/flac":
		return ".flac"
	case "audio/aac":
		return ".aac"
	case "video/webm":
		return ".webm"
	case "video/mp4":
		if strings.HasPrefix(strings.ToLower(t), "audio/") {
			return ".m4a"
		}
		return ".mp4"
	}
	return ""
}

// Writer writes parts as one multipart/form-data body.
type Writer struct {
	mw *multipart.Writer
}

// NewWriter starts a multipart/form-data body on w.
func NewWriter(w io.Writer) *Writer { return &Writer{mw: multipart.NewWriter(w)} }

// ContentType is the body's Content-Type, with its boundary.
func (w *Writer) ContentType() string { return w.mw.FormDataContentType() }

// Boundary is the body's boundary.
func (w *Writer) Boundary() string { return w.mw.Boundary() }

// SetBoundary sets the boundary, before anything is written (for reproducible bodies in tests).
func (w *Writer) SetBoundary(b string) error { return w.mw.SetBoundary(b) }

// Text writes a text field.
func (w *Writer) Text(name, value string) error { return w.mw.WriteField(name, value) }

// File starts a file part and returns where its content goes. A content type that is not one
// (empty, malformed, with control characters) is sent as application/octet-stream; control
// characters in the file name, which no header line can carry, are sent as "_".
func (w *Writer) File(field, fileName, contentType string) (io.Writer, error) {
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", multipart.FileContentDisposition(field, headerSafe(fileName)))
	if _, _, err := mime.ParseMediaType(contentType); err != nil {
		contentType = "application/octet-stream" // none, or one a header cannot carry
	}
	h.Set("Content-Type", contentType)
	return w.mw.CreatePart(h)
}

// headerSafe is s with each control character (a header line ends at one, or is malformed with
// it) as "_".
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, s)
}

// Close ends the body.
func (w *Writer) Close() error { return w.mw.Close() }

// Encode writes parts as a multipart/form-data body and returns its Content-Type.
func Encode(parts []Part) (contentType string, body []byte, err error) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, p := range parts {
		if p.File == nil {
			err = w.Text(p.Name, p.Value)
		} else {
			var fw io.Writer
			if fw, err = w.File(p.Name, p.File.Name, p.File.Type); err == nil {
				_, err = fw.Write(p.File.Data)
			}
		}
		if err != nil {
			return "", nil, fmt.Errorf("writing the form part %s: %w", p.Name, err)
		}
	}
	if err := w.Close(); err != nil {
		return "", nil, fmt.Errorf("ending the form: %w", err)
	}
	return w.ContentType(), buf.Bytes(), nil
}

// Body is what a request with the JSON body to an operation with these fields sends: the body
// itself as application/json, or, when the operation takes files and the body holds some, the
// multipart/form-data request of its [Parts].
func Body(fields []schema.Field, body []byte) (contentType string, out []byte, err error) {
	if !Multipart(fields) {
		return "application/json", body, nil
	}
	parts, hasFile, err := Parts(fields, body)
	if err != nil {
		return "", nil, err
	}
	if !hasFile {
		return "application/json", body, nil
	}
	return Encode(parts)
}

// IsMultipart reports whether a Content-Type is multipart/form-data.
func IsMultipart(contentType string) bool {
	t, _, err := mime.ParseMediaType(contentType)
	return err == nil && t == "multipart/form-data"
}
