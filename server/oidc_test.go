package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"playground/server/auth"
	"playground/server/fakeupstream"
	"playground/server/oidc/oidctest"
	"playground/server/sqlite"
	"playground/server/team"
)

// oidcArgs are the flags of a good -auth oidc configuration.
var oidcArgs = []string{"-auth", "oidc", "-oidc-issuer", "https://id.example.com/realms/x", "-oidc-client-id", "playground",
	"-oidc-redirect-url", "https://playground.example.com/auth/callback"}

const oidcSecret = "oidc-client-secret-canary"

func TestParseConfigOIDC(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(oidcSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(oidcArgs, env(map[string]string{"PLAYGROUND_OIDC_CLIENT_SECRET": oidcSecret, "PLAYGROUND_AUTH_NEW_USERS": "create"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.OIDC
	if cfg.Auth != auth.OIDC || cfg.AuthNewUsers != auth.Create || o.Issuer != "https://id.example.com/realms/x" || o.ClientID != "playground" ||
		o.ClientSecret.Reveal() != oidcSecret || o.RedirectURL != "https://playground.example.com/auth/callback" || o.GroupsClaim != "groups" ||
		strings.Join(o.Scopes, " ") != "openid email profile" || o.StateKey != "" {
		t.Fatalf("%+v", cfg.OIDC)
	}
	if dump := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg); strings.Contains(dump, oidcSecret) {
		t.Fatal("the client secret prints")
	}
	key := strings.Repeat("k", 40)
	cfg, err = ParseConfig(append(oidcArgs, "-oidc-client-secret-file", secretFile, "-oidc-groups-claim", "roles", "-oidc-scopes", "openid,email groups"),
		env(map[string]string{"PLAYGROUND_OIDC_STATE_KEY": key}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o := cfg.OIDC; o.ClientSecret.Reveal() != oidcSecret || o.GroupsClaim != "roles" || strings.Join(o.Scopes, " ") != "openid email groups" ||
		o.StateKey.Reveal() != key || cfg.AuthNewUsers != auth.Refuse {
		t.Fatalf("%+v", o)
	}
	// -auth (and the rest of who may call) is read with -config too.
	name := writeConfig(t, okProviders)
	if cfg, err = ParseConfig(append(oidcArgs, "-config", name), env(map[string]string{"PLAYGROUND_OIDC_CLIENT_SECRET": oidcSecret}), io.Discard); err != nil || cfg.Auth != auth.OIDC {
		t.Fatalf("with -config: %q, %v", cfg.Auth, err)
	}

	with := func(args ...string) []string { return append(append([]string{}, oidcArgs...), args...) }
	secretEnv := map[string]string{"PLAYGROUND_OIDC_CLIENT_SECRET": oidcSecret}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no issuer", with("-oidc-issuer", ""), secretEnv, "oidc-issuer: is required with -auth oidc"},
		{"an http issuer", with("-oidc-issuer", "http://id.example.com"), secretEnv, `oidc-issuer: "http://id.example.com" is plain http; use https`},
		{"an issuer that is no URL", with("-oidc-issuer", "id.example.com"), secretEnv, `oidc-issuer: "id.example.com" is not an absolute https:// URL`},
		{"no client id", with("-oidc-client-id", " "), secretEnv, "oidc-client-id: is required"},
		{"no secret", oidcArgs, nil, "oidc-client-secret-file: no client secret; set PLAYGROUND_OIDC_CLIENT_SECRET or give -oidc-client-secret-file"},
		{"two secrets", with("-oidc-client-secret-file", secretFile), secretEnv, "oidc-client-secret-file: PLAYGROUND_OIDC_CLIENT_SECRET is set too"},
		{"a missing secret file", with("-oidc-client-secret-file", secretFile+".missing"), nil, "oidc-client-secret-file: reading the client secret"},
		{"no redirect URL", with("-oidc-redirect-url", ""), secretEnv, "oidc-redirect-url: is required with -auth oidc"},
		{"another callback path", with("-oidc-redirect-url", "https://playground.example.com/callback"), secretEnv, `its path must be /auth/callback`},
		{"a redirect URL with a fragment", with("-oidc-redirect-url", "https://playground.example.com/auth/callback#x"), secretEnv, "must not carry user info, a query or a fragment"},
		{"no openid scope", with("-oidc-scopes", "email profile"), secretEnv, `oidc-scopes: "email profile" does not include openid`},
		{"a short state key", oidcArgs, map[string]string{"PLAYGROUND_OIDC_CLIENT_SECRET": oidcSecret, "PLAYGROUND_OIDC_STATE_KEY": "short"}, "PLAYGROUND_OIDC_STATE_KEY: is 5 bytes; it needs at least 32"},
		{"a new-user policy that is none", with("-auth-new-users", "invite"), secretEnv, `auth-new-users: "invite" is neither refuse nor create`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(tt.args, env(tt.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), oidcSecret) {
				t.Fatal("the error shows the client secret")
			}
		})
	}
	// A loopback provider and playground may be plain http (development).
	if _, err := ParseConfig([]string{"-auth", "oidc", "-oidc-issuer", "http://127.0.0.1:5556/dex", "-oidc-client-id", "p",
		"-oidc-redirect-url", "http://localhost:8080/auth/callback"}, env(secretEnv), io.Discard); err != nil {
		t.Fatalf("loopback http: %v", err)
	}
}

// TestOIDCServer: a server run with -auth oidc discovers its provider at start-up (a wrong
// issuer stops it with an error naming the flag), sends a browser without a session through
// the provider and back to the page it asked for, and keeps the client secret out of its log and
// its app.js.
func TestOIDCServer(t *testing.T) {
	op := oidctest.Start(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	bad := DefaultConfig()
	bad.WebDir, bad.Auth, bad.Database = t.TempDir(), auth.OIDC, filepath.Join(t.TempDir(), "p.db")
	bad.OIDC = OIDCConfig{Issuer: closed.URL, ClientID: "p", ClientSecret: oidcSecret, RedirectURL: "http://127.0.0.1:1/auth/callback"}
	if _, err := New(bad, nil); err == nil || !strings.HasPrefix(err.Error(), "oidc-issuer: oidc: discovering the provider "+closed.URL) || strings.Contains(err.Error(), oidcSecret) {
		t.Fatalf("an unreachable issuer: %v", err)
	}

	path := filepath.Join(t.TempDir(), "playground.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.AddUser(context.Background(), &team.User{Email: "ada@example.org"}); err != nil {
		t.Fatal(err)
	}
	// The callback URL names the test server's port, known only once it listens.
	var h http.Handler
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(front.Close)
	e := runKindsWith(t, "", func(c *Config, _ *fakeupstream.Server) {
		c.Auth, c.Database = auth.OIDC, path
		c.OIDC = OIDCConfig{Issuer: op.Issuer(), ClientID: op.ClientID(), ClientSecret: Secret(op.ClientSecret()), RedirectURL: front.URL + "/auth/callback"}
	})
	h = e.s
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	op.Next(&oidctest.User{Email: "ada@example.org"})
	resp, err := c.Get(front.URL + "/api/models")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the API without a session: %d", resp.StatusCode)
	}
	resp, err = c.Get(front.URL + "/?model=gpt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.RequestURI() != "/?model=gpt" {
		t.Fatalf("signing in: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	resp, err = c.Get(front.URL + "/api/models")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the API with the session: %d", resp.StatusCode)
	}
	resp, err = c.Get(front.URL + "/app.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(js), op.ClientSecret()) || strings.Contains(e.log.String(), op.ClientSecret()) {
		t.Error("the client secret is in app.js or the log")
	}
}
