package ui

import (
	"encoding/json"

	"playground/app/markdown"
)

// The form is drawn again on every change, and while an answer streams, every 50 ms. A value can be
// large (a picked file travels as a data URL or a list of byte values), so what is derived from a
// value (its violations, the text its control shows, a file's name and size) is remembered for as
// long as the value is the same one. Stored values are never changed in place, only replaced, so a
// value is the same one when it is the same slice; the remembered slice keeps its memory alive, so
// the address cannot be reused by another value meanwhile.

type memoEntry struct {
	v   json.RawMessage
	out any
}

// memo returns compute(), remembered under key for as long as v is the same slice.
func (p *editor) memo(key string, v json.RawMessage, compute func() any) any {
	if len(v) == 0 {
		return compute()
	}
	if e, ok := p.memos[key]; ok && len(e.v) == len(v) && &e.v[0] == &v[0] {
		return e.out
	}
	out := compute()
	if p.memos == nil || len(p.memos) > 512 {
		p.memos = map[string]memoEntry{} // entries of keys gone long ago are dropped at times
	}
	p.memos[key] = memoEntry{v: v, out: out}
	return out
}

// helpHTML renders a field's markdown description once.
func (p *editor) helpHTML(help string) string {
	if h, ok := p.helps[help]; ok {
		return h
	}
	if p.helps == nil {
		p.helps = map[string]string{}
	}
	h := markdown.HTML(help)
	p.helps[help] = h
	return h
}
