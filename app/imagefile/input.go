package imagefile

import (
	"encoding/json"

	"playground/app/form"
	"playground/app/schema"
)

// Source is a generated image offered as the input of an operation.
type Source struct {
	// URL is where the provider serves the image (it can fetch it back), "" for one that came as
	// base64.
	URL string
	// DataURL is the image as a data URL, when the page has its bytes.
	DataURL string
	// Name is a file name for it, e.g. "image-1.png".
	Name string
}

// NeedsBytes reports whether a field takes an image only as its content (a file object or a data
// URL), not as a URL: an input there from a URL needs the file fetched first.
func NeedsBytes(f schema.Field) bool {
	switch f.Control {
	case schema.File:
		return true
	case schema.URL:
		return false
	case schema.Tags, schema.List:
		return f.Items == nil || NeedsBytes(item(f))
	case schema.Choice:
		for _, c := range f.Choices {
			if !NeedsBytes(c) {
				return false
			}
		}
	}
	return true
}

// item is a list field's item, with the list's description when it has none (it says what the
// items take).
func item(f schema.Field) schema.Field {
	it := *f.Items
	if it.Help == "" {
		it.Help = f.Help
	}
	return it
}

// InputValue is the value of field f that holds src as its image: the URL in a URL field (the
// data URL where the field takes uploads, for an image that has no URL), the file object or data
// URL of the content in a file field, a one-item list in a list field, and the first alternative
// that takes it in a choice. ok is false when f cannot take src (no URL for a URL-only field, no
// content for a file field).
func InputValue(f schema.Field, src Source) (v json.RawMessage, ok bool) {
	str := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	switch f.Control {
	case schema.URL:
		switch {
		case src.URL != "":
			return str(src.URL), true
		case src.DataURL != "" && form.AcceptsDataURL(f):
			return str(src.DataURL), true
		}
	case schema.File:
		if src.DataURL == "" {
			return nil, false
		}
		if f.Type == "string" {
			return str(src.DataURL), true
		}
		mime, data, err := DecodeDataURL(src.DataURL)
		if err != nil {
			return nil, false
		}
		return form.FileValue(src.Name, mime, data), true
	case schema.Tags, schema.List:
		if f.Items == nil {
			return nil, false
		}
		if el, ok := InputValue(item(f), src); ok {
			return append(append(json.RawMessage("["), el...), ']'), true
		}
	case schema.Choice:
		for _, c := range f.Choices {
			if c.Help == "" {
				c.Help = f.Help
			}
			if v, ok := InputValue(c, src); ok {
				return v, true
			}
		}
	}
	return nil, false
}
