package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"playground/server/fakeupstream"
	"playground/server/internal/syncbuf"
)

// Models of the embedded catalogue the embed tests use. Qwen 7B's schema lists max_tokens before
// max_completion_tokens, mythomax's the other way round; Qwen 72B is the model the tests' embed
// may not run (the pattern "Qwen/Qwen2.5-7B-*" is a near miss for it).
const (
	embedAllowed    = "Qwen/Qwen2.5-7B-Instruct-Turbo"
	embedAllowed2   = "gryphe/mythomax-l2-13b"
	embedDisallowed = "Qwen/Qwen2.5-72B-Instruct-Turbo"
)

var embedPatterns = []string{"Qwen/Qwen2.5-7B-*", "gryphe/*"}

// embedEnv is a running server with the embed configured, on a fake upstream.
type embedEnv struct {
	testEnv
	s *Server
}

// runEmbed starts a server like mustRunWith whose embed allows embedPatterns, caps answers at 256
// tokens and has a budget of 100,000 tokens a day, after adjust.
func runEmbed(t *testing.T, adjust func(*Config)) *embedEnv {
	t.Helper()
	fake := fakeupstream.New()
	fake.Key = canary
	fake.ChunkDelay = time.Millisecond
	up := httptest.NewServer(fake)
	t.Cleanup(up.Close)
	cfg := DefaultConfig()
	cfg.WebDir = t.TempDir()
	cfg.Providers[0].BaseURL = up.URL + "/v1"
	cfg.Providers[0].Key = canary
	cfg.Embed = Embed{Models: embedPatterns, MaxTokens: 256, DailyTokens: 100_000,
		Limits: Limits{RatePerMinute: 600, Burst: 100, StreamsPerClient: 4, Streams: 16}}
	if adjust != nil {
		adjust(&cfg)
	}
	logs := &syncbuf.Buffer{}
	s, err := New(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &embedEnv{testEnv: testEnv{srv: ts, fake: fake, log: logs}, s: s}
}

func embedBody(model, prompt, extra string) string {
	return `{"model":` + jsonString(model) + `,"messages":[{"role":"user","content":` + jsonString(prompt) + `}]` + extra + `}`
}

const embedChatPath = "/api/embed/v1/chat/completions"

type embedPolicyJSON struct {
	Models        []string `json:"models"`
	MaxTokens     int      `json:"max_tokens"`
	RatePerMinute float64  `json:"rate_per_minute"`
	Burst         int      `json:"burst"`
	DailyTokens   int64    `json:"daily_tokens"`
	DailyLeft     int64    `json:"daily_left"`
}

func (e *embedEnv) policy(t *testing.T) embedPolicyJSON {
	t.Helper()
	resp, body := e.do(t, "GET", "/api/embed/config", "", nil)
	var p embedPolicyJSON
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || json.Unmarshal(body, &p) != nil {
		t.Fatalf("GET /api/embed/config: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the policy (with what is left today) must not be cached: Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	return p
}

// budgetState reads the server's embed budget.
func (e *embedEnv) budgetState() (used, reserved int64) {
	return e.s.embed.Budget().Counts()
}

// waitFor polls cond for up to 3 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEmbedConfigEndpoint(t *testing.T) {
	e := runEmbed(t, func(c *Config) {
		c.Embed.Limits.RatePerMinute, c.Embed.Limits.Burst = 6, 3
	})
	p := e.policy(t)
	want := embedPolicyJSON{Models: embedPatterns, MaxTokens: 256, RatePerMinute: 6, Burst: 3, DailyTokens: 100_000, DailyLeft: 100_000}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("policy %+v, want %+v", p, want)
	}
	t.Run("no limits", func(t *testing.T) {
		e := runEmbed(t, func(c *Config) { c.Embed = Embed{} })
		resp, body := e.do(t, "GET", "/api/embed/config", "", nil)
		if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "{}" {
			t.Fatalf("an embed without limits: %d %s", resp.StatusCode, body)
		}
	})
}

func TestEmbedModelsAndForms(t *testing.T) {
	e := runEmbed(t, nil)
	var all, list struct{ Models []struct{ ID string } }
	_, body := e.do(t, "GET", "/api/models", "", nil)
	if json.Unmarshal(body, &all) != nil || len(all.Models) < 100 {
		t.Fatalf("GET /api/models: %d models", len(all.Models))
	}
	resp, body := e.do(t, "GET", "/api/embed/models", "", nil)
	if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("GET /api/embed/models: %d %s", resp.StatusCode, body)
	}
	ids := map[string]bool{}
	for _, m := range list.Models {
		ids[m.ID] = true
		ok := false
		for _, p := range embedPatterns {
			if m, _ := path.Match(p, m.ID); m {
				ok = true
			}
		}
		if !ok {
			t.Errorf("the embed lists %s, which no pattern allows", m.ID)
		}
	}
	wantN := 0
	for _, m := range all.Models {
		for _, p := range embedPatterns {
			if ok, _ := path.Match(p, m.ID); ok {
				wantN++
				break
			}
		}
	}
	if !ids[embedAllowed] || !ids[embedAllowed2] || ids[embedDisallowed] || len(list.Models) != wantN {
		t.Fatalf("embed models %v, want the %d allowed ones", ids, wantN)
	}

	type formJSON struct {
		Fields []struct {
			Name string   `json:"name"`
			Max  *float64 `json:"max"`
		} `json:"fields"`
	}
	maxOf := func(t *testing.T, p string) map[string]*float64 {
		t.Helper()
		resp, body := e.do(t, "GET", p, "", nil)
		var f formJSON
		if resp.StatusCode != 200 || json.Unmarshal(body, &f) != nil {
			t.Fatalf("GET %s: %d %s", p, resp.StatusCode, body)
		}
		out := map[string]*float64{}
		for _, fl := range f.Fields {
			out[fl.Name] = fl.Max
		}
		return out
	}
	for _, id := range []string{embedAllowed, embedAllowed2} {
		t.Run("form of "+id, func(t *testing.T) {
			got := maxOf(t, "/api/embed/models/"+id)
			for _, name := range []string{"max_tokens", "max_completion_tokens"} {
				if got[name] == nil || *got[name] != 256 {
					t.Errorf("embed form: %s max %v, want 256", name, got[name])
				}
			}
			if got["temperature"] == nil || *got["temperature"] == 256 {
				t.Errorf("embed form: temperature max %v changed", got["temperature"])
			}
			main := maxOf(t, "/api/models/"+id)
			if main["max_tokens"] != nil && *main["max_tokens"] == 256 {
				t.Error("the embed's cap leaked into the main form")
			}
		})
	}
	t.Run("disallowed model", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/api/embed/models/"+embedDisallowed, "", nil)
		msg, code := errorMessage(t, body)
		if resp.StatusCode != 403 || code != "embed_model_locked" || !strings.Contains(msg, embedDisallowed) {
			t.Fatalf("embed form of a disallowed model: %d %s %q", resp.StatusCode, code, msg)
		}
		if resp, body := e.do(t, "GET", "/api/models/"+embedDisallowed, "", nil); resp.StatusCode != 200 {
			t.Fatalf("the main form of %s: %d %s", embedDisallowed, resp.StatusCode, body)
		}
	})
	t.Run("unknown model", func(t *testing.T) {
		resp, body := e.do(t, "GET", "/api/embed/models/nope/nope", "", nil)
		if _, code := errorMessage(t, body); resp.StatusCode != 404 || code != "model_not_found" {
			t.Fatalf("%d %s", resp.StatusCode, code)
		}
	})
	t.Run("no patterns allow everything", func(t *testing.T) {
		e := runEmbed(t, func(c *Config) { c.Embed.Models = nil })
		var list struct{ Models []struct{ ID string } }
		_, body := e.do(t, "GET", "/api/embed/models", "", nil)
		if json.Unmarshal(body, &list) != nil || len(list.Models) != len(all.Models) {
			t.Fatalf("%d embed models, want all %d", len(list.Models), len(all.Models))
		}
		if resp, _ := e.do(t, "GET", "/api/embed/models/"+embedDisallowed, "", nil); resp.StatusCode != 200 {
			t.Fatalf("form: %d", resp.StatusCode)
		}
	})
}

func TestEmbedChatRefusals(t *testing.T) {
	e := runEmbed(t, nil)
	tests := []struct {
		name, body string
		header     map[string]string
		status     int
		code, msg  string
	}{
		{"disallowed model", embedBody(embedDisallowed, "hi", ""), nil, 403, "embed_model_locked", embedDisallowed},
		{"max_tokens above the cap", embedBody(embedAllowed, "hi", `,"max_tokens":257`), nil, 400, "embed_max_tokens", "max_tokens: this widget allows at most 256"},
		{"max_completion_tokens above the cap", embedBody(embedAllowed2, "hi", `,"max_completion_tokens":100000`), nil, 400, "embed_max_tokens", "max_completion_tokens:"},
		{"disallowed model with a fine max_tokens", embedBody(embedDisallowed, "hi", `,"max_tokens":5`), nil, 403, "embed_model_locked", "Open the full playground"},
		{"schema still checked", embedBody(embedAllowed, "hi", `,"temperature":5`), nil, 400, "invalid_parameters", "temperature"},
		{"unknown model", embedBody("nope/nope", "hi", ""), nil, 404, "model_not_found", "nope/nope"},
		{"client sends a key", embedBody(embedAllowed, "hi", `,"api_key":"sk-x"`), nil, 400, "forbidden_field", "api_key"},
		{"cross-site", embedBody(embedAllowed, "hi", ""), map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403, "cross_origin", "Cross-origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(t, "POST", embedChatPath, tt.body, tt.header)
			msg, code := errorMessage(t, body)
			if resp.StatusCode != tt.status || code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Fatalf("got %d %s %q, want %d %s containing %q", resp.StatusCode, code, msg, tt.status, tt.code, tt.msg)
			}
		})
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Fatalf("the upstream was called %d times for refused requests", n)
	}
	if used, reserved := e.budgetState(); used != 0 || reserved != 0 {
		t.Fatalf("refused requests spent budget: used %d reserved %d", used, reserved)
	}
	// The same disallowed model runs on the main route.
	if resp, body := e.do(t, "POST", "/api/v1/chat/completions", embedBody(embedDisallowed, "hi", `,"max_tokens":100000`), nil); resp.StatusCode != 200 {
		t.Fatalf("main route: %d %s", resp.StatusCode, body)
	}
}

func TestEmbedChatCapsMaxTokens(t *testing.T) {
	e := runEmbed(t, nil)
	tests := []struct {
		name, body string
		want       map[string]string // fields the upstream must get, "" for absent
		same       bool              // the upstream gets the body byte for byte
	}{
		{"absent: max_tokens added", embedBody(embedAllowed, "hi", ""), map[string]string{"max_tokens": "256", "max_completion_tokens": ""}, false},
		{"absent: max_tokens added, though the schema lists max_completion_tokens first", embedBody(embedAllowed2, "hi", ""), map[string]string{"max_tokens": "256", "max_completion_tokens": ""}, false},
		{"below the cap: unchanged", embedBody(embedAllowed, "hi", `,"max_tokens":12`), map[string]string{"max_tokens": "12"}, true},
		{"at the cap: unchanged", embedBody(embedAllowed2, "hi", `,"max_tokens":256,"temperature":0.5`), map[string]string{"max_tokens": "256", "max_completion_tokens": ""}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.fake.Requests())
			resp, body := e.do(t, "POST", embedChatPath, tt.body, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			reqs := e.fake.Requests()
			if len(reqs) != before+1 {
				t.Fatalf("%d upstream requests, want 1", len(reqs)-before)
			}
			up := reqs[len(reqs)-1]
			if up.Path != "/v1/chat/completions" || up.Header.Get("Authorization") != "Bearer "+canary {
				t.Fatalf("upstream got %s with Authorization %q", up.Path, up.Header.Get("Authorization"))
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal(up.Body, &got); err != nil {
				t.Fatalf("upstream body %s: %v", up.Body, err)
			}
			for k, v := range tt.want {
				if string(got[k]) != v {
					t.Errorf("upstream %s = %s, want %q (body %s)", k, got[k], v, up.Body)
				}
			}
			if tt.same && string(up.Body) != tt.body {
				t.Errorf("upstream body %s, want it unchanged", up.Body)
			}
			if !tt.same && !strings.HasSuffix(string(up.Body), tt.body[1:]) {
				t.Errorf("upstream body %s, want the request after the added field", up.Body)
			}
		})
	}
	if used, reserved := e.budgetState(); used <= 0 || reserved != 0 {
		t.Fatalf("budget after the runs: used %d reserved %d", used, reserved)
	}
}

func TestEmbedRateLimitPerVisitor(t *testing.T) {
	e := runEmbed(t, func(c *Config) {
		c.Embed.Limits.RatePerMinute, c.Embed.Limits.Burst = 1, 1
		c.Limits.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	body := embedBody(embedAllowed, "hi", "")
	if resp, b := e.do(t, "POST", embedChatPath, body, nil); resp.StatusCode != 200 {
		t.Fatalf("first embed run: %d %s", resp.StatusCode, b)
	}
	resp, b := e.do(t, "POST", embedChatPath, body, nil)
	msg, code := errorMessage(t, b)
	if resp.StatusCode != 429 || code != "rate_limited" || !strings.Contains(msg, "1 run a minute per visitor") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second embed run: %d %s %q Retry-After %q", resp.StatusCode, code, msg, resp.Header.Get("Retry-After"))
	}
	if n := len(e.fake.Requests()); n != 1 {
		t.Fatalf("%d upstream requests, want only the first run's", n)
	}
	// The main API has its own limiter, with its own message.
	for i := range 3 {
		if resp, b := e.do(t, "POST", "/api/v1/chat/completions", body, nil); resp.StatusCode != 200 {
			t.Fatalf("main route call %d after the embed's limit: %d %s", i+1, resp.StatusCode, b)
		}
	}
	// Another visitor behind the trusted proxy (the server's TrustedProxies) has its own.
	if resp, b := e.do(t, "POST", embedChatPath, body, map[string]string{"X-Forwarded-For": "203.0.113.9"}); resp.StatusCode != 200 {
		t.Fatalf("another visitor: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(t, "POST", embedChatPath, body, map[string]string{"X-Forwarded-For": "203.0.113.9"}); resp.StatusCode != 429 {
		t.Fatalf("that visitor's second run: %d", resp.StatusCode)
	}
	t.Run("the main limiter keeps its message", func(t *testing.T) {
		e := runEmbed(t, func(c *Config) { c.Limits.RatePerMinute, c.Limits.Burst = 1, 1 })
		e.do(t, "POST", "/api/v1/chat/completions", body, nil)
		resp, b := e.do(t, "POST", "/api/v1/chat/completions", body, nil)
		msg, code := errorMessage(t, b)
		if resp.StatusCode != 429 || code != "rate_limited" || strings.Contains(msg, "visitor") {
			t.Fatalf("main route: %d %s %q", resp.StatusCode, code, msg)
		}
		if resp, b := e.do(t, "POST", embedChatPath, body, nil); resp.StatusCode != 200 {
			t.Fatalf("the embed is not limited by the main limiter: %d %s", resp.StatusCode, b)
		}
	})
}

func TestEmbedFrameAncestors(t *testing.T) {
	tests := []struct {
		name            string
		ancestors       []string
		origins         []string
		wantEmbed, want string
	}{
		{"one origin", []string{"'self'"}, []string{"https://docs.example"}, "frame-ancestors 'self' https://docs.example", "frame-ancestors 'self'"},
		{"two origins", []string{"https://intranet.example"}, []string{"https://docs.example", "https://blog.example"},
			"frame-ancestors 'self' https://docs.example https://blog.example", "frame-ancestors https://intranet.example"},
		{"no origins", nil, nil, "frame-ancestors 'self'", "frame-ancestors 'none'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := runEmbed(t, func(c *Config) { c.FrameAncestors, c.Embed.Origins = tt.ancestors, tt.origins })
			for _, p := range []struct{ path, want string }{
				{"/embed", tt.wantEmbed}, {"/embed?model=" + embedAllowed, tt.wantEmbed},
				{"/", tt.want}, {"/embed.js", tt.want}, {"/embedded", tt.want}, {"/api/embed/config", tt.want},
			} {
				resp, _ := e.do(t, "GET", p.path, "", nil)
				csp := resp.Header.Get("Content-Security-Policy")
				if !strings.HasSuffix(csp, p.want) || strings.Count(csp, "frame-ancestors") != 1 {
					t.Errorf("GET %s: CSP %q, want it to end in %q", p.path, csp, p.want)
				}
			}
		})
	}
}

func TestEmbedScript(t *testing.T) {
	const script = "(function(){ /* embed */ })();\n"
	e := runEmbed(t, func(c *Config) {
		if err := os.WriteFile(filepath.Join(c.WebDir, "embed.js"), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	resp, body := e.do(t, "GET", "/embed.js", "", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://docs.example"})
	if resp.StatusCode != 200 || string(body) != script {
		t.Fatalf("GET /embed.js: %d %q", resp.StatusCode, body)
	}
	for h, want := range map[string]string{
		"Content-Type":                 "text/javascript; charset=utf-8",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"X-Content-Type-Options":       "nosniff",
		"Cache-Control":                "no-cache",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if resp, _ := e.do(t, "GET", "/embed.js", "", map[string]string{"If-Modified-Since": resp.Header.Get("Last-Modified")}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", resp.StatusCode)
	}
	if resp, _ := e.do(t, "POST", "/embed.js", "", nil); resp.StatusCode == 200 {
		t.Error("POST /embed.js was served")
	}
	t.Run("missing", func(t *testing.T) {
		e := runEmbed(t, nil)
		if resp, _ := e.do(t, "GET", "/embed.js", "", nil); resp.StatusCode != 404 {
			t.Fatalf("GET /embed.js without the file: %d", resp.StatusCode)
		}
	})
}
