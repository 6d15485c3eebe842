package meter

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"playground/app/kind"
)

// MaxLine bounds what a [Reader] keeps to parse: an event-stream line, or a JSON answer. Longer
// lines are counted as output only; a longer JSON answer is not read.
const MaxLine = 1 << 20

// Reader reads one call's answer as it passes (the server writes every byte of it to Write) and
// tells what it used: the usage the provider reports, read by the decoder of the kind's
// [kind.Events], and the length of the answer's text, for an estimate when the provider reports
// nothing and for cutting an answer that runs too long. It holds at most one bounded line (or a
// bounded JSON answer), whatever the chunk boundaries of the writes.
//
// Event streams are read line by line: "event:" names the event, each "data:" line is one JSON
// payload given to the decoder; comments, ids and other fields are skipped. Any other answer is
// kept (up to MaxLine) and read whole when Usage is called.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	events kind.Events
	sse    bool

	line     []byte // the event-stream line being read
	overlong bool   // the line passed MaxLine: it is skipped
	event    string // the current event's name
	body     []byte // a JSON answer (not a stream), bounded
	tooBig   bool   // the JSON answer passed MaxLine
	read     bool   // body has been read

	runes int64
	usage kind.Usage
}

// NewReader returns a reader of an answer of kind k with the response's Content-Type; a
// "text/event-stream" answer is read as events. A nil k reads answers as chat completions.
func NewReader(k kind.Kind, contentType string) *Reader {
	events := kind.ChatEvents
	if k != nil {
		events = k.Events()
	}
	return &Reader{events: events, sse: strings.HasPrefix(strings.TrimSpace(strings.ToLower(contentType)), "text/event-stream")}
}

// Write reads p; it never fails and always reports len(p).
func (m *Reader) Write(p []byte) (int, error) {
	if m.sse {
		m.scan(p)
	} else if !m.tooBig {
		if len(m.body)+len(p) > MaxLine {
			m.tooBig, m.body = true, nil
		} else {
			m.body = append(m.body, p...)
		}
	}
	return len(p), nil
}

// Streamed reports whether the answer is an event stream.
func (m *Reader) Streamed() bool { return m.sse }

// OutputRunes is the number of characters of answer text (content, reasoning) read so far. An
// answer that is not a stream is read when Usage or Tokens is first called, once it is complete.
func (m *Reader) OutputRunes() int64 { return m.runes }

// Usage is what the provider reported the call used, so far; zero when it reported nothing. For
// an answer that is not a stream, call it once the answer is complete: it reads it then.
// Counts reported by several events of a stream are merged: a later count replaces an earlier
// one, a count an event leaves out is kept.
func (m *Reader) Usage() kind.Usage {
	m.readBody()
	return m.usage
}

// Tokens is the number of tokens the call used: the provider's count when it gave one, else an
// estimate of four bytes of request (requestBytes) and four characters of answer per token.
func (m *Reader) Tokens(requestBytes int) int64 {
	if t := m.Usage().Tokens(); t > 0 {
		return t
	}
	return int64(max(requestBytes, 0)+3)/4 + (m.OutputRunes()+3)/4
}

func (m *Reader) readBody() {
	if m.sse || m.read || len(m.body) == 0 {
		return
	}
	m.read = true
	n, u := decode(m.events, "", m.body)
	m.runes += n
	m.usage = merge(m.usage, u)
	m.body = nil
}

func (m *Reader) scan(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		part := b
		if i >= 0 {
			part = b[:i]
		}
		switch {
		case m.overlong:
			m.runes += int64(utf8.RuneCount(part))
		case len(m.line)+len(part) > MaxLine:
			// Count the whole over-long line as output (what was kept of it and what follows),
			// so that a cut still sees it.
			m.runes += int64(utf8.RuneCount(m.line) + utf8.RuneCount(part))
			m.overlong, m.line = true, m.line[:0]
		default:
			m.line = append(m.line, part...)
		}
		if i < 0 {
			return
		}
		if !m.overlong {
			m.field(bytes.TrimSpace(m.line))
		}
		m.line, m.overlong = m.line[:0], false
		b = b[i+1:]
	}
}

// field reads one complete line of an event stream.
func (m *Reader) field(line []byte) {
	if len(line) == 0 {
		m.event = "" // a blank line ends the event
		return
	}
	if name, ok := bytes.CutPrefix(line, []byte("event:")); ok {
		m.event = string(bytes.TrimSpace(name))
		return
	}
	data, ok := bytes.CutPrefix(line, []byte("data:"))
	if !ok {
		return
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return
	}
	n, u := decode(m.events, m.event, data)
	m.runes += n
	m.usage = merge(m.usage, u)
}

// merge returns a with the counts b reports.
func merge(a, b kind.Usage) kind.Usage {
	if b.PromptTokens > 0 {
		a.PromptTokens = b.PromptTokens
	}
	if b.CompletionTokens > 0 {
		a.CompletionTokens = b.CompletionTokens
	}
	if b.TotalTokens > 0 {
		a.TotalTokens = b.TotalTokens
	}
	if b.Credits > 0 {
		a.Credits = b.Credits
	}
	if b.USD > 0 {
		a.USD = b.USD
	}
	return a
}
