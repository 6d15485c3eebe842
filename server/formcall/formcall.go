// Package formcall reads a model call sent as multipart/form-data (an image edit, a speech-to-text
// upload) and streams it on to the provider.
//
// [Read] reads the form's head: its parts until the model is known and a file follows it. Text
// fields are kept (they are small and bounded); a file that comes before the model is spooled
// (in memory up to [SpoolMemory], else to a temporary file) since the provider is not known yet.
// The server checks the head — the model, forbidden fields, the text fields against the schema —
// and [Form.Stream] then writes a new multipart body to the provider: the text fields, the spooled
// files, then the rest of the client's body part by part as it arrives, never held whole. Each
// file is checked as it passes — its field takes files, its first bytes are the type it declares,
// it stays under the kind's cap, there are not too many — and, at the end, the whole form against
// the schema (fields that came after a file, the required ones). A refusal cuts the body to the
// provider, so it never gets a whole request, and is what the call answers.
package formcall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strings"

	"playground/app/schema"
	"playground/app/upload"
	"playground/server/httperr"
)

// SpoolMemory is how much of a file that comes before the model is kept in memory; the rest of it
// goes to a temporary file.
const SpoolMemory = 1 << 20

// MaxTextBytes bounds the text fields of a form, together.
const MaxTextBytes = 1 << 20

// Text is one text field.
type Text struct {
	Name, Value string
}

// File is one file part, as checked.
type File struct {
	// Field is the form field the file is sent in.
	Field string
	// Name is the file's name.
	Name string
	// Type is its media type: the one it declares, checked against its first bytes (see
	// upload.CheckType), or the one they say when it declares none.
	Type string
	// Size is its length in bytes (known once it has been read).
	Size int64
}

// spooled is a file read before the model: in memory, or in a temporary file.
type spooled struct {
	file File
	data []byte
	tmp  *os.File
}

// Form is an upload being read.
type Form struct {
	// Texts are the text fields read so far, in the order sent.
	Texts []Text
	// Files are the files read so far, in the order sent.
	Files []File

	mr        *multipart.Reader
	early     []*spooled      // the files before the model
	next      *multipart.Part // the first file after the model: the stream goes on from it
	ended     bool            // the whole body is read
	textBytes int
}

// Read reads the head of the multipart/form-data body of r (Content-Type contentType), the whole
// body bounded by limit bytes: the parts until the model is known and a file follows it, or to the
// end.
func Read(w http.ResponseWriter, r *http.Request, contentType string, limit int64) (*Form, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return nil, httperr.Errorf(httperr.EContentType, "Content-Type %q is multipart/form-data without a boundary.", contentType)
	}
	f := &Form{mr: multipart.NewReader(http.MaxBytesReader(w, r.Body, limit), params["boundary"])}
	hasModel := false
	for {
		p, err := f.nextPart()
		if err != nil {
			f.Remove()
			return nil, err
		}
		if p == nil {
			f.ended = true
			return f, nil
		}
		if p.FileName() == "" {
			if err := f.readText(p); err != nil {
				f.Remove()
				return nil, err
			}
			hasModel = hasModel || p.FormName() == "model"
			continue
		}
		if hasModel {
			f.next = p
			return f, nil
		}
		if err := f.spool(p); err != nil {
			f.Remove()
			return nil, err
		}
	}
}

// nextPart is the next part, nil at the end; a body over the limit or malformed is an error.
func (f *Form) nextPart() (*multipart.Part, error) {
	p, err := f.mr.NextPart()
	switch {
	case err == io.EOF:
		return nil, nil
	case err != nil:
		return nil, readError(err)
	}
	if p.FormName() == "" {
		return nil, httperr.Errorf(httperr.EInvalidForm, "A part of the form has no field name.")
	}
	return p, nil
}

// readError is the refusal of a body that could not be read.
func readError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return httperr.Errorf(httperr.EBodyTooLarge, "The form is larger than the server's limit of %s for uploads.", upload.Size(tooBig.Limit))
	}
	var he *httperr.Error
	if errors.As(err, &he) {
		return he
	}
	return httperr.Errorf(httperr.EInvalidForm, "Reading the multipart/form-data body failed: %v", err)
}

// readText reads a text part.
func (f *Form) readText(p *multipart.Part) error {
	b, err := io.ReadAll(io.LimitReader(p, int64(MaxTextBytes-f.textBytes)+1))
	if err != nil {
		return readError(err)
	}
	if f.textBytes += len(b); f.textBytes > MaxTextBytes {
		return httperr.Errorf(httperr.EInvalidForm, "%s: the form's text fields are larger than %s together.", p.FormName(), upload.Size(MaxTextBytes))
	}
	f.Texts = append(f.Texts, Text{p.FormName(), string(b)})
	return nil
}

// spool keeps a file that came before the model, bounded by the body's limit.
func (f *Form) spool(p *multipart.Part) error {
	if len(f.early) >= upload.MaxFiles {
		return tooMany(len(f.early) + 1)
	}
	s := &spooled{file: File{Field: p.FormName(), Name: p.FileName(), Type: p.Header.Get("Content-Type")}}
	f.early = append(f.early, s)
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, p, SpoolMemory+1)
	if err != nil && err != io.EOF {
		return readError(err)
	}
	if n <= SpoolMemory {
		s.data, s.file.Size = buf.Bytes(), n
		return nil
	}
	if s.tmp, err = os.CreateTemp("", "playground-upload-*"); err != nil {
		return fmt.Errorf("spooling the upload %s: %w", s.file.Name, err)
	}
	m, err := io.Copy(s.tmp, io.MultiReader(&buf, p))
	if err != nil {
		return readError(err)
	}
	s.file.Size = m
	return nil
}

// tooMany is the refusal of the n-th file.
func tooMany(n int) error {
	return httperr.Errorf(httperr.EFileRefused, "The form holds %d files or more, more than the %d a call may send.", n, upload.MaxFiles)
}

// Ended reports whether the whole body has been read (no file came after the model): the form
// is then checked whole before anything is sent.
func (f *Form) Ended() bool { return f.ended }

// Remove removes the spooled files; the form is not to be used after.
func (f *Form) Remove() {
	for _, s := range f.early {
		if s.tmp != nil {
			s.tmp.Close()
			os.Remove(s.tmp.Name())
		}
	}
	f.early = nil
}

// Value is the first value of the text field name, ok false when there is none.
func (f *Form) Value(name string) (string, bool) {
	for _, t := range f.Texts {
		if t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

// Set replaces the value of the text field name (the model's id for an alias).
func (f *Form) Set(name, value string) {
	for i := range f.Texts {
		if f.Texts[i].Name == name {
			f.Texts[i].Value = value
		}
	}
}

// Names are the form's field names read so far, text fields and files.
func (f *Form) Names() []string {
	var out []string
	for _, t := range f.Texts {
		out = append(out, t.Name)
	}
	for _, s := range f.early {
		out = append(out, s.file.Field)
	}
	if f.next != nil {
		out = append(out, f.next.FormName())
	}
	return out
}

// checker checks files against an operation's fields for the kind called kindName.
type checker struct {
	kind  string
	takes map[string]bool
	n     int
}

func newChecker(kindName string, fields []schema.Field) *checker {
	c := &checker{kind: kindName, takes: map[string]bool{}}
	for _, fd := range fields {
		c.takes[fd.Name] = upload.TakesFile(fd)
	}
	return c
}

// head checks a file by its field and first bytes, and returns it with the type it is sent as.
func (c *checker) head(file File, first []byte) (File, error) {
	if c.n++; c.n > upload.MaxFiles {
		return file, tooMany(c.n)
	}
	if !c.takes[file.Field] {
		return file, httperr.Errorf(httperr.EFileRefused, "%s: the file %s is sent in a field that takes no file.", file.Field, file.Name)
	}
	got, err := upload.CheckType(file.Name, file.Type, first)
	if err != nil {
		return file, httperr.Errorf(httperr.EFileRefused, "%s: %v.", file.Field, err)
	}
	if t := strings.ToLower(file.Type); t == "" || t == "application/octet-stream" {
		file.Type = got // what the bytes say, for a file sent without a type
	}
	return file, nil
}

// cap is the file's cap.
func (c *checker) cap(file File) upload.Cap { return upload.CapFor(c.kind, file.Field, file.Type) }

// over is the refusal of a file over its cap.
func (c *checker) over(file File, size int64) error {
	return httperr.Errorf(httperr.EFileRefused, "%s: %v.", file.Field, c.cap(file).Check(file.Name, size))
}

// Check checks the files read so far (those before the model) against the operation's fields for
// the kind called kindName: each in a field that takes files, its first bytes the type it
// declares, under the kind's cap for its field and type, and not too many. A refusal names the
// file and why.
func (f *Form) Check(kindName string, fields []schema.Field) error {
	c := newChecker(kindName, fields)
	f.Files = f.Files[:0]
	for _, s := range f.early {
		first, err := s.first()
		if err != nil {
			return err
		}
		file, err := c.head(s.file, first)
		if err != nil {
			return err
		}
		if file.Size > c.cap(file).Bytes {
			return c.over(file, file.Size)
		}
		s.file = file
		f.Files = append(f.Files, file)
	}
	return nil
}

// first is a spooled file's first bytes.
func (s *spooled) first() ([]byte, error) {
	if s.tmp == nil {
		return s.data[:min(len(s.data), upload.SniffLen)], nil
	}
	b := make([]byte, upload.SniffLen)
	n, err := s.tmp.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading the spooled upload %s: %w", s.file.Name, err)
	}
	return b[:n], nil
}

// open reads a spooled file from its start.
func (s *spooled) open() io.Reader {
	if s.tmp == nil {
		return bytes.NewReader(s.data)
	}
	return io.NewSectionReader(s.tmp, 0, s.file.Size)
}

// JSON is the form read so far as the JSON object the schema check validates: each text field
// decoded as its schema type says (a number, a boolean, a list or an object from its JSON text; a
// string as it is), each file as a data URL of its type without content (the content is checked
// as it passes).
func (f *Form) JSON(fields []schema.Field) []byte {
	byName := map[string]schema.Field{}
	for _, fd := range fields {
		byName[fd.Name] = fd
	}
	vals := map[string][]any{}
	var order []string
	put := func(name string, v any) {
		if _, ok := vals[name]; !ok {
			order = append(order, name)
		}
		vals[name] = append(vals[name], v)
	}
	for _, t := range f.Texts {
		put(t.Name, textValue(byName[t.Name], t.Value))
	}
	for _, file := range f.Files {
		put(file.Field, "data:"+file.Type+";base64,")
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range order {
		vs := vals[name]
		var v any = vs
		if _, isList := vs[0].([]any); len(vs) == 1 && (byName[name].Type != "array" || isList) {
			v = vs[0] // one value; a list field's own JSON list
		}
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		j, _ := json.Marshal(v)
		b.Write(k)
		b.WriteByte(':')
		b.Write(j)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// textValue is a text field's value as its field's type says: a string field's text as it is,
// else its JSON text when it is JSON, else the text.
func textValue(f schema.Field, s string) any {
	if f.Type == "string" || f.Control == schema.Text || f.Control == schema.Textarea || f.Control == schema.URL || f.Control == schema.Model {
		return s
	}
	var v any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if d.Decode(&v) == nil && !d.More() {
		return v
	}
	return s
}

// Stream starts the body the provider gets on w: contentType is its Content-Type; run writes the
// text fields read so far, the spooled files, then the rest of the client's body part by part as
// it arrives — each file checked as it passes (see Check), a text field after a file kept — and
// at the end calls final with the whole form as JSON (see JSON). run returns the first refusal
// (or write error), after which w must be closed with it, so the provider never gets a whole
// body; nil when all is sent.
func (f *Form) Stream(w io.Writer, kindName string, fields []schema.Field, final func(body []byte) error) (contentType string, run func() error) {
	mw := upload.NewWriter(w)
	return mw.ContentType(), func() error {
		c := newChecker(kindName, fields)
		c.n = len(f.early)
		for _, t := range f.Texts {
			if err := mw.Text(t.Name, t.Value); err != nil {
				return err
			}
		}
		for _, s := range f.early {
			if err := writeFile(mw, s.file, s.open()); err != nil {
				return err
			}
		}
		for p := f.next; p != nil; {
			if p.FileName() == "" {
				if err := f.readText(p); err != nil {
					return err
				}
				t := f.Texts[len(f.Texts)-1]
				if err := mw.Text(t.Name, t.Value); err != nil {
					return err
				}
			} else if err := f.streamFile(mw, c, p); err != nil {
				return err
			}
			var err error
			if p, err = f.nextPart(); err != nil {
				return err
			}
		}
		f.ended = true
		if err := final(f.JSON(fields)); err != nil {
			return err
		}
		return mw.Close()
	}
}

// streamFile checks a file part's head and copies it on under its cap.
func (f *Form) streamFile(mw *upload.Writer, c *checker, p *multipart.Part) error {
	file := File{Field: p.FormName(), Name: p.FileName(), Type: p.Header.Get("Content-Type")}
	first := make([]byte, upload.SniffLen)
	n, err := io.ReadFull(p, first)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return readError(err)
	}
	if file, err = c.head(file, first[:n]); err != nil {
		return err
	}
	limit := c.cap(file).Bytes
	counted := &countReader{r: io.MultiReader(bytes.NewReader(first[:n]), p), limit: limit}
	if err := writeFile(mw, file, counted); err != nil {
		if counted.over {
			return c.over(file, counted.n)
		}
		return readError(err)
	}
	file.Size = counted.n
	f.Files = append(f.Files, file)
	return nil
}

// writeFile writes one file part.
func writeFile(mw *upload.Writer, file File, r io.Reader) error {
	fw, err := mw.File(file.Field, file.Name, file.Type)
	if err != nil {
		return err
	}
	_, err = io.Copy(fw, r)
	return err
}

// countReader counts what passes and fails past limit bytes.
type countReader struct {
	r     io.Reader
	n     int64
	limit int64
	over  bool
}

// errOverCap is what countReader fails with past its limit.
var errOverCap = errors.New("over the file's cap")

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if c.n > c.limit {
		c.over = true
		return n, errOverCap
	}
	return n, err
}
