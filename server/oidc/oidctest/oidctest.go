// Package oidctest runs an OpenID Connect provider inside a test's process
// (github.com/oauth2-proxy/mockoidc on a loopback port), whose next sign-ins sign in the Users a
// test queues: their claims, and what is wrong with their ID tokens (another nonce, audience,
// issuer, an expiry in the past), are the test's to choose. Tests only: nothing reaches the
// network beyond the loopback interface.
package oidctest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"playground/server/oidc"
)

// Provider is a running provider; it stops when the test ends.
type Provider struct {
	// Mock is the provider itself (its endpoints, its queues of codes and errors).
	Mock *mockoidc.MockOIDC
}

// Start runs a provider until t ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatalf("oidctest: starting the provider: %v", err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return &Provider{Mock: m}
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.Mock.Issuer() }

// ClientID is the id of the client the provider knows.
func (p *Provider) ClientID() string { return p.Mock.ClientID }

// ClientSecret is the secret of the client the provider knows.
func (p *Provider) ClientSecret() string { return p.Mock.ClientSecret }

// Config is the oidc.Config of a client of the provider whose callback is redirectURL.
func (p *Provider) Config(redirectURL string) oidc.Config {
	return oidc.Config{Issuer: p.Issuer(), ClientID: p.ClientID(), ClientSecret: p.ClientSecret(), RedirectURL: redirectURL}
}

// Next makes u the user the next sign-in signs in.
func (p *Provider) Next(u *User) { p.Mock.QueueUser(u) }

// User is who a sign-in signs in, and how their ID token is made. Its zero fields leave the
// token as a good provider makes it.
type User struct {
	// Subject is the sub claim; "" is "sub-" and the email.
	Subject string
	// Email is the email claim; "" leaves it out.
	Email string
	// EmailVerified is the email_verified claim (a bool, or a string as some providers send);
	// nil leaves it out.
	EmailVerified any
	// Name is the name claim; "" leaves it out.
	Name string
	// Groups is the groups claim (a []string, a string, or anything else a test wants); nil
	// leaves it out. GroupsClaim names it; "" is "groups".
	Groups      any
	GroupsClaim string
	// Nonce, when not nil, replaces the nonce the sign-in sent.
	Nonce *string
	// Audience, when not nil, replaces the audience (the client id).
	Audience []string
	// Issuer, when not "", replaces the issuer.
	Issuer string
	// Expiry, when not zero, replaces the expiry.
	Expiry time.Time
}

// ID is the subject.
func (u *User) ID() string {
	if u.Subject != "" {
		return u.Subject
	}
	return "sub-" + u.Email
}

// Userinfo is the user's claims, as the userinfo endpoint answers them.
func (u *User) Userinfo([]string) ([]byte, error) {
	return json.Marshal(u.extra(map[string]any{"sub": u.ID()}))
}

// Claims is the ID token's claims: base's (the issuer, audience, expiry, nonce mockoidc sets)
// with the user's and the test's changes, whatever the scopes.
func (u *User) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	b, err := json.Marshal(base)
	if err != nil {
		return nil, fmt.Errorf("oidctest: encoding the base claims: %w", err)
	}
	c := jwt.MapClaims{}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("oidctest: decoding the base claims: %w", err)
	}
	u.extra(c)
	if u.Nonce != nil {
		c["nonce"] = *u.Nonce
	}
	if u.Audience != nil {
		c["aud"] = u.Audience
	}
	if u.Issuer != "" {
		c["iss"] = u.Issuer
	}
	if !u.Expiry.IsZero() {
		c["exp"] = u.Expiry.Unix()
	}
	return c, nil
}

// extra adds the user's own claims to c.
func (u *User) extra(c map[string]any) map[string]any {
	if u.Email != "" {
		c["email"] = u.Email
	}
	if u.EmailVerified != nil {
		c["email_verified"] = u.EmailVerified
	}
	if u.Name != "" {
		c["name"] = u.Name
	}
	if u.Groups != nil {
		name := u.GroupsClaim
		if name == "" {
			name = "groups"
		}
		c[name] = u.Groups
	}
	return c
}
