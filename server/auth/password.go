// Package auth holds the pieces of sign-in that do not depend on a store: the -auth modes, the
// new-user policy (-auth-new-users), argon2id password hashes (the local mode), the session
// cookie, and the identity a trusted reverse proxy puts in a header (the header mode), believed
// only from a peer in the trusted networks and read again on every request.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: 64 MiB of memory, 3 passes, 2 lanes — above OWASP's minimum (19 MiB, 2
// passes, 1 lane); BenchmarkHashPassword: about 65 ms per hash on the 2-core CI machine.
const (
	argonMemory  = 64 << 10 // KiB
	argonTime    = 3
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordRunes is the shortest password taken.
const MinPasswordRunes = 12

// MaxPasswordBytes is the longest password taken (a bound on the work one sign-in can ask).
const MaxPasswordBytes = 1024

// ErrMismatch is the error of a password that does not match its hash.
var ErrMismatch = errors.New("the password does not match")

// CheckNewPassword says why a password cannot be set, naming the rule; nil when it can.
func CheckNewPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return errors.New("password: must be valid UTF-8 text")
	case n < MinPasswordRunes:
		return fmt.Errorf("password: is %d characters; it needs at least %d", n, MinPasswordRunes)
	case len(pw) > MaxPasswordBytes:
		return fmt.Errorf("password: is longer than %d bytes", MaxPasswordBytes)
	}
	return nil
}

// HashPassword hashes a password with argon2id and a random salt, in the PHC string format:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash> (unpadded base64).
func HashPassword(pw string) (string, error) {
	if err := CheckNewPassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("making a salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword checks a password against a hash from HashPassword, in constant time; a hash
// that cannot be read is an error other than ErrMismatch.
func CheckPassword(hash, pw string) error {
	p, err := parseHash(hash)
	if err != nil {
		return err
	}
	if len(pw) > MaxPasswordBytes {
		return ErrMismatch
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	if subtle.ConstantTimeCompare(key, p.key) != 1 {
		return ErrMismatch
	}
	return nil
}

// argonHash is a parsed PHC argon2id string.
type argonHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parseHash reads a PHC argon2id string, bounding its parameters (a stored hash must not be able
// to ask for unbounded work).
func parseHash(s string) (argonHash, error) {
	var h argonHash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, errors.New("password hash: not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return h, fmt.Errorf("password hash: version %q is not %d", parts[2], argon2.Version)
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &threads); err != nil {
		return h, fmt.Errorf("password hash: parameters %q: %w", parts[3], err)
	}
	if h.memory < 8 || h.memory > 1<<20 || h.time < 1 || h.time > 16 || threads < 1 || threads > 16 {
		return h, fmt.Errorf("password hash: parameters %q are out of bounds", parts[3])
	}
	h.threads = uint8(threads)
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, errors.New("password hash: the salt is not base64 of 8 bytes or more")
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return h, errors.New("password hash: the key is not base64 of 16 to 64 bytes")
	}
	return h, nil
}
