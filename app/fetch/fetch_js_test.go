//go:build js && wasm

package fetch

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall/js"
	"testing"
	"time"
)

// handler is the test server's, in JavaScript: state.stream is the response of /stream, held open
// for the test to write to; state.closed counts the requests whose connection went away early.
const handler = `return (req, res) => {
	switch (req.url) {
	case "/echo": {
		const chunks = [];
		req.on("data", (c) => chunks.push(c));
		req.on("end", () => {
			const body = Buffer.concat(chunks);
			res.writeHead(201, {"Content-Type": "text/plain", "Content-Length": body.length,
				"X-Got": req.method + " " + req.headers["x-test"]});
			res.end(body);
		});
		return;
	}
	case "/stream":
		res.on("close", () => { if (!res.writableEnded) state.closed++; });
		res.writeHead(200, {"Content-Type": "text/event-stream"});
		res.write("one\n");
		state.stream = res;
		return;
	case "/silent":
		return; // no answer at all
	case "/redirect":
		res.writeHead(302, {"Location": "/echo"});
		res.end();
		return;
	}
	res.writeHead(404);
	res.end();
}`

func needNode(t *testing.T) {
	t.Helper()
	if js.Global().Get("require").Type() != js.TypeFunction || js.Global().Get("fetch").Type() != js.TypeFunction {
		t.Skip("needs Node with fetch")
	}
}

// server starts an HTTP server in Node, which runs the js/wasm tests and has fetch (the Go
// servers of net/http/httptest listen on a simulated network that fetch cannot reach). It returns
// the server's base URL and its state.
func server(t *testing.T) (string, js.Value) {
	t.Helper()
	needNode(t)
	state := js.Global().Get("Object").New()
	state.Set("closed", 0)
	h := js.Global().Get("Function").New("state", handler).Invoke(state)
	srv := js.Global().Call("require", "http").Call("createServer", h)
	listening := make(chan struct{})
	cb := js.FuncOf(func(js.Value, []js.Value) any { close(listening); return nil })
	srv.Call("listen", 0, "127.0.0.1", cb)
	<-listening
	cb.Release()
	t.Cleanup(func() {
		srv.Call("closeAllConnections")
		srv.Call("close")
	})
	return "http://127.0.0.1:" + strconv.Itoa(srv.Call("address").Get("port").Int()), state
}

func get(t *testing.T, ctx context.Context, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp
}

// read reads one chunk, failing the test after a second.
func read(t *testing.T, r io.Reader) (string, error) {
	t.Helper()
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b := make([]byte, 64)
		n, err := r.Read(b)
		ch <- result{string(b[:n]), err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-time.After(time.Second):
		t.Fatal("Read did not return")
		return "", nil
	}
}

func TestDo(t *testing.T) {
	base, _ := server(t)
	req, _ := http.NewRequest(http.MethodPost, base+"/echo", strings.NewReader("hello"))
	req.Header.Set("X-Test", "yes")
	resp, err := Client{}.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || string(body) != "hello" {
		t.Fatalf("body %q, %v", body, err)
	}
	if resp.StatusCode != 201 || resp.Status != "201 Created" || resp.ContentLength != 5 ||
		resp.Header.Get("X-Got") != "POST yes" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("response %d %q, length %d, header %v", resp.StatusCode, resp.Status, resp.ContentLength, resp.Header)
	}
}

func TestRedirect(t *testing.T) {
	base, _ := server(t)
	resp := get(t, context.Background(), base+"/redirect")
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Request.URL.Path != "/echo" {
		t.Fatalf("%d from %v, want 201 from /echo", resp.StatusCode, resp.Request.URL)
	}
}

// The body hands out each chunk as it arrives, not when the answer has ended.
func TestStream(t *testing.T) {
	base, state := server(t)
	resp := get(t, context.Background(), base+"/stream")
	defer resp.Body.Close()
	if s, err := read(t, resp.Body); s != "one\n" || err != nil {
		t.Fatalf("first chunk %q, %v", s, err)
	}
	state.Get("stream").Call("write", "two\n")
	if s, err := read(t, resp.Body); s != "two\n" || err != nil {
		t.Fatalf("second chunk %q, %v", s, err)
	}
	state.Get("stream").Call("end")
	if s, err := read(t, resp.Body); s != "" || err != io.EOF {
		t.Fatalf("at the end: %q, %v", s, err)
	}
}

// Cancelling the context while the body is read aborts the fetch: the read returns at once with
// the context's error, and the server sees the connection go.
func TestCancelMidStream(t *testing.T) {
	base, state := server(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := get(t, ctx, base+"/stream")
	defer resp.Body.Close()
	read(t, resp.Body)
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := read(t, resp.Body); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v, want context.Canceled", err)
	}
	waitClosed(t, state)
}

// Close ends a pending read and the request; closing a body whose fetch was aborted is quiet (an
// unhandled rejection would end the test process).
func TestClose(t *testing.T) {
	base, state := server(t)
	resp := get(t, context.Background(), base+"/stream")
	read(t, resp.Body)
	time.AfterFunc(50*time.Millisecond, func() { resp.Body.Close() })
	if s, err := read(t, resp.Body); s != "" || err == nil {
		t.Fatalf("read across Close: %q, %v", s, err)
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err != errClosed {
		t.Fatalf("read after Close: %v", err)
	}
	waitClosed(t, state)

	ctx, cancel := context.WithCancel(context.Background())
	resp = get(t, ctx, base+"/stream")
	cancel()
	time.Sleep(50 * time.Millisecond)
	resp.Body.Close()
	time.Sleep(50 * time.Millisecond)
}

func waitClosed(t *testing.T, state js.Value) {
	t.Helper()
	for i := 0; state.Get("closed").Int() == 0; i++ {
		if i == 100 {
			t.Fatal("the server's connection is still open")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A context that ends before the answer aborts the fetch; Do returns its error.
func TestDeadline(t *testing.T) {
	base, _ := server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/silent", bytes.NewReader([]byte("{}")))
	done := make(chan error, 1)
	go func() {
		_, err := Do(req)
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Second):
		t.Fatal("Do did not return")
	}
	var uerr *url.Error
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &uerr) || uerr.Op != "Post" {
		t.Fatalf("error %v, want a *url.Error of Post wrapping context.DeadlineExceeded", err)
	}
}

func TestUnreachable(t *testing.T) {
	needNode(t)
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil) // nothing listens on port 1
	_, err := Do(req)
	var uerr *url.Error
	if err == nil || !errors.As(err, &uerr) || !strings.Contains(err.Error(), "fetch() failed: TypeError") {
		t.Fatalf("error %v, want a fetch failure", err)
	}
}
