// Package access decides who calls, under the server's -auth mode: a personal API token
// (`Authorization: Bearer pg_…`, in every mode but none, so any OpenAI SDK pointed at /api/v1 calls
// as its user), a trusted reverse proxy's identity header (header), or the session cookie the
// sign-in makes (local: a password; oidc: an OpenID Connect provider, see server/oidc). Require
// puts every route but the open ones behind an identity: the API answers 401, the app sends the
// browser to the sign-in page. The identity travels in the request's context to the one choke
// point that charges each model call (see server's budget step).
//
// Under header and oidc, an address no user has is refused or becomes a new user (NewUsers), and
// the groups the proxy or the provider names add the user to the teams of the same names (see
// joinTeams).
package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"playground/server/auth"
	"playground/server/httperr"
	"playground/server/oidc"
	"playground/server/team"
)

// Identity is who a request is from.
type Identity struct {
	// User is the user.
	User team.User
	// TeamID is the team the user's calls are billed to: the token's, else the one the request's
	// TeamHeader names, else the user's first team, else 0 (in no team).
	TeamID int64
	// TokenID is the personal API token the request carried, 0 for none.
	TokenID int64
	// Via says how it was known: "token", "session" or "header".
	Via string
}

// Scopes are the budget scopes a call by the identity is charged to.
func (id *Identity) Scopes() []team.Scope { return team.CallScopes(id.User.ID, id.TeamID, id.TokenID) }

type identityKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// From is the identity ctx carries, nil for none (-auth none, or an open route).
func From(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}

// Store is what access needs of the store.
type Store interface {
	team.Users
	team.Teams
	team.Tokens
	team.Sessions
	team.Passwords
	team.Audit
}

// Config is how access works.
type Config struct {
	// Mode is the -auth mode; None makes Require a pass-through.
	Mode auth.Mode
	// Store holds users, tokens and sessions.
	Store Store
	// TrustedProxies are the peers whose headers (identity, X-Forwarded-Proto) are believed.
	TrustedProxies []netip.Prefix
	// Header and GroupsHeader are the header mode's identity and groups headers; with no
	// GroupsHeader, the header mode adds no one to a team.
	Header, GroupsHeader string
	// OIDC is the oidc mode's provider; required under that mode.
	OIDC *oidc.Provider
	// NewUsers is what the header and oidc modes do with an address no user has; "" is
	// auth.Refuse.
	NewUsers auth.NewUsers
	// Sessions is how long sessions (local and oidc) last.
	Sessions team.SessionPolicy
	// Log receives sign-in failures (never a password or a secret).
	Log *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Access identifies requests.
type Access struct {
	cfg Config
	// groups is when each user's proxy groups were last made teams (the header mode).
	groups groupsSeen
}

// New returns the access of cfg.
func New(cfg Config) *Access {
	if cfg.Header == "" {
		cfg.Header = auth.DefaultHeader
	}
	if cfg.Sessions.Idle <= 0 || cfg.Sessions.Absolute <= 0 {
		cfg.Sessions = team.DefaultSessionPolicy
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewUsers == "" {
		cfg.NewUsers = auth.Refuse
	}
	return &Access{cfg: cfg, groups: groupsSeen{m: map[int64]groupsMark{}}}
}

// Mode is the -auth mode.
func (a *Access) Mode() auth.Mode { return a.cfg.Mode }

// Identify is who r is from: nil (and no error) when it carries no identity, an error when it
// carries one that opens nothing (a revoked or expired token, an ended session, a proxy's user
// this instance does not know).
func (a *Access) Identify(r *http.Request) (*Identity, error) {
	ctx, now := r.Context(), a.cfg.Now()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(secret, team.TokenPrefix) {
			return nil, team.Errorf(team.EUnauthorized, "the Authorization header is not a Playground API token (Bearer %s…)", team.TokenPrefix)
		}
		tok, err := a.cfg.Store.FindTokenByHash(ctx, team.HashSecret(strings.TrimSpace(secret)), now)
		if err != nil {
			if team.ErrorCode(err) == team.ENotFound {
				return nil, team.Errorf(team.EUnauthorized, "the API token is not one of this instance's")
			}
			return nil, err
		}
		return a.identity(r, tok.UserID, tok.TeamID, tok.ID, "token")
	}
	switch a.cfg.Mode {
	case auth.Header:
		hid, ok := auth.ProxyHeaders(r, a.cfg.TrustedProxies, a.cfg.Header, a.cfg.GroupsHeader)
		if !ok {
			return nil, nil
		}
		u, err := a.signInUser(ctx, hid.Email, "", viaHeader)
		if err != nil {
			return nil, err
		}
		if err := a.headerGroups(ctx, u, hid.Groups, now); err != nil {
			return nil, err
		}
		return a.identity(r, u.ID, 0, 0, "header")
	case auth.Local, auth.OIDC:
		secret := sessionSecret(r)
		if secret == "" {
			return nil, nil
		}
		hash := team.HashSecret(secret)
		s, err := a.cfg.Store.FindSession(ctx, hash, now)
		if err != nil {
			if code := team.ErrorCode(err); code == team.ENotFound || code == team.EUnauthorized {
				return nil, nil // an old cookie: sign in again
			}
			return nil, err
		}
		// Push the idle end back at most once a minute: not a write on every request.
		if now.Sub(s.SeenAt) >= touchEvery {
			if err := a.cfg.Store.TouchSession(ctx, hash, now); err != nil && team.ErrorCode(err) == "" {
				return nil, err
			}
		}
		return a.identity(r, s.UserID, 0, 0, "session")
	}
	return nil, nil
}

// touchEvery is how stale a session's last use may be before a request records it again.
const touchEvery = time.Minute

// sessionSecret is the session cookie's value, under either name (see auth.CookieName).
func sessionSecret(r *http.Request) string {
	if s := auth.SessionToken(r, true); s != "" {
		return s
	}
	return auth.SessionToken(r, false)
}

// TeamHeader names the team a request's calls are billed to, for a user in several teams (a
// token's own team wins over it).
const TeamHeader = "X-Playground-Team"

// identity builds the identity of a user, billed to teamID when not 0 (a token's team), else to
// the team r's TeamHeader names, else to their first team (by id): a user in a team is always
// held to a team's policy and budget. A TeamHeader naming a team the user is not in is EForbidden.
func (a *Access) identity(r *http.Request, userID, teamID, tokenID int64, via string) (*Identity, error) {
	ctx := r.Context()
	u, err := a.cfg.Store.FindUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("access: finding the user %d: %w", userID, err)
	}
	if teamID == 0 {
		ms, err := a.cfg.Store.ListMemberships(ctx, userID)
		if err != nil {
			return nil, fmt.Errorf("access: the teams of user %d: %w", userID, err)
		}
		if name := strings.TrimSpace(r.Header.Get(TeamHeader)); name != "" {
			t, err := a.cfg.Store.FindTeamByName(ctx, name)
			if err != nil && team.ErrorCode(err) != team.ENotFound {
				return nil, fmt.Errorf("access: finding the team %q: %w", name, err)
			}
			for _, m := range ms {
				if t != nil && m.TeamID == t.ID {
					teamID = t.ID
				}
			}
			if teamID == 0 {
				return nil, team.Errorf(team.EForbidden, "%s: %s is not in a team called %q", TeamHeader, u.Email, name)
			}
		} else if len(ms) > 0 {
			teamID = ms[0].TeamID
		}
	}
	return &Identity{User: *u, TeamID: teamID, TokenID: tokenID, Via: via}, nil
}

// Require puts next behind an identity, under the modes that sign in: a request for an open route
// (open reports which) passes as it is; any other needs an identity — an API request (api reports
// which) without one is 401, a page request goes to the sign-in page (local, oidc) or is 401 with
// how to sign in (header). The identity is put in the request's context. Under -auth none,
// Require is next, except that a request with an API token is still identified (and refused when
// the token opens nothing).
func (a *Access) Require(next http.Handler, open, api func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if open(r) {
			next.ServeHTTP(w, r)
			return
		}
		if !a.cfg.Mode.SignsIn() && r.Header.Get("Authorization") == "" {
			next.ServeHTTP(w, r)
			return
		}
		id, err := a.Identify(r)
		if err != nil {
			a.refuse(w, r, err)
			return
		}
		if id == nil {
			if !a.cfg.Mode.SignsIn() {
				next.ServeHTTP(w, r)
				return
			}
			if api(r) || !a.cfg.Mode.HasSignInPage() {
				a.refuse(w, r, team.Errorf(team.EUnauthorized, "%s", a.signInHint()))
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithIdentity(r.Context(), id)))
	})
}

// signInHint says how to sign in under the mode.
func (a *Access) signInHint() string {
	switch a.cfg.Mode {
	case auth.Header:
		return "Sign in through this Playground's sign-in proxy, or send a personal API token as Authorization: Bearer pg_…"
	case auth.Local, auth.OIDC:
		return "Sign in at /login, or send a personal API token as Authorization: Bearer pg_…"
	}
	return "Send a personal API token as Authorization: Bearer pg_…"
}

// refuse answers a request whose identity opens nothing, or could not be checked (the store
// unreachable: 503, the cause in the log).
func (a *Access) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if team.ErrorCode(err) == "" {
		httperr.Respond(w, r, a.cfg.Log, &httperr.Error{Code: httperr.EStoreUnavailable, Err: fmt.Errorf("identifying the request: %w", err),
			Message: "The playground could not check who is calling: its user store is unreachable. Try again in a moment."})
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="playground"`)
	httperr.Respond(w, r, a.cfg.Log, HTTPError(err))
}

// HTTPError is a domain error (see team.Error) as the server answers it: the same code, whose
// status the httperr table says, and the same message; nil when err is not one.
func HTTPError(err error) *httperr.Error {
	msg := team.ErrorMessage(err)
	switch team.ErrorCode(err) {
	case team.ENotFound:
		return &httperr.Error{Code: httperr.ENotFound, Message: msg, Err: err}
	case team.EConflict:
		return &httperr.Error{Code: httperr.EConflict, Message: msg, Err: err}
	case team.EInvalid:
		return &httperr.Error{Code: httperr.EInvalid, Message: msg, Err: err}
	case team.EUnauthorized:
		return &httperr.Error{Code: httperr.EUnauthorized, Message: msg, Err: err}
	case team.EBudgetExceeded:
		he := &httperr.Error{Code: httperr.EBudgetExceeded, Message: msg, Err: err}
		var e *team.Error
		if errors.As(err, &e) && e.Budget != nil {
			he.RetryAfter = retrySeconds(time.Until(e.Budget.ResetsAt))
		}
		return he
	case team.EForbidden:
		return &httperr.Error{Code: httperr.EForbidden, Message: msg, Err: err}
	case team.ERateLimited:
		he := &httperr.Error{Code: httperr.ERateLimited, Message: msg, Err: err}
		var e *team.Error
		if errors.As(err, &e) {
			he.RetryAfter = retrySeconds(e.RetryAfter)
		}
		return he
	}
	return nil
}

// retrySeconds is d as a Retry-After: whole seconds, rounded up; 0 (none) when d is not positive.
func retrySeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// secure reports whether r reached the server over https (itself, or a trusted proxy that says so).
func (a *Access) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return r.Header.Get("X-Forwarded-Proto") == "https" && trustedPeer(r.RemoteAddr, a.cfg.TrustedProxies)
}

// trustedPeer reports whether remoteAddr is in trusted.
func trustedPeer(remoteAddr string, trusted []netip.Prefix) bool {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false
	}
	for _, p := range trusted {
		if p.Contains(ap.Addr().Unmap()) {
			return true
		}
	}
	return false
}
