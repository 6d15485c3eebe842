package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"playground/app/schema"
)

// FuzzChatRequest feeds arbitrary bodies and header combinations to the chat proxy. Whatever
// arrives, the server must not panic, must answer with a known status, must never show the key,
// and anything it forwards must be exactly the body it received, valid for the model, free of
// fields that choose the upstream, and carry the server's key and no browser credential.
func FuzzChatRequest(f *testing.F) {
	var mu sync.Mutex
	var got []*http.Request
	var gotBodies [][]byte
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, gotBodies = append(got, r), append(gotBodies, b)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`))
	}))
	defer up.Close()
	cfg := DefaultConfig()
	cfg.WebDir = f.TempDir()
	cfg.Providers[0].BaseURL = up.URL + "/v1"
	cfg.Providers[0].Key = canary
	cfg.Limits = Limits{} // no rate limits: the fuzzer sends thousands of calls
	s, err := New(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	seeds := []string{
		`{"model":"gryphe/mythomax-l2-13b","messages":[{"role":"user","content":"Hello"}],"temperature":0.5}`,
		`{"model":"gryphe/mythomax-l2-13b","messages":[{"role":"user","content":"Hello"}],"api_base":"http://evil"}`,
		`{"model":"gryphe/mythomax-l2-13b","messages":[{"role":"system","content":"x"},{"role":"user","content":[{"type":"text","text":"hi"}]}],"stop":["a"],"frequency_penalty":null}`,
		`{"model":"nope","messages":[]}`,
		`{"model":"claude-3-opus-latest","messages":[{"role":"user","content":"Hello"}]}`,
		`{"model":1}`,
		`[]`,
		``,
	}
	for i, sd := range seeds {
		f.Add([]byte(sd), uint8(i))
	}
	allowed := map[int]bool{200: true, 400: true, 403: true, 404: true, 413: true, 415: true, 429: true, 502: true, 503: true}
	f.Fuzz(func(t *testing.T, body []byte, flags uint8) {
		mu.Lock()
		before := len(got)
		mu.Unlock()
		req := httptest.NewRequest("POST", "/api/v1/chat/completions", bytes.NewReader(body))
		if flags&1 == 0 {
			req.Header.Set("Content-Type", "application/json")
		}
		if flags&2 != 0 {
			req.Header.Set("Authorization", "Bearer sk-browser")
			req.Header.Set("Cookie", "session=1")
		}
		if flags&4 != 0 {
			req.Header.Set("X-Base-URL", "http://evil.example")
		}
		if flags&8 != 0 {
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Origin", "https://evil.example")
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		if bytes.Contains(rec.Body.Bytes(), []byte(canary)) {
			t.Fatal("the key is in the response")
		}
		mu.Lock()
		forwarded := got[before:]
		bodies := gotBodies[before:]
		mu.Unlock()
		if len(forwarded) == 0 {
			if rec.Code == 200 {
				t.Fatalf("200 without an upstream call for %q", body)
			}
			return
		}
		if len(forwarded) > 1 || rec.Code != 200 {
			t.Fatalf("%d upstream calls and status %d for one request", len(forwarded), rec.Code)
		}
		if flags&8 != 0 {
			t.Fatal("a cross-site request reached the upstream")
		}
		r, fb := forwarded[0], bodies[0]
		var head map[string]json.RawMessage
		if json.Unmarshal(body, &head) != nil {
			t.Fatalf("forwarded a body that is not a JSON object: %q", body)
		}
		var model string
		_ = json.Unmarshal(head["model"], &model)
		e, ok := s.Catalog().Lookup(model, "")
		if !ok {
			t.Fatalf("forwarded a call for unknown model %q", model)
		}
		if model != e.Model.ID {
			// An alias: the body is forwarded with the model's own id and nothing else changed.
			head["model"], _ = json.Marshal(e.Model.ID)
			want, _ := json.Marshal(head)
			if !bytes.Equal(fb, want) {
				t.Fatalf("forwarded %q for alias %s, want %q", fb, model, want)
			}
		} else if !bytes.Equal(fb, body) {
			t.Fatalf("forwarded %q, received %q", fb, body)
		}
		if r.Header.Get("Authorization") != "Bearer "+canary || r.Header.Get("Cookie") != "" || r.Header.Get("X-Base-Url") != "" {
			t.Fatalf("forwarded headers %v", r.Header)
		}
		for _, k := range forbiddenFields {
			if _, ok := head[k]; ok {
				t.Fatalf("forwarded a body with %s", k)
			}
		}
		if vs := schema.CheckBody(e.Operation, fb); len(vs) > 0 {
			t.Fatalf("forwarded an invalid body %q: %v", body, vs)
		}
	})
}
