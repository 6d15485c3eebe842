// Package oidc signs users in with an OpenID Connect provider (the server's -auth oidc), on
// github.com/coreos/go-oidc and golang.org/x/oauth2: the authorization code flow with PKCE (S256),
// a state and a nonce. It knows nothing of users or sessions: Begin sends the browser to the
// provider, Finish checks what comes back and says who signed in (Claims); server/access turns
// that into a user and a session.
//
// Between the two, the state, the nonce, the PKCE verifier and the page to return to travel in a
// short-lived cookie (StateTTL; HttpOnly, SameSite=Lax so the provider's redirect back carries it,
// Secure behind https) sealed with AES-256-GCM under a key derived from Config.StateKey: the
// browser can neither read nor change it. Several replicas behind a load balancer need the same
// key (PLAYGROUND_OIDC_STATE_KEY), so that a callback landing on another replica than the one
// that began the sign-in can open the cookie; without one, each process draws a random key.
package oidc

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// The defaults of Config.
const (
	// DefaultGroupsClaim is the ID token claim read for the user's groups.
	DefaultGroupsClaim = "groups"
	// DefaultScopes are the scopes asked for, space-separated.
	DefaultScopes = "openid email profile"
)

// StateTTL is how long a sign-in may take between Begin and Finish.
const StateTTL = 10 * time.Minute

// MinStateKeyLen is the shortest Config.StateKey taken, in bytes.
const MinStateKeyLen = 32

// DiscoveryTimeout bounds Discover's fetch of the provider's discovery document.
const DiscoveryTimeout = 15 * time.Second

// exchangeTimeout bounds the code exchange (and the key set fetch it may need) of one callback.
const exchangeTimeout = 30 * time.Second

// Config is how to reach the provider and what to ask of it.
type Config struct {
	// Issuer is the provider's issuer URL; its discovery document is at
	// Issuer/.well-known/openid-configuration and must name the same issuer.
	Issuer string
	// ClientID and ClientSecret are the client registered with the provider. The secret goes to
	// the provider's token endpoint only; no error or log line carries it.
	ClientID, ClientSecret string
	// RedirectURL is the full URL of the callback, as registered with the provider.
	RedirectURL string
	// Scopes are asked for; empty means DefaultScopes. They must include openid.
	Scopes []string
	// GroupsClaim names the ID token claim holding the user's groups (a list of strings or one
	// string); empty means DefaultGroupsClaim.
	GroupsClaim string
	// StateKey seals the state cookie; at least MinStateKeyLen bytes, the same on every replica.
	// Empty draws a random key: a sign-in must then finish in the process that began it.
	StateKey []byte
	// HTTPClient reaches the provider (discovery, key set, token endpoint); nil is a client with
	// a 30-second timeout.
	HTTPClient *http.Client
	// Now is the clock the ID token's expiry and the state cookie's are checked against; nil is
	// time.Now.
	Now func() time.Time
}

// Provider is a discovered OpenID Connect provider, ready to sign users in. It is safe for
// concurrent use.
type Provider struct {
	oauth       oauth2.Config
	verifier    *gooidc.IDTokenVerifier
	groupsClaim string
	aead        cipher.AEAD
	client      *http.Client
	now         func() time.Time
}

// Discover fetches the provider's discovery document (within DiscoveryTimeout) and returns the
// Provider of cfg. It fails when the provider cannot be reached, names another issuer, or
// lists PKCE methods without S256.
func Discover(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("oidc: the issuer, the client id and the redirect URL are all needed")
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = strings.Fields(DefaultScopes)
	}
	if !slices.Contains(scopes, gooidc.ScopeOpenID) {
		return nil, fmt.Errorf("oidc: the scopes %q do not include openid", strings.Join(scopes, " "))
	}
	key := cfg.StateKey
	if len(key) == 0 {
		key = make([]byte, MinStateKeyLen)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("oidc: drawing a state key: %w", err)
		}
	} else if len(key) < MinStateKeyLen {
		return nil, fmt.Errorf("oidc: the state key is %d bytes; it needs at least %d", len(key), MinStateKeyLen)
	}
	aead, err := sealer(key)
	if err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: exchangeTimeout}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	dctx, cancel := context.WithTimeout(ctx, DiscoveryTimeout)
	defer cancel()
	provider, err := gooidc.NewProvider(gooidc.ClientContext(dctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovering the provider %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		PKCE []string `json:"code_challenge_methods_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("oidc: reading the discovery document of %s: %w", cfg.Issuer, err)
	}
	if len(meta.PKCE) > 0 && !slices.Contains(meta.PKCE, "S256") {
		return nil, fmt.Errorf("oidc: the provider %s does not offer PKCE with S256 (it lists %q)", cfg.Issuer, meta.PKCE)
	}
	groups := cfg.GroupsClaim
	if groups == "" {
		groups = DefaultGroupsClaim
	}
	return &Provider{
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: provider.Endpoint(),
			RedirectURL: cfg.RedirectURL, Scopes: scopes},
		verifier:    provider.Verifier(&gooidc.Config{ClientID: cfg.ClientID, Now: now}),
		groupsClaim: groups,
		aead:        aead,
		client:      client,
		now:         now,
	}, nil
}

// sealer is the AEAD of the state cookie, its key derived from key.
func sealer(key []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, key, nil, "playground oidc state cookie", 32)
	if err != nil {
		return nil, fmt.Errorf("oidc: deriving the state cookie's key: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("oidc: the state cookie's cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("oidc: the state cookie's cipher: %w", err)
	}
	return aead, nil
}

// Claims is who the provider says signed in.
type Claims struct {
	// Subject is the provider's id of the user (sub).
	Subject string
	// Email is the user's address (email), trimmed and in lower case.
	Email string
	// Name is the name claim, "" when the token has none.
	Name string
	// Groups are the groups claim's values, "" ones left out.
	Groups []string
}

// Error is a sign-in that failed: Message says why to the person signing in (never a secret, a
// code or a token), Err says more for the log.
type Error struct {
	// Message is for the sign-in page.
	Message string
	// Err is the cause, for the log; it may be nil.
	Err error
}

// Error is the message and the cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.Message
	}
	return e.Message + ": " + e.Err.Error()
}

// Unwrap is the cause.
func (e *Error) Unwrap() error { return e.Err }

// The messages of the failures a person can meet.
const (
	msgExpired    = "This sign-in expired or was begun in another browser or tab; sign in again."
	msgNoCode     = "The sign-in provider sent the browser back without a sign-in code; sign in again."
	msgExchange   = "The sign-in provider did not complete the sign-in; sign in again, or ask this Playground's admin to check its OIDC settings."
	msgBadToken   = "The sign-in provider's answer could not be verified; sign in again, or ask this Playground's admin to check its OIDC settings."
	msgNoEmail    = "The sign-in provider gave no email address (the email scope or claim may be missing); ask this Playground's admin."
	msgBadGroups  = "The sign-in provider's groups claim is neither a list of names nor a name; ask this Playground's admin to check -oidc-groups-claim."
	msgUnverified = "The sign-in provider says the email address %s is not verified."
)

// state is what the state cookie holds between Begin and Finish.
type state struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
}

// cookieAAD binds the sealed cookie to its purpose.
var cookieAAD = []byte("playground oidc state v1")

// CookieName is the state cookie's name: with the __Host- prefix when it is Secure.
func CookieName(secure bool) string {
	if secure {
		return "__Host-playground_oidc"
	}
	return "playground_oidc"
}

// Begin starts a sign-in that returns to next (a path on this site, which the caller has made
// safe): it sets the state cookie on w and returns the provider's URL to send the browser to.
func (p *Provider) Begin(w http.ResponseWriter, next string, secure bool) (string, error) {
	st := state{Verifier: oauth2.GenerateVerifier(), Next: next, Expires: p.now().Add(StateTTL).Unix()}
	var err error
	if st.State, err = random(); err != nil {
		return "", err
	}
	if st.Nonce, err = random(); err != nil {
		return "", err
	}
	value, err := p.seal(st)
	if err != nil {
		return "", err
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName(secure), Value: value, Path: "/", MaxAge: int(StateTTL.Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	return p.oauth.AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier), gooidc.Nonce(st.Nonce)), nil
}

// Finish ends the sign-in the provider sent the browser back from (r is the callback request):
// it clears the state cookie, checks the state, exchanges the code with the PKCE verifier,
// verifies the ID token (signature, issuer, audience, expiry, nonce) and reads its claims. It
// needs an email claim and refuses an email_verified claim that is false. next is the page the
// sign-in returns to, "/" when the cookie could not be read. Every failure is an *Error.
func (p *Provider) Finish(w http.ResponseWriter, r *http.Request, secure bool) (_ *Claims, next string, _ error) {
	next = "/"
	http.SetCookie(w, &http.Cookie{Name: CookieName(secure), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	q := r.URL.Query()
	var st state
	c, err := r.Cookie(CookieName(secure))
	if err == nil {
		st, err = p.open(c.Value)
	}
	if err == nil {
		next = st.Next
	}
	if code := q.Get("error"); code != "" {
		// The description is the provider's text, or anyone's who crafted the link: log it only.
		return nil, next, &Error{Message: fmt.Sprintf("The sign-in provider refused the sign-in (%s).", errorCode(code)),
			Err: fmt.Errorf("the provider answered error %q: %q", errorCode(code), truncate(q.Get("error_description"), 200))}
	}
	if err != nil {
		return nil, next, &Error{Message: msgExpired, Err: fmt.Errorf("the state cookie: %w", err)}
	}
	if got := q.Get("state"); subtle.ConstantTimeCompare([]byte(got), []byte(st.State)) != 1 {
		return nil, next, &Error{Message: msgExpired, Err: errors.New("the state parameter does not match the state cookie's")}
	}
	code := q.Get("code")
	if code == "" {
		return nil, next, &Error{Message: msgNoCode, Err: errors.New("the callback has no code parameter")}
	}
	ctx, cancel := context.WithTimeout(gooidc.ClientContext(r.Context(), p.client), exchangeTimeout)
	defer cancel()
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, next, &Error{Message: msgExchange, Err: fmt.Errorf("exchanging the code: %w", err)}
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, next, &Error{Message: msgBadToken, Err: errors.New("the token endpoint's answer has no id_token")}
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, next, &Error{Message: msgBadToken, Err: fmt.Errorf("verifying the ID token: %w", err)}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return nil, next, &Error{Message: msgBadToken, Err: errors.New("the ID token's nonce is not the one this sign-in sent")}
	}
	claims, err := p.claims(idt)
	if err != nil {
		return nil, next, err
	}
	return claims, next, nil
}

// claims reads who signed in from a verified ID token.
func (p *Provider) claims(idt *gooidc.IDToken) (*Claims, error) {
	var all map[string]json.RawMessage
	if err := idt.Claims(&all); err != nil {
		return nil, &Error{Message: msgBadToken, Err: fmt.Errorf("reading the ID token's claims: %w", err)}
	}
	var email, name string
	if err := json.Unmarshal(all["email"], &email); err != nil || strings.TrimSpace(email) == "" {
		return nil, &Error{Message: msgNoEmail, Err: errors.New("the ID token has no email claim (a string)")}
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if v, ok := all["email_verified"]; ok && isFalse(v) {
		return nil, &Error{Message: fmt.Sprintf(msgUnverified, email), Err: fmt.Errorf("email_verified is %s", v)}
	}
	if v, ok := all["name"]; ok {
		_ = json.Unmarshal(v, &name) // a name that is not a string is no name
	}
	groups, err := readGroups(all[p.groupsClaim])
	if err != nil {
		return nil, &Error{Message: msgBadGroups, Err: fmt.Errorf("the claim %q: %w", p.groupsClaim, err)}
	}
	return &Claims{Subject: idt.Subject, Email: email, Name: strings.TrimSpace(name), Groups: groups}, nil
}

// isFalse reports whether an email_verified value says false (some providers send a string).
func isFalse(v json.RawMessage) bool {
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return !b
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.EqualFold(strings.TrimSpace(s), "false")
	}
	return false
}

// readGroups reads a groups claim: absent or null is none, a string is one group, a list of
// strings is its groups; "" entries are left out.
func readGroups(v json.RawMessage) ([]string, error) {
	if len(v) == 0 || string(v) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		if one = strings.TrimSpace(one); one == "" {
			return nil, nil
		}
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(v, &list); err != nil {
		return nil, fmt.Errorf("neither a list of strings nor a string: %w", err)
	}
	out := list[:0]
	for _, g := range list {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out, nil
}

// seal is the cookie value of st.
func (p *Provider) seal(st state) (string, error) {
	plain, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("oidc: encoding the state: %w", err)
	}
	nonce := make([]byte, p.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("oidc: drawing the state cookie's nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(p.aead.Seal(nonce, nonce, plain, cookieAAD)), nil
}

// open reads a cookie value seal made, refusing one that was changed, sealed under another key
// or is past its expiry.
func (p *Provider) open(value string) (state, error) {
	var st state
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(b) < p.aead.NonceSize() {
		return st, errors.New("not a sealed state")
	}
	plain, err := p.aead.Open(nil, b[:p.aead.NonceSize()], b[p.aead.NonceSize():], cookieAAD)
	if err != nil {
		return st, errors.New("changed, or sealed under another state key (is PLAYGROUND_OIDC_STATE_KEY the same on every replica?)")
	}
	if err := json.Unmarshal(plain, &st); err != nil {
		return st, fmt.Errorf("decoding: %w", err)
	}
	if p.now().Unix() > st.Expires {
		return st, fmt.Errorf("expired at %s", time.Unix(st.Expires, 0).UTC().Format(time.RFC3339))
	}
	return st, nil
}

// random is 32 random bytes, base64url.
func random() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oidc: drawing a random value: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// errorCodeRE is what an OAuth error code is made of (RFC 6749 §4.1.2.1, its common form).
var errorCodeRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// errorCode is an error parameter fit to show: the code, or "an unknown error".
func errorCode(s string) string {
	if errorCodeRE.MatchString(s) {
		return s
	}
	return "an unknown error"
}

// truncate cuts s to at most n bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
