package media

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"playground/app/kind"
	"strings"
	"sync"
	"testing"
	"time"
)

// mintWith mints a token with s's key and the given lifetime, as the server never would.
func mintWith(s *Server, lifetime time.Duration, provider, rawURL string) string {
	m := &signer{key: s.signer.key, lifetime: lifetime, now: time.Now}
	tok, _ := m.mint(provider, rawURL)
	return tok
}

// countingFiles is a file host (over TLS when tls) that answers an empty image/png and counts its
// requests.
func countingFiles(t *testing.T, tls bool) (*httptest.Server, func() int) {
	t.Helper()
	var mu sync.Mutex
	hits := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
	})
	files := httptest.NewServer(h)
	if tls {
		files.Close()
		files = httptest.NewTLSServer(h)
	}
	t.Cleanup(files.Close)
	return files, func() int {
		mu.Lock()
		defer mu.Unlock()
		return hits
	}
}

// TestMediaDialGuardOnTheRoute: a valid token for an https URL whose host is loopback, at a
// provider without media_allow_insecure, is refused at dial time (502) and never reaches the host.
func TestMediaDialGuardOnTheRoute(t *testing.T) {
	files, hits := countingFiles(t, true)
	s := mediaServer(t, Source{Name: "strict", BaseURL: "https://api.example.com/v1", Hosts: []string{"127.0.0.1:*"}})
	path, ok := s.Mint("strict", files.URL+"/a.png")
	if !ok {
		t.Fatal("not minted")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/media/{token}", s.ServeHTTP)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != 502 || !strings.Contains(rec.Body.String(), "media_address_refused") {
		t.Fatalf("%d %s, want 502 media_address_refused", rec.Code, rec.Body)
	}
	if n := hits(); n != 0 {
		t.Fatalf("the loopback host got %d requests", n)
	}
}

// TestMediaRelayUnchanged: answers that are not successful JSON images answers with URLs to
// mint, or that already name the member, pass through byte for byte.
func TestMediaRelayUnchanged(t *testing.T) {
	s := mediaServer(t, Source{Name: "aimlapi", BaseURL: "https://api.aimlapi.com/v1"})
	good := `{"data":[{"url":"https://cdn.aimlapi.com/a.png"}]}`
	tests := []struct {
		name, path, ct, body string
		status               int
		changed              bool
	}{
		{"images answer", "/v1/images/generations", "application/json", good, 200, true},
		{"with charset", "/v1/images/edits", "application/json; charset=utf-8", good, 200, true},
		{"images entries", "/v1/images/generations", "application/json", `{"images":[{"url":"https://v3.fal.media/a.png"}]}`, 200, true},
		{"chat call", "/v1/chat/completions", "application/json", good, 200, false},
		{"no call path", "", "application/json", good, 200, false},
		{"error status", "/v1/images/generations", "application/json", good, 400, false},
		{"not JSON", "/v1/images/generations", "text/plain", good, 200, false},
		{"invalid JSON", "/v1/images/generations", "application/json", good[:len(good)-1], 200, false},
		{"trailing garbage", "/v1/images/generations", "application/json", good + "x", 200, false},
		{"an array", "/v1/images/generations", "application/json", `[` + good + `]`, 200, false},
		{"member present", "/v1/images/generations", "application/json", `{"data":[{"url":"https://cdn.aimlapi.com/a.png"}],"playground_media":{}}`, 200, false},
		{"no URL on the hosts", "/v1/images/generations", "application/json", `{"data":[{"url":"https://evil.example/a.png"},{"b64_json":"AAAA"}]}`, 200, false},
		{"empty", "/v1/images/generations", "application/json", ``, 201, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", "https://api.aimlapi.com/v1/x", nil)
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {tt.ct}}, Request: req,
				Body: io.NopCloser(strings.NewReader(tt.body)), ContentLength: int64(len(tt.body))}
			if err := s.Relay("aimlapi", tt.path, resp); err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			if changed := string(got) != tt.body; changed != tt.changed {
				t.Fatalf("changed %v, want %v: %s", changed, tt.changed, got)
			}
			if !tt.changed {
				return
			}
			if resp.ContentLength != int64(len(got)) || resp.Header.Get("Content-Length") != fmt.Sprint(len(got)) {
				t.Fatalf("Content-Length %d / %q for %d bytes", resp.ContentLength, resp.Header.Get("Content-Length"), len(got))
			}
			var doc map[string]json.RawMessage
			if err := json.Unmarshal(got, &doc); err != nil || doc[kind.MediaMember] == nil {
				t.Fatalf("%v: %s", err, got)
			}
		})
	}
	// An answer larger than the server reads passes through whole.
	small, err := New([]Source{{Name: "aimlapi", BaseURL: "https://api.aimlapi.com/v1"}}, Options{MaxBodyBytes: 16}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", "https://api.aimlapi.com/v1/x", nil)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: req, Body: io.NopCloser(strings.NewReader(good))}
	if err := small.Relay("aimlapi", "/v1/images/generations", resp); err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(resp.Body); string(got) != good {
		t.Fatalf("a large answer changed: %s", got)
	}
}

// TestMediaURLParsing: the URL a token carries is fetched as the server parsed it when minting.
func TestMediaURLParsing(t *testing.T) {
	s := mediaServer(t, Source{Name: "aimlapi", BaseURL: "https://api.aimlapi.com/v1"})
	for _, raw := range []string{
		"https://cdn.aimlapi.com\\@evil.example/a.png",
		"https://cdn.aimlapi.com%2eevil.example/a.png",
		"https://evil.example#@cdn.aimlapi.com/a.png",
		"https://evil.example?@cdn.aimlapi.com/a.png",
		"https://[::ffff:a9fe:a9fe]/a.png",
	} {
		if p, ok := s.Mint("aimlapi", raw); ok {
			u, _ := url.Parse(raw)
			t.Errorf("minted %s for %s (host %q)", p, raw, u.Hostname())
		}
	}
}

// TestMediaTokenRefusals: tokens the server never minted this way (expired, of an unknown
// provider, for a host off the list, for a URL it never relayed) are refused before any fetch.
func TestMediaTokenRefusals(t *testing.T) {
	files, hits := countingFiles(t, false)
	s := mediaServer(t, Source{Name: "aimlapi", BaseURL: "https://api.aimlapi.com/v1", Hosts: []string{"127.0.0.1:*"}, AllowInsecure: true})
	mux := http.NewServeMux()
	mux.Handle("GET /api/media/{token}", s)
	refusals := []struct {
		name, path string
		status     int
		code       string
	}{
		{"expired token", "/api/media/" + mintWith(s, -time.Second, "aimlapi", files.URL+"/img.png"), 410, "media_token_expired"},
		{"token of an unknown provider", "/api/media/" + mintWith(s, time.Hour, "ghost", files.URL+"/img.png"), 403, "media_token_invalid"},
		{"token for a host off the list", "/api/media/" + mintWith(s, time.Hour, "aimlapi", "https://evil.example/x.png"), 403, "media_token_invalid"},
		{"token for a URL the server never relayed", "/api/media/" + mintWith(s, time.Hour, "aimlapi", "http://localhost:1/x.png"), 403, "media_token_invalid"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), `"code":"`+tt.code+`"`) {
				t.Fatalf("%d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.code)
			}
			// (nosniff on refusals comes from the server's middleware; TestMediaEndToEnd checks it.)
			if rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("refusal headers %v", rec.Header())
			}
		})
	}
	if n := hits(); n != 0 {
		t.Fatalf("the file host got %d requests for refused tokens", n)
	}
}
