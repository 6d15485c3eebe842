package server

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"playground/server/fakeupstream"
)

// BenchmarkProxy measures what the playground's proxy adds to a model call against a stock
// httputil.ReverseProxy (with Rewrite, adding the key) in front of the same fake upstream, in the
// same run: a non-streaming chat call, and a streamed one (per SSE chunk: divide ns/op by the
// chunks each stream has, which the benchmark reports). The baseline is the call straight to the
// upstream. Repeat with
//
//	go test -run '^$' -bench BenchmarkProxy -benchtime 3s -count 3 ./server/
//
// and read each figure against "direct": the proxy's own cost is its ns/op minus direct's.
func BenchmarkProxy(b *testing.B) {
	fake := fakeupstream.New()
	fake.Key, fake.ChunkDelay = canary, 0
	up := httptest.NewServer(fake)
	b.Cleanup(up.Close)
	target, _ := url.Parse(up.URL)
	stock := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, "/api")
			pr.Out.Header.Set("Authorization", "Bearer "+canary)
		},
		FlushInterval: -1,
	})
	b.Cleanup(stock.Close)
	cfg := DefaultConfig()
	cfg.WebDir = b.TempDir()
	cfg.Providers[0].BaseURL, cfg.Providers[0].Key = up.URL+"/v1", canary
	cfg.Limits.RatePerMinute, cfg.Limits.StreamsPerClient = 0, 0
	s, err := New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ours := httptest.NewServer(s)
	b.Cleanup(ours.Close)

	const plain = `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`
	const stream = `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"fake:markdown"}]}`
	for _, kind := range []struct {
		name, body string
	}{{"call", plain}, {"stream", stream}} {
		for _, via := range []struct {
			name, url, auth string
		}{
			{"direct", up.URL + "/v1/chat/completions", "Bearer " + canary},
			{"stock", stock.URL + "/api/v1/chat/completions", ""},
			{"playground", ours.URL + "/api/v1/chat/completions", ""},
		} {
			b.Run(kind.name+"/"+via.name, func(b *testing.B) {
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
				chunks := 0
				b.ReportAllocs()
				for b.Loop() {
					req, _ := http.NewRequest("POST", via.url, strings.NewReader(kind.body))
					req.Header.Set("Content-Type", "application/json")
					if via.auth != "" {
						req.Header.Set("Authorization", via.auth)
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					if resp.StatusCode != 200 {
						body, _ := io.ReadAll(resp.Body)
						b.Fatalf("%s: %d %s", via.name, resp.StatusCode, body)
					}
					sc := bufio.NewScanner(resp.Body)
					for sc.Scan() {
						if bytes.HasPrefix(sc.Bytes(), []byte("data: ")) {
							chunks++
						}
					}
					resp.Body.Close()
				}
				if kind.name == "stream" {
					b.ReportMetric(float64(chunks)/float64(b.N), "chunks/op")
				}
			})
		}
	}
}
