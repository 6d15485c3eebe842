package admit

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientKey: the client is the peer, or the right-most X-Forwarded-For hop that is not a
// trusted proxy when the peer is one.
func TestClientKey(t *testing.T) {
	l := NewLimiter(Limits{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
	tests := []struct {
		remote, xff, want string
	}{
		{"198.51.100.7:5000", "", "198.51.100.7"},
		{"198.51.100.7:5000", "1.2.3.4", "198.51.100.7"}, // untrusted peer: the header is ignored
		{"10.1.2.3:5000", "1.2.3.4", "1.2.3.4"},
		{"10.1.2.3:5000", "6.6.6.6, 1.2.3.4, 10.9.9.9", "1.2.3.4"}, // right-most untrusted hop
		{"10.1.2.3:5000", "garbage", "10.1.2.3"},
		{"[::1]:5000", "2001:db8::1", "2001:db8::1"},
		{"[::ffff:198.51.100.7]:5000", "", "198.51.100.7"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := l.ClientKey(r); got != tt.want {
			t.Errorf("clientKey(%s, XFF %q) = %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}
