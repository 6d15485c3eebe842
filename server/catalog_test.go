package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"playground/server/fakeupstream"
	"playground/server/internal/syncbuf"
)

const canary2 = "sk-canary-second-5a6b7c"

// liveEnv is a server with two providers on fake upstreams: "aimlapi" (embedded catalogue and a
// live list in AI/ML API's format) and "deepinfra" (a plain OpenAI list only, its own key and an
// extra header).
type liveEnv struct {
	testEnv
	s         *Server
	fake2     *fakeupstream.Server
	upstream1 string
	upstream2 string
}

func runLive(t *testing.T, adjust func(*Config, *fakeupstream.Server, *fakeupstream.Server)) *liveEnv {
	t.Helper()
	fake1, fake2 := fakeupstream.New(), fakeupstream.New()
	fake1.Key, fake2.Key = canary, canary2
	fake1.ChunkDelay, fake2.ChunkDelay = time.Millisecond, time.Millisecond
	fake1.SetCatalogue(fakeupstream.AIMLAPICatalogue())
	fake2.Models = []string{"gryphe/mythomax-l2-13b", "meta-llama/Llama-3-8b"}
	up1, up2 := httptest.NewServer(fake1), httptest.NewServer(fake2)
	t.Cleanup(up1.Close)
	t.Cleanup(up2.Close)
	cfg := DefaultConfig()
	cfg.WebDir = t.TempDir()
	cfg.Refresh = time.Hour // tests refresh by hand
	cfg.Providers = []Provider{
		{Name: "aimlapi", BaseURL: up1.URL + "/v1", Key: canary, KeyEnv: "AIMLAPI_API_KEY", HeaderTimeout: time.Minute,
			Catalog: Sources{Embedded: true, Live: true, LiveQuery: "include=all"}},
		{Name: "deepinfra", BaseURL: up2.URL + "/v1", Key: canary2, KeyEnv: "DEEPINFRA_API_KEY", HeaderTimeout: time.Minute,
			Catalog: Sources{Live: true}, Headers: map[string]string{"X-Title": "Playground"}},
	}
	if adjust != nil {
		adjust(&cfg, fake1, fake2)
	}
	logs := &syncbuf.Buffer{}
	s, err := New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	e := &liveEnv{testEnv: testEnv{srv: ts, fake: fake1, log: logs}, s: s, fake2: fake2, upstream1: up1.URL, upstream2: up2.URL}
	t.Cleanup(func() {
		if l := logs.String(); strings.Contains(l, canary) || strings.Contains(l, canary2) {
			t.Error("a key is in the log")
		}
	})
	return e
}

type listedModel struct {
	ID, Provider, Endpoint, Name, Kind string
	Aliases                            []string
	Generic, Unsupported               bool
	Price                              *struct{ Input, Output *float64 }
}

func (e *liveEnv) models(t *testing.T) (list []listedModel, providers []string, etag string) {
	t.Helper()
	resp, body := e.do(t, "GET", "/api/models", "", nil)
	var out struct {
		Providers []string
		Models    []listedModel
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil {
		t.Fatalf("GET /api/models: %d %s", resp.StatusCode, body)
	}
	return out.Models, out.Providers, resp.Header.Get("ETag")
}

func ids(list []listedModel) string {
	var s []string
	for _, m := range list {
		s = append(s, m.Provider+":"+m.ID)
	}
	return strings.Join(s, ",")
}

// TestLiveMerge: the live list decides what a provider offers; schemas come from the embedded
// catalogue where it knows the model (by id or alias), else the generic form; image models are
// listed but not runnable; deprecated ones are not listed.
func TestLiveMerge(t *testing.T) {
	e := runLive(t, nil)
	list, providers, _ := e.models(t)
	if got, want := strings.Join(providers, ","), "aimlapi,deepinfra"; got != want {
		t.Fatalf("providers %s, want %s", got, want)
	}
	// Sorted by developer then name: Acme, Black Forest Labs, Gryphe (both providers, in config
	// order), meta-llama, Open AI; the deprecated acme/retired-7b is left out.
	want := "aimlapi:acme/live-only-8b,aimlapi:flux/schnell,aimlapi:gryphe/mythomax-l2-13b,deepinfra:gryphe/mythomax-l2-13b,deepinfra:meta-llama/Llama-3-8b,aimlapi:openai/gpt-4o"
	if got := ids(list); got != want {
		t.Fatalf("models:\n got %s\nwant %s", got, want)
	}
	for _, m := range list {
		if m.ID == "openai/gpt-4o" && (m.Price == nil || *m.Price.Input != 2.625 || strings.Join(m.Aliases, ",") != "gpt-4o") {
			t.Errorf("gpt-4o: %+v", m)
		}
		if m.ID == "flux/schnell" && (m.Unsupported || m.Endpoint != "/v1/images/generations" || m.Kind != "images") {
			t.Errorf("flux: %+v", m)
		}
	}
	forms := []struct {
		path, source string
		generic      bool
	}{
		{"/api/models/gryphe/mythomax-l2-13b", "embedded:mythomax-l2-13b.json", false},
		{"/api/models/gryphe/mythomax-l2-13b?provider=deepinfra", "generic:/v1/chat/completions", true},
		{"/api/models/gpt-4o", "embedded:chat.json", true}, // an alias reaches the model
		{"/api/models/acme/live-only-8b", "generic:/v1/chat/completions", true},
		{"/api/models/acme/retired-7b", "generic:/v1/chat/completions", true}, // not listed, still resolves
	}
	for _, f := range forms {
		resp, body := e.do(t, "GET", f.path, "", nil)
		var form struct {
			Model  struct{ Generic bool }
			Source string
			Fields []json.RawMessage
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &form) != nil || form.Source != f.source || form.Model.Generic != f.generic || len(form.Fields) == 0 {
			t.Errorf("%s: %d %s", f.path, resp.StatusCode, body)
		}
	}
	// Only what the live list names is offered: embedded models it leaves out are gone.
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", `{"model":"gpt-3.5-turbo","messages":[{"role":"user","content":"hi"}]}`, nil)
	if _, code := errorMessage(t, body); resp.StatusCode != 404 || code != "model_not_found" {
		t.Fatalf("a model off the live list: %d %s", resp.StatusCode, code)
	}
	// The live request carried the key and the configured query, and the outage check below needs
	// the ETag it answered with.
	var sawQuery bool
	for _, r := range e.fake.Requests() {
		if r.Path == "/v1/models" && r.Header.Get("Authorization") == "Bearer "+canary {
			sawQuery = true
		}
	}
	if !sawQuery || e.s.catalog.LiveETag("aimlapi") == "" {
		t.Fatal("the live list was not fetched with the key, or came without an ETag")
	}
}

// TestRouting: a request goes to the provider it names, else to the first that offers the model;
// aliases are forwarded as the provider's id; each provider gets its own key and extra headers.
func TestRouting(t *testing.T) {
	e := runLive(t, nil)
	tests := []struct {
		name, query, model string
		status             int
		code               string
		upstream           *fakeupstream.Server
		forwardedModel     string
	}{
		{"first provider serving it", "", "gryphe/mythomax-l2-13b", 200, "", e.fake, "gryphe/mythomax-l2-13b"},
		{"the provider the user chose", "?provider=deepinfra", "gryphe/mythomax-l2-13b", 200, "", e.fake2, "gryphe/mythomax-l2-13b"},
		{"only the second provider serves it", "", "meta-llama/Llama-3-8b", 200, "", e.fake2, "meta-llama/Llama-3-8b"},
		{"an alias is sent as the listed id", "", "gpt-4o", 200, "", e.fake, "openai/gpt-4o"},
		{"a live alias", "?provider=aimlapi", "live-only", 200, "", e.fake, "acme/live-only-8b"},
		{"chosen provider does not serve it", "?provider=aimlapi", "meta-llama/Llama-3-8b", 400, "model_not_at_provider", nil, ""},
		{"unknown provider", "?provider=nope", "gryphe/mythomax-l2-13b", 404, "unknown_provider", nil, ""},
		{"no provider offers it", "", "nope/nope", 404, "model_not_found", nil, ""},
		{"image model through the chat route", "", "flux/schnell", 400, "wrong_endpoint", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n1, n2 := len(e.fake.Requests()), len(e.fake2.Requests())
			body := `{"model":` + jsonString(tt.model) + `,"messages":[{"role":"user","content":"hi"}],"temperature":0.5}`
			resp, out := e.do(t, "POST", "/api/v1/chat/completions"+tt.query, body, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, out)
			}
			got1, got2 := e.fake.Requests()[n1:], e.fake2.Requests()[n2:]
			if tt.upstream == nil {
				if _, code := errorMessage(t, out); code != tt.code || len(got1)+len(got2) != 0 {
					t.Fatalf("code %s (want %s), %d upstream calls", code, tt.code, len(got1)+len(got2))
				}
				return
			}
			got, other, key := got1, got2, canary
			if tt.upstream == e.fake2 {
				got, other, key = got2, got1, canary2
			}
			if len(got) != 1 || len(other) != 0 {
				t.Fatalf("%d calls to the chosen upstream, %d to the other", len(got), len(other))
			}
			var fwd struct{ Model string }
			_ = json.Unmarshal(got[0].Body, &fwd)
			if fwd.Model != tt.forwardedModel || got[0].Header.Get("Authorization") != "Bearer "+key {
				t.Fatalf("forwarded model %q with %d-byte auth header", fwd.Model, len(got[0].Header.Get("Authorization")))
			}
			wantTitle := ""
			if tt.upstream == e.fake2 {
				wantTitle = "Playground"
			}
			if got[0].Header.Get("X-Title") != wantTitle {
				t.Fatalf("X-Title = %q, want %q", got[0].Header.Get("X-Title"), wantTitle)
			}
		})
	}
}

// TestLiveOutageAndRecovery: when a provider's list fails, the last good copy stays (with a warning
// that names neither key); when it comes back changed, the catalogue and its ETag change.
func TestLiveOutageAndRecovery(t *testing.T) {
	e := runLive(t, nil)
	before, _, etag := e.models(t)
	e.fake.SetModelsStatus(http.StatusServiceUnavailable)
	e.s.catalog.Refresh(context.Background(), "aimlapi")
	after, _, etag2 := e.models(t)
	if ids(after) != ids(before) || etag2 != etag {
		t.Fatalf("the outage changed the list:\n%s\n%s", ids(before), ids(after))
	}
	if l := e.log.String(); !strings.Contains(l, "keeping the last good copy") || !strings.Contains(l, "503") {
		t.Fatalf("no warning about the outage:\n%s", l)
	}
	// Garbage is an outage too.
	e.fake.SetModelsStatus(0)
	e.fake.SetCatalogue(nil)
	e.fake.Models = nil // an empty plain list
	e.s.catalog.Refresh(context.Background(), "aimlapi")
	if after, _, _ := e.models(t); ids(after) != ids(before) {
		t.Fatal("an empty list replaced the last good copy")
	}
	e.fake.SetCatalogue(fakeupstream.AIMLAPICatalogue()[:1])
	e.s.catalog.Refresh(context.Background(), "aimlapi")
	now, _, etag3 := e.models(t)
	if etag3 == etag || strings.Contains(ids(now), "aimlapi:openai/gpt-4o") || !strings.Contains(ids(now), "aimlapi:gryphe/mythomax-l2-13b") {
		t.Fatalf("after recovery: %s (etag %s → %s)", ids(now), etag, etag3)
	}
	// A browser holding the old ETag gets the new list.
	if resp, _ := e.do(t, "GET", "/api/models", "", map[string]string{"If-None-Match": etag}); resp.StatusCode != 200 {
		t.Fatalf("old ETag: %d, want 200", resp.StatusCode)
	}
}

// TestLiveETagRevalidation: a refresh sends the provider's ETag; a 304 keeps the catalogue as it is.
func TestLiveETagRevalidation(t *testing.T) {
	e := runLive(t, nil)
	cat := e.s.Catalog()
	e.s.catalog.Refresh(context.Background(), "aimlapi")
	reqs := e.fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Path != "/v1/models" || last.Header.Get("If-None-Match") != e.s.catalog.LiveETag("aimlapi") {
		t.Fatalf("the refresh sent If-None-Match %q, want %q", last.Header.Get("If-None-Match"), e.s.catalog.LiveETag("aimlapi"))
	}
	if e.s.Catalog() != cat {
		t.Fatal("a 304 rebuilt the catalogue")
	}
	if !strings.Contains(e.log.String(), "live model list unchanged") {
		t.Fatal("no record of the 304")
	}
	// A provider without ETags is fetched in full each time.
	e.s.catalog.Refresh(context.Background(), "deepinfra")
	reqs = e.fake2.Requests()
	if h := reqs[len(reqs)-1].Header.Get("If-None-Match"); h != "" {
		t.Fatalf("If-None-Match %q sent to a provider that gave no ETag", h)
	}
}

// TestLiveProviderDownAtStart: a live-only provider that does not answer at start-up offers nothing
// (requests for its models get 404) until a refresh succeeds.
func TestLiveProviderDownAtStart(t *testing.T) {
	e := runLive(t, func(_ *Config, _, fake2 *fakeupstream.Server) { fake2.SetModelsStatus(http.StatusBadGateway) })
	list, providers, _ := e.models(t)
	if strings.Contains(ids(list), "deepinfra:") || len(providers) != 2 {
		t.Fatalf("models %s, providers %v", ids(list), providers)
	}
	resp, _ := e.do(t, "POST", "/api/v1/chat/completions", `{"model":"meta-llama/Llama-3-8b","messages":[]}`, nil)
	if resp.StatusCode != 404 {
		t.Fatalf("status %d, want 404", resp.StatusCode)
	}
	e.fake2.SetModelsStatus(0)
	e.s.catalog.Refresh(context.Background(), "deepinfra")
	if list, _, _ := e.models(t); !strings.Contains(ids(list), "deepinfra:meta-llama/Llama-3-8b") {
		t.Fatalf("after recovery: %s", ids(list))
	}
}

// TestAllowList: a provider's models setting keeps only the models it names.
func TestAllowList(t *testing.T) {
	e := runLive(t, func(c *Config, _, _ *fakeupstream.Server) { c.Providers[1].Models = []string{"meta-llama/*"} })
	list, _, _ := e.models(t)
	if got := ids(list); strings.Contains(got, "deepinfra:gryphe") || !strings.Contains(got, "deepinfra:meta-llama/Llama-3-8b") {
		t.Fatalf("models %s", got)
	}
	resp, _ := e.do(t, "POST", "/api/v1/chat/completions?provider=deepinfra", chatBody("hi", ""), nil)
	if resp.StatusCode != 400 {
		t.Fatalf("a model outside the allow-list: %d, want 400", resp.StatusCode)
	}
}

// TestAPICompression: /api/models and forms are gzipped for clients that accept it, with the same
// ETag, and revalidate with 304.
func TestAPICompression(t *testing.T) {
	e := mustRun(t, false, "")
	for _, path := range []string{"/api/models", "/api/models/gryphe/mythomax-l2-13b"} {
		plainResp, plain := e.do(t, "GET", path, "", map[string]string{"Accept-Encoding": "identity"})
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		gz, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" || resp.Header.Get("ETag") != plainResp.Header.Get("ETag") {
			t.Fatalf("%s: encoding %q vary %q etag %q vs %q", path, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"), resp.Header.Get("ETag"), plainResp.Header.Get("ETag"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		un, _ := io.ReadAll(zr)
		if !bytes.Equal(un, plain) {
			t.Fatalf("%s: the gzip body differs from the plain one", path)
		}
		t.Logf("%s: %d bytes, %d gzipped", path, len(plain), len(gz))
		if r, _ := e.do(t, "GET", path, "", map[string]string{"If-None-Match": plainResp.Header.Get("ETag")}); r.StatusCode != http.StatusNotModified {
			t.Fatalf("%s: revalidation %d, want 304", path, r.StatusCode)
		}
	}
}

// TestCloseStopsRefreshers: refreshers run every Refresh and stop on Close.
func TestCloseStopsRefreshers(t *testing.T) {
	e := runLive(t, func(c *Config, _, _ *fakeupstream.Server) { c.Refresh = 20 * time.Millisecond })
	count := func() int {
		n := 0
		for _, r := range e.fake.Requests() {
			if r.Path == "/v1/models" {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(5 * time.Second)
	for count() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if count() < 3 {
		t.Fatalf("%d fetches, want the refresher to keep fetching", count())
	}
	e.s.Close()
	n := count()
	time.Sleep(100 * time.Millisecond)
	if count() != n {
		t.Fatal("the refresher kept fetching after Close")
	}
}
