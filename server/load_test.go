//go:build !race

// The race detector allows 8,128 live goroutines, fewer than 2,000 proxied streams need, so this
// file is built only without it; `make test` runs it in its own pass (make test-load).

package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"playground/server/fakeupstream"
)

// loadStreams is how many concurrent streams the load test holds open.
const loadStreams = 2000

// TestLoad2000Streams holds 2,000 concurrent streams open through the proxy, then ends them all and
// checks that no goroutine is left behind. It reports the memory the proxy took per stream, against
// a baseline of the same streams opened straight to the upstream in the same run.
func TestLoad2000Streams(t *testing.T) {
	if testing.Short() {
		t.Log("-short: running 200 streams instead of 2,000")
	}
	n := loadStreams
	if testing.Short() {
		n = 200
	}
	fake := fakeupstream.New()
	fake.Key = canary
	up := httptest.NewServer(fake)
	defer up.Close()

	cfg := DefaultConfig()
	cfg.WebDir = t.TempDir()
	cfg.Providers[0].BaseURL = up.URL + "/v1"
	cfg.Providers[0].Key = canary
	cfg.KeepAlive = 0
	cfg.Limits = Limits{Streams: n + 100} // one client address holds them all
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(s)
	defer proxy.Close()

	baseGoroutines := runtime.NumGoroutine()
	direct := holdStreams(t, up.URL+"/v1/chat/completions", "Bearer "+canary, n, fake)
	viaProxy := holdStreams(t, proxy.URL+"/api/v1/chat/completions", "", n, fake)

	// Every goroutine of every stream must be gone once the streams end.
	deadline := time.Now().Add(15 * time.Second)
	for runtime.NumGoroutine() > baseGoroutines+5 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutine leak: %d goroutines after the streams ended, %d before\n%s",
				runtime.NumGoroutine(), baseGoroutines, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
	perStream := float64(viaProxy.bytes-direct.bytes) / float64(n)
	t.Logf("%d concurrent streams: direct to the upstream %.1f MiB, through the proxy %.1f MiB (ratio %.2f); "+
		"the proxy's share is %.1f KiB and %.1f goroutines per stream; all %d goroutines ended afterwards",
		n, mib(direct.bytes), mib(viaProxy.bytes), float64(viaProxy.bytes)/float64(direct.bytes),
		perStream/1024, float64(viaProxy.goroutines-direct.goroutines)/float64(n), viaProxy.goroutines)
}

type loadResult struct {
	bytes      uint64 // heap in use plus goroutine stacks while all streams were open
	goroutines int
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// holdStreams opens n streams to url at once, waits until each has received its first chunk,
// measures, then cancels them all and waits until the upstream has seen every cancellation.
func holdStreams(t *testing.T, url, auth string, n int, fake *fakeupstream.Server) loadResult {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelledBefore := len(fake.Cancelled())

	var ready, finished sync.WaitGroup
	errs := make(chan error, n)
	body := `{"model":"gryphe/mythomax-l2-13b","stream":true,"messages":[{"role":"user","content":"fake:hang"}]}`
	for i := 0; i < n; i++ {
		ready.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			once := sync.OnceFunc(ready.Done)
			defer once()
			req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := client.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Errorf("status %d", resp.StatusCode)
				return
			}
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if strings.Contains(sc.Text(), `"content"`) {
					once() // the stream is open and flowing
					break
				}
			}
			for sc.Scan() { // hold it until cancelled
			}
		}()
	}
	waitTimeout(t, &ready, 60*time.Second, "all streams to open")
	select {
	case err := <-errs:
		t.Fatalf("a stream failed: %v", err)
	default:
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res := loadResult{bytes: ms.HeapInuse + ms.StackInuse, goroutines: runtime.NumGoroutine()}
	cancel()
	waitTimeout(t, &finished, 30*time.Second, "all clients to finish")
	deadline := time.Now().Add(15 * time.Second)
	for len(fake.Cancelled())-cancelledBefore < n {
		if time.Now().After(deadline) {
			t.Fatalf("the upstream saw %d of %d cancellations", len(fake.Cancelled())-cancelledBefore, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return res
}

func waitTimeout(t *testing.T, wg *sync.WaitGroup, d time.Duration, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}
