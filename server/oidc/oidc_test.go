package oidc_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"playground/server/oidc"
	"playground/server/oidc/oidctest"
)

const redirect = "http://playground.test/auth/callback"

// discover is the Provider of cfg, or the test's end.
func discover(t *testing.T, cfg oidc.Config) *oidc.Provider {
	t.Helper()
	p, err := oidc.Discover(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// noRedirect is a client that stops at the first redirect.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// begin begins a sign-in to next and follows it to the provider, returning the state cookie and
// the callback URL the provider sends the browser back to.
func begin(t *testing.T, p *oidc.Provider, next string) (*http.Cookie, *url.URL) {
	t.Helper()
	rec := httptest.NewRecorder()
	to, err := p.Begin(rec, next, false)
	if err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("Begin set %d cookies", len(cookies))
	}
	resp, err := noRedirect.Get(to)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), redirect+"?") {
		t.Fatalf("the provider answered %d to %s", resp.StatusCode, back)
	}
	return cookies[0], back
}

// finish is Finish of the callback to back carrying cookie (none when nil).
func finish(t *testing.T, p *oidc.Provider, back *url.URL, cookie *http.Cookie) (*oidc.Claims, string, error, *httptest.ResponseRecorder) {
	t.Helper()
	r := httptest.NewRequest("GET", back.String(), nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	c, next, err := p.Finish(rec, r, false)
	return c, next, err, rec
}

// message is the sign-in page's message of err, which must be an *oidc.Error.
func message(t *testing.T, err error) string {
	t.Helper()
	var oe *oidc.Error
	if !errors.As(err, &oe) {
		t.Fatalf("err = %v (%T), want an *oidc.Error", err, err)
	}
	return oe.Message
}

func TestBegin(t *testing.T) {
	op := oidctest.Start(t)
	p := discover(t, op.Config(redirect))
	for _, secure := range []bool{false, true} {
		rec := httptest.NewRecorder()
		to, err := p.Begin(rec, "/x", secure)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(to)
		q := u.Query()
		if !strings.HasPrefix(to, op.Mock.AuthorizationEndpoint()+"?") || q.Get("response_type") != "code" || q.Get("client_id") != op.ClientID() ||
			q.Get("redirect_uri") != redirect || q.Get("scope") != "openid email profile" || q.Get("code_challenge_method") != "S256" ||
			len(q.Get("code_challenge")) != 43 || len(q.Get("state")) < 43 || len(q.Get("nonce")) < 43 || q.Get("state") == q.Get("nonce") {
			t.Errorf("the provider's URL %s", to)
		}
		if strings.Contains(to, op.ClientSecret()) {
			t.Error("the client secret is in the browser's URL")
		}
		c := rec.Result().Cookies()[0]
		if c.Name != oidc.CookieName(secure) || !c.HttpOnly || c.Secure != secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" ||
			c.MaxAge != int(oidc.StateTTL.Seconds()) || c.Domain != "" {
			t.Errorf("secure=%v: the state cookie %+v", secure, c)
		}
		for _, v := range []string{q.Get("state"), q.Get("nonce"), "/x"} {
			if strings.Contains(c.Value, v) {
				t.Errorf("the cookie shows %q: it is not sealed", v)
			}
		}
	}
	if oidc.CookieName(true) != "__Host-playground_oidc" {
		t.Errorf("CookieName(true) = %q", oidc.CookieName(true))
	}
}

// TestFinish signs in users whose ID tokens are good or wrong in one way each.
func TestFinish(t *testing.T) {
	op := oidctest.Start(t)
	p := discover(t, op.Config(redirect))
	other := "another nonce"
	tests := []struct {
		name   string
		user   oidctest.User
		email  string
		uname  string
		groups string
		says   string // the refusal's message, "" for none
		why    string // what the refusal's cause says (the log's), "" for any
	}{
		{"a good token", oidctest.User{Email: " Ada@Example.org", EmailVerified: true, Name: "Ada Lovelace", Groups: []string{"ML", " ", "Ops"}},
			"ada@example.org", "Ada Lovelace", "ML|Ops", "", ""},
		{"no groups, no name, email_verified absent", oidctest.User{Email: "bo@example.org"}, "bo@example.org", "", "", "", ""},
		{"one group as a string", oidctest.User{Email: "bo@example.org", Groups: "ML"}, "bo@example.org", "", "ML", "", ""},
		{"email_verified as the string true", oidctest.User{Email: "bo@example.org", EmailVerified: "true"}, "bo@example.org", "", "", "", ""},
		{"an empty groups list", oidctest.User{Email: "bo@example.org", Groups: []string{}}, "bo@example.org", "", "", "", ""},
		{"groups of another type", oidctest.User{Email: "bo@example.org", Groups: map[string]int{"ML": 1}}, "", "", "", "groups claim is neither", ""},
		{"groups with a number", oidctest.User{Email: "bo@example.org", Groups: []any{"ML", 3}}, "", "", "", "groups claim is neither", ""},
		{"no email", oidctest.User{Name: "Nobody"}, "", "", "", "gave no email address", ""},
		{"email not verified", oidctest.User{Email: "eve@example.org", EmailVerified: false}, "", "", "", "eve@example.org is not verified", ""},
		{"email not verified, as a string", oidctest.User{Email: "eve@example.org", EmailVerified: "false"}, "", "", "", "is not verified", ""},
		{"the wrong nonce", oidctest.User{Email: "eve@example.org", Nonce: &other}, "", "", "", "could not be verified", "nonce is not the one"},
		{"no nonce", oidctest.User{Email: "eve@example.org", Nonce: new(string)}, "", "", "", "could not be verified", "nonce is not the one"},
		{"the wrong audience", oidctest.User{Email: "eve@example.org", Audience: []string{"another-client"}}, "", "", "", "could not be verified", "expected audience"},
		{"the wrong issuer", oidctest.User{Email: "eve@example.org", Issuer: "https://evil.example"}, "", "", "", "could not be verified", "issued by a different provider"},
		{"an expired token", oidctest.User{Email: "eve@example.org", Expiry: time.Now().Add(-time.Minute)}, "", "", "", "could not be verified", "token is expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op.Next(&tt.user)
			cookie, back := begin(t, p, "/models?x=1")
			c, next, err, rec := finish(t, p, back, cookie)
			if next != "/models?x=1" {
				t.Errorf("next = %q", next)
			}
			if cleared := rec.Result().Cookies(); len(cleared) != 1 || cleared[0].Name != cookie.Name || cleared[0].MaxAge != -1 {
				t.Errorf("the state cookie is not cleared: %v", cleared)
			}
			if tt.says != "" {
				if msg := message(t, err); !strings.Contains(msg, tt.says) || !strings.Contains(err.Error(), tt.why) {
					t.Fatalf("refused with %q, want %q (cause %q)", err, tt.says, tt.why)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Email != tt.email || c.Name != tt.uname || strings.Join(c.Groups, "|") != tt.groups || c.Subject != tt.user.ID() {
				t.Errorf("claims %+v", c)
			}
		})
	}
}

func TestGroupsClaim(t *testing.T) {
	op := oidctest.Start(t)
	cfg := op.Config(redirect)
	cfg.GroupsClaim = "roles"
	p := discover(t, cfg)
	op.Next(&oidctest.User{Email: "ada@example.org", Groups: []string{"ML"}, GroupsClaim: "roles"})
	cookie, back := begin(t, p, "/")
	c, _, err, _ := finish(t, p, back, cookie)
	if err != nil || strings.Join(c.Groups, "|") != "ML" {
		t.Fatalf("claims %+v, %v", c, err)
	}
	op.Next(&oidctest.User{Email: "ada@example.org", Groups: []string{"ML"}}) // under "groups": not read
	cookie, back = begin(t, p, "/")
	if c, _, err, _ = finish(t, p, back, cookie); err != nil || len(c.Groups) != 0 {
		t.Fatalf("claims %+v, %v", c, err)
	}
}

// TestFinishState: the callback must carry the state cookie this sign-in set, unchanged, in
// time, sealed under this key (or a replica's with the same key), and the state it names.
func TestFinishState(t *testing.T) {
	op := oidctest.Start(t)
	key := []byte(strings.Repeat("k", oidc.MinStateKeyLen))
	now := time.Now()
	cfg := op.Config(redirect)
	cfg.StateKey, cfg.Now = key, func() time.Time { return now }
	p := discover(t, cfg)
	replica := discover(t, cfg)
	cfg.StateKey = []byte(strings.Repeat("x", oidc.MinStateKeyLen))
	otherKey := discover(t, cfg)
	cfg.StateKey = nil
	randomKey := discover(t, cfg)

	cookie, back := begin(t, p, "/a")
	if _, next, err, _ := finish(t, replica, back, cookie); err != nil || next != "/a" {
		t.Fatalf("a replica with the same key: %q, %v", next, err)
	}
	tests := []struct {
		name string
		p    *oidc.Provider
		edit func(c *http.Cookie, q url.Values)
		says string
	}{
		{"no cookie", p, nil, "expired or was begun in another browser"},
		{"another state", p, func(_ *http.Cookie, q url.Values) { q.Set("state", "forged") }, "expired or was begun in another browser"},
		{"no state", p, func(_ *http.Cookie, q url.Values) { q.Del("state") }, "expired or was begun in another browser"},
		{"a changed cookie", p, func(c *http.Cookie, _ url.Values) { c.Value = flip(c.Value, 20) }, "expired or was begun"},
		{"another key", otherKey, func(*http.Cookie, url.Values) {}, "expired or was begun"},
		{"a random key", randomKey, func(*http.Cookie, url.Values) {}, "expired or was begun"},
		{"no code", p, func(_ *http.Cookie, q url.Values) { q.Del("code") }, "without a sign-in code"},
		{"a code the provider never gave", p, func(_ *http.Cookie, q url.Values) { q.Set("code", "made-up") }, "did not complete the sign-in"},
		{"the provider's error", p, func(_ *http.Cookie, q url.Values) {
			q.Set("error", "access_denied")
			q.Set("error_description", "<b>call 555-0100</b>")
		}, "The sign-in provider refused the sign-in (access_denied)."},
		{"a strange error", p, func(_ *http.Cookie, q url.Values) { q.Set("error", "<script>") }, "refused the sign-in (an unknown error)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cookie, back := begin(t, p, "/b")
			q := back.Query()
			if tt.edit == nil {
				cookie = nil
			} else {
				tt.edit(cookie, q)
			}
			back.RawQuery = q.Encode()
			_, _, err, _ := finish(t, tt.p, back, cookie)
			if msg := message(t, err); !strings.Contains(msg, tt.says) {
				t.Fatalf("refused with %q, want %q", msg, tt.says)
			}
			if strings.Contains(message(t, err), "555-0100") {
				t.Error("the provider's description is shown")
			}
		})
	}
	t.Run("used twice", func(t *testing.T) {
		cookie, back := begin(t, p, "/")
		if _, _, err, _ := finish(t, p, back, cookie); err != nil {
			t.Fatal(err)
		}
		_, _, err, _ := finish(t, p, back, cookie)
		if msg := message(t, err); !strings.Contains(msg, "did not complete") {
			t.Fatalf("a code used twice: %q", msg)
		}
	})
	t.Run("too late", func(t *testing.T) {
		cookie, back := begin(t, p, "/")
		now = now.Add(oidc.StateTTL + time.Second)
		defer func() { now = time.Now() }()
		_, _, err, _ := finish(t, p, back, cookie)
		if msg := message(t, err); !strings.Contains(msg, "expired") {
			t.Fatalf("a late callback: %q", msg)
		}
	})
}

// flip changes the character of s at i.
func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestDiscoverErrors(t *testing.T) {
	op := oidctest.Start(t)
	noS256 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"http://` + r.Host + `","authorization_endpoint":"http://` + r.Host + `/a","token_endpoint":"http://` + r.Host +
			`/t","jwks_uri":"http://` + r.Host + `/k","code_challenge_methods_supported":["plain"]}`))
	}))
	defer noS256.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	good := op.Config(redirect)
	tests := []struct {
		name string
		edit func(*oidc.Config)
		says string
	}{
		{"an unreachable provider", func(c *oidc.Config) { c.Issuer = closed.URL }, "oidc: discovering the provider " + closed.URL},
		{"another issuer", func(c *oidc.Config) { c.Issuer += "/" }, "oidc: discovering the provider"},
		{"no discovery document", func(c *oidc.Config) { c.Issuer = op.Mock.Addr() + "/nothing" }, "404"},
		{"no S256", func(c *oidc.Config) { c.Issuer = noS256.URL }, "does not offer PKCE with S256"},
		{"a short state key", func(c *oidc.Config) { c.StateKey = []byte("short") }, "the state key is 5 bytes; it needs at least 32"},
		{"no openid scope", func(c *oidc.Config) { c.Scopes = []string{"email"} }, `the scopes "email" do not include openid`},
		{"no client id", func(c *oidc.Config) { c.ClientID = "" }, "the client id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			_, err := oidc.Discover(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("err = %v, want %q", err, tt.says)
			}
			if strings.Contains(err.Error(), good.ClientSecret) {
				t.Fatal("the error shows the client secret")
			}
		})
	}
}
