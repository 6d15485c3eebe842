package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestPasswords(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("hash %q", h)
	}
	if h2, _ := HashPassword("correct horse battery"); h2 == h {
		t.Error("two hashes of one password are the same: no salt")
	}
	if err := CheckPassword(h, "correct horse battery"); err != nil {
		t.Errorf("the right password: %v", err)
	}
	if err := CheckPassword(h, "correct horse batterz"); !errors.Is(err, ErrMismatch) {
		t.Errorf("a wrong password: %v", err)
	}
	if err := CheckPassword(h, strings.Repeat("x", MaxPasswordBytes+1)); !errors.Is(err, ErrMismatch) {
		t.Errorf("an over-long password: %v", err)
	}
	for _, tt := range []struct{ pw, says string }{
		{"short", "password: is 5 characters; it needs at least 12"},
		{"\xff\xfe not text at all", "password: must be valid UTF-8 text"},
		{strings.Repeat("é", 600), "password: is longer than 1024 bytes"},
	} {
		if _, err := HashPassword(tt.pw); err == nil || err.Error() != tt.says {
			t.Errorf("HashPassword(%.20q) = %v, want %q", tt.pw, err, tt.says)
		}
	}
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=65536,t=3,p=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=3,p=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=65536,t=300,p=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=65536,t=3,p=2$!!$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$a2V5",
	} {
		if err := CheckPassword(bad, "correct horse battery"); err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("CheckPassword(%q) = %v, want an unreadable-hash error", bad, err)
		}
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": None, "none": None, "Header": Header, " oidc ": OIDC, "local": Local} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMode("ldap"); err == nil || err.Error() != `auth: "ldap" is not a mode; the modes are none, header, oidc and local` {
		t.Errorf("ParseMode(ldap) = %v", err)
	}
	if None.SignsIn() || !Local.SignsIn() {
		t.Error("SignsIn")
	}
	if !Local.HasSignInPage() || !OIDC.HasSignInPage() || Header.HasSignInPage() || None.HasSignInPage() {
		t.Error("HasSignInPage")
	}
}

func TestParseNewUsers(t *testing.T) {
	for in, want := range map[string]NewUsers{"": Refuse, "refuse": Refuse, " Create ": Create} {
		if got, err := ParseNewUsers(in); err != nil || got != want {
			t.Errorf("ParseNewUsers(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseNewUsers("invite"); err == nil || err.Error() != `auth-new-users: "invite" is neither refuse nor create` {
		t.Errorf("ParseNewUsers(invite) = %v", err)
	}
}

func TestCookies(t *testing.T) {
	c := SessionCookie("tok", time.Now().Add(time.Hour), true)
	if c.Name != "__Host-playground_session" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.MaxAge < 3590 {
		t.Errorf("secure cookie %+v", c)
	}
	if c := SessionCookie("tok", time.Now().Add(time.Hour), false); c.Name != "playground_session" || c.Secure {
		t.Errorf("dev cookie %+v", c)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c)
	if got := SessionToken(r, true); got != "tok" {
		t.Errorf("SessionToken = %q", got)
	}
	if got := SessionToken(r, false); got != "" {
		t.Errorf("the secure name read as the dev one: %q", got)
	}
	if c := ClearCookie(true); c.MaxAge != -1 || c.Value != "" {
		t.Errorf("ClearCookie %+v", c)
	}
}

func TestProxyHeaders(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	req := func(peer string, h map[string][]string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		for k, vs := range h {
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
		return r
	}
	tests := []struct {
		name   string
		r      *http.Request
		email  string
		groups string
		ok     bool
	}{
		{"a trusted proxy", req("10.1.2.3:5000", map[string][]string{"X-Forwarded-Email": {"Ada@Example.org"}, "X-Forwarded-Groups": {"ml, ops", "eng"}}), "ada@example.org", "ml|ops|eng", true},
		{"IPv6 loopback proxy", req("[::1]:5000", map[string][]string{"X-Forwarded-Email": {"ada@example.org"}}), "ada@example.org", "", true},
		{"an IPv4-mapped trusted peer", req("[::ffff:10.0.0.9]:1", map[string][]string{"X-Forwarded-Email": {"ada@example.org"}}), "ada@example.org", "", true},
		{"an untrusted peer", req("192.0.2.1:5000", map[string][]string{"X-Forwarded-Email": {"ada@example.org"}}), "", "", false},
		{"no header", req("10.1.2.3:5000", nil), "", "", false},
		{"two headers", req("10.1.2.3:5000", map[string][]string{"X-Forwarded-Email": {"ada@example.org", "eve@example.org"}}), "", "", false},
		{"not an address", req("10.1.2.3:5000", map[string][]string{"X-Forwarded-Email": {"ada"}}), "", "", false},
		{"an address with a name", req("10.1.2.3:5000", map[string][]string{"X-Forwarded-Email": {"Eve <eve@example.org>"}}), "", "", false},
		{"a bad peer", req("nonsense", map[string][]string{"X-Forwarded-Email": {"ada@example.org"}}), "", "", false},
	}
	for _, tt := range tests {
		id, ok := ProxyHeaders(tt.r, trusted, DefaultHeader, "X-Forwarded-Groups")
		if ok != tt.ok || id.Email != tt.email || strings.Join(id.Groups, "|") != tt.groups {
			t.Errorf("%s: %+v %v", tt.name, id, ok)
		}
	}
}
