package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"playground/server/fakeupstream"
	"playground/server/internal/syncbuf"
)

const canary = "sk-canary-7f3c9e1d2b"

type testEnv struct {
	srv  *httptest.Server
	fake *fakeupstream.Server
	log  *syncbuf.Buffer
}

// mustRun starts a server whose provider is a fake upstream, with the canary key unless noKey.
func mustRun(t *testing.T, noKey bool, webDir string) *testEnv {
	t.Helper()
	fake := fakeupstream.New()
	fake.Key = canary
	fake.ChunkDelay = 5 * time.Millisecond
	up := httptest.NewServer(fake)
	t.Cleanup(up.Close)
	cfg := DefaultConfig()
	cfg.WebDir = webDir
	if webDir == "" {
		cfg.WebDir = t.TempDir()
	}
	cfg.Providers[0].BaseURL = up.URL + "/v1"
	if !noKey {
		cfg.Providers[0].Key = canary
	}
	logs := &syncbuf.Buffer{}
	s, err := New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &testEnv{srv: ts, fake: fake, log: logs}
}

func (e *testEnv) do(t *testing.T, method, path, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(canary)) || strings.Contains(strings.ToLower(headerString(resp.Header)), strings.ToLower(canary)) {
		t.Fatalf("%s %s: the API key appears in the response", method, path)
	}
	return resp, b
}

func headerString(h http.Header) string {
	var sb strings.Builder
	_ = h.Write(&sb)
	return sb.String()
}

func chatBody(prompt string, extra string) string {
	return `{"model":"gryphe/mythomax-l2-13b","messages":[{"role":"user","content":` + jsonString(prompt) + `}]` + extra + `}`
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

func errorMessage(t *testing.T, body []byte) (msg, code string) {
	t.Helper()
	var env struct {
		Error struct{ Message, Type, Code string } `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error.Message == "" || env.Error.Type == "" {
		t.Fatalf("not an error envelope: %s", body)
	}
	return env.Error.Message, env.Error.Code
}

func TestModelsAndFormAPI(t *testing.T) {
	e := mustRun(t, false, "")
	resp, body := e.do(t, "GET", "/api/models", "", nil)
	var list struct{ Models []struct{ ID string } }
	if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil || len(list.Models) < 100 {
		t.Fatalf("GET /api/models: %d, %d models", resp.StatusCode, len(list.Models))
	}
	if resp, _ := e.do(t, "GET", "/api/models", "", map[string]string{"If-None-Match": resp.Header.Get("ETag")}); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %d, want 304", resp.StatusCode)
	}
	resp, body = e.do(t, "GET", "/api/models/gryphe/mythomax-l2-13b", "", nil)
	var form struct {
		Method, Path string
		Fields       []struct{ Name, Control string }
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &form) != nil || form.Path != "/v1/chat/completions" || len(form.Fields) < 10 {
		t.Fatalf("form: %d %s", resp.StatusCode, body)
	}
	if len(body) > 16<<10 {
		t.Errorf("one model's form is %d bytes; it should be compact", len(body))
	}
	resp, body = e.do(t, "GET", "/api/models/nope/nope", "", nil)
	if msg, _ := errorMessage(t, body); resp.StatusCode != 404 || !strings.Contains(msg, "nope/nope") {
		t.Fatalf("unknown model: %d %s", resp.StatusCode, msg)
	}
}

func TestChatRefusals(t *testing.T) {
	e := mustRun(t, false, "")
	tests := []struct {
		name, body string
		header     map[string]string
		status     int
		code, msg  string
	}{
		{"out-of-range parameter", chatBody("hi", `,"temperature":5`), nil, 400, "invalid_parameters", "temperature: must be ≤ 2"},
		{"client chooses the upstream", chatBody("hi", `,"api_base":"http://evil.example"`), nil, 400, "forbidden_field", "api_base"},
		{"client sends a key", chatBody("hi", `,"api_key":"sk-mine"`), nil, 400, "forbidden_field", "api_key"},
		{"unknown model", `{"model":"nope/nope","messages":[]}`, nil, 404, "model_not_found", "nope/nope"},
		{"no model", `{"messages":[]}`, nil, 400, "model_required", "model"},
		{"not JSON", `{"model":`, nil, 400, "invalid_json", "JSON object"},
		{"wrong content type", chatBody("hi", ""), map[string]string{"Content-Type": "text/plain"}, 415, "content_type", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, "POST", "/api/v1/chat/completions", tt.body, tt.header)
			msg, code := errorMessage(t, body)
			if resp.StatusCode != tt.status || code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Fatalf("got %d %s %q, want %d %s containing %q", resp.StatusCode, code, msg, tt.status, tt.code, tt.msg)
			}
		})
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Fatalf("the upstream was called %d times for refused requests", n)
	}
}

func TestChatBodyLimit(t *testing.T) {
	e := mustRun(t, false, "")
	big := chatBody(strings.Repeat("x", DefaultMaxBodyBytes), "")
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", big, nil)
	if _, code := errorMessage(t, body); resp.StatusCode != 413 || code != "body_too_large" {
		t.Fatalf("got %d %s, want 413 body_too_large", resp.StatusCode, code)
	}
}

func TestChatWithoutKey(t *testing.T) {
	e := mustRun(t, true, "")
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", chatBody("hi", ""), nil)
	msg, code := errorMessage(t, body)
	if resp.StatusCode != 503 || code != "no_api_key" || !strings.Contains(msg, "AIMLAPI_API_KEY") {
		t.Fatalf("got %d %s %q", resp.StatusCode, code, msg)
	}
	if len(e.fake.Requests()) != 0 {
		t.Fatal("the upstream was called without a key")
	}
}

func TestChatProxyHeadersAndBody(t *testing.T) {
	e := mustRun(t, false, "")
	body := chatBody("hello", `,"temperature":0.3`)
	resp, out := e.do(t, "POST", "/api/v1/chat/completions", body, map[string]string{
		"Authorization": "Bearer sk-browser", "Cookie": "session=abc", "X-Forwarded-For": "6.6.6.6", "Proxy-Authorization": "x",
	})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, out)
	}
	if resp.Header.Get("Set-Cookie") != "" {
		t.Error("an upstream Set-Cookie reached the browser")
	}
	reqs := e.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d upstream requests", len(reqs))
	}
	r := reqs[0]
	if got, want := r.Header.Get("Authorization"), "Bearer "+canary; got != want {
		t.Errorf("upstream Authorization = %q", got)
	}
	for _, h := range []string{"Cookie", "X-Forwarded-For", "Proxy-Authorization", "Forwarded"} {
		if r.Header.Get(h) != "" {
			t.Errorf("browser header %s reached the upstream", h)
		}
	}
	if r.Path != "/v1/chat/completions" || string(r.Body) != body {
		t.Errorf("upstream got %s %s", r.Path, r.Body)
	}
	if logs := e.log.String(); strings.Contains(logs, canary) || strings.Contains(logs, "sk-browser") || strings.Contains(logs, "session=abc") {
		t.Errorf("the log holds a credential:\n%s", logs)
	}
}

// TestChatStreamsEventsAsTheyArrive proves the proxy does not buffer: the fake upstream sends one
// chunk and then hangs, and the browser side still gets that chunk; when the client goes away the
// upstream request is cancelled within a second.
func TestChatStreamsEventsAsTheyArrive(t *testing.T) {
	e := mustRun(t, false, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/api/v1/chat/completions",
		strings.NewReader(chatBody("fake:hang", `,"stream":true`)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("Content-Type %q Content-Encoding %q", ct, resp.Header.Get("Content-Encoding"))
	}
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				got <- sc.Text()
				return
			}
		}
	}()
	select {
	case line := <-got:
		if !strings.Contains(line, "chat.completion.chunk") {
			t.Fatalf("first event %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event reached the client while the upstream held the stream open: the proxy buffers")
	}
	cancelled := time.Now()
	cancel()
	deadline := time.After(3 * time.Second)
	for {
		if c := e.fake.Cancelled(); len(c) > 0 {
			if d := c[0].Sub(cancelled); d > time.Second {
				t.Fatalf("upstream cancelled %v after the client left, want ≤ 1s", d)
			}
			return
		}
		select {
		case <-deadline:
			t.Fatal("the upstream request was not cancelled after the client left")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestUpstreamErrors(t *testing.T) {
	e := mustRun(t, false, "")
	tests := []struct {
		scenario string
		status   int
		code     string
		msg      string
	}{
		{"fake:error 401", 502, "upstream_unauthorized", "rejected the server's API key"},
		{"fake:error 403", 502, "upstream_forbidden", "out of credits"},
		{"fake:error 429", 429, "upstream_rate_limited", "rate-limiting"},
		{"fake:error 500", 502, "upstream_500", "failed (500)"},
		{"fake:error 404", 404, "upstream_404", "refused the request (404)"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			resp, body := e.do(t, "POST", "/api/v1/chat/completions", chatBody(tt.scenario, ""), nil)
			msg, code := errorMessage(t, body)
			if resp.StatusCode != tt.status || code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Fatalf("got %d %s %q", resp.StatusCode, code, msg)
			}
		})
	}
	t.Run("unreachable upstream", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.WebDir = t.TempDir()
		cfg.Providers[0].BaseURL = "http://127.0.0.1:1/v1"
		cfg.Providers[0].Key = canary
		s, err := New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/api/v1/chat/completions", strings.NewReader(chatBody("hi", "")))
		s.ServeHTTP(rec, req)
		msg, code := errorMessage(t, rec.Body.Bytes())
		if rec.Code != 502 || code != "upstream_unreachable" || strings.Contains(msg, canary) {
			t.Fatalf("got %d %s %q", rec.Code, code, msg)
		}
	})
}

func TestWasmIsServedPrecompressed(t *testing.T) {
	dir := t.TempDir()
	wasm := bytes.Repeat([]byte("\x00asm wasm bytes "), 4096)
	if err := os.WriteFile(filepath.Join(dir, "app.wasm"), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	var br bytes.Buffer
	bw := brotli.NewWriter(&br)
	bw.Write(wasm)
	bw.Close()
	if err := os.WriteFile(filepath.Join(dir, "app.wasm.br"), br.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	e := mustRun(t, false, dir)
	decode := map[string]func(io.Reader) io.Reader{
		"br":   func(r io.Reader) io.Reader { return brotli.NewReader(r) },
		"gzip": func(r io.Reader) io.Reader { z, _ := gzip.NewReader(r); return z },
		"":     func(r io.Reader) io.Reader { return r },
	}
	for _, tt := range []struct{ accept, want string }{{"gzip, deflate, br", "br"}, {"gzip", "gzip"}, {"br;q=0, gzip", "gzip"}, {"identity", ""}} {
		t.Run(tt.accept, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.srv.URL+"/web/app.wasm", nil)
			req.Header.Set("Accept-Encoding", tt.accept)
			resp, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.Header.Get("Content-Encoding"); got != tt.want {
				t.Fatalf("Content-Encoding %q, want %q", got, tt.want)
			}
			if resp.Header.Get("Content-Type") != "application/wasm" || resp.Header.Get("Vary") != "Accept-Encoding" || resp.Header.Get("ETag") == "" {
				t.Fatalf("headers %v", resp.Header)
			}
			got, _ := io.ReadAll(decode[tt.want](resp.Body))
			if !bytes.Equal(got, wasm) {
				t.Fatalf("decoded body differs from app.wasm (%d bytes)", len(got))
			}
		})
	}
	resp, _ := e.do(t, "GET", "/web/app.wasm.br", "", nil)
	if resp.StatusCode != 404 {
		t.Errorf("compressed variants must only be served through negotiation, got %d", resp.StatusCode)
	}
}

// TestPagesHoldNoSecretAndNoOutsideURL crawls what a browser loads: the page, go-app's scripts and
// manifest, the static assets and the APIs, with a spoofed Host header too. None may contain the
// key, and the page must load nothing from another host.
func TestPagesHoldNoSecretAndNoOutsideURL(t *testing.T) {
	web, _ := filepath.Abs("../web")
	e := mustRun(t, false, web)
	paths := []string{"/", "/?model=gryphe/mythomax-l2-13b", "/app.js", "/wasm_exec.js", "/app-worker.js", "/manifest.webmanifest",
		"/app.css", "/web/app.css", "/web/icon.svg", "/robots.txt", "/api/models", "/api/models/gryphe/mythomax-l2-13b"}
	for _, p := range paths {
		resp, body := e.do(t, "GET", p, "", map[string]string{"Host": "evil.example"})
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
		if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: security headers missing", p)
		}
		for _, host := range []string{"raw.githubusercontent.com", "cdn.", "googleapis", "unpkg", "jsdelivr"} {
			if bytes.Contains(body, []byte(host)) {
				t.Errorf("GET %s references an outside host (%s)", p, host)
			}
		}
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Errorf("serving pages made %d upstream requests", n)
	}
	if strings.Contains(e.log.String(), canary) {
		t.Fatal("the key appears in the server log")
	}
}

// TestSchemasDir loads a directory of per-model OpenAPI files on top of the embedded catalogue: the
// model gets the file's parameters and requests are checked against them.
func TestSchemasDir(t *testing.T) {
	dir := t.TempDir()
	doc := `{"openapi":"3.0.0","paths":{"/chat/completions":{"post":{"requestBody":{"content":{"application/json":{"schema":
		{"type":"object","required":["model","messages"],"properties":{"model":{"type":"string","enum":["acme/tiny-1"]},
		"messages":{"type":"array"},"temperature":{"type":"number","minimum":0,"maximum":1}}}}}}}}}}`
	if err := os.MkdirAll(filepath.Join(dir, "text-models-llm", "Acme"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "text-models-llm", "Acme", "tiny.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.WebDir = t.TempDir()
	cfg.SchemasDir = dir
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/models/acme/tiny-1", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"developer":"Acme"`) || !strings.Contains(rec.Body.String(), `"max":1`) {
		t.Fatalf("form: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/chat/completions", strings.NewReader(`{"model":"acme/tiny-1","messages":[],"temperature":1.5}`))
	s.ServeHTTP(rec, req)
	if msg, _ := errorMessage(t, rec.Body.Bytes()); rec.Code != 400 || !strings.Contains(msg, "temperature: must be ≤ 1") {
		t.Fatalf("validation against the file's schema: %d %s", rec.Code, msg)
	}
	cfg.SchemasDir = filepath.Join(dir, "missing")
	if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("a missing schema directory must stop start-up with its name, got %v", err)
	}
}
