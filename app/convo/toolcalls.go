package convo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// maxMergeErrors is how many problems a [MergeError] keeps.
const maxMergeErrors = 5

// MergeError reports the parts of the "tool_calls" values that
// [MergeToolCalls] skipped.
type MergeError struct {
	// Skipped is the number of chunks or array elements skipped.
	Skipped int
	// Errs are the first few problems, each naming its chunk (and element).
	Errs []error
}

// Error summarises the problems.
func (e *MergeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "convo: skipped %d malformed tool call part", e.Skipped)
	if e.Skipped != 1 {
		b.WriteString("s")
	}
	for i, err := range e.Errs {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	if more := e.Skipped - len(e.Errs); more > 0 {
		fmt.Fprintf(&b, "; and %d more", more)
	}
	return b.String()
}

// Unwrap returns the problems kept.
func (e *MergeError) Unwrap() []error { return e.Errs }

func (e *MergeError) add(err error) {
	e.Skipped++
	if len(e.Errs) < maxMergeErrors {
		e.Errs = append(e.Errs, err)
	}
}

// toolCallDelta is one element of a "tool_calls" array, whole or streamed.
type toolCallDelta struct {
	Index    *int    `json:"index"`
	ID       *string `json:"id"`
	Type     *string `json:"type"`
	Function *struct {
		Name      *string         `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

// MergeToolCalls merges the raw "tool_calls" values of a response, as kept
// in chat.Result.ToolCalls, into the calls they describe.
//
// Each value is an array (a lone object is read as an array of one). A
// streamed element is a delta: elements with the same "index" are one call,
// whose ID, type and name come from the first delta that has them and
// whose arguments are the deltas' arguments joined in order. An element
// without "index" (a whole, non-streamed array) uses its position in the
// array. Two tolerances for providers seen in the wild: an element whose
// "id" names a call already seen continues that call, and one whose "id"
// differs from the ID of the call at its index starts a new call (some
// servers give every call index 0). Arguments given as a JSON object rather
// than a string are kept as their compact JSON text. Calls come out in the
// order they first appeared.
//
// Merging is lenient: a value that is not JSON, or an element with a field
// of the wrong type, is skipped, and the calls from everything else are
// still returned, together with a [*MergeError] that counts what was skipped
// and names the chunks (by their index in raws). The error is nil when
// nothing was skipped.
func MergeToolCalls(raws []json.RawMessage) ([]ToolCall, error) {
	var (
		calls   []ToolCall
		byIndex = map[int]int{}    // API index → position in calls
		byID    = map[string]int{} // call ID → position in calls
		merr    MergeError
	)
	for ci, raw := range raws {
		raw = bytes.TrimSpace(raw)
		var elems []json.RawMessage
		switch {
		case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
			continue
		case raw[0] == '{':
			if !json.Valid(raw) {
				merr.add(fmt.Errorf("chunk %d: invalid JSON", ci))
				continue
			}
			elems = []json.RawMessage{raw}
		default:
			if err := json.Unmarshal(raw, &elems); err != nil {
				merr.add(fmt.Errorf("chunk %d: want an array of tool calls: %w", ci, err))
				continue
			}
		}
		for pos, el := range elems {
			var d toolCallDelta
			if err := json.Unmarshal(el, &d); err != nil {
				merr.add(fmt.Errorf("chunk %d, element %d: %w", ci, pos, jsonError(el, "", err)))
				continue
			}
			key := pos
			if d.Index != nil {
				if *d.Index < 0 {
					merr.add(fmt.Errorf("chunk %d, element %d: negative index %d", ci, pos, *d.Index))
					continue
				}
				key = *d.Index
			}
			var args string
			if d.Function != nil {
				a, err := argumentsText(d.Function.Arguments)
				if err != nil {
					merr.add(fmt.Errorf("chunk %d, element %d: function.arguments: %w", ci, pos, err))
					continue
				}
				args = a
			}
			slot, ok := byIndex[key]
			if d.ID != nil && *d.ID != "" {
				if s, known := byID[*d.ID]; known {
					slot, ok = s, true
				} else if ok && calls[slot].ID != "" {
					ok = false // another call reusing the index
				}
			}
			if !ok {
				slot = len(calls)
				calls = append(calls, ToolCall{})
			}
			byIndex[key] = slot
			c := &calls[slot]
			if d.ID != nil && c.ID == "" && *d.ID != "" {
				c.ID = *d.ID
				byID[c.ID] = slot
			}
			if d.Type != nil && c.Type == "" {
				c.Type = *d.Type
			}
			if d.Function != nil && d.Function.Name != nil && c.Name == "" {
				c.Name = *d.Function.Name
			}
			c.Arguments += args
		}
	}
	if merr.Skipped > 0 {
		return calls, &merr
	}
	return calls, nil
}

// FillToolCallIDs returns calls with an id given to each call that came without one (some
// providers omit it), so that a tool result can answer it: prefix, "_" and the call's position,
// made unique among the calls' ids. calls is not modified.
func FillToolCallIDs(calls []ToolCall, prefix string) []ToolCall {
	out := slices.Clone(calls)
	taken := map[string]bool{}
	for _, c := range out {
		taken[c.ID] = true
	}
	for i := range out {
		if out[i].ID != "" {
			continue
		}
		id := fmt.Sprintf("%s_%d", prefix, i)
		for n := 2; taken[id]; n++ {
			id = fmt.Sprintf("%s_%d_%d", prefix, i, n)
		}
		out[i].ID, taken[id] = id, true
	}
	return out
}

// argumentsText returns the text of an "arguments" member: a string as is,
// null or absent as "", and any other JSON value as its compact text (with
// invalid UTF-8 replaced by U+FFFD).
func argumentsText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return "", nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	default:
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return "", err
		}
		// Strings inside the value are kept raw: make the text valid UTF-8
		// as decoded strings are.
		return strings.ToValidUTF8(b.String(), "\uFFFD"), nil
	}
}

// ToolCallsValid reports the calls that cannot be run: one with no function
// name, or whose arguments are not a JSON object (blank, truncated by a
// length limit, or otherwise malformed). Each problem names the call by
// index and name; several are joined with [errors.Join]. It returns nil when
// every call is usable.
func ToolCallsValid(calls []ToolCall) error {
	var errs []error
	for i, c := range calls {
		what := fmt.Sprintf("tool call %d (%s)", i, c.Name)
		if c.Name == "" {
			errs = append(errs, fmt.Errorf("convo: tool call %d has no function name", i))
			continue
		}
		args := strings.TrimSpace(c.Arguments)
		if args == "" {
			errs = append(errs, fmt.Errorf("convo: %s: arguments are empty, not JSON", what))
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(args), &v); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				err = fmt.Errorf("at offset %d: %w", se.Offset, err)
			}
			errs = append(errs, fmt.Errorf("convo: %s: arguments are not valid JSON: %w", what, err))
			continue
		}
		if _, ok := v.(map[string]any); !ok {
			errs = append(errs, fmt.Errorf("convo: %s: arguments are %s, not a JSON object", what, jsonKindOf(json.RawMessage(args))))
		}
	}
	return errors.Join(errs...)
}
