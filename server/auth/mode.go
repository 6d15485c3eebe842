package auth

import (
	"fmt"
	"strings"
)

// Mode is how the server knows who calls (-auth).
type Mode string

// The modes.
const (
	// None is one user on a laptop: no sign-in (the default).
	None Mode = "none"
	// Header believes a trusted reverse proxy's identity header.
	Header Mode = "header"
	// OIDC signs in with an OpenID Connect provider (authorization code, PKCE, nonce).
	OIDC Mode = "oidc"
	// Local signs in users with argon2id passwords kept by the server.
	Local Mode = "local"
)

// ParseMode reads an -auth value ("" is None).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return None, nil
	case None, Header, OIDC, Local:
		return m, nil
	}
	return "", fmt.Errorf("auth: %q is not a mode; the modes are none, header, oidc and local", s)
}

// SignsIn reports whether the mode needs an identity on every route but the open ones.
func (m Mode) SignsIn() bool { return m != None && m != "" }

// HasSignInPage reports whether the mode signs browsers in at /login (local, oidc): a page
// request without an identity is sent there.
func (m Mode) HasSignInPage() bool { return m == Local || m == OIDC }

// NewUsers is what the header and oidc modes do with an email address no user has
// (-auth-new-users).
type NewUsers string

// The new-user policies.
const (
	// Refuse refuses the address: an admin adds its user first (the default).
	Refuse NewUsers = "refuse"
	// Create adds the user on their first sign-in, in no team (groups may add them to some).
	Create NewUsers = "create"
)

// ParseNewUsers reads an -auth-new-users value ("" is Refuse).
func ParseNewUsers(s string) (NewUsers, error) {
	switch n := NewUsers(strings.ToLower(strings.TrimSpace(s))); n {
	case "":
		return Refuse, nil
	case Refuse, Create:
		return n, nil
	}
	return "", fmt.Errorf("auth-new-users: %q is neither refuse nor create", s)
}
