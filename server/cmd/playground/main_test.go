package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"playground/server/fakeupstream"
	"playground/server/internal/syncbuf"
)

// TestMainShutsDownWithOpenStreams runs the real command, opens a stream that the upstream holds
// open, and stops the command: the stream ends with the shutdown event and Main returns promptly
// (the limit is ten seconds).
func TestMainShutsDownWithOpenStreams(t *testing.T) {
	fake := fakeupstream.New()
	fake.Key = "sk-main-test"
	up := httptest.NewServer(fake)
	defer up.Close()
	env := map[string]string{"AIMLAPI_API_KEY": "sk-main-test", "AIMLAPI_BASE_URL": up.URL + "/v1"}
	logs := &syncbuf.Buffer{}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"-addr", "127.0.0.1:0", "-web", t.TempDir()}, func(k string) string { return env[k] }, logs)
	}()
	addr := regexp.MustCompile(`url=(http://\S+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(logs.String()); m != nil {
			base = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start:\n%s", logs)
		}
	}
	body := `{"model":"gryphe/mythomax-l2-13b","stream":true,"messages":[{"role":"user","content":"fake:hang"}]}`
	resp, err := http.Post(base+"/api/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.Contains(sc.Text(), "chat.completion.chunk") {
	}
	start := time.Now()
	stop()
	sawShutdown := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "server_shutdown") {
			sawShutdown = true
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Main: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Main did not return within ten seconds of the stop signal")
	}
	if !sawShutdown {
		t.Error("the open stream did not get the shutdown event")
	}
	t.Logf("stopped with a stream open in %v", time.Since(start).Round(time.Millisecond))
	if strings.Contains(logs.String(), "sk-main-test") {
		t.Fatal("the key is in the log")
	}
}

// TestMainBadConfigFile: a mistake in the providers file stops start-up with the file, line and field.
func TestMainBadConfigFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "playground.yaml")
	yaml := "providers:\n  - name: aimlapi\n    base_url: https://api.aimlapi.com/v1\n    key: sk-inline-secret\n"
	if err := os.WriteFile(name, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Main(context.Background(), []string{"-config", name, "-addr", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard)
	want := name + ":4: providers[0].key: API keys are not accepted in the file; use key_env"
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "sk-inline-secret") {
		t.Fatalf("err = %v, want %q…", err, want)
	}
}

// TestMainServesProfiles: with -pprof-addr, Go's profiles answer on that address alone, never on
// the main one.
func TestMainServesProfiles(t *testing.T) {
	fake := fakeupstream.New()
	up := httptest.NewServer(fake)
	defer up.Close()
	env := map[string]string{"AIMLAPI_API_KEY": "sk-main-test", "AIMLAPI_BASE_URL": up.URL + "/v1"}
	logs := &syncbuf.Buffer{}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"-addr", "127.0.0.1:0", "-pprof-addr", "127.0.0.1:0", "-web", t.TempDir()}, func(k string) string { return env[k] }, logs)
	}()
	defer func() {
		stop()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
	}()
	urls := regexp.MustCompile(`msg="(playground is serving|profiles are served)" url=(http://\S+)`)
	found := map[string]string{}
	for deadline := time.Now().Add(10 * time.Second); len(found) < 2; time.Sleep(20 * time.Millisecond) {
		for _, m := range urls.FindAllStringSubmatch(logs.String(), -1) {
			found[m[1]] = m[2]
		}
		select {
		case err := <-done:
			t.Fatalf("Main: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start both listeners:\n%s", logs)
		}
	}
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(found["profiles are served"] + "heap?debug=1"); code != 200 || !strings.Contains(body, "heap profile") {
		t.Fatalf("heap profile: %d %.200s", code, body)
	}
	if code, _ := get(strings.TrimSuffix(found["playground is serving"], "/") + "/debug/pprof/heap"); code == 200 {
		t.Fatal("the main address serves the profiles")
	}
}
