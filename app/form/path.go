// Package form edits the values of the playground's parameter form: it reads, sets and deletes a
// value at a path inside a JSON value (keeping the schema's key order), makes fresh values for new
// list items and union alternatives, tells which alternative a value belongs to, and parses what is
// typed into the controls. It is pure (no go-app), so it is tested on the host and under GOOS=js.
package form

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Step is one step of a path into a JSON value: an object key, or an array index when IsIndex.
type Step struct {
	Key     string
	Index   int
	IsIndex bool
}

// K is the step to an object key.
func K(key string) Step { return Step{Key: key} }

// I is the step to an array index.
func I(i int) Step { return Step{Index: i, IsIndex: true} }

// String is the key, or the index in decimal.
func (s Step) String() string {
	if s.IsIndex {
		return strconv.Itoa(s.Index)
	}
	return s.Key
}

// Key names a path the way the form's test ids and error maps do: steps joined by dots, indexes as
// numbers, e.g. "tools.0.function.name".
func Key(path []Step) string {
	parts := make([]string, len(path))
	for i, s := range path {
		parts[i] = s.String()
	}
	return strings.Join(parts, ".")
}

// Child returns path extended by one step, without sharing path's backing array.
func Child(path []Step, s Step) []Step {
	out := make([]Step, len(path), len(path)+1)
	copy(out, path)
	return append(out, s)
}

// ViolationKey turns a validation path ("tools[0].function.name") into a form key
// ("tools.0.function.name").
func ViolationKey(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '[':
			b.WriteByte('.')
		case ']':
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Under reports whether key is prefix or lies inside it ("a.b" is under "a", "ab" is not).
func Under(key, prefix string) bool {
	return key == prefix || strings.HasPrefix(key, prefix+".")
}

// member is one property of a JSON object, in document order.
type member struct {
	key string
	val json.RawMessage
}

// kind is the JSON kind of a raw value by its first byte: '{', '[', '"', 'n', 't'/'f' or a digit;
// 0 for nothing.
func kind(v json.RawMessage) byte {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return 0
	}
	switch c := v[0]; c {
	case '{', '[', '"', 'n':
		return c
	case 't', 'f':
		return 't'
	default:
		return '0'
	}
}

// IsNull reports whether v is the JSON null.
func IsNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// members decodes a JSON object keeping its key order; a repeated key keeps its last value.
func members(v json.RawMessage) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, err
		}
		replaced := false
		for i := range out {
			if out[i].key == key {
				out[i].val, replaced = val, true
			}
		}
		if !replaced {
			out = append(out, member{key, val})
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

// encodeObject writes members as a compact JSON object.
func encodeObject(ms []member) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(compact(m.val))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// elements decodes a JSON array.
func elements(v json.RawMessage) ([]json.RawMessage, error) {
	if kind(v) != '[' {
		return nil, errors.New("not a JSON array")
	}
	var out []json.RawMessage
	if err := json.Unmarshal(v, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// encodeArray writes elements as a compact JSON array.
func encodeArray(els []json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, e := range els {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(compact(e))
	}
	b.WriteByte(']')
	return b.Bytes()
}

// compact removes insignificant space; invalid JSON is returned as it is.
func compact(v json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return v
	}
	return b.Bytes()
}

// Elements returns the items of a JSON array, or nil when v is not one.
func Elements(v json.RawMessage) []json.RawMessage {
	els, _ := elements(v)
	return els
}

// Get returns the value at path inside root, or nil when there is none.
func Get(root json.RawMessage, path []Step) json.RawMessage {
	cur := root
	for _, s := range path {
		if len(cur) == 0 {
			return nil
		}
		if s.IsIndex {
			els, err := elements(cur)
			if err != nil || s.Index < 0 || s.Index >= len(els) {
				return nil
			}
			cur = els[s.Index]
			continue
		}
		if kind(cur) != '{' {
			return nil
		}
		ms, err := members(cur)
		if err != nil {
			return nil
		}
		var next json.RawMessage
		for _, m := range ms {
			if m.key == s.Key {
				next = m.val
			}
		}
		cur = next
	}
	if len(cur) == 0 {
		return nil
	}
	return compact(cur)
}

// Set returns root with the value at path replaced by v (compacted). Missing objects and arrays on
// the way are created (from nothing or null); an index may be the array's length, which appends. An
// object keeps its key order and gains a new key at its end. A step into a value of the wrong kind,
// or an index past the end, is an error.
func Set(root json.RawMessage, path []Step, v json.RawMessage) (json.RawMessage, error) {
	if len(path) == 0 {
		if kind(v) == 0 {
			return nil, errors.New("no value to set")
		}
		return compact(v), nil
	}
	s := path[0]
	if len(bytes.TrimSpace(root)) == 0 || IsNull(root) {
		if s.IsIndex {
			root = json.RawMessage("[]")
		} else {
			root = json.RawMessage("{}")
		}
	}
	if s.IsIndex {
		els, err := elements(root)
		if err != nil {
			return nil, fmt.Errorf("cannot set item %d: the value is not a list", s.Index)
		}
		if s.Index < 0 || s.Index > len(els) {
			return nil, fmt.Errorf("cannot set item %d of a list of %d", s.Index, len(els))
		}
		var old json.RawMessage
		if s.Index < len(els) {
			old = els[s.Index]
		}
		nv, err := Set(old, path[1:], v)
		if err != nil {
			return nil, err
		}
		if s.Index == len(els) {
			els = append(els, nv)
		} else {
			els[s.Index] = nv
		}
		return encodeArray(els), nil
	}
	if kind(root) != '{' {
		return nil, fmt.Errorf("cannot set %q: the value is not an object", s.Key)
	}
	ms, err := members(root)
	if err != nil {
		return nil, err
	}
	at := -1
	for i, m := range ms {
		if m.key == s.Key {
			at = i
		}
	}
	var old json.RawMessage
	if at >= 0 {
		old = ms[at].val
	}
	nv, err := Set(old, path[1:], v)
	if err != nil {
		return nil, err
	}
	if at >= 0 {
		ms[at].val = nv
	} else {
		ms = append(ms, member{s.Key, nv})
	}
	return encodeObject(ms), nil
}

// Delete returns root without the value at path: an object loses the key, an array the item (the
// later items move up). A path that leads nowhere leaves root as it is; the empty path deletes all
// (nil).
func Delete(root json.RawMessage, path []Step) json.RawMessage {
	if len(path) == 0 {
		return nil
	}
	s := path[0]
	if s.IsIndex {
		els, err := elements(root)
		if err != nil || s.Index < 0 || s.Index >= len(els) {
			return root
		}
		if len(path) == 1 {
			els = append(els[:s.Index:s.Index], els[s.Index+1:]...)
		} else {
			els[s.Index] = Delete(els[s.Index], path[1:])
		}
		return encodeArray(els)
	}
	if kind(root) != '{' {
		return root
	}
	ms, err := members(root)
	if err != nil {
		return root
	}
	out := ms[:0:0]
	for _, m := range ms {
		switch {
		case m.key != s.Key:
			out = append(out, m)
		case len(path) > 1:
			out = append(out, member{m.key, Delete(m.val, path[1:])})
		}
	}
	return encodeObject(out)
}

// Move returns the list at path with item i moved to position j (the items between shift).
func Move(list json.RawMessage, i, j int) (json.RawMessage, error) {
	els, err := elements(list)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(els) || j < 0 || j >= len(els) {
		return nil, fmt.Errorf("cannot move item %d to %d in a list of %d", i, j, len(els))
	}
	item := els[i]
	els = append(els[:i:i], els[i+1:]...)
	els = append(els[:j:j], append([]json.RawMessage{item}, els[j:]...)...)
	return encodeArray(els), nil
}

// Reindex renames the keys of m that lie inside the list at key list after the list's items were
// rearranged: move maps an old index to its new one, or reports false for a removed item, whose
// keys are dropped. Keys outside the list are left alone.
func Reindex[V any](m map[string]V, list string, move func(old int) (int, bool)) {
	type entry struct {
		key string
		val V
	}
	var moved []entry
	prefix := list + "."
	for k, v := range m {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		idx, tail, _ := strings.Cut(rest, ".")
		old, err := strconv.Atoi(idx)
		if err != nil {
			continue
		}
		delete(m, k)
		n, keep := move(old)
		if !keep {
			continue
		}
		nk := prefix + strconv.Itoa(n)
		if tail != "" {
			nk += "." + tail
		}
		moved = append(moved, entry{nk, v})
	}
	for _, e := range moved {
		m[e.key] = e.val
	}
}
