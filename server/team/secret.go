package team

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Secret prefixes: a token or session secret says what it is, so a leaked one is recognised (by a
// person or a secret scanner).
const (
	// TokenPrefix starts every personal API token.
	TokenPrefix = "pg_"
	// SessionPrefix starts every session secret (the cookie's value).
	SessionPrefix = "pgs_"
)

// secretBytes is the randomness in a secret: 256 bits.
const secretBytes = 32

// displayLen is how much of a token's secret is kept to show it in a list ("pg_abcd").
const displayLen = len(TokenPrefix) + 6

// b32 is the encoding of secrets: lower-case base32 without padding, easy to copy and to select.
var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewSecret returns a new random secret, prefix followed by 256 bits from crypto/rand in base32,
// and its hash (see HashSecret). The secret is shown once; only the hash is stored.
func NewSecret(prefix string) (secret, hash string, err error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("team: generating a secret: %w", err)
	}
	secret = prefix + b32.EncodeToString(b)
	return secret, HashSecret(secret), nil
}

// HashSecret is the SHA-256 of a secret in lower-case hex: what stores keep and find tokens and
// sessions by. The secrets are 256 random bits, so a fast hash is enough.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// validHash refuses what is not a HashSecret with an EInvalid error.
func validHash(what, h string) error {
	if len(h) != 2*sha256.Size || strings.ToLower(h) != h {
		return Errorf(EInvalid, "%s's hash is not a SHA-256 in lower-case hex", what)
	}
	if _, err := hex.DecodeString(h); err != nil {
		return Errorf(EInvalid, "%s's hash is not a SHA-256 in lower-case hex", what)
	}
	return nil
}

// Token is a personal API token: its user calls models with it instead of signing in. Only its
// hash is stored; the secret is shown once, when it is made (see NewToken).
type Token struct {
	// ID is the store's id, set by Tokens.CreateToken.
	ID int64
	// UserID is whose token it is.
	UserID int64
	// TeamID is the team its calls are billed to, of which the user is a member; 0 for none.
	TeamID int64
	// Name says what the token is for ("laptop", "CI").
	Name string
	// Hash is HashSecret of the secret.
	Hash string
	// Display is the start of the secret ("pg_abcdef"), to tell tokens apart in a list.
	Display string
	// CreatedAt is when the token was made.
	CreatedAt time.Time
	// ExpiresAt is when the token stops working; zero for never.
	ExpiresAt time.Time
	// RevokedAt is when the token was revoked; zero while it was not.
	RevokedAt time.Time
}

// NewToken makes a token for a user (billed to teamID, 0 for none), named name, expiring at
// expires (zero for never): the secret to show once and the Token to store.
func NewToken(userID, teamID int64, name string, now, expires time.Time) (secret string, t Token, err error) {
	secret, hash, err := NewSecret(TokenPrefix)
	if err != nil {
		return "", Token{}, err
	}
	t = Token{UserID: userID, TeamID: teamID, Name: name, Hash: hash, Display: secret[:displayLen], CreatedAt: now.UTC()}
	if !expires.IsZero() {
		t.ExpiresAt = expires.UTC()
	}
	if err := t.Validate(); err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// Validate refuses a token without a user, with a bad hash, a name too long or an expiry before
// its creation, with an EInvalid error.
func (t *Token) Validate() error {
	t.Name = strings.TrimSpace(t.Name)
	switch {
	case t.UserID <= 0:
		return Errorf(EInvalid, "the token has no user")
	case t.TeamID < 0:
		return Errorf(EInvalid, "the token's team %d is not an id", t.TeamID)
	case !t.ExpiresAt.IsZero() && !t.CreatedAt.IsZero() && !t.ExpiresAt.After(t.CreatedAt):
		return Errorf(EInvalid, "the token would expire (%s) before it is made", t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if err := validHash("the token", t.Hash); err != nil {
		return err
	}
	return validName("the token's name", t.Name, false)
}

// Check refuses a token that was revoked or has expired at now with an EUnauthorized error.
func (t *Token) Check(now time.Time) error {
	switch {
	case !t.RevokedAt.IsZero():
		return Errorf(EUnauthorized, "the token %s was revoked", t.Display)
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return Errorf(EUnauthorized, "the token %s expired at %s", t.Display, t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// SessionPolicy is how long sessions last.
type SessionPolicy struct {
	// Idle is how long a session lasts without use.
	Idle time.Duration
	// Absolute is how long a session lasts at most, used or not.
	Absolute time.Duration
}

// DefaultSessionPolicy is 24 hours idle, 30 days at most.
var DefaultSessionPolicy = SessionPolicy{Idle: 24 * time.Hour, Absolute: 30 * 24 * time.Hour}

// Session is a signed-in browser: the cookie holds its secret, the store its hash.
type Session struct {
	// ID is the store's id, set by Sessions.CreateSession.
	ID int64
	// Hash is HashSecret of the secret.
	Hash string
	// UserID is who signed in.
	UserID int64
	// CreatedAt is when the user signed in.
	CreatedAt time.Time
	// SeenAt is when the session was last used (see Sessions.TouchSession).
	SeenAt time.Time
	// Idle is how long the session lasts unused.
	Idle time.Duration
	// ExpiresAt is when the session ends, used or not.
	ExpiresAt time.Time
}

// NewSession makes a session for a user signing in at now: the secret for the cookie and the
// Session to store.
func NewSession(userID int64, now time.Time, p SessionPolicy) (secret string, s Session, err error) {
	secret, hash, err := NewSecret(SessionPrefix)
	if err != nil {
		return "", Session{}, err
	}
	now = now.UTC()
	s = Session{Hash: hash, UserID: userID, CreatedAt: now, SeenAt: now, Idle: p.Idle, ExpiresAt: now.Add(p.Absolute)}
	if err := s.Validate(); err != nil {
		return "", Session{}, err
	}
	return secret, s, nil
}

// Validate refuses a session without a user, with a bad hash or without a positive lifetime, with
// an EInvalid error.
func (s *Session) Validate() error {
	switch {
	case s.UserID <= 0:
		return Errorf(EInvalid, "the session has no user")
	case s.Idle <= 0:
		return Errorf(EInvalid, "the session's idle timeout %s is not positive", s.Idle)
	case !s.ExpiresAt.After(s.CreatedAt):
		return Errorf(EInvalid, "the session would end before it starts")
	}
	return validHash("the session", s.Hash)
}

// Expiry is when the session ends unless it is used again: its idle end or its absolute end,
// whichever comes first.
func (s *Session) Expiry() time.Time {
	if idle := s.SeenAt.Add(s.Idle); idle.Before(s.ExpiresAt) {
		return idle
	}
	return s.ExpiresAt
}

// Check refuses a session that has ended at now with an EUnauthorized error.
func (s *Session) Check(now time.Time) error {
	if !now.Before(s.Expiry()) {
		return Errorf(EUnauthorized, "the session has ended; sign in again")
	}
	return nil
}
