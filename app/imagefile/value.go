package imagefile

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// DecodeDataURL returns the media type and the content of a data URL
// ("data:image/png;base64,…", or percent-encoded without ";base64"). A missing media type is
// "text/plain", as RFC 2397 has it.
func DecodeDataURL(s string) (mime string, data []byte, err error) {
	rest, ok := strings.CutPrefix(s, "data:")
	if !ok {
		return "", nil, errors.New("not a data URL")
	}
	head, body, ok := strings.Cut(rest, ",")
	if !ok {
		return "", nil, errors.New("the data URL has no comma before its content")
	}
	params := strings.Split(head, ";")
	mime = strings.ToLower(strings.TrimSpace(params[0]))
	if mime == "" {
		mime = "text/plain"
	}
	if params[len(params)-1] != "base64" {
		text, err := url.PathUnescape(body)
		if err != nil {
			return "", nil, fmt.Errorf("reading the data URL's content: %w", err)
		}
		return mime, []byte(text), nil
	}
	body = strings.TrimRight(body, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(body, "-_") {
		enc = base64.RawURLEncoding
	}
	data, err = enc.DecodeString(body)
	if err != nil {
		return "", nil, fmt.Errorf("reading the data URL's base64: %w", err)
	}
	return mime, data, nil
}

// File is one file a form value holds.
type File struct {
	// Index is the file's position in a list, -1 when the value is the file itself.
	Index int
	// Data is the content.
	Data []byte
	// Mime is the media type the value declares (the data URL's, the file object's mimetype).
	Mime string
}

// Files returns the files a form value holds: a data URL, a file object ({"buffer": {"type":
// "Buffer", "data": [bytes…]}, "mimetype": …}, as the form sends binary fields), or a list of
// either. Values that hold no content (a URL on another host, an empty list) give no file; content
// that cannot be read is an error.
func Files(v json.RawMessage) ([]File, error) {
	var list []json.RawMessage
	if json.Unmarshal(v, &list) == nil {
		var out []File
		for i, el := range list {
			f, ok, err := file(el)
			if err != nil {
				return out, fmt.Errorf("item %d: %w", i+1, err)
			}
			if ok {
				f.Index = i
				out = append(out, f)
			}
		}
		return out, nil
	}
	f, ok, err := file(v)
	if !ok || err != nil {
		return nil, err
	}
	f.Index = -1
	return []File{f}, nil
}

// file reads one value's content, ok false when it holds none.
func file(v json.RawMessage) (File, bool, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		if !strings.HasPrefix(s, "data:") {
			return File{}, false, nil
		}
		mime, data, err := DecodeDataURL(s)
		return File{Mime: mime, Data: data}, err == nil, err
	}
	var obj struct {
		Buffer *struct {
			Data json.RawMessage `json:"data"`
		} `json:"buffer"`
		Mimetype string `json:"mimetype"`
	}
	if json.Unmarshal(v, &obj) != nil || obj.Buffer == nil {
		return File{}, false, nil
	}
	data, err := ByteList(obj.Buffer.Data)
	if err != nil {
		return File{}, false, fmt.Errorf("reading the file object's buffer: %w", err)
	}
	return File{Mime: obj.Mimetype, Data: data}, true, nil
}

// ByteList reads a JSON list of byte values ([137,80,78,71]), as a file object's buffer holds
// them; it is much faster than decoding the list into a []int first.
func ByteList(v []byte) ([]byte, error) {
	i := skip(v, 0)
	if i >= len(v) || v[i] != '[' {
		return nil, errors.New("not a list of bytes")
	}
	out := make([]byte, 0, len(v)/3)
	i = skip(v, i+1)
	if i < len(v) && v[i] == ']' {
		if skip(v, i+1) != len(v) {
			return nil, fmt.Errorf("text after the list of bytes at byte %d", i+1)
		}
		return out, nil
	}
	for {
		n, digits := 0, 0
		if i+1 < len(v) && v[i] == '0' && v[i+1] >= '0' && v[i+1] <= '9' {
			return nil, fmt.Errorf("a number with a leading zero at byte %d", i)
		}
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			n = n*10 + int(v[i]-'0')
			i, digits = i+1, digits+1
			if n > 255 {
				return nil, fmt.Errorf("a value over 255 at byte %d", i)
			}
		}
		if digits == 0 {
			return nil, fmt.Errorf("not a byte value at byte %d", i)
		}
		out = append(out, byte(n))
		i = skip(v, i)
		if i >= len(v) {
			return nil, errors.New("the list of bytes is not closed")
		}
		switch v[i] {
		case ']':
			if skip(v, i+1) != len(v) {
				return nil, fmt.Errorf("text after the list of bytes at byte %d", i+1)
			}
			return out, nil
		case ',':
			i = skip(v, i+1)
		default:
			return nil, fmt.Errorf("unexpected %q at byte %d", v[i], i)
		}
	}
}

func skip(v []byte, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\n' || v[i] == '\r' || v[i] == '\t') {
		i++
	}
	return i
}
