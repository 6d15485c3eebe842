package admit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"playground/app/embed"
	"playground/app/schema"
	"playground/server/httperr"
)

// maxTokenFields are the parameters that bound an answer's length, in the order one is added to a
// request that sets none.
var maxTokenFields = []string{"max_tokens", "max_completion_tokens", "max_output_tokens", "max_new_tokens"}

// CapTokens applies MaxTokens to a request body: a length parameter above the cap is refused; when
// none is set, the first of maxTokenFields the model's schema has is set to the cap (or to the
// schema's own maximum, when lower). It returns the body, the longest answer the request allows, and whether
// the answer must be cut while streaming (the schema has no length parameter).
func (g *Gate) CapTokens(op *schema.Operation, body []byte) ([]byte, int64, bool, error) {
	limit := int64(g.rules.MaxTokens)
	if limit <= 0 {
		return body, 0, false, nil
	}
	return applyLength(op, body, limit, func(name string) error {
		return httperr.Errorf(httperr.EEmbedMaxTokens,
			"%s: this widget allows at most %s tokens per answer (a limit for public use); lower it and run again, or open the full playground.", name, embed.Count(limit))
	})
}

// DefaultLength bounds the answer of a request that sets no length: the first of maxTokenFields
// the model's schema has is set to limit (or to the schema's own maximum, when lower), so that
// what a call may cost is known before it starts. A request that sets one keeps it, whatever it
// is. It returns the body, the longest answer the request allows (limit when the schema has no
// length parameter: what the call is reserved for).
func DefaultLength(op *schema.Operation, body []byte, limit int64) ([]byte, int64, error) {
	out, longest, _, err := applyLength(op, body, limit, nil)
	return out, longest, err
}

// applyLength reads the request's length parameters: one above limit is over's error when over
// is set; when none is set, the first the schema has is set to limit (or the schema's maximum).
// It returns the body, the longest answer allowed, and whether the schema has no length
// parameter (the answer must be cut to limit while it streams).
func applyLength(op *schema.Operation, body []byte, limit int64, over func(name string) error) ([]byte, int64, bool, error) {
	var head map[string]json.RawMessage
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, 0, false, httperr.Errorf(httperr.EInvalidJSON, "The request body must be a JSON object: %v", err)
	}
	longest, set := int64(0), false
	for _, name := range maxTokenFields {
		raw, ok := head[name]
		if !ok || string(raw) == "null" {
			continue
		}
		var n float64
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, 0, false, httperr.Errorf(httperr.EInvalidParameters, "%s: must be a number.", name)
		}
		if over != nil && n > float64(limit) {
			return nil, 0, false, over(name)
		}
		set, longest = true, max(longest, int64(n))
	}
	if set {
		return body, longest, false, nil
	}
	for _, name := range maxTokenFields {
		for _, f := range op.Fields {
			if f.Name != name {
				continue
			}
			v := limit
			if f.Max != nil && *f.Max >= 1 && int64(*f.Max) < v {
				v = int64(*f.Max)
			}
			out, err := setField(body, head, name, strconv.AppendInt(nil, v, 10))
			return out, v, false, err
		}
	}
	return body, limit, true, nil
}

// setField sets the top-level field name to the JSON value v in body, whose top level is head.
func setField(body []byte, head map[string]json.RawMessage, name string, v json.RawMessage) ([]byte, error) {
	if _, ok := head[name]; ok {
		// The field is there as null: set it, rather than add a second key after which the
		// upstream may read the null (no cap).
		head[name] = v
		out, err := json.Marshal(head)
		if err != nil {
			return nil, fmt.Errorf("re-encoding the request with %s: %w", name, err)
		}
		return out, nil
	}
	// Insert the field rather than re-encode: the rest of the body goes out as it came.
	i := bytes.IndexByte(body, '{')
	out := make([]byte, 0, len(body)+len(name)+24)
	out = append(out, body[:i+1]...)
	out = strconv.AppendQuote(out, name)
	out = append(out, ':')
	out = append(out, v...)
	if len(head) > 0 {
		out = append(out, ',')
	}
	out = append(out, body[i+1:]...)
	return out, nil
}
