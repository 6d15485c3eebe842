// Command proxyfigures measures what the playground's proxy adds to model calls against a stock
// httputil.ReverseProxy, both in front of the same fake upstream, in the same run, each in a
// process of its own so that their memory can be read from /proc:
//
//   - calls: -requests non-streaming chat calls, -concurrency at once, per target; the time each
//     target adds (its p50 and p99 latency minus those of the same calls sent straight to the
//     upstream), and the playground's figure as a ratio to the stock proxy's;
//   - chunks: -requests streamed chat calls of the fake's 38-chunk markdown answer, the same way,
//     per SSE chunk (a stream's time divided by its chunks);
//   - memory: -open streams held open at once through each proxy, and the resident memory (VmRSS,
//     and its peak VmHWM) of the whole proxy process meanwhile.
//
// The targets take turns, in -rounds rounds each, so that a change in the machine's load falls on
// all of them. Run it with `make proxy-figures` (which builds bin/playground first), or
//
//	go run ./server/cmd/proxyfigures -playground bin/playground
//
// With -check it exits 1 when the playground misses one of the targets of issue 15: calls at
// most 0.6× the stock proxy's added time, chunks at most 1×, 2,000 open streams within 128 MiB.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"playground/server/fakeupstream"
)

// key is the fake upstream's API key: only the proxies add it.
const key = "proxyfigures-key"

const (
	callBody   = `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`
	streamBody = `{"model":"openai/gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"fake:markdown"}]}`
	holdBody   = `{"model":"gryphe/mythomax-l2-13b","stream":true,"messages":[{"role":"user","content":"fake:hang"}]}`
)

// The targets of issue 15.
const (
	maxCallRatio  = 0.6
	maxChunkRatio = 1.0
	maxRSS        = 128 << 20
)

func main() {
	role := flag.String("role", "", "internal: \"stock\" serves the stock proxy in front of -upstream")
	upstream := flag.String("upstream", "", "internal: the upstream the stock proxy forwards to")
	playground := flag.String("playground", "bin/playground", "the playground binary to measure")
	requests := flag.Int("requests", 2000, "calls, and streams, sent through each target")
	concurrency := flag.Int("concurrency", 200, "calls in flight at once")
	open := flag.Int("open", 2000, "streams held open at once for the memory figure")
	rounds := flag.Int("rounds", 4, "turns each target takes")
	jsonOut := flag.String("json", "", "also write the figures as JSON to this file")
	check := flag.Bool("check", false, "exit 1 when a target of issue 15 is missed")
	flag.Parse()
	if *role == "stock" {
		if err := serveStock(*upstream); err != nil {
			fmt.Fprintln(os.Stderr, "proxyfigures stock:", err)
			os.Exit(1)
		}
		return
	}
	f, err := run(config{playground: *playground, requests: *requests, concurrency: *concurrency, open: *open, rounds: *rounds})
	if err != nil {
		fmt.Fprintln(os.Stderr, "proxyfigures:", err)
		os.Exit(1)
	}
	f.print(os.Stdout)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(f, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "proxyfigures: writing -json:", err)
			os.Exit(1)
		}
	}
	if *check && len(f.Missed) > 0 {
		os.Exit(1)
	}
}

// serveStock serves a stock httputil.ReverseProxy (Rewrite adds the key, as the documentation
// shows; the default transport) on a loopback port it prints on its first line of output.
func serveStock(upstream string) error {
	target, err := url.Parse(upstream)
	if err != nil || target.Host == "" {
		return fmt.Errorf("-upstream %q: not a URL", upstream)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	fmt.Println(l.Addr().String())
	return http.Serve(l, &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, "/api")
			pr.Out.Header.Set("Authorization", "Bearer "+key)
		},
		FlushInterval: -1,
	})
}

type config struct {
	playground                          string
	requests, concurrency, open, rounds int
}

// target is one way to the upstream.
type target struct {
	name string
	url  string // the chat completions address
	auth string // the Authorization header the client sends, "" when the proxy adds it
	pid  int    // the proxy's process, 0 for the upstream itself
}

// Figures are one run's results. Durations are in milliseconds, memory in MiB.
type Figures struct {
	Requests    int `json:"requests"`
	Concurrency int `json:"concurrency"`
	Chunks      int `json:"chunks_per_stream"`
	Open        int `json:"open_streams"`
	GOMAXPROCS  int `json:"gomaxprocs"`

	Direct  Latency  `json:"direct"` // the call straight to the upstream
	Stock   Added    `json:"stock"`
	Ours    Added    `json:"playground"`
	Ratio   Added    `json:"ratio"` // the playground's added figures over the stock proxy's
	StockMB Memory   `json:"stock_memory"`
	OursMB  Memory   `json:"playground_memory"`
	Missed  []string `json:"missed"`
}

// Latency is a call's and a chunk's time, p50 and p99.
type Latency struct {
	CallP50  float64 `json:"call_p50_ms"`
	CallP99  float64 `json:"call_p99_ms"`
	ChunkP50 float64 `json:"chunk_p50_ms"`
	ChunkP99 float64 `json:"chunk_p99_ms"`
}

// Added is what a proxy adds to the direct Latency (or, in Figures.Ratio, a ratio of two).
type Added = Latency

// Memory is a proxy process's resident memory with Figures.Open streams open.
type Memory struct {
	RSS  float64 `json:"rss_mib"`
	Peak float64 `json:"peak_rss_mib"`
}

func run(c config) (*Figures, error) {
	if c.requests < 1 || c.concurrency < 1 || c.rounds < 1 || c.open < 0 {
		return nil, errors.New("-requests, -concurrency and -rounds must be at least 1, -open at least 0")
	}
	fake := fakeupstream.New()
	fake.Key, fake.ChunkDelay = key, 0
	up := httptest.NewServer(fake)
	defer up.Close()

	stock, stop1, err := startStock(up.URL)
	if err != nil {
		return nil, err
	}
	defer stop1()
	ours, stop2, err := startPlayground(c.playground, up.URL)
	if err != nil {
		return nil, err
	}
	defer stop2()
	direct := target{name: "direct", url: up.URL + "/v1/chat/completions", auth: "Bearer " + key}
	targets := []target{direct, stock, ours}

	f := &Figures{Requests: c.requests, Concurrency: c.concurrency, Open: c.open, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	// Memory first, on processes that have done nothing else yet.
	if c.open > 0 {
		if f.StockMB, err = holdOpen(stock, c.open); err != nil {
			return nil, err
		}
		if f.OursMB, err = holdOpen(ours, c.open); err != nil {
			return nil, err
		}
	}
	calls, chunks := make([][]float64, 3), make([][]float64, 3)
	for i, t := range targets { // warm up connections and code
		if _, err := load(t, callBody, c.concurrency, c.concurrency); err != nil {
			return nil, err
		}
		if _, err := load(targets[i], streamBody, c.concurrency, c.concurrency); err != nil {
			return nil, err
		}
	}
	per := max(c.requests/c.rounds, 1)
	for range c.rounds {
		for i, t := range targets {
			r, err := load(t, callBody, per, c.concurrency)
			if err != nil {
				return nil, err
			}
			calls[i] = append(calls[i], r.durations...)
			s, err := load(t, streamBody, per, c.concurrency)
			if err != nil {
				return nil, err
			}
			if f.Chunks == 0 {
				f.Chunks = s.chunks
			}
			chunks[i] = append(chunks[i], s.perChunk...)
		}
	}
	lat := make([]Latency, 3)
	for i := range targets {
		lat[i] = Latency{CallP50: pct(calls[i], 50), CallP99: pct(calls[i], 99), ChunkP50: pct(chunks[i], 50), ChunkP99: pct(chunks[i], 99)}
	}
	f.Direct = lat[0]
	f.Stock, f.Ours = minus(lat[1], lat[0]), minus(lat[2], lat[0])
	f.Ratio = Latency{CallP50: ratio(f.Ours.CallP50, f.Stock.CallP50), CallP99: ratio(f.Ours.CallP99, f.Stock.CallP99),
		ChunkP50: ratio(f.Ours.ChunkP50, f.Stock.ChunkP50), ChunkP99: ratio(f.Ours.ChunkP99, f.Stock.ChunkP99)}
	f.Missed = missed(f)
	return f, nil
}

func missed(f *Figures) []string {
	var m []string
	for _, r := range []struct {
		name  string
		ratio float64
		max   float64
	}{
		{"call p50", f.Ratio.CallP50, maxCallRatio}, {"call p99", f.Ratio.CallP99, maxCallRatio},
		{"chunk p50", f.Ratio.ChunkP50, maxChunkRatio}, {"chunk p99", f.Ratio.ChunkP99, maxChunkRatio},
	} {
		if r.ratio > r.max {
			m = append(m, fmt.Sprintf("%s: %.2f× the stock proxy, more than %.1f×", r.name, r.ratio, r.max))
		}
	}
	if f.Open > 0 && f.OursMB.RSS > maxRSS>>20 {
		m = append(m, fmt.Sprintf("memory: %.0f MiB with %d open streams, more than %d MiB", f.OursMB.RSS, f.Open, maxRSS>>20))
	}
	return m
}

func minus(a, b Latency) Latency {
	return Latency{a.CallP50 - b.CallP50, a.CallP99 - b.CallP99, a.ChunkP50 - b.ChunkP50, a.ChunkP99 - b.ChunkP99}
}

// ratio is a/b; a proxy that adds nothing against one that adds nothing is 1.
func ratio(a, b float64) float64 {
	if b <= 0 {
		if a <= 0 {
			return 1
		}
		return 99
	}
	return max(a, 0) / b
}

// pct is the p-th percentile of v, in milliseconds (v is in seconds).
func pct(v []float64, p int) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[min(len(s)*p/100, len(s)-1)] * 1000
}

func (f *Figures) print(w io.Writer) {
	fmt.Fprintf(w, "proxy figures: %d calls and %d streams of %d chunks through each, %d at once, GOMAXPROCS %d\n",
		f.Requests, f.Requests, f.Chunks, f.Concurrency, f.GOMAXPROCS)
	fmt.Fprintf(w, "%-28s %10s %10s %12s %12s\n", "", "call p50", "call p99", "chunk p50", "chunk p99")
	row := func(name string, l Latency, unit string) {
		fmt.Fprintf(w, "%-28s %8.3f%s %8.3f%s %10.4f%s %10.4f%s\n", name, l.CallP50, unit, l.CallP99, unit, l.ChunkP50, unit, l.ChunkP99, unit)
	}
	row("direct to the upstream", f.Direct, "ms")
	row("stock proxy adds", f.Stock, "ms")
	row("playground adds", f.Ours, "ms")
	fmt.Fprintf(w, "%-28s %9.2f× %9.2f× %11.2f× %11.2f×   (targets: ≤ %.1f× per call, ≤ %.1f× per chunk)\n", "playground / stock",
		f.Ratio.CallP50, f.Ratio.CallP99, f.Ratio.ChunkP50, f.Ratio.ChunkP99, maxCallRatio, maxChunkRatio)
	if f.Open > 0 {
		fmt.Fprintf(w, "resident memory with %d open streams: stock proxy %.0f MiB (peak %.0f), playground %.0f MiB (peak %.0f; target ≤ %d MiB)\n",
			f.Open, f.StockMB.RSS, f.StockMB.Peak, f.OursMB.RSS, f.OursMB.Peak, maxRSS>>20)
	}
	if len(f.Missed) == 0 {
		fmt.Fprintln(w, "every target met")
	}
	for _, m := range f.Missed {
		fmt.Fprintln(w, "missed:", m)
	}
}

// startStock runs this program again as the stock proxy.
func startStock(upstream string) (target, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return target{}, nil, fmt.Errorf("finding this program to run the stock proxy: %w", err)
	}
	cmd := exec.Command(self, "-role", "stock", "-upstream", upstream)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return target{}, nil, fmt.Errorf("stock proxy: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return target{}, nil, fmt.Errorf("starting the stock proxy: %w", err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return target{}, nil, fmt.Errorf("the stock proxy did not say its address: %w", err)
	}
	addr := strings.TrimSpace(line)
	return target{name: "stock", url: "http://" + addr + "/api/v1/chat/completions", pid: cmd.Process.Pid}, stop, nil
}

// startPlayground runs the playground binary in front of the upstream, without its per-client
// limits (one client sends everything here), and waits until it answers /healthz.
func startPlayground(bin, upstream string) (target, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return target{}, nil, fmt.Errorf("finding a free port: %w", err)
	}
	addr := l.Addr().String()
	l.Close()
	web, err := os.MkdirTemp("", "proxyfigures-web")
	if err != nil {
		return target{}, nil, fmt.Errorf("playground web directory: %w", err)
	}
	cmd := exec.Command(bin, "-addr", addr, "-web", web)
	cmd.Env = append(os.Environ(), "AIMLAPI_BASE_URL="+upstream+"/v1", "AIMLAPI_API_KEY="+key,
		"PLAYGROUND_RATE=0", "PLAYGROUND_STREAMS_PER_CLIENT=0", "PLAYGROUND_STREAMS=0")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		os.RemoveAll(web)
		return target{}, nil, fmt.Errorf("starting %s (build it with make build): %w", bin, err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); os.RemoveAll(web) }
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			stop()
			return target{}, nil, fmt.Errorf("the playground did not start on %s within 30 s: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return target{name: "playground", url: "http://" + addr + "/api/v1/chat/completions", pid: cmd.Process.Pid}, stop, nil
}

// result is one load's measurements, in seconds.
type result struct {
	durations []float64 // each call's, until its last byte
	perChunk  []float64 // each stream's time over its chunks
	chunks    int       // a stream's chunks
}

// load sends n calls of body to t, c at a time, each on a kept-alive connection.
func load(t target, body string, n, c int) (result, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: c, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	var (
		mu   sync.Mutex
		res  result
		errs []error
		wg   sync.WaitGroup
	)
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	for range min(c, n) {
		wg.Go(func() {
			for range next {
				start := time.Now()
				chunks, err := call(client, t, body)
				d := time.Since(start).Seconds()
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					res.durations = append(res.durations, d)
					if chunks > 0 {
						res.perChunk = append(res.perChunk, d/float64(chunks))
						res.chunks = chunks
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return res, fmt.Errorf("%s: %d of %d calls failed, the first: %w", t.name, len(errs), n, errs[0])
	}
	return res, nil
}

// call sends one call and reads its answer to the end; it returns the SSE chunks it counted.
func call(client *http.Client, t target, body string) (int, error) {
	req, _ := http.NewRequest("POST", t.url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if t.auth != "" {
		req.Header.Set("Authorization", t.auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	chunks := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if bytes.HasPrefix(sc.Bytes(), []byte("data: {")) {
			chunks++
		}
	}
	return chunks, sc.Err()
}

// holdOpen opens n streams through t at once, waits until each is flowing, reads the proxy
// process's resident memory, then ends them all.
func holdOpen(t target, n int) (Memory, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: n, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ready, finished sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		ready.Add(1)
		finished.Go(func() {
			once := sync.OnceFunc(ready.Done)
			defer once()
			req, _ := http.NewRequestWithContext(ctx, "POST", t.url, strings.NewReader(holdBody))
			req.Header.Set("Content-Type", "application/json")
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
					once()
					break
				}
			}
			for sc.Scan() {
			}
		})
	}
	done := make(chan struct{})
	go func() { ready.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		return Memory{}, fmt.Errorf("%s: %d streams did not all open within 2 minutes", t.name, n)
	}
	select {
	case err := <-errs:
		return Memory{}, fmt.Errorf("%s: a held stream failed: %w", t.name, err)
	default:
	}
	time.Sleep(500 * time.Millisecond) // let the proxy settle
	m, err := memory(t.pid)
	cancel()
	finished.Wait()
	if err != nil {
		return Memory{}, fmt.Errorf("%s: %w", t.name, err)
	}
	return m, nil
}

// memory reads a process's VmRSS and VmHWM from /proc.
func memory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("reading the process's memory: %w", err)
	}
	var m Memory
	for line := range strings.SplitSeq(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if err != nil {
			return Memory{}, fmt.Errorf("/proc/%d/status %s %q: %w", pid, name, v, err)
		}
		if name == "VmRSS" {
			m.RSS = kb / 1024
		} else {
			m.Peak = kb / 1024
		}
	}
	return m, nil
}
