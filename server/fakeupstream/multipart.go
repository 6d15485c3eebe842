package fakeupstream

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sort"
)

// PartDataMax is how many bytes of a multipart part [Part.Data] keeps.
const PartDataMax = 1 << 20

// Part is one part of a multipart/form-data request, as [Request.Parts] records it.
type Part struct {
	// Name is the form field's name.
	Name string
	// FileName is the file's name, "" for a plain field.
	FileName string
	// ContentType is the part's Content-Type header, "" when it has none.
	ContentType string
	// Size is the part's length in bytes.
	Size int64
	// Data is the part's first PartDataMax bytes.
	Data []byte
}

// textFields are the form fields always read as JSON strings, even when they look like a
// number or true: what a user types.
var textFields = map[string]bool{
	"model": true, "prompt": true, "negative_prompt": true, "text": true, "input": true, "url": true,
	"voice": true, "language": true, "lyrics": true, "instructions": true, "style": true,
}

// multipartBoundary returns the boundary of a multipart/form-data Content-Type, ok false for any
// other type. A multipart type without a boundary is an error.
func multipartBoundary(contentType string) (boundary string, ok bool, err error) {
	if contentType == "" {
		return "", false, nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" {
		return "", false, nil // not multipart: read as JSON (or whatever it is)
	}
	if params["boundary"] == "" {
		return "", true, errors.New("multipart/form-data without a boundary")
	}
	return params["boundary"], true, nil
}

// readMultipart reads a multipart/form-data body part by part from r and returns its parts and
// the JSON object the handlers read in its stead: each plain field by its name (a string, or the
// field's JSON when it is an object, an array, a number, true, false or null and the field is
// not in textFields), each file as a data URL of its bytes; a name given more than once is an
// array of its values.
func readMultipart(r io.Reader, boundary string) ([]Part, []byte, error) {
	mr := multipart.NewReader(r, boundary)
	var parts []Part
	values := map[string][]json.RawMessage{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading part %d: %w", len(parts)+1, err)
		}
		part := Part{Name: p.FormName(), FileName: p.FileName(), ContentType: p.Header.Get("Content-Type")}
		keep := &capWriter{max: PartDataMax}
		var value json.RawMessage
		if part.FileName != "" {
			ct := part.ContentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			var url bytes.Buffer
			url.WriteString(`"data:` + ct + `;base64,`)
			enc := base64.NewEncoder(base64.StdEncoding, &url)
			part.Size, err = io.Copy(io.MultiWriter(keep, enc), p)
			_ = enc.Close()
			url.WriteByte('"')
			value = url.Bytes()
		} else {
			var field bytes.Buffer
			part.Size, err = io.Copy(io.MultiWriter(keep, &field), p)
			if err == nil {
				value = fieldJSON(part.Name, field.Bytes())
			}
		}
		_ = p.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("reading part %q: %w", part.Name, err)
		}
		part.Data = keep.buf.Bytes()
		parts = append(parts, part)
		if part.Name != "" {
			values[part.Name] = append(values[part.Name], value)
		}
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	obj := make(map[string]json.RawMessage, len(values))
	for _, name := range names {
		v := values[name]
		if len(v) == 1 {
			obj[name] = v[0]
			continue
		}
		all, err := json.Marshal(v)
		if err != nil {
			return nil, nil, fmt.Errorf("field %q: %w", name, err)
		}
		obj[name] = all
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the form as JSON: %w", err)
	}
	return parts, body, nil
}

// fieldJSON is the JSON of a plain form field's value (see readMultipart).
func fieldJSON(name string, v []byte) json.RawMessage {
	t := bytes.TrimSpace(v)
	if !textFields[name] && len(t) > 0 && bytes.IndexByte([]byte("{[-0123456789tfn"), t[0]) >= 0 && json.Valid(t) {
		return bytes.Clone(t)
	}
	b, _ := json.Marshal(string(v)) // a string always encodes
	return b
}

// capWriter keeps the first max bytes written to it and discards the rest.
type capWriter struct {
	buf bytes.Buffer
	max int
}

// Write keeps what fits of p and reports it all written.
func (c *capWriter) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// readBody reads r's body (at most maxBody bytes) and returns it as the handlers read it: the
// raw bytes, or for a multipart/form-data POST the JSON of its fields (see readMultipart) and its
// parts. raw is always the body as it arrived, for the record. status is the HTTP status to
// answer when err is not nil.
func readBody(w http.ResponseWriter, r *http.Request) (raw, body []byte, parts []Part, status int, err error) {
	var rec bytes.Buffer
	src := io.TeeReader(http.MaxBytesReader(w, r.Body, maxBody), &rec)
	boundary, multi, err := multipartBoundary(r.Header.Get("Content-Type"))
	if r.Method != http.MethodPost {
		multi, err = false, nil
	}
	switch {
	case err != nil:
		_, _ = io.Copy(io.Discard, src)
	case multi:
		parts, body, err = readMultipart(src, boundary)
		if err == nil {
			_, err = io.Copy(io.Discard, src) // the epilogue, for the record
			if err != nil {
				err = fmt.Errorf("reading after the last part: %w", err)
			}
		}
	default:
		_, err = io.Copy(io.Discard, src)
		body = rec.Bytes()
	}
	raw = rec.Bytes()
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return raw, nil, parts, http.StatusRequestEntityTooLarge, err
		}
		if !multi {
			return raw, nil, parts, http.StatusRequestEntityTooLarge, err // the body could not be read
		}
		return raw, nil, parts, http.StatusBadRequest, err
	}
	return raw, body, parts, 0, nil
}
