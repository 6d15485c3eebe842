//go:build !js

package codegen

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const installHint = "install them, e.g. apt-get install -y curl python3 python3-requests (or pip install requests)"

// requireTools fails the test when curl, python3 or Python's requests module is missing.
func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"curl", "python3", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the code snippet tests run %s, which is not on PATH: %s", tool, installHint)
		}
	}
	if out, err := exec.Command("python3", "-c", "import requests").CombinedOutput(); err != nil {
		t.Fatalf("the code snippet tests need Python's requests module (%v: %s): %s", err, out, installHint)
	}
}

// TestSnippetsSendTheBody runs the curl, Python requests, JavaScript fetch (when node is on PATH)
// and Go snippets against a fake upstream and checks that it received exactly Request.Body.
// recorded is one request the upstream stand-in received.
type recorded struct {
	Path   string
	Header http.Header
	Body   []byte
}

// upstream stands in for an OpenAI-compatible provider: it records each request and answers with a
// minimal completion, streamed when the request asks for it. (app/ must not import server/, so the
// project's full fake upstream is not used here.)
type upstream struct {
	Key string
	mu  sync.Mutex
	got []recorded
}

func (u *upstream) Requests() []recorded {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]recorded(nil), u.got...)
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.got = append(u.got, recorded{Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	u.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+u.Key {
		http.Error(w, `{"error":{"message":"bad key"}}`, http.StatusUnauthorized)
		return
	}
	if bytes.Contains(body, []byte(`"stream":true`)) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`)
}

func TestSnippetsSendTheBody(t *testing.T) {
	requireTools(t)
	fake := &upstream{Key: "sk-test-key-123"}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	cases := map[string]Request{
		"stream":     {Body: []byte(`{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Say \"hi\" — 日本語 'q' ''' ` + "`x`" + ` EOF"}],"stream":true,"stream_options":{"include_usage":true}}`), Stream: true},
		"non-stream": {Body: []byte(`{"model":"openai/gpt-4o-mini","messages":[{"role":"system","content":"C:\\dir\\ $(rm -rf) ${HOME}"},{"role":"user","content":"line1\nline2"}],"temperature":0.5}`)},
	}
	for name, body := range awkward {
		cases["awkward "+name] = Request{Body: []byte(body)}
	}
	_, nodeErr := exec.LookPath("node")
	if nodeErr != nil {
		t.Log("node is not on PATH: the JavaScript fetch snippets are not run")
	}
	goBin, goErr := exec.LookPath("go")
	dir := t.TempDir()
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			r.BaseURL = "https://api.aimlapi.com/v1"
			r.Path = "/chat/completions"
			r.KeyPlaceholder = "<YOUR_AIMLAPI_KEY>"
			r.KeyEnv = "AIMLAPI_API_KEY"
			for _, s := range Snippets(r) {
				code := strings.ReplaceAll(s.Code, r.BaseURL, srv.URL+"/v1")
				code = strings.ReplaceAll(code, r.KeyPlaceholder, fake.Key)
				var cmd *exec.Cmd
				switch s.ID {
				case "curl":
					cmd = exec.Command("sh", "-c", code)
				case "python-requests":
					cmd = exec.Command("python3", "-c", code)
				case "js-fetch":
					if nodeErr != nil {
						continue
					}
					f := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".mjs")
					if err := os.WriteFile(f, []byte(code), 0o644); err != nil {
						t.Fatal(err)
					}
					cmd = exec.Command("node", f)
				case "go":
					if goErr != nil || strings.HasPrefix(name, "awkward") && name != "awkward backquotes" && name != "awkward invalid utf8" {
						continue // compiling is slow: the two main requests and two awkward bodies
					}
					f := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".go")
					if err := os.WriteFile(f, []byte(code), 0o644); err != nil {
						t.Fatal(err)
					}
					cmd = exec.Command(goBin, "run", f)
					cmd.Env = append(os.Environ(), "GOFLAGS=", "GOOS=", "GOARCH=")
				default:
					continue
				}
				cmd.Env = append(cmd.Env, os.Environ()...)
				cmd.Env = append(cmd.Env, "AIMLAPI_API_KEY=") // the substituted placeholder must be used
				before := len(fake.Requests())
				out, err := runTimeout(cmd, time.Minute)
				if err != nil {
					t.Errorf("%s: %v\n%s\n--- code:\n%s", s.ID, err, out, code)
					continue
				}
				reqs := fake.Requests()
				if len(reqs) != before+1 {
					t.Errorf("%s: the fake received %d requests, want 1\n%s", s.ID, len(reqs)-before, out)
					continue
				}
				got := reqs[len(reqs)-1]
				if !bytes.Equal(got.Body, r.Body) {
					t.Errorf("%s sent %q, want %q", s.ID, got.Body, r.Body)
				}
				if got.Path != "/v1/chat/completions" || got.Header.Get("Authorization") != "Bearer "+fake.Key ||
					got.Header.Get("Content-Type") != "application/json" {
					t.Errorf("%s: path %s, headers %v", s.ID, got.Path, got.Header)
				}
				if !strings.HasPrefix(name, "awkward") {
					want := `"chat.completion"`
					if r.Stream {
						want = "data: [DONE]"
					}
					if !bytes.Contains(out, []byte(want)) {
						t.Errorf("%s: the output has no %s:\n%s", s.ID, want, out)
					}
				}
			}
		})
	}
}

func runTimeout(cmd *exec.Cmd, d time.Duration) ([]byte, error) {
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return buf.Bytes(), err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		return buf.Bytes(), os.ErrDeadlineExceeded
	}
}
