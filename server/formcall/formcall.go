// Package formcall reads a model call sent as multipart/form-data (an image edit, a speech-to-text
// upload) and sends it on: the form is read under a size limit with its files spooled to
// temporary files by mime/multipart (never held whole in memory), each file is checked — its
// field takes files, it is under the kind's cap, its first bytes are the type it declares, there
// are not too many — and the text fields are given as a JSON object so the one schema check of
// every call validates them. The provider then gets a new multipart body streamed from the spool,
// text fields first, with its exact length.
package formcall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"playground/app/schema"
	"playground/app/upload"
	"playground/server/httperr"
)

// MaxMemory is how much of a form's files mime/multipart keeps in memory; the rest is spooled to
// temporary files.
const MaxMemory = 1 << 20

// Text is one text field.
type Text struct {
	Name, Value string
}

// File is one file part.
type File struct {
	// Field is the form field the file is sent in.
	Field string
	// Name is the file's name.
	Name string
	// Type is its media type: the one it declares, checked against its first bytes (see
	// upload.CheckType), or the one they say when it declares none.
	Type string
	// Size is its length in bytes.
	Size int64
	fh   *multipart.FileHeader
}

// Form is a multipart model call, read.
type Form struct {
	// Texts are the text fields in the order sent.
	Texts []Text
	// Files are the files in the order sent.
	Files []File
	form  *multipart.Form
}

// Read reads the multipart/form-data body of r (Content-Type contentType) under limit bytes.
func Read(w http.ResponseWriter, r *http.Request, contentType string, limit int64) (*Form, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return nil, httperr.Errorf(httperr.EContentType, "Content-Type %q is multipart/form-data without a boundary.", contentType)
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, limit), params["boundary"])
	mf, err := mr.ReadForm(MaxMemory)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, httperr.Errorf(httperr.EBodyTooLarge, "The form is larger than the server's limit of %s for uploads.", upload.Size(tooBig.Limit))
		}
		return nil, httperr.Errorf(httperr.EInvalidForm, "Reading the multipart/form-data body failed: %v", err)
	}
	f := &Form{form: mf}
	// mime/multipart keeps fields by name: they are sent on sorted by name, each name's values
	// and files in the order they came.
	for _, name := range slices.Sorted(maps.Keys(mf.Value)) {
		for _, v := range mf.Value[name] {
			f.Texts = append(f.Texts, Text{name, v})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(mf.File)) {
		for _, fh := range mf.File[name] {
			f.Files = append(f.Files, File{Field: name, Name: fh.Filename, Size: fh.Size, Type: fh.Header.Get("Content-Type"), fh: fh})
		}
	}
	return f, nil
}

// Remove removes the spooled files; the form is not to be used after.
func (f *Form) Remove() {
	if f.form != nil {
		_ = f.form.RemoveAll()
	}
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

// Check checks the files against the operation's fields: each is in a field that takes files,
// under the cap of the kind called kindName for its field and type, its first bytes the type it
// declares; and there are at most upload.MaxFiles. A refusal names the file and why.
func (f *Form) Check(kindName string, fields []schema.Field) error {
	if len(f.Files) > upload.MaxFiles {
		return httperr.Errorf(httperr.EFileRefused, "The form holds %d files, more than the %d a call may send.", len(f.Files), upload.MaxFiles)
	}
	takes := map[string]bool{}
	for _, fd := range fields {
		takes[fd.Name] = upload.TakesFile(fd)
	}
	for i := range f.Files {
		file := &f.Files[i]
		if !takes[file.Field] {
			return httperr.Errorf(httperr.EFileRefused, "%s: the file %s is sent in a field that takes no file.", file.Field, file.Name)
		}
		head := make([]byte, upload.SniffLen)
		rd, err := file.fh.Open()
		if err != nil {
			return fmt.Errorf("opening the spooled file %s: %w", file.Name, err)
		}
		n, _ := io.ReadFull(rd, head)
		rd.Close()
		got, err := upload.CheckType(file.Name, file.Type, head[:n])
		if err != nil {
			return httperr.Errorf(httperr.EFileRefused, "%s: %v.", file.Field, err)
		}
		if err := upload.CapFor(kindName, file.Field, got).Check(file.Name, file.Size); err != nil {
			return httperr.Errorf(httperr.EFileRefused, "%s: %v.", file.Field, err)
		}
		if t := strings.ToLower(file.Type); t == "" || t == "application/octet-stream" {
			file.Type = got // what the bytes say, for a file sent without a type
		}
	}
	return nil
}

// JSON is the form as the JSON object the schema check validates: each text field decoded as its
// schema type says (a number, a boolean, a list or an object from its JSON text; a string as it
// is), each file as a data URL of its type without content (the content is checked by Check).
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

// Body is the multipart body the provider gets: the text fields, then the files streamed from
// the spool; its Content-Type and exact length. Each call of open starts a new reading.
func (f *Form) Body() (contentType string, length int64, open func() (io.ReadCloser, error), err error) {
	// The parts' headers and the text are written once; the files' content goes between them.
	var segs [][]byte
	var buf bytes.Buffer
	w := upload.NewWriter(&buf)
	for _, t := range f.Texts {
		if err := w.Text(t.Name, t.Value); err != nil {
			return "", 0, nil, fmt.Errorf("writing the form field %s: %w", t.Name, err)
		}
	}
	length = 0
	for _, file := range f.Files {
		if _, err := w.File(file.Field, file.Name, file.Type); err != nil {
			return "", 0, nil, fmt.Errorf("writing the form file %s: %w", file.Name, err)
		}
		segs = append(segs, bytes.Clone(buf.Bytes()))
		buf.Reset()
		length += file.Size
	}
	if err := w.Close(); err != nil {
		return "", 0, nil, fmt.Errorf("ending the form: %w", err)
	}
	tail := bytes.Clone(buf.Bytes())
	for _, s := range segs {
		length += int64(len(s))
	}
	length += int64(len(tail))
	files := f.Files
	open = func() (io.ReadCloser, error) {
		var rs []io.Reader
		var closers []io.Closer
		for i, file := range files {
			rd, err := file.fh.Open()
			if err != nil {
				for _, c := range closers {
					c.Close()
				}
				return nil, fmt.Errorf("opening the spooled file %s: %w", file.Name, err)
			}
			closers = append(closers, rd)
			rs = append(rs, bytes.NewReader(segs[i]), io.LimitReader(rd, file.Size))
		}
		rs = append(rs, bytes.NewReader(tail))
		return &multiCloser{Reader: io.MultiReader(rs...), closers: closers}, nil
	}
	return w.ContentType(), length, open, nil
}

// multiCloser reads the body and closes the spooled files.
type multiCloser struct {
	io.Reader
	closers []io.Closer
}

func (m *multiCloser) Close() error {
	var errs []error
	for _, c := range m.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
