package e2e

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"playground/server"
	"playground/server/fakeupstream"
	"playground/server/internal/syncbuf"
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
	for _, pattern := range []string{"*.css", "*.js", "*.svg", "*.png"} {
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

// tee records every byte (headers included) a handler writes to its clients, and hands each
// request to onRequest first.
type tee struct {
	next      http.Handler
	out       *syncbuf.Buffer
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
	out         *syncbuf.Buffer
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
	Canary string          // the provider key, "" for a server without one
	Logs   *syncbuf.Buffer // everything the server logged
	Wire   *syncbuf.Buffer // everything the server wrote to its clients

	mu          sync.Mutex
	chatCookies []string      // the Cookie header of each chat request the browser sent to the server
	wasmAsked   int           // requests for the web app's wasm
	wasmHold    chan struct{} // while not nil, requests for the wasm wait for it to close
}

// wasmPath is where go-app's loader fetches the web app.
const wasmPath = "/web/app.wasm"

// wasmRequests is how many times the browser asked the server for the web app's wasm.
func (e *env) wasmRequests() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.wasmAsked
}

// holdWasm makes requests for the wasm wait (their answer, not their count) until release is
// called: what a slow network does, for as long as a test needs.
func (e *env) holdWasm(t *testing.T) (release func()) {
	t.Helper()
	hold := make(chan struct{})
	e.mu.Lock()
	e.wasmHold = hold
	e.mu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			e.mu.Lock()
			e.wasmHold = nil
			e.mu.Unlock()
			close(hold)
		})
	}
	t.Cleanup(release)
	return release
}

// browserChatCookies returns the Cookie headers the browser sent with its chat requests.
func (e *env) browserChatCookies() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.chatCookies...)
}

// newEnv starts a fake upstream and a playground server in front of it. withKey gives the server a
// unique canary key (which the fake upstream then requires); configure, if any, adjust the server's
// configuration before it starts.
func newEnv(t *testing.T, withKey bool, configure ...func(*server.Config)) *env {
	t.Helper()
	requireWeb(t)
	e := &env{Fake: fakeupstream.New(), Logs: &syncbuf.Buffer{}, Wire: &syncbuf.Buffer{}}
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
	for _, c := range configure {
		c(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(cfg, logger)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ts := httptest.NewServer(tee{next: srv, out: e.Wire, onRequest: func(r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/chat/completions":
			e.mu.Lock()
			e.chatCookies = append(e.chatCookies, r.Header.Get("Cookie"))
			e.mu.Unlock()
		case wasmPath:
			e.mu.Lock()
			e.wasmAsked++
			hold := e.wasmHold
			e.mu.Unlock()
			if hold != nil {
				select {
				case <-hold:
				case <-r.Context().Done():
				}
			}
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
