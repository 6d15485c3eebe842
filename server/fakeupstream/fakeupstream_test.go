package fakeupstream

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"playground/app/chat"
)

// setup starts a fake with a short chunk delay and returns it, its URL and a
// chat client for it.
func setup(t *testing.T) (*Server, string, *chat.Client) {
	t.Helper()
	s := New()
	s.ChunkDelay = time.Millisecond
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL, &chat.Client{BaseURL: srv.URL, HTTP: srv.Client()}
}

// reqBody builds a chat request whose last user message is text.
func reqBody(text string, stream, includeUsage bool) []byte {
	m := map[string]any{
		"model": "test/model",
		"messages": []map[string]any{
			{"role": "system", "content": "be brief"},
			{"role": "user", "content": text},
		},
		"temperature": 0.5,
	}
	if stream {
		m["stream"] = true
	}
	if includeUsage {
		m["stream_options"] = map[string]bool{"include_usage": true}
	}
	b, _ := json.Marshal(m)
	return b
}

func do(t *testing.T, method, url, auth string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestRoutesAndAuth(t *testing.T) {
	s, url, _ := setup(t)
	s.Key = "sekret"
	s.Models = []string{"a/one", "b/two"}
	tests := []struct {
		name, method, path, auth string
		body                     []byte
		wantStatus               int
		wantInBody               string
	}{
		{"unknown path", "GET", "/v1/nothing", "Bearer sekret", nil, 404, `"message":"Invalid URL (GET /v1/nothing)"`},
		{"no v1 prefix", "POST", "/chat/completions", "Bearer sekret", reqBody("hi", false, false), 404, `"error"`},
		{"wrong method", "GET", "/v1/chat/completions", "Bearer sekret", nil, 405, `"type":"invalid_request_error"`},
		{"no key", "GET", "/v1/models", "", nil, 401, "You didn't provide an API key"},
		{"wrong key", "GET", "/v1/models", "Bearer nope", nil, 401, `"code":"invalid_api_key"`},
		{"models", "GET", "/v1/models", "Bearer sekret", nil, 200, `{"object":"list","data":[{"id":"a/one","object":"model"`},
		{"chat", "POST", "/v1/chat/completions", "Bearer sekret", reqBody("hi", false, false), 200, `"object":"chat.completion"`},
		{"bad json", "POST", "/v1/chat/completions", "Bearer sekret", []byte("{"), 400, "could not parse the JSON body"},
		{"no model", "POST", "/v1/chat/completions", "Bearer sekret", []byte(`{"messages":[{"role":"user","content":"x"}]}`), 400, "model parameter"},
		{"no messages", "POST", "/v1/chat/completions", "Bearer sekret", []byte(`{"model":"m"}`), 400, "messages"},
		{"unknown scenario", "POST", "/v1/chat/completions", "Bearer sekret", reqBody("fake:nope", true, false), 400, `Unknown fake scenario \"nope\"`},
		{"bad error code", "POST", "/v1/chat/completions", "Bearer sekret", reqBody("fake:error 200", false, false), 400, "between 400 and 599"},
		{"images", "POST", "/v1/images/generations", "Bearer sekret", []byte(`{"model":"m","prompt":"a cat"}`), 200, `"revised_prompt":"a cat"`},
		{"images with-url", "POST", "/v1/images/generations/with-url", "Bearer sekret", []byte(`{"model":"m","prompt":"a cat"}`), 200, `"url":"http://`},
		{"images edits", "POST", "/v1/images/edits", "Bearer sekret", []byte(`{"model":"m","prompt":"a cat"}`), 200, `"credits_used":6000`},
		{"images no key", "POST", "/v1/images/generations", "", []byte(`{"model":"m","prompt":"a cat"}`), 401, "You didn't provide an API key"},
		{"images wrong method", "GET", "/v1/images/generations", "Bearer sekret", nil, 405, "use POST"},
		{"embeddings", "POST", "/v1/embeddings", "Bearer sekret", []byte(`{"model":"m","input":"hi"}`), 200, `"object":"embedding"`},
		{"embeddings wrong method", "GET", "/v1/embeddings", "Bearer sekret", nil, 405, "use POST"},
		{"echo v1", "POST", "/v1/keys", "Bearer sekret", []byte(`{"model":"m","text":"hi"}`), 200, `{"echo":{"model":"m","text":"hi"},"path":"/v1/keys"}`},
		{"responses", "POST", "/v1/responses", "Bearer sekret", []byte(`{"model":"m","input":"hi"}`), 200, `"output_text"`},
		{"echo v2", "POST", "/v2/other/thing", "Bearer sekret", []byte(`{"model":"v"}`), 200, `"path":"/v2/other/thing"`},
		{"echo no key", "POST", "/v2/video/generations", "Bearer nope", []byte(`{"model":"v"}`), 401, `"code":"invalid_api_key"`},
		{"unknown v2 GET", "GET", "/v2/other/thing", "Bearer sekret", nil, 404, "Invalid URL (GET /v2/other/thing)"},
		{"post outside v1 and v2", "POST", "/v3/x", "Bearer sekret", []byte(`{}`), 404, "Invalid URL"},
		{"files wrong method", "POST", "/files/img-1.png", "", nil, 405, "use GET"},
		{"no such file", "GET", "/files/nope.txt", "", nil, 404, "No file nope.txt."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.method, url+tt.path, tt.auth, tt.body)
			if got, want := resp.StatusCode, tt.wantStatus; got != want {
				t.Fatalf("status = %d, want %d (body %s)", got, want, body)
			}
			if got, want := resp.Header.Get("Content-Type"), "application/json"; got != want {
				t.Fatalf("Content-Type = %q, want %q", got, want)
			}
			if !strings.Contains(string(body), tt.wantInBody) {
				t.Fatalf("body %s does not contain %s", body, tt.wantInBody)
			}
		})
	}
	if got, want := len(s.Requests()), len(tests); got != want {
		t.Fatalf("recorded %d requests, want %d", got, want)
	}
}

func TestRequestsAreCopies(t *testing.T) {
	s, url, _ := setup(t)
	before := time.Now()
	do(t, "POST", url+"/v1/chat/completions", "Bearer k", reqBody("hi", false, false))
	reqs := s.Requests()
	if got, want := len(reqs), 1; got != want {
		t.Fatalf("got %d requests, want %d", got, want)
	}
	r := reqs[0]
	if got, want := r.Method+" "+r.Path, "POST /v1/chat/completions"; got != want {
		t.Fatalf("request = %q, want %q", got, want)
	}
	if got, want := r.Header.Get("Authorization"), "Bearer k"; got != want {
		t.Fatalf("Authorization = %q, want %q", got, want)
	}
	if got, want := string(r.Body), string(reqBody("hi", false, false)); got != want {
		t.Fatalf("Body = %s, want %s", got, want)
	}
	if r.Received.Before(before) {
		t.Fatalf("Received %v is before the request was sent (%v)", r.Received, before)
	}
	r.Body[0] = 'X'
	r.Header.Set("Authorization", "changed")
	again := s.Requests()[0]
	if again.Body[0] == 'X' || again.Header.Get("Authorization") == "changed" {
		t.Fatal("Requests returned shared memory")
	}
}

// readStream posts a streaming request and decodes the raw events.
func readStream(t *testing.T, url string, body []byte) (*http.Response, []chat.Event, []time.Time) {
	t.Helper()
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	d := chat.NewDecoder(resp.Body)
	var evs []chat.Event
	var times []time.Time
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return resp, evs, times
		}
		if err != nil {
			t.Fatalf("decoding stream: %v", err)
		}
		evs = append(evs, ev)
		times = append(times, time.Now())
	}
}

func TestStreamFraming(t *testing.T) {
	s, url, _ := setup(t)
	s.ChunkDelay = 5 * time.Millisecond
	resp, evs, times := readStream(t, url, reqBody("hello", true, true))
	if got, want := resp.Header.Get("Content-Type"), "text/event-stream"; got != want {
		t.Fatalf("Content-Type = %q, want %q", got, want)
	}
	if got, want := resp.Header.Get("Cache-Control"), "no-cache"; got != want {
		t.Fatalf("Cache-Control = %q, want %q", got, want)
	}
	if got, want := evs[len(evs)-1].Data, "[DONE]"; got != want {
		t.Fatalf("last event = %q, want %q", got, want)
	}
	pieces := len(split(DefaultReply, pieceRunes))
	// role chunk + pieces + finish chunk + usage chunk + [DONE]
	if got, want := len(evs), pieces+4; got != want {
		t.Fatalf("got %d events, want %d", got, want)
	}
	if spread := times[len(times)-1].Sub(times[0]); spread < time.Duration(pieces)*s.ChunkDelay/2 {
		t.Fatalf("events arrived within %v; want them spread out by the chunk delay", spread)
	}
	var res chat.Result
	for i, ev := range evs[:len(evs)-1] {
		var c struct {
			ID      string            `json:"id"`
			Object  string            `json:"object"`
			Created int64             `json:"created"`
			Model   string            `json:"model"`
			Choices []json.RawMessage `json:"choices"`
			Usage   json.RawMessage   `json:"usage"`
		}
		if err := json.Unmarshal([]byte(ev.Data), &c); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if c.ID == "" || c.Created == 0 || c.Object != "chat.completion.chunk" || c.Model != "test/model" {
			t.Fatalf("event %d has wrong header fields: %s", i, ev.Data)
		}
		isUsage := i == len(evs)-2
		if got, want := len(c.Choices) == 0, isUsage; got != want {
			t.Fatalf("event %d: empty choices = %v, want %v", i, got, want)
		}
		if got, want := string(c.Usage) != "null", isUsage; got != want {
			t.Fatalf("event %d: usage = %s", i, c.Usage)
		}
		if err := res.ApplyChunk([]byte(ev.Data)); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if i == len(evs)-3 && res.FinishReason != "stop" {
			t.Fatalf("finish chunk did not say stop: %s", ev.Data)
		}
	}
	if got, want := res.Content, DefaultReply; got != want {
		t.Fatalf("Content = %q, want %q", got, want)
	}
	if res.Usage.CompletionTokens == nil || *res.Usage.CompletionTokens != int64(pieces) {
		t.Fatalf("CompletionTokens = %v, want %d", res.Usage.CompletionTokens, pieces)
	}
	if res.Cost.USD == nil || *res.Cost.USD <= 0 {
		t.Fatalf("Cost.USD = %v, want > 0", res.Cost.USD)
	}
}

func TestStreamWithoutUsage(t *testing.T) {
	_, url, _ := setup(t)
	_, evs, _ := readStream(t, url, reqBody("hello", true, false))
	for _, ev := range evs {
		if strings.Contains(ev.Data, `"usage"`) {
			t.Fatalf("usage sent without include_usage: %s", ev.Data)
		}
	}
}
