//go:build js && wasm

// Adapted from net/http's roundtrip_js.go: Copyright 2018 The Go Authors, under the BSD-style
// license of the Go distribution ($GOROOT/LICENSE).

package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall/js"
)

var errClosed = errors.New("fetch: the body is closed")

// ignore is a promise's rejection handler that does nothing, so that a rejection nobody waits
// for is not reported as uncaught.
var ignore = js.FuncOf(func(js.Value, []js.Value) any { return nil })

// Do sends req with the browser's fetch and returns the response once its headers have arrived,
// like [http.Client.Do] with the js transport of net/http: req.Body is read whole (and closed) and
// sent as a Uint8Array; a failure is a *url.Error, wrapping req's context's error when the context
// ended first. While the response body is open, the end of req's context aborts the fetch, and a
// read then returns the context's error; Close cancels the stream.
func Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, urlError(req, err)
		}
		body = b
	}
	if err := ctx.Err(); err != nil {
		return nil, urlError(req, err)
	}
	g := js.Global()
	ac := g.Get("AbortController").New()
	opt := g.Get("Object").New()
	opt.Set("method", req.Method)
	opt.Set("credentials", "same-origin")
	opt.Set("signal", ac.Get("signal"))
	headers := g.Get("Headers").New()
	for k, vs := range req.Header {
		for _, v := range vs {
			headers.Call("append", k, v)
		}
	}
	opt.Set("headers", headers)
	if len(body) > 0 {
		buf := g.Get("Uint8Array").New(len(body))
		js.CopyBytesToJS(buf, body)
		opt.Set("body", buf)
	}

	stop := context.AfterFunc(ctx, func() { ac.Call("abort") })
	res, err := await(g.Call("fetch", req.URL.String(), opt))
	if err == nil && ctx.Err() != nil {
		// The answer came as the context ended: abandon it.
		if b := res.Get("body"); b.Truthy() {
			b.Call("cancel").Call("catch", ignore)
		}
		err = ctx.Err()
	}
	if err != nil {
		stop()
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
		} else {
			err = errors.New("fetch() failed: " + err.Error())
		}
		return nil, urlError(req, err)
	}

	header := http.Header{}
	it := res.Get("headers").Call("entries")
	for {
		n := it.Call("next")
		if n.Get("done").Bool() {
			break
		}
		kv := n.Get("value")
		header.Add(kv.Index(0).String(), kv.Index(1).String())
	}
	length, uncompressed := int64(-1), false
	if header.Get("Content-Encoding") != "" {
		// fetch has decoded the body, whose length is then not the header's.
		header.Del("Content-Encoding")
		header.Del("Content-Length")
		uncompressed = true
	} else if n, err := strconv.ParseInt(header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		length = n
	}
	var rb io.ReadCloser = http.NoBody
	if b := res.Get("body"); b.Truthy() {
		rb = &stream{ctx: ctx, reader: b.Call("getReader"), stop: stop}
	} else {
		stop()
	}
	if res.Get("redirected").Bool() {
		if u, err := url.Parse(res.Get("url").String()); err == nil {
			req = req.WithContext(ctx) // a shallow copy, for Response.Request
			req.URL = u
		}
	}
	code := res.Get("status").Int()
	return &http.Response{
		Status:        strconv.Itoa(code) + " " + http.StatusText(code),
		StatusCode:    code,
		Header:        header,
		ContentLength: length,
		Uncompressed:  uncompressed,
		Body:          rb,
		Request:       req,
	}, nil
}

// urlError is err as http.Client.Do reports it: `Post "/api/v1/…": err`.
func urlError(req *http.Request, err error) error {
	op := "Get"
	if m := req.Method; m != "" && m != http.MethodGet {
		op = m[:1] + strings.ToLower(m[1:])
	}
	return &url.Error{Op: op, URL: req.URL.String(), Err: err}
}

// await waits for the promise p to settle and returns its value, or the reason it was rejected.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	defer ok.Release()
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: jsError(args[0])}
		return nil
	})
	defer fail.Release()
	p.Call("then", ok, fail)
	r := <-ch
	return r.v, r.err
}

// jsError is a JavaScript exception as an error: its text ("TypeError: Failed to fetch"), and its
// cause's when it has one.
func jsError(v js.Value) error {
	str := js.Global().Get("String")
	msg := str.Invoke(v).String()
	if v.Type() == js.TypeObject {
		if c := v.Get("cause"); !c.IsUndefined() {
			msg += ": " + str.Invoke(c).String()
		}
	}
	return errors.New(msg)
}

// stream is a response body: the reader of fetch's ReadableStream, a chunk at a time as it
// arrives.
type stream struct {
	ctx    context.Context
	reader js.Value
	stop   func() bool // stops aborting the fetch when ctx ends
	buf    []byte      // the rest of the last chunk
	err    error       // sticky: io.EOF, errClosed, ctx's error or the stream's
	closed bool
}

func (s *stream) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		res, err := await(s.reader.Call("read"))
		switch {
		case err != nil && s.ctx.Err() != nil:
			s.end(s.ctx.Err()) // the fetch was aborted
		case err != nil:
			s.end(err)
		case res.Get("done").Bool():
			s.end(io.EOF)
		default:
			v := res.Get("value")
			s.buf = make([]byte, v.Get("byteLength").Int())
			js.CopyBytesToGo(s.buf, v)
		}
	}
	if s.closed {
		return 0, errClosed
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

func (s *stream) end(err error) {
	if s.err == nil {
		s.err = err
	}
	s.stop()
}

// Close cancels the stream (which ends a pending Read) unless it has ended.
func (s *stream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.buf = nil
	ended := s.err != nil
	s.end(errClosed)
	if !ended {
		// The promise is rejected when the stream has failed (its fetch aborted): nothing to say.
		s.reader.Call("cancel").Call("catch", ignore)
	}
	return nil
}
