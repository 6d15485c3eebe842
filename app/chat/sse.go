// Package chat talks to an OpenAI-compatible chat completions endpoint and
// assembles the assistant's reply from streamed or non-streamed responses.
//
// It is pure Go with no dependency on the UI framework, so it builds and is
// tested both on the host and under GOOS=js GOARCH=wasm, where net/http uses
// the browser's fetch API and streams response bodies.
//
// The pieces are:
//   - [Decoder], a server-sent events (SSE) parser following the WHATWG rules;
//   - [Completion] and friends, lenient types for chat completion JSON;
//   - [Result], the assistant turn being built from chunks;
//   - [APIError] and [ParseError], which turn any provider's error body into
//     a plain-words message;
//   - [Client], which posts a request and drives all of the above.
package chat

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxEventSize is the largest event, in bytes, that a [Decoder]
// accepts unless told otherwise with [Decoder.SetMaxEventSize].
const DefaultMaxEventSize = 4 << 20

// ErrEventTooLarge is returned (wrapped) by [Decoder.Next] when an event or a
// single line exceeds the decoder's maximum event size.
var ErrEventTooLarge = errors.New("SSE event too large")

// Event is one dispatched server-sent event.
type Event struct {
	// Name is the value of the "event:" field; it is empty for the default
	// "message" type.
	Name string
	// Data is the concatenation of the event's "data:" lines, joined with
	// "\n".
	Data string
	// ID is the last event ID seen on the stream so far (set by "id:"
	// fields, which persist across events as the specification requires).
	ID string
}

// utf8BOM is the byte order mark that may start a stream.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Decoder reads server-sent events from a stream.
//
// It follows the WHATWG "event stream interpretation" rules: lines end in
// LF, CRLF or CR; a leading UTF-8 byte order mark is skipped; lines starting
// with ":" are comments (keep-alive pings) and are ignored; a line without a
// colon is a field name with an empty value; a single space after the colon
// is removed; "data" lines are joined with "\n"; a blank line dispatches the
// event, unless it has no data lines; "retry" and unknown fields are ignored.
//
// A Decoder never needs to look ahead past the end of a line, so it returns
// each event as soon as its terminating blank line has arrived, whatever the
// chunk boundaries of the underlying reader.
//
// A Decoder is not safe for concurrent use.
type Decoder struct {
	r   io.Reader
	max int

	buf        []byte // read buffer; unread bytes are buf[start:end]
	start, end int
	rerr       error // sticky error from r, reported once buf is drained

	bomChecked bool // the stream start has been checked for a BOM
	skipLF     bool // the previous line ended in CR; skip a following LF

	// State of the event being built.
	data    []byte
	hasData bool
	name    string
	lastID  string
	size    int  // raw bytes of non-comment lines in the current event
	pending bool // a non-comment line has been seen since the last blank line
	sticky  error
}

// readChunk is the minimum number of bytes asked of the reader at a time.
const readChunk = 4096

// NewDecoder returns a Decoder reading from r with the default maximum event
// size, [DefaultMaxEventSize].
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: r, max: DefaultMaxEventSize}
}

// SetMaxEventSize sets the largest event the decoder accepts, in bytes. The
// limit applies both to any single line and to the total size of the
// non-comment lines that make up one event, so the Data, Name and ID of a
// returned event never exceed it. Values below 1 restore the default.
func (d *Decoder) SetMaxEventSize(n int) {
	if n < 1 {
		n = DefaultMaxEventSize
	}
	d.max = n
}

// Next returns the next event.
//
// At a clean end of stream (the input ends after a complete event, or holds
// only comments and blank lines) it returns io.EOF. If the input ends in the
// middle of an event, the partial event is discarded, as the specification
// requires, and Next returns an error wrapping io.ErrUnexpectedEOF so callers
// can tell a truncated stream from a complete one. An event larger than the
// maximum size yields an error wrapping [ErrEventTooLarge]. Read errors from
// the underlying reader are returned wrapped. Once Next has returned an
// error, it returns the same error on every later call.
func (d *Decoder) Next() (Event, error) {
	if d.sticky != nil {
		return Event{}, d.sticky
	}
	ev, err := d.next()
	if err != nil {
		d.sticky = err
	}
	return ev, err
}

func (d *Decoder) next() (Event, error) {
	for {
		line, err := d.readLine()
		if err != nil {
			return Event{}, err
		}
		if len(line) == 0 {
			if ev, ok := d.dispatch(); ok {
				return ev, nil
			}
			continue
		}
		if line[0] == ':' {
			continue // comment, usually a keep-alive ping
		}
		d.pending = true
		d.size += len(line)
		if d.size > d.max {
			return Event{}, d.tooLarge()
		}
		d.processField(line)
	}
}

// processField applies one non-empty, non-comment line to the event being
// built.
func (d *Decoder) processField(line []byte) {
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(field) {
	case "data":
		if d.hasData {
			d.data = append(d.data, '\n')
		}
		d.data = append(d.data, value...)
		d.hasData = true
	case "event":
		d.name = string(value)
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			d.lastID = string(value)
		}
	}
}

// dispatch ends the current event and reports whether it should be returned.
func (d *Decoder) dispatch() (Event, bool) {
	ev := Event{Name: d.name, Data: string(d.data), ID: d.lastID}
	ok := d.hasData
	d.data = d.data[:0]
	d.hasData = false
	d.name = ""
	d.size = 0
	d.pending = false
	return ev, ok
}

func (d *Decoder) tooLarge() error {
	return fmt.Errorf("chat: decoding SSE stream: event larger than %d bytes: %w", d.max, ErrEventTooLarge)
}

// readLine returns the next line without its terminator. The returned slice
// is only valid until the next call.
func (d *Decoder) readLine() ([]byte, error) {
	for {
		if d.start < d.end {
			if !d.bomChecked {
				rest := d.buf[d.start:d.end]
				if len(rest) < len(utf8BOM) && bytes.HasPrefix(utf8BOM, rest) && d.rerr == nil {
					// Could still be a BOM; wait for more bytes.
					if err := d.fill(); err != nil {
						return nil, err
					}
					continue
				}
				d.bomChecked = true
				if bytes.HasPrefix(rest, utf8BOM) {
					d.start += len(utf8BOM)
					continue
				}
			}
			if d.skipLF {
				d.skipLF = false
				if d.buf[d.start] == '\n' {
					d.start++
					continue
				}
			}
			rest := d.buf[d.start:d.end]
			if i := bytes.IndexAny(rest, "\r\n"); i >= 0 {
				d.skipLF = rest[i] == '\r'
				d.start += i + 1
				if i > d.max {
					return nil, d.tooLarge()
				}
				return rest[:i], nil
			}
			if len(rest) > d.max {
				return nil, d.tooLarge()
			}
		}
		if d.rerr != nil {
			return nil, d.endError()
		}
		if err := d.fill(); err != nil {
			return nil, err
		}
	}
}

// endError is the error for the end of input once the buffer is drained of
// complete lines.
func (d *Decoder) endError() error {
	partial := d.buf[d.start:d.end]
	truncated := d.pending || (len(partial) > 0 && partial[0] != ':')
	if d.rerr == io.EOF {
		if truncated {
			return fmt.Errorf("chat: decoding SSE stream: stream ended in the middle of an event: %w", io.ErrUnexpectedEOF)
		}
		return io.EOF
	}
	return fmt.Errorf("chat: reading SSE stream: %w", d.rerr)
}

// fill reads more bytes into the buffer, compacting or growing it as needed.
// It records the reader's error in d.rerr and only returns an error for a
// reader that misbehaves.
func (d *Decoder) fill() error {
	if d.start > 0 {
		n := copy(d.buf, d.buf[d.start:d.end])
		d.start, d.end = 0, n
	}
	if d.end == len(d.buf) {
		size := 2 * len(d.buf)
		if size < readChunk {
			size = readChunk
		}
		nb := make([]byte, size)
		copy(nb, d.buf[:d.end])
		d.buf = nb
	}
	for empty := 0; ; empty++ {
		n, err := d.r.Read(d.buf[d.end:])
		if n < 0 || n > len(d.buf)-d.end {
			return fmt.Errorf("chat: reading SSE stream: reader returned invalid count %d", n)
		}
		d.end += n
		if err != nil {
			d.rerr = err
			return nil
		}
		if n > 0 {
			return nil
		}
		if empty >= 100 {
			d.rerr = io.ErrNoProgress
			return nil
		}
	}
}
