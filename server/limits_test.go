package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"playground/server/fakeupstream"
	"playground/server/internal/syncbuf"
)

// mustRunWith starts a server like mustRun, after adjusting its config (and, when given, the
// http.Server before it starts).
func mustRunWith(t *testing.T, adjust func(*Config), upstream http.Handler, httpAdjust ...func(*http.Server)) *testEnv {
	t.Helper()
	fake := fakeupstream.New()
	fake.Key = canary
	fake.ChunkDelay = 5 * time.Millisecond
	if upstream == nil {
		upstream = fake
	}
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	cfg := DefaultConfig()
	cfg.WebDir = t.TempDir()
	cfg.Providers[0].BaseURL = up.URL + "/v1"
	cfg.Providers[0].Key = canary
	adjust(&cfg)
	logs := &syncbuf.Buffer{}
	s, err := New(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s)
	ts.Config.RegisterOnShutdown(s.EndStreams)
	for _, f := range httpAdjust {
		f(ts.Config)
	}
	ts.Start()
	t.Cleanup(ts.Close)
	return &testEnv{srv: ts, fake: fake, log: logs}
}

// openStream starts a streaming model call and returns the response once its headers arrived.
func openStream(t *testing.T, ctx context.Context, e *testEnv, prompt string, header map[string]string) *http.Response {
	t.Helper()
	return postAndOpen(t, ctx, e, "/api/v1/chat/completions", chatBody(prompt, `,"stream":true`), header)
}

// postAndOpen posts a JSON body to path and returns the response once its headers arrived; the
// body is closed when the test ends.
func postAndOpen(t *testing.T, ctx context.Context, e *testEnv, path, body string, header map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestRateLimit(t *testing.T) {
	e := mustRunWith(t, func(c *Config) {
		c.Limits.RatePerMinute, c.Limits.Burst = 1, 2
		c.Limits.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}, nil)
	for i := 0; i < 2; i++ {
		if resp, body := e.do(t, "POST", "/api/v1/chat/completions", chatBody("hi", ""), nil); resp.StatusCode != 200 {
			t.Fatalf("call %d within the burst: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", chatBody("hi", ""), nil)
	msg, code := errorMessage(t, body)
	if resp.StatusCode != 429 || code != "rate_limited" || resp.Header.Get("Retry-After") == "" || !strings.Contains(msg, "Wait") {
		t.Fatalf("over the rate: %d %s %q Retry-After %q", resp.StatusCode, code, msg, resp.Header.Get("Retry-After"))
	}
	// Another client behind the trusted proxy has its own budget.
	if resp, body := e.do(t, "POST", "/api/v1/chat/completions", chatBody("hi", ""), map[string]string{"X-Forwarded-For": "203.0.113.9"}); resp.StatusCode != 200 {
		t.Fatalf("a different client was limited: %d %s", resp.StatusCode, body)
	}
}

func TestStreamsPerClient(t *testing.T) {
	e := mustRunWith(t, func(c *Config) { c.Limits.StreamsPerClient = 1 }, nil)
	ctx, cancel := context.WithCancel(context.Background())
	first := openStream(t, ctx, e, "fake:hang", nil)
	if first.StatusCode != 200 {
		t.Fatalf("first stream: %d", first.StatusCode)
	}
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", chatBody("hi", ""), nil)
	if _, code := errorMessage(t, body); resp.StatusCode != 429 || code != "too_many_streams" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second stream: %d %s", resp.StatusCode, code)
	}
	cancel()
	select {
	case <-e.fake.CancelledC():
	case <-time.After(3 * time.Second):
		t.Fatal("the first stream was not cancelled upstream")
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		resp, _ := e.do(t, "POST", "/api/v1/chat/completions", chatBody("hi", ""), nil)
		if resp.StatusCode == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream slot was not released: %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCrossOriginRequestsAreRefused(t *testing.T) {
	e := mustRun(t, false, "")
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", chatBody("hi", ""),
		map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
	if _, code := errorMessage(t, body); resp.StatusCode != 403 || code != "cross_origin" {
		t.Fatalf("cross-site POST: %d %s", resp.StatusCode, code)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("the API must not send CORS headers")
	}
	if resp, _ := e.do(t, "POST", "/api/v1/chat/completions", chatBody("hi", ""), map[string]string{"Sec-Fetch-Site": "same-origin"}); resp.StatusCode != 200 {
		t.Fatalf("same-origin POST: %d", resp.StatusCode)
	}
	if n := len(e.fake.Requests()); n != 1 {
		t.Fatalf("upstream saw %d requests, want only the same-origin one", n)
	}
}

// TestKeepAlivePings: while the model is silent, the stream carries comment lines.
func TestKeepAlivePings(t *testing.T) {
	e := mustRunWith(t, func(c *Config) { c.KeepAlive = 100 * time.Millisecond }, nil)
	resp := openStream(t, context.Background(), e, "fake:hang", nil)
	got := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() == ": ping" {
				got <- true
				return
			}
		}
		got <- false
	}()
	select {
	case ok := <-got:
		if !ok {
			t.Fatal("the stream ended without a ping")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no ping while the upstream was silent")
	}
}

// TestStreamOutlivesWriteTimeout: the server's write timeout protects normal routes but does not
// cut a healthy stream that lasts longer.
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	fake := fakeupstream.New()
	fake.Key = canary
	fake.ChunkDelay = 40 * time.Millisecond // the default answer takes well over the timeout
	e := mustRunWith(t, func(c *Config) {}, fake, func(hs *http.Server) { hs.WriteTimeout = 300 * time.Millisecond })
	e.fake = fake
	start := time.Now()
	resp := openStream(t, context.Background(), e, "hello", nil)
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("stream broken after %v: %v", time.Since(start), err)
	}
	if !strings.Contains(string(b), "data: [DONE]") || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("stream of %v ended without [DONE]: %q", time.Since(start), b)
	}
}

// TestEndStreamsOnShutdown: shutting down ends open streams with a final error event, cancels the
// upstream calls, and Shutdown returns promptly.
func TestEndStreamsOnShutdown(t *testing.T) {
	e := mustRunWith(t, func(c *Config) {}, nil)
	resp := openStream(t, context.Background(), e, "fake:hang", nil)
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	waitLine := func(pred func(string) bool, what string) {
		t.Helper()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the stream closed before %s", what)
				}
				if pred(l) {
					return
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	waitLine(func(l string) bool { return strings.Contains(l, "chat.completion.chunk") }, "the first chunk")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- e.srv.Config.Shutdown(ctx) }()
	waitLine(func(l string) bool { return strings.Contains(l, "server_shutdown") }, "the shutdown event")
	if err := <-done; err != nil || time.Since(start) > 2*time.Second {
		t.Fatalf("Shutdown returned %v after %v", err, time.Since(start))
	}
	select {
	case <-e.fake.CancelledC():
	case <-time.After(2 * time.Second):
		t.Fatal("the upstream call was not cancelled at shutdown")
	}
}

func TestUpstreamRedirectIsNotFollowed(t *testing.T) {
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	e := mustRunWith(t, func(c *Config) {}, redirect)
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", chatBody("hi", ""), nil)
	if _, code := errorMessage(t, body); resp.StatusCode != 502 || code != "upstream_redirect" || resp.Header.Get("Location") != "" {
		t.Fatalf("redirect: %d %s Location %q", resp.StatusCode, code, resp.Header.Get("Location"))
	}
}

func TestRetryAfterFromUpstream(t *testing.T) {
	e := mustRun(t, false, "")
	resp, _ := e.do(t, "POST", "/api/v1/chat/completions", chatBody("fake:error 429", ""), nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("429: status %d Retry-After %q, want the upstream's 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestUpstreamTimeout(t *testing.T) {
	fake := fakeupstream.New()
	fake.Key = canary
	fake.SlowDelay = 2 * time.Second
	e := mustRunWith(t, func(c *Config) { c.Providers[0].HeaderTimeout = 200 * time.Millisecond }, fake)
	e.fake = fake
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", chatBody("fake:slow", ""), nil)
	if msg, code := errorMessage(t, body); resp.StatusCode != 504 || code != "upstream_timeout" || !strings.Contains(msg, "try again") {
		t.Fatalf("slow upstream: %d %s %q", resp.StatusCode, code, msg)
	}
}

// TestUpstreamResponseHeadersAreFiltered: only an allow-list of upstream headers reaches the
// browser; cookies and anything that could echo credentials are dropped.
func TestUpstreamResponseHeadersAreFiltered(t *testing.T) {
	up := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Set-Cookie", "upstream=1")
		h.Set("X-Debug-Auth", r.Header.Get("Authorization"))
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("X-Request-Id", "req-1")
		h.Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`)
	})
	e := mustRunWith(t, func(c *Config) {}, up)
	resp, _ := e.do(t, "POST", "/api/v1/chat/completions", chatBody("hi", ""), nil)
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") != "req-1" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	for _, h := range []string{"Set-Cookie", "X-Debug-Auth", "Access-Control-Allow-Origin"} {
		if resp.Header.Get(h) != "" {
			t.Errorf("upstream header %s reached the browser", h)
		}
	}
}

// TestUpstreamResetMidStream: when the provider breaks the connection mid-answer, the browser keeps
// the events that arrived and then sees the stream end early (the client then says so and keeps the
// partial answer); nothing hangs.
func TestUpstreamResetMidStream(t *testing.T) {
	e := mustRun(t, false, "")
	resp := openStream(t, context.Background(), e, "fake:reset", nil)
	b, err := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `"content"`) {
		t.Fatalf("no content arrived before the reset: %q", b)
	}
	if err == nil && strings.Contains(string(b), "[DONE]") {
		t.Fatal("a reset stream looked complete")
	}
}
