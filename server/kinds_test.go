package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"playground/app/catalog"
	"playground/app/kind"
	"playground/app/schema"
	"playground/server/fakeupstream"
	"playground/server/internal/syncbuf"
	"playground/server/upstream"
)

// corpusDir is the shared corpus of real AI/ML API schemas, beside the project.
const corpusDir = "../../shared/aimlapi-schemas"

// kindsEnv is a server whose one provider ("aimlapi", embedded catalogue, base URL the fake's
// plus "/v1") is a fake upstream whose answers are kept (see answers).
type kindsEnv struct {
	testEnv
	s *Server

	mu      sync.Mutex
	answers map[string][]byte // the last body the fake answered, by path
}

// answerTap records what the fake writes, so tests can compare it with what the server passed on.
type answerTap struct {
	http.ResponseWriter
	buf *bytes.Buffer
}

func (w *answerTap) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *answerTap) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// runKinds starts a kindsEnv without rate limits; schemas, when not "", is the server's -schemas
// directory.
func runKinds(t *testing.T, schemas string) *kindsEnv {
	t.Helper()
	return runKindsWith(t, schemas, nil)
}

// runKindsWith is runKinds with the configuration changed by adjust.
func runKindsWith(t *testing.T, schemas string, adjust func(*Config, *fakeupstream.Server)) *kindsEnv {
	t.Helper()
	fake := fakeupstream.New()
	fake.Key = canary
	fake.ChunkDelay = 0
	e := &kindsEnv{answers: map[string][]byte{}}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		fake.ServeHTTP(&answerTap{ResponseWriter: w, buf: &buf}, r)
		e.mu.Lock()
		e.answers[r.URL.Path] = buf.Bytes()
		e.mu.Unlock()
	}))
	t.Cleanup(up.Close)
	cfg := DefaultConfig()
	cfg.WebDir = t.TempDir()
	cfg.SchemasDir = schemas
	cfg.Limits.RatePerMinute = 0
	cfg.Limits.StreamsPerClient = 0
	cfg.Providers[0].BaseURL = up.URL + "/v1"
	cfg.Providers[0].Key = canary
	if adjust != nil {
		adjust(&cfg, fake)
	}
	logs := &syncbuf.Buffer{}
	s, err := New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	e.testEnv, e.s = testEnv{srv: ts, fake: fake, log: logs}, s
	t.Cleanup(func() {
		if strings.Contains(logs.String(), canary) {
			t.Error("the key is in the log")
		}
	})
	return e
}

// answered returns the body the fake last answered on path.
func (e *kindsEnv) answered(path string) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.answers[path]
}

// upstreamCalls returns the fake's requests on path since the first n requests.
func (e *kindsEnv) upstreamCalls(n int, path string) []fakeupstream.Request {
	var out []fakeupstream.Request
	for _, r := range e.fake.Requests()[n:] {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// TestImagesCall: an image model's call reaches the provider's images path with the key and its
// answer comes back as the provider sent it, an empty 201 included; parameters outside the schema
// never leave the server.
func TestImagesCall(t *testing.T) {
	e := runKinds(t, "")
	tests := []struct {
		name, body string
		status     int
		code       string // of a refusal
		violation  string // the parameter a refusal names
		upstream   bool
		check      func(t *testing.T, body []byte)
	}{
		{name: "urls", body: `{"model":"flux/schnell","prompt":"a red fox","n":2}`, status: 200, upstream: true, check: func(t *testing.T, body []byte) {
			res, err := kind.ParseImages(body)
			if err != nil || len(res.Images) != 2 || !strings.HasPrefix(res.Images[0].URL, "http://") || res.Usage.Credits <= 0 {
				t.Fatalf("ParseImages = %+v, %v", res, err)
			}
		}},
		{name: "base64", body: `{"model":"flux/schnell","prompt":"a red fox","response_format":"b64_json"}`, status: 200, upstream: true, check: func(t *testing.T, body []byte) {
			res, err := kind.ParseImages(body)
			if err != nil || len(res.Images) != 1 || res.Images[0].B64 == "" || res.Images[0].Source()[:22] != "data:image/png;base64," {
				t.Fatalf("ParseImages = %+v, %v", res, err)
			}
		}},
		{name: "empty 201", body: `{"model":"flux/schnell","prompt":"fake:empty201"}`, status: 201, upstream: true, check: func(t *testing.T, body []byte) {
			if len(body) != 0 {
				t.Fatalf("body %q, want none", body)
			}
		}},
		{name: "n above the maximum", body: `{"model":"flux/schnell","prompt":"a red fox","n":5}`, status: 400, code: "invalid_parameters", violation: "n"},
		{name: "no prompt", body: `{"model":"flux/schnell"}`, status: 400, code: "invalid_parameters", violation: "prompt"},
		{name: "upstream rate limit", body: `{"model":"flux/schnell","prompt":"fake:error 429"}`, status: 429, code: "upstream_rate_limited", upstream: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(e.fake.Requests())
			resp, body := e.do(t, "POST", "/api/v1/images/generations", tt.body, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			calls := e.upstreamCalls(n, "/v1/images/generations")
			if got := len(e.fake.Requests()) - n; got != len(calls) || (len(calls) == 1) != tt.upstream {
				t.Fatalf("%d upstream requests, %d of them on /v1/images/generations; want it reached: %v", got, len(calls), tt.upstream)
			}
			if tt.upstream && calls[0].Header.Get("Authorization") != "Bearer "+canary {
				t.Fatal("the call did not carry the provider's key")
			}
			if tt.code != "" {
				_, code := errorMessage(t, body)
				if code != tt.code {
					t.Fatalf("code %s, want %s: %s", code, tt.code, body)
				}
				if tt.violation != "" {
					var env struct {
						Error struct{ Violations []struct{ Path string } } `json:"error"`
					}
					_ = json.Unmarshal(body, &env)
					if len(env.Error.Violations) != 1 || env.Error.Violations[0].Path != tt.violation {
						t.Fatalf("violations %+v, want one naming %s: %s", env.Error.Violations, tt.violation, body)
					}
				}
				return
			}
			if sent := e.answered("/v1/images/generations"); !bytes.Equal(body, sent) {
				t.Fatalf("the answer changed on its way:\n got %s\nsent %s", body, sent)
			}
			if !json.Valid(calls[0].Body) || !bytes.Contains(calls[0].Body, []byte(`"model":"flux/schnell"`)) {
				t.Fatalf("forwarded body %s", calls[0].Body)
			}
			tt.check(t, body)
		})
	}
}

// TestEmbeddingsCall: an embedding model's call reaches the provider's embeddings path and its
// vectors honour dimensions and the base64 encoding.
func TestEmbeddingsCall(t *testing.T) {
	e := runKinds(t, "")
	tests := []struct {
		name, body string
		texts      []string
		dims       int
		b64        bool
	}{
		{"one text", `{"model":"text-embedding-3-small","input":"hello"}`, []string{"hello"}, fakeupstream.DefaultDimensions, false},
		{"dimensions", `{"model":"text-embedding-3-small","input":["a","b","c"],"dimensions":5}`, []string{"a", "b", "c"}, 5, false},
		{"base64", `{"model":"text-embedding-3-small","input":["a","b"],"dimensions":4,"encoding_format":"base64"}`, []string{"a", "b"}, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(e.fake.Requests())
			resp, body := e.do(t, "POST", "/api/v1/embeddings", tt.body, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			calls := e.upstreamCalls(n, "/v1/embeddings")
			if len(calls) != 1 || calls[0].Header.Get("Authorization") != "Bearer "+canary {
				t.Fatalf("%d calls on /v1/embeddings, or without the key", len(calls))
			}
			if b64 := bytes.Contains(body, []byte(`"embedding":"`)); b64 != tt.b64 {
				t.Fatalf("base64 = %v, want %v: %s", b64, tt.b64, body)
			}
			res, err := kind.ParseEmbeddings(body)
			if err != nil || len(res.Vectors) != len(tt.texts) || res.Model != "text-embedding-3-small" || res.Usage.TotalTokens == 0 {
				t.Fatalf("ParseEmbeddings = %+v, %v", res, err)
			}
			for i, v := range res.Vectors {
				want := fakeupstream.Embedding(tt.texts[i], tt.dims)
				if len(v.Values) != tt.dims || float32(v.Values[0]) != want[0] {
					t.Fatalf("vector %d: %v, want %v", i, v.Values, want)
				}
			}
		})
	}
}

// TestCallRefusals: unknown paths and a model called on another kind's path are refused before
// the provider hears of them.
func TestCallRefusals(t *testing.T) {
	e := runKinds(t, "")
	tests := []struct {
		name, path, body string
		status           int
		code, msg        string
	}{
		{"unknown path", "/api/v1/nothing", `{"model":"flux/schnell","prompt":"x"}`, 404, "not_found", "/api/v1/nothing"},
		{"unknown v2 path", "/api/v2/nothing", `{"model":"google/veo3"}`, 404, "not_found", "/api/v2/nothing"},
		{"image model on chat", "/api/v1/chat/completions", `{"model":"flux/schnell","messages":[{"role":"user","content":"hi"}]}`, 400, "wrong_endpoint", "/v1/images/generations"},
		{"embedding model on images", "/api/v1/images/generations", `{"model":"text-embedding-3-small","prompt":"x"}`, 400, "wrong_endpoint", "/v1/embeddings"},
		{"chat model on embeddings", "/api/v1/embeddings", `{"model":"gryphe/mythomax-l2-13b","input":"x"}`, 400, "wrong_endpoint", "/v1/chat/completions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, "POST", tt.path, tt.body, nil)
			msg, code := errorMessage(t, body)
			if resp.StatusCode != tt.status || code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Fatalf("got %d %s %q, want %d %s naming %s", resp.StatusCode, code, msg, tt.status, tt.code, tt.msg)
			}
		})
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Fatalf("the upstream was called %d times for refused requests", n)
	}
}

// corpusCall is one (model, operation) of the corpus the corpus test calls.
type corpusCall struct {
	model, path, file string
}

// corpusCalls lists, by operation path, every (model, operation) of the corpus files' model
// operations (those of an endpoint kind, see catalog.Operations), once each (a model may be in
// several files), and counts the operations.
func corpusCalls(dir string) (calls []corpusCall, operations int, err error) {
	seen := map[[2]string]bool{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		doc, err := schema.Parse(data)
		if err != nil {
			return nil // not an OpenAPI document: the catalogue skips it too
		}
		for _, op := range catalog.Operations(doc) {
			operations++
			for _, id := range op.Models {
				if key := [2]string{id, op.Path}; !seen[key] {
					seen[key] = true
					calls = append(calls, corpusCall{model: id, path: op.Path, file: strings.TrimPrefix(p, dir+"/")})
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	sort.Slice(calls, func(i, j int) bool {
		if calls[i].path != calls[j].path {
			return calls[i].path < calls[j].path
		}
		return calls[i].model < calls[j].model
	})
	return calls, operations, nil
}

// modelPath escapes a model id for the form route, keeping its slashes.
func modelPath(id string) string {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// TestCorpusKinds runs every model of every model operation (chat, Responses, Messages, images,
// embeddings, video, speech, music, OCR) of the shared corpus through the server (loaded with -schemas) to a fake upstream: the
// form of the operation opens, and the example request (what the form sends when only the
// required fields are filled) passes the server's checks and reaches the provider at the
// operation's path with the key, or, for a kind the playground does not run (yet), is refused
// with model_not_runnable before the provider hears of it.
func TestCorpusKinds(t *testing.T) {
	if _, err := os.Stat(corpusDir); errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the shared schema corpus %s is missing, and CI must test it", corpusDir)
		}
		t.Skipf("SKIPPING: the shared schema corpus %s is not beside the project", corpusDir)
	}
	start := time.Now()
	// Reading the 150 MB corpus takes seconds under the race detector: list it while the server
	// loads it.
	var (
		calls      []corpusCall
		operations int
		listErr    error
		listed     = make(chan struct{})
	)
	go func() {
		defer close(listed)
		calls, operations, listErr = corpusCalls(corpusDir)
	}()
	e := runKindsWith(t, corpusDir, func(c *Config, _ *fakeupstream.Server) { c.MaxOpenJobs = 1 << 20 })
	<-listed
	if listErr != nil {
		t.Fatal(listErr)
	}
	cat := e.s.Catalog()
	if len(calls) < 300 {
		t.Fatalf("only %d (model, operation) pairs in the corpus; is it complete?", len(calls))
	}
	perKind := map[string]int{}
	refused, refusedKind := 0, map[string]int{}
	for _, c := range calls {
		k := kind.For(c.path)
		entry, ok := cat.Lookup(c.model, "aimlapi")
		if !ok {
			t.Errorf("%s (%s): %s is not in the catalogue", c.file, c.path, c.model)
			continue
		}
		op := entry.Find(c.path)
		if op == nil {
			t.Errorf("%s: %s has no operation %s in the catalogue", c.file, c.model, c.path)
			continue
		}
		resp, body := e.do(t, "GET", "/api/models/"+modelPath(c.model)+"?op="+url.QueryEscape(c.path), "", map[string]string{"Accept-Encoding": "identity"})
		var form struct{ Path, Kind string }
		if resp.StatusCode != 200 || json.Unmarshal(body, &form) != nil || form.Path != c.path || form.Kind != k.Name() {
			t.Errorf("%s: form of %s on %s: %d %.300s", c.file, c.model, c.path, resp.StatusCode, body)
			continue
		}
		req, err := schema.ExampleRequest(op)
		if err != nil {
			t.Errorf("%s: %s: %v", c.file, c.model, err)
			continue
		}
		n := len(e.fake.Requests())
		resp, body = e.do(t, "POST", "/api"+c.path, string(req), nil)
		if !k.Runs() {
			if _, code := errorMessage(t, body); resp.StatusCode != 400 || code != "model_not_runnable" || len(e.fake.Requests()) != n {
				t.Errorf("%s: %s on %s, which does not run yet: %d %s", c.file, c.model, c.path, resp.StatusCode, code)
			}
			refused++
			refusedKind[k.Name()]++
			continue
		}
		if resp.StatusCode != 200 && resp.StatusCode != 201 {
			t.Errorf("%s: %s on %s: %d %.300s\nrequest %s", c.file, c.model, c.path, resp.StatusCode, body, req)
			continue
		}
		polls := 0
		if p, ok := k.(kind.Poller); ok {
			// A job: its id is bound to this client, and its poll reaches the provider.
			if poll := p.PollPath(c.path, p.Job(body).ID); poll != "" {
				if presp, pbody := e.do(t, "GET", "/api"+poll, "", nil); presp.StatusCode != 200 || p.Job(pbody).Status == "" {
					t.Errorf("%s: %s: poll %s: %d %.300s", c.file, c.model, poll, presp.StatusCode, pbody)
				}
				polls++ // the poll's upstream request
			} else if c.path != "/v1/stt" && c.path != "/v2/generate/audio/minimax/generate" {
				t.Errorf("%s: %s on %s answered no job id: %.300s", c.file, c.model, c.path, body)
			}
		}
		want := upstream.OutboundPath("/v1", c.path)
		var got []fakeupstream.Request
		for _, r := range e.upstreamCalls(n, want) {
			if r.Method == http.MethodPost {
				got = append(got, r)
			}
		}
		if len(got) != 1 || got[0].Header.Get("Authorization") != "Bearer "+canary || len(e.fake.Requests()) != n+1+polls {
			t.Errorf("%s: %s on %s: %d calls on %s of %d upstream requests, or without the key", c.file, c.model, c.path, len(got), want, len(e.fake.Requests())-n)
			continue
		}
		perKind[k.Name()]++
	}
	answered := 0
	for _, n := range perKind {
		answered += n
	}
	t.Logf("corpus: %d model operations; %d (model, operation) pairs, every model of every operation: %d forms opened; %d calls answered through the provider (by kind: %v); %d refused as not runnable yet (by kind: %v); %v",
		operations, len(calls), answered+refused, answered, perKind, refused, refusedKind, time.Since(start).Round(time.Millisecond))
}
