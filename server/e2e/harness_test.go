package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"playground/server"
	"playground/server/fakeupstream"
)

// webDir is the directory of static assets (with app.wasm) the test servers serve; setupErr says
// why it could not be prepared.
var (
	webDir   string
	setupErr error
)

// TestMain prepares the web app once: PLAYGROUND_WEB when set (the Makefile builds web/app.wasm
// and points it there), else a wasm built into a temporary directory.
func TestMain(m *testing.M) {
	var cleanup func()
	webDir, cleanup, setupErr = prepareWeb()
	code := m.Run()
	if cleanup != nil {
		cleanup()
	}
	os.Exit(code)
}

// requireWeb fails the test when the web app could not be prepared.
func requireWeb(t *testing.T) {
	t.Helper()
	if setupErr != nil {
		t.Fatalf("e2e: the web app is not available, so the browser tests cannot run: %v", setupErr)
	}
}

func prepareWeb() (dir string, cleanup func(), err error) {
	if dir := os.Getenv("PLAYGROUND_WEB"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "app.wasm")); err != nil {
			return "", nil, fmt.Errorf("PLAYGROUND_WEB=%s has no app.wasm (run `make wasm`): %w", dir, err)
		}
		return dir, nil, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", nil, err
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		if gr := os.Getenv("GOROOT"); gr != "" {
			goBin = filepath.Join(gr, "bin", "go")
		} else {
			return "", nil, fmt.Errorf("PLAYGROUND_WEB is not set and the go command is not on PATH to build the wasm: %w", err)
		}
	}
	tmp, err := os.MkdirTemp("", "playground-e2e-web-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", filepath.Join(tmp, "app.wasm"), "./wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("PLAYGROUND_WEB is not set, and building the wasm (GOOS=js GOARCH=wasm go build -o app.wasm ./wasm in %s) failed: %w\n%s", root, err, out)
	}
	for _, pattern := range []string{"*.css", "*.svg", "*.png"} {
		files, _ := filepath.Glob(filepath.Join(root, "web", pattern))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err == nil {
				err = os.WriteFile(filepath.Join(tmp, filepath.Base(f)), b, 0o644)
			}
			if err != nil {
				cleanup()
				return "", nil, fmt.Errorf("copying %s beside the built wasm: %w", f, err)
			}
		}
	}
	return tmp, cleanup, nil
}

// repoRoot finds the module root (the directory with go.mod) above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (no go.mod above the working directory)")
		}
		dir = parent
	}
}

// chromePath finds the browser: PLAYGROUND_CHROME, else chromium, chromium-browser or google-chrome
// on PATH.
func chromePath() (string, error) {
	if p := os.Getenv("PLAYGROUND_CHROME"); p != "" {
		if full, err := exec.LookPath(p); err == nil {
			return full, nil
		}
		return "", fmt.Errorf("PLAYGROUND_CHROME=%s is not an executable", p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if full, err := exec.LookPath(name); err == nil {
			return full, nil
		}
	}
	return "", errors.New(`
********************************************************************************
  The browser tests need Chromium, and none was found (looked for PLAYGROUND_CHROME,
  then chromium, chromium-browser and google-chrome on PATH).
  Run "make test" (it installs Chromium when it is missing and you are root), or
  install it yourself: apt-get install -y chromium
  (or set PLAYGROUND_CHROME to a Chrome/Chromium binary).
********************************************************************************`)
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tee records every byte (headers included) a handler writes to its clients, and hands each
// request to onRequest first.
type tee struct {
	next      http.Handler
	out       *lockedBuffer
	onRequest func(*http.Request)
}

func (h tee) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.onRequest != nil {
		h.onRequest(r)
	}
	h.next.ServeHTTP(&teeWriter{ResponseWriter: w, out: h.out}, r)
}

type teeWriter struct {
	http.ResponseWriter
	out         *lockedBuffer
	wroteHeader bool
}

func (w *teeWriter) header() {
	if !w.wroteHeader {
		w.wroteHeader = true
		_ = w.ResponseWriter.Header().Write(w.out)
	}
}

func (w *teeWriter) WriteHeader(code int) {
	w.header()
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.header()
	_, _ = w.out.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *teeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// env is a playground server whose only provider is a fake upstream.
type env struct {
	URL    string
	Fake   *fakeupstream.Server
	Canary string        // the provider key, "" for a server without one
	Logs   *lockedBuffer // everything the server logged
	Wire   *lockedBuffer // everything the server wrote to its clients

	mu          sync.Mutex
	chatCookies []string // the Cookie header of each chat request the browser sent to the server
}

// browserChatCookies returns the Cookie headers the browser sent with its chat requests.
func (e *env) browserChatCookies() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.chatCookies...)
}

// newEnv starts a fake upstream and a playground server in front of it. withKey gives the server a
// unique canary key (which the fake upstream then requires).
func newEnv(t *testing.T, withKey bool) *env {
	t.Helper()
	requireWeb(t)
	e := &env{Fake: fakeupstream.New(), Logs: &lockedBuffer{}, Wire: &lockedBuffer{}}
	e.Fake.ChunkDelay = 40 * time.Millisecond
	if withKey {
		e.Canary = fmt.Sprintf("sk-canary-%d-%x", os.Getpid(), time.Now().UnixNano())
		e.Fake.Key = e.Canary
	}
	fake := httptest.NewServer(e.Fake)
	t.Cleanup(fake.Close)

	cfg := server.DefaultConfig()
	cfg.WebDir = webDir
	cfg.Providers[0].BaseURL = fake.URL + "/v1"
	cfg.Providers[0].Key = server.Secret(e.Canary)
	logger := slog.New(slog.NewTextHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(cfg, logger)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ts := httptest.NewServer(tee{next: srv, out: e.Wire, onRequest: func(r *http.Request) {
		if r.URL.Path == "/api/v1/chat/completions" {
			e.mu.Lock()
			e.chatCookies = append(e.chatCookies, r.Header.Get("Cookie"))
			e.mu.Unlock()
		}
	}})
	t.Cleanup(ts.Close)
	e.URL = ts.URL
	return e
}

// chatRequests returns the chat completion requests the fake upstream received.
func (e *env) chatRequests() []fakeupstream.Request {
	var out []fakeupstream.Request
	for _, r := range e.Fake.Requests() {
		if r.Path == "/v1/chat/completions" {
			out = append(out, r)
		}
	}
	return out
}

// browser is a headless Chromium shared by the tabs of one test.
type browser struct {
	ctx context.Context
	out *lockedBuffer
}

// startBrowser starts headless Chromium with a fresh profile and the flags below only (not
// chromedp's defaults), so that it makes no request of its own to the network.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	path, err := chromePath()
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	out := &lockedBuffer{}
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
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(out),
	}
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
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, truncate(string(b), 300))
	}
	return b
}
