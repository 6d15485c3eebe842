package media

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// defaultMaxBodyBytes is the server's default request body limit (server.DefaultMaxBodyBytes).
const defaultMaxBodyBytes = 32 << 20

// mediaServer is a media Server of the providers with the server's default limits, for unit tests.
func mediaServer(t *testing.T, providers ...Source) *Server {
	t.Helper()
	s, err := New(providers, Options{MaxBodyBytes: defaultMaxBodyBytes}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMediaToken: a token opens to what it was minted for until it expires; any change to it, a
// token of another server and an expired one are refused.
func TestMediaToken(t *testing.T) {
	m, err := newSigner()
	if err != nil {
		t.Fatal(err)
	}
	const fileURL = "https://cdn.aimlapi.com/a/b.png?sig=x"
	tok, ok := m.mint("aimlapi", fileURL)
	if !ok {
		t.Fatal("mint refused")
	}
	if p, u, err := m.open(tok); err != nil || p != "aimlapi" || u != fileURL {
		t.Fatalf("open = %q, %q, %v", p, u, err)
	}
	if strings.ContainsAny(tok, "/+=.%") {
		t.Fatalf("token %q is not one plain path segment", tok)
	}
	other, _ := newSigner()
	otherTok, _ := other.mint("aimlapi", fileURL)
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	// The provider name rewritten ("aimlapi" → "aimlapx") without signing again.
	renamed := bytes.Clone(raw)
	renamed[9+6] = 'x'
	// The URL rewritten without signing again.
	rehosted := bytes.Replace(bytes.Clone(raw), []byte("cdn.aimlapi"), []byte("evi.aimlapi"), 1)
	// The expiry pushed back by a day without signing again.
	later := bytes.Clone(raw)
	later[5]++
	flipped := []byte(tok)
	flipped[len(flipped)/2] ^= 1
	expired := &signer{key: m.key, lifetime: -time.Second, now: time.Now}
	expiredTok, _ := expired.mint("aimlapi", fileURL)
	tests := []struct {
		name, token string
		want        error
	}{
		{"valid", tok, nil},
		{"one character changed", string(flipped), errMediaTokenInvalid},
		{"truncated", tok[:len(tok)-4], errMediaTokenInvalid},
		{"signature cut off", base64.RawURLEncoding.EncodeToString(raw[:len(raw)-32]), errMediaTokenInvalid},
		{"provider renamed", base64.RawURLEncoding.EncodeToString(renamed), errMediaTokenInvalid},
		{"URL changed", base64.RawURLEncoding.EncodeToString(rehosted), errMediaTokenInvalid},
		{"expiry pushed back", base64.RawURLEncoding.EncodeToString(later), errMediaTokenInvalid},
		{"another server's key", otherTok, errMediaTokenInvalid},
		{"not base64", "%%%", errMediaTokenInvalid},
		{"empty", "", errMediaTokenInvalid},
		{"random bytes", base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 80)), errMediaTokenInvalid},
		{"expired", expiredTok, errMediaTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := m.open(tt.token); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("open: %v, want %v", err, tt.want)
			}
		})
	}
	// The lifetime is an hour.
	fixed := time.Unix(1_700_000_000, 0)
	clock := &signer{key: m.key, lifetime: tokenLifetime, now: func() time.Time { return fixed }}
	hourTok, _ := clock.mint("aimlapi", fileURL)
	clock.now = func() time.Time { return fixed.Add(59 * time.Minute) }
	if _, _, err := clock.open(hourTok); err != nil {
		t.Fatalf("after 59 minutes: %v", err)
	}
	clock.now = func() time.Time { return fixed.Add(61 * time.Minute) }
	if _, _, err := clock.open(hourTok); !errors.Is(err, errMediaTokenExpired) {
		t.Fatalf("after 61 minutes: %v, want expired", err)
	}
	if _, ok := m.mint(strings.Repeat("p", 256), fileURL); ok {
		t.Fatal("minted for a provider name too long to encode")
	}
}

// TestMediaHostPatterns: Mint mints only for https URLs (or http with media_allow_insecure)
// whose host matches the provider's patterns, AI/ML API's defaults included.
func TestMediaHostPatterns(t *testing.T) {
	s := mediaServer(t,
		Source{Name: "aimlapi", BaseURL: "https://api.aimlapi.com/v1"},
		Source{Name: "other", BaseURL: "https://api.deepinfra.com/v1/openai"},
		Source{Name: "none", BaseURL: "https://api.aimlapi.com/v1", Hosts: []string{}},
		Source{Name: "local", BaseURL: "http://127.0.0.1:9/v1", Hosts: []string{"127.0.0.1:*"}, AllowInsecure: true},
		Source{Name: "custom", BaseURL: "https://api.example.com/v1", Hosts: []string{"files.example.com", "*.cdn.example.net", "media.example.org:8443"}},
	)
	tests := []struct {
		provider, url string
		want          bool
	}{
		{"aimlapi", "https://cdn.aimlapi.com/images/a.png", true},
		{"aimlapi", "https://CDN.AIMLAPI.com/images/a.png", true},
		{"aimlapi", "https://cdn.aimlapi.com:443/images/a.png", true},
		{"aimlapi", "https://x.aimlapi.com/a.png", true},
		{"aimlapi", "https://storage.googleapis.com/bucket/a.png?X-Goog-Signature=abc", true},
		{"aimlapi", "https://v3.fal.media/files/a.png", true},
		{"aimlapi", "https://fal.media/files/a.png", true},
		{"aimlapi", "https://bucket.s3.us-east-1.amazonaws.com/a.png", true},
		{"aimlapi", "https://d111.cloudfront.net/a.mp4", true},
		{"aimlapi", "http://cdn.aimlapi.com/a.png", false},       // plain http
		{"aimlapi", "https://cdn.aimlapi.com:8443/a.png", false}, // a host pattern means the default port
		{"aimlapi", "https://aimlapi.com.evil.example/a.png", false},
		{"aimlapi", "https://cdn.aimlapi.com.evil.example/a.png", false},
		{"aimlapi", "https://evilaimlapi.com/a.png", false},
		{"aimlapi", "https://user:pw@cdn.aimlapi.com/a.png", false},
		{"aimlapi", "https://evil.example/a.png", false},
		{"aimlapi", "https://127.0.0.1/a.png", false},
		{"aimlapi", "ftp://cdn.aimlapi.com/a.png", false},
		{"aimlapi", "data:image/png;base64,AAAA", false},
		{"aimlapi", "//cdn.aimlapi.com/a.png", false},
		{"aimlapi", "/relative/a.png", false},
		{"aimlapi", "https://cdn.aimlapi.com/" + strings.Repeat("a", maxURL), false},
		{"other", "https://cdn.aimlapi.com/a.png", false}, // no default for other providers
		{"none", "https://cdn.aimlapi.com/a.png", false},  // media_hosts: [] means none
		{"ghost", "https://cdn.aimlapi.com/a.png", false}, // no such provider
		{"local", "http://127.0.0.1:8080/a.png", true},
		{"local", "http://127.0.0.1/a.png", true}, // port 80 filled in
		{"local", "https://127.0.0.1:8443/a.png", true},
		{"local", "http://127.0.0.2:8080/a.png", false},
		{"local", "http://localhost:8080/a.png", false},
		{"custom", "https://files.example.com/a.png", true},
		{"custom", "https://a.b.cdn.example.net/a.png", true},
		{"custom", "https://cdn.example.net/a.png", false},
		{"custom", "https://media.example.org:8443/a.png", true},
		{"custom", "https://media.example.org/a.png", false},
		{"custom", "http://files.example.com/a.png", false},
	}
	for _, tt := range tests {
		t.Run(tt.provider+" "+truncate(tt.url, 60), func(t *testing.T) {
			p, ok := s.Mint(tt.provider, tt.url)
			if ok != tt.want {
				t.Fatalf("Mint = %q, %v; want %v", p, ok, tt.want)
			}
			if !ok {
				return
			}
			tok, found := strings.CutPrefix(p, "/api/media/")
			if !found {
				t.Fatalf("path %q", p)
			}
			if prov, u, err := s.signer.open(tok); err != nil || prov != tt.provider || u != tt.url {
				t.Fatalf("token opens to %q %q %v", prov, u, err)
			}
		})
	}
	for _, bad := range []string{"", "[", "https://cdn.example.com", "cdn.example.com/path", "user@cdn.example.com", "a b"} {
		if err := CheckHost(bad); err == nil {
			t.Errorf("CheckHost(%q) accepted", bad)
		}
	}
}

// TestMediaDialGuard: the dial guard refuses loopback (unless allowed), private, link-local and
// metadata, unspecified, multicast and special-purpose addresses, in their normalised forms too.
func TestMediaDialGuard(t *testing.T) {
	tests := []struct {
		addr          string
		strict, loose bool // allowed without / with media_allow_insecure
	}{
		{"127.0.0.1", false, true},
		{"127.1.2.3", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"10.0.0.1", false, false},
		{"172.16.5.4", false, false},
		{"192.168.1.1", false, false},
		{"169.254.169.254", false, false},
		{"::ffff:169.254.169.254", false, false},
		{"::ffff:a9fe:a9fe", false, false},
		{"::ffff:10.0.0.1", false, false},
		{"169.254.1.1", false, false},
		{"fe80::1", false, false},
		{"fe80::1%eth0", false, false},
		{"fc00::1", false, false},
		{"fd12:3456::1", false, false},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"ff02::1", false, false},
		{"255.255.255.255", false, false},
		{"100.64.0.1", false, false},
		{"0.1.2.3", false, false},
		{"198.18.0.1", false, false},
		{"240.0.0.1", false, false},
		{"::a9fe:a9fe", false, false},
		{"64:ff9b::a9fe:a9fe", false, false},
		{"2002:a9fe:a9fe::1", false, false},
		{"2001:0:4136:e378::1", false, false},
		{"fec0::1", false, false},
		{"8.8.8.8", true, true},
		{"142.250.74.110", true, true},
		{"2606:4700:4700::1111", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			ip := netip.MustParseAddr(tt.addr)
			for _, c := range []struct {
				loopback, want bool
			}{{false, tt.strict}, {true, tt.loose}} {
				err := checkMediaAddr(ip, c.loopback)
				if (err == nil) != c.want || err != nil && !errors.Is(err, errMediaAddress) {
					t.Errorf("checkMediaAddr(%s, loopback allowed %v) = %v, want allowed %v", tt.addr, c.loopback, err, c.want)
				}
				ctl := mediaDialControl(c.loopback)
				if err := ctl("tcp", netip.AddrPortFrom(ip, 443).String(), nil); (err == nil) != c.want {
					t.Errorf("dial control %s (loopback allowed %v) = %v, want allowed %v", tt.addr, c.loopback, err, c.want)
				}
			}
		})
	}
	ctl := mediaDialControl(true)
	for _, bad := range [][2]string{{"tcp", "localhost:80"}, {"tcp", "no port"}, {"udp", "127.0.0.1:53"}} {
		if err := ctl(bad[0], bad[1], nil); !errors.Is(err, errMediaAddress) {
			t.Errorf("dial control %s %s = %v, want refused", bad[0], bad[1], err)
		}
	}
}

// TestMediaDialGuardRefusesLoopbackHosts: without media_allow_insecure the media client does not
// connect to a host that resolves to loopback, by name or by address; no request arrives.
func TestMediaDialGuardRefusesLoopbackHosts(t *testing.T) {
	var hits sync.Map
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
	}))
	t.Cleanup(files.Close)
	port := files.Listener.Addr().(interface{ String() string }).String()
	_, port, _ = strings.Cut(port, ":")
	strict := newSource(Source{Name: "strict", BaseURL: "https://api.example.com/v1"})
	for _, u := range []string{"http://127.0.0.1:" + port + "/by-address", "http://localhost:" + port + "/by-name"} {
		resp, err := strict.client.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s: %d, want the dial refused", u, resp.StatusCode)
		}
		if !errors.Is(err, errMediaAddress) {
			t.Fatalf("GET %s: %v, want the dial guard's refusal", u, err)
		}
	}
	hits.Range(func(k, _ any) bool { t.Errorf("the file host got %v", k); return true })
	// With media_allow_insecure, loopback is reached.
	loose := newSource(Source{Name: "loose", BaseURL: "http://127.0.0.1:9/v1", AllowInsecure: true})
	resp, err := loose.client.Get("http://127.0.0.1:" + port + "/allowed")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, ok := hits.Load("/allowed"); !ok {
		t.Fatal("with media_allow_insecure the loopback host was not reached")
	}
}
