package server

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"playground/app/kind"
	"playground/server/fakeupstream"
	"playground/server/meter"
)

// records is a meter.Recorder keeping what it gets.
type records struct {
	mu   sync.Mutex
	list []meter.Record
}

func (r *records) Record(_ context.Context, rec meter.Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, rec)
}

func (r *records) last(t *testing.T, n int) meter.Record {
	t.Helper()
	waitFor(t, "the usage record", func() bool { r.mu.Lock(); defer r.mu.Unlock(); return len(r.list) > n })
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.list) != n+1 {
		t.Fatalf("%d records for one call", len(r.list)-n)
	}
	return r.list[n]
}

func (r *records) len() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.list) }

// TestUsageRecordPerKind: every model call, of each kind, against the fake upstream, ends in one
// usage record with what the provider reported, read by the kind's own decoder; refused calls get
// one too.
func TestUsageRecordPerKind(t *testing.T) {
	recs := &records{}
	e := runKindsWith(t, kindSchemas(t), func(c *Config, _ *fakeupstream.Server) { c.Recorder = recs })
	tests := []struct {
		name, path, body string
		status           int
		model, kindName  string
		check            func(t *testing.T, r meter.Record, answer []byte)
	}{
		{"chat, streamed with usage", "/v1/chat/completions", chatBody("hello there", `,"stream":true,"stream_options":{"include_usage":true}`), 200,
			"gryphe/mythomax-l2-13b", "chat", reported},
		{"chat, whole answer", "/v1/chat/completions", chatBody("hello there", ""), 200,
			"gryphe/mythomax-l2-13b", "chat", func(t *testing.T, r meter.Record, answer []byte) {
				u := kind.ReadUsage(answer)
				if r.TokensIn != u.PromptTokens || r.TokensOut != u.CompletionTokens || r.Tokens != u.Tokens() || r.Estimated || r.Tokens == 0 {
					t.Fatalf("record %+v, answer's usage %+v", r, u)
				}
			}},
		{"chat, streamed without usage: estimated", "/v1/chat/completions", chatBody("hello there", `,"stream":true`), 200,
			"gryphe/mythomax-l2-13b", "chat", func(t *testing.T, r meter.Record, _ []byte) {
				if !r.Estimated || r.Tokens <= 0 || r.TokensIn != 0 {
					t.Fatalf("record %+v, want an estimate", r)
				}
			}},
		{"responses, streamed", "/v1/responses", `{"model":"gpt-4o","input":"hello there","stream":true}`, 200,
			"gpt-4o", "responses", reported},
		{"messages, streamed", "/v1/messages", `{"model":"anthropic/claude-3-haiku","max_tokens":64,"messages":[{"role":"user","content":"hello there"}],"stream":true}`, 200,
			"", "messages", reported},
		{"images", "/v1/images/generations", `{"model":"flux/schnell","prompt":"a cat"}`, 200,
			"flux/schnell", "images", func(t *testing.T, r meter.Record, answer []byte) {
				var a struct {
					Meta struct {
						Usage struct{ CreditsUsed, UsdSpent float64 }
					} `json:"meta"`
				}
				_ = json.Unmarshal([]byte(strings.NewReplacer("credits_used", "CreditsUsed", "usd_spent", "UsdSpent").Replace(string(answer))), &a)
				if r.Credits <= 0 || r.Credits != a.Meta.Usage.CreditsUsed || r.USD != a.Meta.Usage.UsdSpent || r.Tokens != 0 || r.Estimated {
					t.Fatalf("record %+v, answer's meta.usage %+v", r, a.Meta.Usage)
				}
			}},
		{"embeddings", "/v1/embeddings", `{"model":"text-embedding-3-small","input":["one","two"]}`, 200,
			"text-embedding-3-small", "embeddings", func(t *testing.T, r meter.Record, answer []byte) {
				if u := kind.ReadUsage(answer); r.TokensIn != u.PromptTokens || r.Tokens != u.Tokens() || r.Tokens == 0 || r.Estimated {
					t.Fatalf("record %+v, answer's usage %+v", r, u)
				}
			}},
		{"refused: unknown model", "/v1/chat/completions", `{"model":"nope/nope","messages":[]}`, 404,
			"", "chat", func(t *testing.T, r meter.Record, _ []byte) {
				if r.Provider != "" || r.Model != "" || r.Tokens != 0 {
					t.Fatalf("record %+v", r)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := recs.len()
			resp, body := e.do(t, "POST", "/api"+tt.path, tt.body, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tt.status, body)
			}
			r := recs.last(t, n)
			if r.Status != tt.status || r.Operation != tt.path || r.Kind != tt.kindName || r.Client == "" || r.Embed || r.Time.IsZero() || r.Duration <= 0 {
				t.Fatalf("record %+v", r)
			}
			if tt.status == 200 && (r.Provider != "aimlapi" || r.Model == "" || tt.model != "" && r.Model != tt.model) {
				t.Fatalf("record %+v, want model %s at aimlapi", r, tt.model)
			}
			tt.check(t, r, e.answered(tt.path))
		})
	}
	t.Run("the default recorder logs", func(t *testing.T) {
		e := runKinds(t, "")
		if resp, body := e.do(t, "POST", "/api/v1/images/generations", `{"model":"flux/schnell","prompt":"a cat"}`, nil); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		waitFor(t, "the log line", func() bool { return strings.Contains(e.log.String(), `msg="model call"`) })
		if l := e.log.String(); !strings.Contains(l, "kind=images") || !strings.Contains(l, "model=flux/schnell") || !strings.Contains(l, "credits=") {
			t.Fatalf("log:\n%s", l)
		}
	})
}

// kindSchemas copies the real Responses and Messages schemas of two models from the shared corpus
// into a directory for -schemas (as the browser tests do), so that gpt-4o has its Responses
// operation and Claude its Messages one.
func kindSchemas(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(corpusDir); errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the shared schema corpus %s is missing, and CI must test it", corpusDir)
		}
		t.Skipf("SKIPPING: the shared schema corpus %s is not beside the project", corpusDir)
	}
	dir := t.TempDir()
	for _, f := range []string{"text-models-llm/OpenAI/gpt-4o-RESPONSES.json", "text-models-llm/OpenAI/gpt-4o.json", "text-models-llm/Anthropic/claude-3-haiku-MESSAGES.json"} {
		b, err := os.ReadFile(filepath.Join(corpusDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// reported checks a streamed call's record holds the provider's own token counts.
func reported(t *testing.T, r meter.Record, _ []byte) {
	t.Helper()
	if r.TokensIn <= 0 || r.TokensOut <= 0 || r.Tokens < r.TokensIn+r.TokensOut-1 || r.Estimated {
		t.Fatalf("record %+v, want the provider's counts", r)
	}
}
