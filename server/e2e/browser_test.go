package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"playground/server/internal/syncbuf"
)

// browser is a headless Chromium shared by the tabs of one test.
type browser struct {
	ctx context.Context
	out *syncbuf.Buffer
}

// startBrowser starts headless Chromium with a fresh profile and the flags below only (not
// chromedp's defaults), so that it makes no request of its own to the network; extra adds flags.
func startBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	path, err := chromePath()
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	out := &syncbuf.Buffer{}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		// Speech to text records from a fake microphone (a tone), granted without a prompt.
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(out),
	}
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// Cleanups run last-in first-out: the browser stops before its profile directory is removed.
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser and ties it to ctx, so it must not get a timeout; a watchdog
	// bounds it instead.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("starting Chromium (%s): %v\nbrowser output:\n%s", path, err, truncate(out.String(), 4000))
		}
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("Chromium (%s) did not start within 30s\nbrowser output:\n%s", path, truncate(out.String(), 4000))
	}
	return &browser{ctx: ctx, out: out}
}

// tab is one browser tab, recording the console errors and every response body it receives.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string // console errors, uncaught exceptions, error log entries, CSP violations
	captures map[network.RequestID]*capture
	order    []network.RequestID
	bodyErrs []string
	pending  sync.WaitGroup
}

// capture is what the tab received for one response. Fetches (the API calls, read as streams by the
// wasm app, which drops the connection once it has what it needs) are captured with
// Network.streamResourceContent: the data buffered so far, then every dataReceived event. Other
// responses are read whole with Network.getResponseBody once they have finished loading.
type capture struct {
	url      string
	status   int64
	stream   bool
	buffered []byte
	streamed bytes.Buffer
	body     []byte
	failed   string // the loading error, e.g. net::ERR_ABORTED after Stop
}

func (c *capture) bytes() []byte {
	if c.stream {
		return append(append([]byte(nil), c.buffered...), c.streamed.Bytes()...)
	}
	return c.body
}

// capturedBody is one response body the tab received.
type capturedBody struct {
	url    string
	status int64
	body   []byte
	failed string
}

// cspReporter turns CSP violations into console errors, on top of the browser's own log entry.
const cspReporter = `document.addEventListener("securitypolicyviolation", (e) =>
	console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI));`

func (b *browser) newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, captures: map[network.RequestID]*capture{}}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	if err := chromedp.Listen(ctx, tb.onEvent); err != nil {
		t.Fatalf("listening to the tab's events: %v", err)
	}
	// Keep whole bodies (the wasm is ~15 MB) so that every one can be read back.
	total, perResource := int64(1<<30), int64(128<<20)
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{MaxTotalBufferSize: &total, MaxResourceBufferSize: &perResource}); err != nil {
		t.Fatalf("network.enable: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspReporter}); err != nil {
		t.Fatalf("adding the CSP reporter: %v", err)
	}
	return tb
}

// onEvent runs in the tab's event loop: it must return fast and run no command.
func (tb *tab) onEvent(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, remoteText(a))
			}
			tb.problem("console." + string(ev.Type) + ": " + strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		tb.problem(fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level == log.EntryLevelError || strings.Contains(e.Text, "Content Security Policy") || strings.Contains(e.Text, "Content-Security-Policy") {
			tb.problem(fmt.Sprintf("browser log (%s, %s): %s [%s]", e.Source, e.Level, e.Text, e.URL))
		}
	case *network.EventResponseReceived:
		c := &capture{url: ev.Response.URL, status: ev.Response.Status,
			stream: ev.Type == network.ResourceTypeFetch || ev.Type == network.ResourceTypeXHR}
		tb.mu.Lock()
		if _, seen := tb.captures[ev.RequestID]; !seen {
			tb.order = append(tb.order, ev.RequestID)
		}
		tb.captures[ev.RequestID] = c
		tb.mu.Unlock()
		if c.stream {
			tb.pending.Add(1)
			go tb.streamBody(ev.RequestID, c)
		}
	case *network.EventDataReceived:
		if len(ev.Data) == 0 {
			return
		}
		tb.mu.Lock()
		if c := tb.captures[ev.RequestID]; c != nil && c.stream {
			c.streamed.Write(ev.Data)
		}
		tb.mu.Unlock()
	case *network.EventLoadingFinished:
		tb.mu.Lock()
		c := tb.captures[ev.RequestID]
		tb.mu.Unlock()
		if c != nil && !c.stream {
			tb.pending.Add(1)
			go tb.fetchBody(ev.RequestID, c)
		}
	case *network.EventLoadingFailed:
		tb.mu.Lock()
		if c := tb.captures[ev.RequestID]; c != nil {
			c.failed = ev.ErrorText
		}
		tb.mu.Unlock()
	}
}

func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if len(o.Value) > 0 {
		return string(o.Value)
	}
	if o.Description != "" {
		return o.Description
	}
	return string(o.Type)
}

func (tb *tab) problem(s string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.problems = append(tb.problems, s)
}

func (tb *tab) fetchBody(id network.RequestID, c *capture) {
	defer tb.pending.Done()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if err != nil {
		if tb.ctx.Err() == nil { // not just the tab closing
			tb.bodyErrs = append(tb.bodyErrs, fmt.Sprintf("reading the body of %s: %v", c.url, err))
		}
		return
	}
	c.body = res.Body
}

func (tb *tab) streamBody(id network.RequestID, c *capture) {
	defer tb.pending.Done()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	res, err := chromedp.Call(ctx, network.StreamResourceContent, network.StreamResourceContentParams{RequestID: id})
	if err == nil {
		tb.mu.Lock()
		c.buffered = res.BufferedData
		tb.mu.Unlock()
		return
	}
	// A short answer has often finished loading already: read it whole.
	whole, err2 := chromedp.Call(ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if err2 != nil {
		if tb.ctx.Err() == nil {
			tb.bodyErrs = append(tb.bodyErrs, fmt.Sprintf("reading the body of %s: streaming: %v; whole: %v", c.url, err, err2))
		}
		return
	}
	c.buffered = whole.Body
}

// responseBodies waits for the pending body reads and returns every body the tab received so far,
// in the order the responses arrived, and the errors met reading them.
func (tb *tab) responseBodies() ([]capturedBody, []string) {
	tb.t.Helper()
	done := make(chan struct{})
	go func() { tb.pending.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		tb.t.Errorf("reading the response bodies from the browser did not finish within 30s")
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []capturedBody
	for _, id := range tb.order {
		c := tb.captures[id]
		out = append(out, capturedBody{url: c.url, status: c.status, body: c.bytes(), failed: c.failed})
	}
	return out, append([]string(nil), tb.bodyErrs...)
}

// checkConsole fails the test when the tab logged a console error, an uncaught exception, an error
// entry of the browser log or a CSP violation, other than those containing one of the allowed
// substrings (logged instead). A 404 for /favicon.ico, which Chromium may ask for by itself, is
// always allowed.
func (tb *tab) checkConsole(allowed ...string) {
	tb.t.Helper()
	allowed = append(allowed, "favicon.ico")
	tb.mu.Lock()
	problems := append([]string(nil), tb.problems...)
	tb.problems = nil // each check sees what happened since the last one
	tb.mu.Unlock()
	var bad []string
next:
	for _, p := range problems {
		for _, a := range allowed {
			if strings.Contains(p, a) {
				tb.t.Logf("expected browser message: %s", p)
				continue next
			}
		}
		bad = append(bad, p)
	}
	if len(bad) > 0 {
		tb.t.Errorf("the page logged %d console error(s), exception(s) or CSP violation(s):\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
}

// navigate opens url in the tab.
func (tb *tab) navigate(url string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		tb.t.Fatalf("navigating to %s: %v\npage shows:\n%s", url, err, tb.bodyText())
	}
}

// do runs actions with a timeout, failing the test with what the page shows.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v\npage shows:\n%s", what, err, tb.bodyText())
	}
}

// eval evaluates a JavaScript expression and decodes its result into T.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("evaluating %s: %v\npage shows:\n%s", truncate(expr, 200), err, tb.bodyText())
	}
	return v
}

// waitJS polls the expression every 15ms until it is truthy, failing after d with what was awaited
// and what the page shows.
func (tb *tab) waitJS(what, expr string, d time.Duration) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, d)
	defer cancel()
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		if err == nil && ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			msg := fmt.Sprintf("timed out after %v waiting for %s", d, what)
			if lastErr != nil && !errors.Is(lastErr, context.DeadlineExceeded) {
				msg += fmt.Sprintf(" (last error: %v)", lastErr)
			}
			tb.t.Fatalf("%s\npage shows:\n%s", msg, tb.bodyText())
		case <-time.After(15 * time.Millisecond):
		}
	}
}

// bodyText is the page's visible text, truncated to about 2 KB, for failure messages. The lines of
// the model picker's options are left out (they would fill it), and its value is shown instead.
func (tb *tab) bodyText() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 3*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		if (!document.body) return "(no body)";
		const options = new Set([...document.querySelectorAll("option")].map(o => o.text.trim()));
		const lines = document.body.innerText.split("\n").filter(l => !options.has(l.trim()));
		const picker = document.querySelector('[data-testid="model-picker"]');
		if (picker) lines.unshift("[model picker: " + picker.value + "]");
		return lines.join("\n");
	})()`))
	if err != nil {
		return fmt.Sprintf("(could not read the page: %v)", err)
	}
	return truncate(s, 2048)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…[truncated]"
}

// sel is a CSS selector for a data-testid.
func sel(testid string) string { return `[data-testid="` + testid + `"]` }

// jsSel is the JavaScript expression selecting the first element with the data-testid.
func jsSel(testid string) string { return `document.querySelector('` + sel(testid) + `')` }

// fetchDirect GETs a path from the server outside the browser and returns the body.
func fetchDirect(t *testing.T, base, path string) []byte {
	t.Helper()
	r := send(t, http.MethodGet, base+path, "")
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, r.status, truncate(r.body, 300))
	}
	return []byte(r.body)
}
