//go:build !js

package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chunk returns an OpenAI-style streaming chunk carrying content.
func chunk(content string, finish string) string {
	f := "null"
	if finish != "" {
		f = fmt.Sprintf("%q", finish)
	}
	return fmt.Sprintf(`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":%q},"finish_reason":%s}]}`, content, f)
}

// sseHandler writes each event followed by a flush.
func sseHandler(events ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		for _, e := range events {
			fmt.Fprint(w, e)
			w.(http.Flusher).Flush()
		}
	}
}

func newClient(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Client{BaseURL: srv.URL + "/api/", HTTP: srv.Client()}
}

func TestCompleteRequest(t *testing.T) {
	var gotPath, gotCT, gotAccept, gotBody, gotMethod string
	c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotMethod, gotPath = r.Method, r.URL.Path
		gotCT, gotAccept = r.Header.Get("Content-Type"), r.Header.Get("Accept")
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`)
	}))
	body := `{"model":"m","messages":[{"role":"user","content":"hello"}]}`
	if _, err := c.Complete(context.Background(), []byte(body), nil); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	for _, tt := range []struct{ name, got, want string }{
		{"method", gotMethod, http.MethodPost},
		{"path", gotPath, "/api/v1/chat/completions"},
		{"content type", gotCT, "application/json"},
		{"accept", gotAccept, "text/event-stream, application/json"},
		{"body", gotBody, body},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestCompleteProvider(t *testing.T) {
	for _, tt := range []struct{ provider, wantQuery string }{
		{"", ""},
		{"deepinfra", "provider=deepinfra"},
		{"a b&c", "provider=a+b%26c"},
	} {
		var gotPath, gotQuery, gotBody string
		c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gotPath, gotQuery = r.URL.Path, r.URL.RawQuery
			b, _ := io.ReadAll(r.Body)
			gotBody = string(b)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`)
		}))
		c.Provider = tt.provider
		body := `{"model":"m","messages":[]}`
		if _, err := c.Complete(context.Background(), []byte(body), nil); err != nil {
			t.Fatalf("provider %q: Complete: %v", tt.provider, err)
		}
		if gotPath != "/api/v1/chat/completions" || gotQuery != tt.wantQuery || gotBody != body {
			t.Errorf("provider %q: sent %s?%s with %s, want ?%s and the body unchanged", tt.provider, gotPath, gotQuery, gotBody, tt.wantQuery)
		}
	}
}

func TestCompleteStream(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "qwen3_reasoning.sse"))
	if err != nil {
		t.Fatal(err)
	}
	// Send the recorded stream one event at a time with a flush between.
	events := strings.SplitAfter(string(raw), "\n\n")
	c := newClient(t, sseHandler(events...))
	var updates int
	var lastLen int
	res, err := c.Complete(context.Background(), []byte(`{}`), func(r *Result) {
		updates++
		if n := len(r.Content) + len(r.Reasoning); n < lastLen {
			t.Errorf("result shrank from %d to %d bytes", lastLen, n)
		} else {
			lastLen = n
		}
	})
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got, want := res.Content, "Hello! How can I assist you today?"; got != want {
		t.Fatalf("Content = %q, want %q", got, want)
	}
	if got, want := updates, 13; got != want {
		t.Fatalf("onUpdate called %d times, want %d", got, want)
	}
	if got, want := res.Done, true; got != want {
		t.Fatalf("Done = %v, want %v", got, want)
	}
	if res.Usage.ReasoningTokens == nil || *res.Usage.ReasoningTokens != 82 {
		t.Fatalf("ReasoningTokens = %v, want 82", res.Usage.ReasoningTokens)
	}
}

func TestCompleteJSON(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "aimlapi_completion.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	}))
	updates := 0
	res, err := c.Complete(context.Background(), []byte(`{}`), func(*Result) { updates++ })
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got, want := updates, 1; got != want {
		t.Fatalf("onUpdate called %d times, want %d", got, want)
	}
	if got, want := res.Content, " Hello! How can I assist you today?"; got != want {
		t.Fatalf("Content = %q, want %q", got, want)
	}
	if res.Cost.Credits == nil || *res.Cost.Credits != 7 {
		t.Fatalf("Credits = %v, want 7", res.Cost.Credits)
	}
}

func TestCompleteHTTPErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		ctype   string
		body    string
		wantMsg string
	}{
		{"401 openai", 401, "application/json", `{"error":{"message":"Invalid API key","type":"invalid_request_error","code":"invalid_api_key"}}`, "Invalid API key"},
		{"403 aimlapi", 403, "application/json", `{"message":"Not enough credits","path":"/v1/chat/completions","requestId":"r1","statusCode":403,"timestamp":"2025-01-01T00:00:00Z"}`, "Not enough credits"},
		{"429 plain", 429, "text/plain", "slow down", "slow down"},
		{"500 html", 500, "text/html", "<html><h1>Internal Server Error</h1></html>", "the server had an internal error"},
		{"500 empty", 500, "", "", "the server had an internal error"},
		{"404 detail", 404, "application/json", `{"detail":"Not Found"}`, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.ctype != "" {
					w.Header().Set("Content-Type", tt.ctype)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			res, err := c.Complete(context.Background(), []byte(`{}`), func(*Result) { t.Error("onUpdate called for an error") })
			if res == nil {
				t.Fatal("nil Result")
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want *APIError", err)
			}
			if got, want := apiErr.Status, tt.status; got != want {
				t.Fatalf("Status = %d, want %d", got, want)
			}
			if got, want := apiErr.Message, tt.wantMsg; got != want {
				t.Fatalf("Message = %q, want %q", got, want)
			}
		})
	}
}

func TestCompleteStreamEndings(t *testing.T) {
	tests := []struct {
		name        string
		events      []string
		abort       bool // kill the connection after the events
		wantContent string
		wantErr     error // checked with errors.Is; nil means success
		wantAPI     string
		malformed   int
	}{
		{name: "done", events: []string{"data: " + chunk("a", "") + "\n\n", "data: " + chunk("b", "stop") + "\n\n", "data: [DONE]\n\n"}, wantContent: "ab"},
		{name: "finish without done", events: []string{"data: " + chunk("a", "") + "\n\n", "data: " + chunk("", "stop") + "\n\n"}, wantContent: "a"},
		{name: "cut off clean", events: []string{"data: " + chunk("a", "") + "\n\n", "data: " + chunk("b", "") + "\n\n"}, wantContent: "ab", wantErr: io.ErrUnexpectedEOF},
		{name: "cut off mid event", events: []string{"data: " + chunk("a", "") + "\n\n", `data: {"choi`}, wantContent: "a", wantErr: io.ErrUnexpectedEOF},
		{name: "connection reset", events: []string{"data: " + chunk("a", "") + "\n\n"}, abort: true, wantContent: "a", wantErr: io.ErrUnexpectedEOF},
		{name: "keep-alive comments", events: []string{": ping\n\n", "data: " + chunk("a", "stop") + "\n\n", ": ping\n\n", "data: [DONE]\n\n"}, wantContent: "a"},
		{name: "garbage skipped", events: []string{"data: " + chunk("a", "") + "\n\n", "data: {not json\n\n", "data: " + chunk("b", "stop") + "\n\n", "data: [DONE]\n\n"}, wantContent: "ab", malformed: 1},
		{name: "error payload", events: []string{"data: " + chunk("a", "") + "\n\n", `data: {"error":{"message":"overloaded","code":"server_error"}}` + "\n\n"}, wantContent: "a", wantAPI: "overloaded"},
		{name: "error event", events: []string{"data: " + chunk("a", "") + "\n\n", "event: error\ndata: {\"message\":\"quota\"}\n\n"}, wantContent: "a", wantAPI: "quota"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHandler(tt.events...)(w, r)
				if tt.abort {
					panic(http.ErrAbortHandler)
				}
			}))
			res, err := c.Complete(context.Background(), []byte(`{}`), nil)
			if res == nil {
				t.Fatal("nil Result")
			}
			if got, want := res.Content, tt.wantContent; got != want {
				t.Fatalf("Content = %q, want %q", got, want)
			}
			if got, want := res.Malformed, tt.malformed; got != want {
				t.Fatalf("Malformed = %d, want %d", got, want)
			}
			switch {
			case tt.wantAPI != "":
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.Message != tt.wantAPI {
					t.Fatalf("error = %v, want *APIError %q", err, tt.wantAPI)
				}
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Complete: %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestCompleteCancel(t *testing.T) {
	released := make(chan struct{})
	c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(released)
		io.Copy(io.Discard, r.Body)
		sseHandler("data: "+chunk("partial", "")+"\n\n", "data: "+chunk(" answer", "")+"\n\n")(w, r)
		<-r.Context().Done() // hang until the client goes away
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := c.Complete(ctx, []byte(`{}`), func(r *Result) {
		if strings.HasSuffix(r.Content, "answer") {
			cancel() // the user pressed Stop
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if got, want := res.Content, "partial answer"; got != want {
		t.Fatalf("Content = %q, want %q", got, want)
	}
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("server did not see the cancellation")
	}
}

func TestCompleteCancelBeforeResponse(t *testing.T) {
	c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // lets the server notice the disconnect
		<-r.Context().Done()
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res, err := c.Complete(ctx, []byte(`{}`), nil)
	if res == nil {
		t.Fatal("nil Result")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
}

func TestCompleteUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := &Client{BaseURL: url, HTTP: srv.Client()}
	res, err := c.Complete(context.Background(), []byte(`{}`), nil)
	if res == nil {
		t.Fatal("nil Result")
	}
	if err == nil || !strings.Contains(err.Error(), "chat: sending request") {
		t.Fatalf("error = %v, want a sending error", err)
	}
}
