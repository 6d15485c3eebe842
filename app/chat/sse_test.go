package chat

import (
	"errors"
	"io"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// splitReader returns the input in pieces of random sizes (including empty
// reads) chosen by a seeded generator.
type splitReader struct {
	s   string
	rng *rand.Rand
}

func (r *splitReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := r.rng.Intn(8)
	if n > len(r.s) {
		n = len(r.s)
	}
	if n > len(p) {
		n = len(p)
	}
	copy(p, r.s[:n])
	r.s = r.s[n:]
	return n, nil
}

// readers returns the ways each test input is fed to the decoder.
func readers() map[string]func(string) io.Reader {
	return map[string]func(string) io.Reader{
		"whole":   func(s string) io.Reader { return strings.NewReader(s) },
		"onebyte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"dataerr": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
		"half":    func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
		"random1": func(s string) io.Reader { return &splitReader{s: s, rng: rand.New(rand.NewSource(1))} },
		"random2": func(s string) io.Reader { return &splitReader{s: s, rng: rand.New(rand.NewSource(2))} },
	}
}

// decodeAll reads events until an error and returns them with that error.
func decodeAll(r io.Reader, max int) ([]Event, error) {
	d := NewDecoder(r)
	if max > 0 {
		d.SetMaxEventSize(max)
	}
	var evs []Event
	for {
		ev, err := d.Next()
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
}

func TestDecoder(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		max     int
		want    []Event
		wantErr error // checked with errors.Is
	}{
		{name: "empty", in: "", wantErr: io.EOF},
		{name: "single", in: "data: hello\n\n", want: []Event{{Data: "hello"}}, wantErr: io.EOF},
		{name: "crlf", in: "data: a\r\n\r\ndata: b\r\n\r\n", want: []Event{{Data: "a"}, {Data: "b"}}, wantErr: io.EOF},
		{name: "cr", in: "data: a\r\rdata: b\r\r", want: []Event{{Data: "a"}, {Data: "b"}}, wantErr: io.EOF},
		{name: "mixed endings", in: "data: a\rdata: b\r\ndata: c\n\r\n", want: []Event{{Data: "a\nb\nc"}}, wantErr: io.EOF},
		{name: "multiline data", in: "data: line1\ndata: line2\ndata:\ndata\n\n", want: []Event{{Data: "line1\nline2\n\n"}}, wantErr: io.EOF},
		{name: "only one space stripped", in: "data:  two\ndata:none\n\n", want: []Event{{Data: " two\nnone"}}, wantErr: io.EOF},
		{name: "empty data dispatches", in: "data\n\n", want: []Event{{Data: ""}}, wantErr: io.EOF},
		{name: "comments ignored", in: ": ping\n\n:\ndata: x\n: inside\n\n: ping\n\n", want: []Event{{Data: "x"}}, wantErr: io.EOF},
		{name: "no data not dispatched", in: "event: foo\n\nid: 7\n\ndata: x\n\n", want: []Event{{Data: "x", ID: "7"}}, wantErr: io.EOF},
		{name: "bom skipped", in: "\xEF\xBB\xBFdata: x\n\n", want: []Event{{Data: "x"}}, wantErr: io.EOF},
		{name: "bom only once", in: "\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n", want: []Event{{Data: "y"}}, wantErr: io.EOF},
		{name: "partial bom is data", in: "\xEF\xBBdata: x\n\ndata: y\n\n", want: []Event{{Data: "y"}}, wantErr: io.EOF},
		{
			name: "event and id fields",
			in:   "event: error\nid: 1\ndata: {}\n\ndata: next\n\nid\ndata: cleared\n\n",
			want: []Event{{Name: "error", Data: "{}", ID: "1"}, {Data: "next", ID: "1"}, {Data: "cleared"}},
		},
		{name: "id with NUL ignored", in: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", want: []Event{{Data: "a", ID: "1"}, {Data: "b", ID: "1"}}, wantErr: io.EOF},
		{name: "unknown and retry fields ignored", in: "retry: 100\nfoo: bar\ndata: x\n\n", want: []Event{{Data: "x"}}, wantErr: io.EOF},
		{name: "field without colon", in: "data\ndata\n\n", want: []Event{{Data: "\n"}}, wantErr: io.EOF},
		{name: "colon in value", in: "data: {\"a\":\"b: c\"}\n\n", want: []Event{{Data: `{"a":"b: c"}`}}, wantErr: io.EOF},
		{name: "no trailing blank line", in: "data: a\n\ndata: b\n", want: []Event{{Data: "a"}}, wantErr: io.ErrUnexpectedEOF},
		{name: "no trailing newline", in: "data: a\n\ndata: b", want: []Event{{Data: "a"}}, wantErr: io.ErrUnexpectedEOF},
		{name: "trailing comment is clean", in: "data: a\n\n: bye", want: []Event{{Data: "a"}}, wantErr: io.EOF},
		{name: "trailing blank lines", in: "data: a\n\n\n\n\r\n", want: []Event{{Data: "a"}}, wantErr: io.EOF},
		{name: "oversize event", in: "data: 0123456789\ndata: 0123456789\n\n", max: 24, wantErr: ErrEventTooLarge},
		{name: "oversize line", in: "data: " + strings.Repeat("x", 100), max: 24, wantErr: ErrEventTooLarge},
		{name: "events before oversize", in: "data: ok\n\ndata: " + strings.Repeat("x", 100) + "\n\n", max: 24, want: []Event{{Data: "ok"}}, wantErr: ErrEventTooLarge},
		{name: "at limit", in: "data: 0123456789\n\n", max: 16, want: []Event{{Data: "0123456789"}}, wantErr: io.EOF},
		{name: "comments do not count", in: strings.Repeat(": ping\n", 50) + "data: x\n\n", max: 16, want: []Event{{Data: "x"}}, wantErr: io.EOF},
		{
			name: "openai stream",
			in:   "data: {\"choices\":[]}\n\ndata: [DONE]\n\n",
			want: []Event{{Data: `{"choices":[]}`}, {Data: "[DONE]"}}, wantErr: io.EOF,
		},
	}
	for _, tt := range tests {
		for rname, mk := range readers() {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				got, err := decodeAll(mk(tt.in), tt.max)
				if tt.wantErr == nil {
					tt.wantErr = io.EOF
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				if tt.wantErr == io.EOF && err != io.EOF {
					t.Fatalf("clean end returned %v, want bare io.EOF", err)
				}
				if got, want := len(got), len(tt.want); got != want {
					t.Fatalf("got %d events, want %d", got, want)
				}
				if len(tt.want) > 0 && !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("events = %q, want %q", got, tt.want)
				}
			})
		}
	}
}

func TestDecoderStickyError(t *testing.T) {
	d := NewDecoder(strings.NewReader("data: a\n"))
	_, err1 := d.Next()
	_, err2 := d.Next()
	if !errors.Is(err1, io.ErrUnexpectedEOF) {
		t.Fatalf("first error = %v, want io.ErrUnexpectedEOF", err1)
	}
	if got, want := err2, err1; got != want {
		t.Fatalf("second error = %v, want %v", got, want)
	}
}

func TestDecoderReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom))
	evs, err := decodeAll(r, 0)
	if got, want := len(evs), 1; got != want {
		t.Fatalf("got %d events, want %d", got, want)
	}
	if !errors.Is(err, boom) {
		t.Fatalf("error = %v, want it to wrap %v", err, boom)
	}
}

// TestDecoderNoLookahead checks that an event is returned as soon as its
// blank line arrives, even when the line ends in CR and the next byte has
// not been sent yet.
func TestDecoderNoLookahead(t *testing.T) {
	pr, pw := io.Pipe()
	d := NewDecoder(pr)
	go func() {
		_, _ = pw.Write([]byte("data: a\r\r"))
	}()
	ev, err := d.Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if got, want := ev.Data, "a"; got != want {
		t.Fatalf("Data = %q, want %q", got, want)
	}
	go func() {
		_, _ = pw.Write([]byte("\ndata: b\r\n\r\n"))
		pw.Close()
	}()
	ev, err = d.Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if got, want := ev.Data, "b"; got != want {
		t.Fatalf("Data = %q, want %q", got, want)
	}
	if _, err := d.Next(); err != io.EOF {
		t.Fatalf("final error = %v, want io.EOF", err)
	}
}

func TestDecoderLargeEvent(t *testing.T) {
	big := strings.Repeat("abcdefghij", 100_000) // 1 MB, several buffer growths
	evs, err := decodeAll(strings.NewReader("data: "+big+"\n\ndata: small\n\n"), 0)
	if err != io.EOF {
		t.Fatalf("error = %v, want io.EOF", err)
	}
	if got, want := len(evs), 2; got != want {
		t.Fatalf("got %d events, want %d", got, want)
	}
	if got, want := evs[0].Data, big; got != want {
		t.Fatalf("big event has %d bytes, want %d", len(got), len(want))
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte("data: hello\n\n"), uint8(0))
	f.Add([]byte("\xEF\xBB\xBFevent: e\r\nid: 1\r\ndata: a\r\ndata: b\r\n\r\n"), uint8(3))
	f.Add([]byte(": ping\r\rdata\r\r"), uint8(1))
	f.Add([]byte("data: "+strings.Repeat("x", 70)+"\n\n"), uint8(5))
	f.Fuzz(func(t *testing.T, in []byte, seed uint8) {
		const max = 64
		var r io.Reader = strings.NewReader(string(in))
		if seed%2 == 1 {
			r = &splitReader{s: string(in), rng: rand.New(rand.NewSource(int64(seed)))}
		}
		d := NewDecoder(r)
		d.SetMaxEventSize(max)
		for i := 0; ; i++ {
			ev, err := d.Next()
			if err != nil {
				break
			}
			if len(ev.Data) > max || len(ev.Name) > max || len(ev.ID) > max {
				t.Fatalf("event larger than the limit: %d/%d/%d bytes", len(ev.Data), len(ev.Name), len(ev.ID))
			}
			if i > len(in) {
				t.Fatalf("more events than input bytes")
			}
		}
	})
}
