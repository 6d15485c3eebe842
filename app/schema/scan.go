package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// scanned is the part of an OpenAPI document the playground reads, found without decoding the rest.
type scanned struct {
	paths      []scannedOp                // nil when the document has no "paths" object
	components map[string]json.RawMessage // components.schemas, still encoded
}

type scannedOp struct {
	method, path string
	requestBody  json.RawMessage // {"requestBody": …} or {} when the operation has none
}

// scan walks a document with a streaming tokenizer and keeps only the operations' request bodies
// and the schema components, skipping everything else (mostly response schemas, often megabytes)
// without decoding it. It is lenient about structure (a "paths" that is not an object counts as
// missing) and strict about JSON syntax.
func scan(data []byte) (*scanned, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	out := &scanned{}
	err := eachMember(dec, func(name string) error {
		switch name {
		case "paths":
			return scanPaths(dec, out)
		case "components":
			return eachMember(dec, func(name string) error {
				if name != "schemas" {
					return dec.SkipValue()
				}
				out.components = map[string]json.RawMessage{}
				return eachMember(dec, func(name string) error {
					v, err := dec.ReadValue()
					if err != nil {
						return err
					}
					out.components[name] = bytes.Clone(v)
					return nil
				})
			})
		}
		return dec.SkipValue()
	})
	if err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errors.New("unexpected data after the top-level JSON value")
	}
	return out, nil
}

func scanPaths(dec *jsontext.Decoder, out *scanned) error {
	if dec.PeekKind() == '{' {
		out.paths = []scannedOp{}
	}
	return eachMember(dec, func(path string) error {
		return eachMember(dec, func(method string) error {
			if !methods[strings.ToLower(method)] {
				return dec.SkipValue()
			}
			op := scannedOp{method: strings.ToUpper(method), path: path, requestBody: json.RawMessage("{}")}
			err := eachMember(dec, func(name string) error {
				if name != "requestBody" {
					return dec.SkipValue()
				}
				v, err := dec.ReadValue()
				if err != nil {
					return err
				}
				op.requestBody = append(append([]byte(`{"requestBody":`), v...), '}')
				return nil
			})
			if err != nil {
				return fmt.Errorf("%s %s: %w", op.method, path, err)
			}
			out.paths = append(out.paths, op)
			return nil
		})
	})
}

// eachMember calls fn with each member name of the object the decoder is at; fn must consume the
// member's value. A value that is not an object is skipped.
func eachMember(dec *jsontext.Decoder, fn func(name string) error) error {
	if dec.PeekKind() != '{' {
		return dec.SkipValue()
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		if err := fn(tok.String()); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}
