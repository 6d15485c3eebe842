package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"playground/server/fakeupstream"
)

// TestMetrics: /metrics on the main address needs the metrics token; it counts calls by
// provider, model, kind and status, and the tokens the provider reported, with no client address,
// no key; the handler for a listen address of its own needs no token.
func TestMetrics(t *testing.T) {
	const token = "metrics-token-1234"
	e := runKindsWith(t, "", func(c *Config, _ *fakeupstream.Server) { c.MetricsToken = token })
	if resp, _ := e.do(t, "POST", "/api/v1/chat/completions", `{"model":"gryphe/mythomax-l2-13b","messages":[{"role":"user","content":"hi"}]}`, nil); resp.StatusCode != 200 {
		t.Fatalf("chat: %d", resp.StatusCode)
	}
	if resp, _ := e.do(t, "POST", "/api/v1/chat/completions", `{"model":"no/such-model","messages":[]}`, nil); resp.StatusCode != 404 {
		t.Fatalf("unknown model: %d", resp.StatusCode)
	}
	resp, body := e.do(t, "GET", "/metrics", "", nil)
	if resp.StatusCode != 401 || strings.Contains(string(body), "playground_calls_total") {
		t.Errorf("without the token: %d %.200s", resp.StatusCode, body)
	}
	if resp, _ := e.do(t, "GET", "/metrics", "", map[string]string{"Authorization": "Bearer wrong"}); resp.StatusCode != 401 {
		t.Errorf("with a wrong token: %d", resp.StatusCode)
	}
	resp, body = e.do(t, "GET", "/metrics", "", map[string]string{"Authorization": "Bearer " + token})
	text := string(body)
	if resp.StatusCode != 200 {
		t.Fatalf("with the token: %d %.300s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`playground_calls_total{embed="false",kind="chat",model="gryphe/mythomax-l2-13b",provider="aimlapi",status="200"} 1`,
		`playground_calls_total{embed="false",kind="chat",model="",provider="",status="404"} 1`,
		`playground_tokens_total{direction="out",model="gryphe/mythomax-l2-13b",provider="aimlapi"}`,
		`playground_call_duration_seconds_count{kind="chat",provider="aimlapi"} 1`,
		"playground_calls_in_flight 0",
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the metrics lack %s", want)
		}
	}
	for _, never := range []string{"127.0.0.1", canary, token} {
		if strings.Contains(text, never) {
			t.Errorf("the metrics hold %q", never)
		}
	}
	ms := httptest.NewServer(e.s.MetricsHandler())
	defer ms.Close()
	r, err := http.Get(ms.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(string(b), "playground_calls_total") {
		t.Errorf("the metrics address: %d %.200s", r.StatusCode, b)
	}
}

// TestMetricsConfig: the token comes from the environment or a file, never a flag; the metrics
// address must be another than the server's.
func TestMetricsConfig(t *testing.T) {
	file := t.TempDir() + "/token"
	if err := os.WriteFile(file, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(nil, env(map[string]string{"PLAYGROUND_METRICS_TOKEN_FILE": file}), nil)
	if err != nil || cfg.MetricsToken.Reveal() != "from-a-file" {
		t.Errorf("token from a file: %v, token %q", err, cfg.MetricsToken.Reveal())
	}
	if _, err := ParseConfig([]string{"-addr", "127.0.0.1:9000", "-metrics-addr", "127.0.0.1:9000"}, env(nil), nil); err == nil || !strings.Contains(err.Error(), "metrics-addr: must not be the server's own -addr") {
		t.Errorf("the same address: %v", err)
	}
	if _, err := ParseConfig(nil, env(map[string]string{"PLAYGROUND_METRICS_TOKEN_FILE": file + ".missing"}), nil); err == nil || !strings.Contains(err.Error(), "PLAYGROUND_METRICS_TOKEN_FILE") {
		t.Errorf("a missing token file: %v", err)
	}
}
