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
