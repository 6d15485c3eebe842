package replicas

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"playground/server/internal/syncbuf"
)

// binary is the playground server built for these tests: each replica is a process of its own.
var binary string

// TestMain builds the server once for the package's tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "playground-replicas-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "playground")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(goTool, "build", "-o", binary, "playground/server/cmd/playground")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: building the server: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startServer starts a playground server process run for a team on database, with the fake
// upstream at base as its one provider (with live, its live list read with prices; else the
// embedded catalogue only), and returns its URL and what it logs. It is stopped (SIGINT, then
// killed) when the test ends.
func startServer(t *testing.T, base, database string, live bool, flags ...string) (string, *syncbuf.Buffer) {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "providers.yaml")
	catalog := "{embedded: true}"
	if live {
		catalog = "{embedded: true, live: true, live_query: include=all}"
	}
	yaml := fmt.Sprintf("providers:\n  - name: aimlapi\n    base_url: %s\n    key_env: AIMLAPI_API_KEY\n    catalog: %s\n", base, catalog)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := append([]string{"-addr", addr, "-config", config, "-web", dir, "-auth", "local", "-database", database,
		"-rate", "0", "-streams-per-client", "0", "-meter-drain", "30s"}, flags...)
	cmd := exec.Command(binary, args...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PLAYGROUND_") && !strings.HasPrefix(kv, "AIMLAPI_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AIMLAPI_API_KEY="+canary)
	logs := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("the server on %s did not stop within 10 s of SIGINT", addr)
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the server exited at start (%v):\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return url, logs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server on %s did not answer /healthz within 30 s:\n%s", addr, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
