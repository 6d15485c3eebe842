package catalogapi

import (
	"net/http/httptest"
	"testing"
)

// TestETagMatches: If-None-Match is compared weakly, in a list, and "*" matches anything.
func TestETagMatches(t *testing.T) {
	const etag = `W/"abc"`
	tests := []struct {
		header string
		want   bool
	}{
		{`W/"abc"`, true},
		{`"abc"`, true},
		{`"x", W/"abc"`, true},
		{`*`, true},
		{`"abd"`, false},
		{``, false},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.header, etag); got != tt.want {
			t.Errorf("etagMatches(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

// TestWriteCacheable: a matching ETag is 304 with no body; gzip only when accepted and given.
func TestWriteCacheable(t *testing.T) {
	body := []byte(`{"models":[]}`)
	gz := gzipBytes(body)
	etag := weakETag(body)
	tests := []struct {
		name, inm, ae string
		gz            []byte
		status        int
		encoding      string
	}{
		{"plain", "", "", gz, 200, ""},
		{"gzip accepted", "", "br, gzip", gz, 200, "gzip"},
		{"gzip refused by q=0", "", "gzip;q=0", gz, 200, ""},
		{"no gzip form", "", "gzip", nil, 200, ""},
		{"revalidated", etag, "gzip", gz, 304, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/models", nil)
			if tt.inm != "" {
				r.Header.Set("If-None-Match", tt.inm)
			}
			r.Header.Set("Accept-Encoding", tt.ae)
			w := httptest.NewRecorder()
			WriteCacheable(w, r, body, tt.gz, etag)
			if got, want := w.Code, tt.status; got != want {
				t.Fatalf("status %d, want %d", got, want)
			}
			if got, want := w.Header().Get("Content-Encoding"), tt.encoding; got != want {
				t.Fatalf("Content-Encoding %q, want %q", got, want)
			}
			if got := w.Header().Get("ETag"); got != etag {
				t.Fatalf("ETag %q, want %q", got, etag)
			}
			if tt.status == 304 && w.Body.Len() != 0 {
				t.Fatalf("a 304 has a body: %q", w.Body)
			}
		})
	}
}
