package media

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Media token errors.
var (
	// errMediaTokenInvalid: the token is malformed, or its signature is not this server's.
	errMediaTokenInvalid = errors.New("media token invalid")
	// errMediaTokenExpired: the token is this server's but its lifetime is over.
	errMediaTokenExpired = errors.New("media token expired")
)

// signer mints and checks media tokens. A token is the base64url (unpadded) encoding of
// the payload — expiry (unix seconds, 8 bytes big-endian) | provider name length (1 byte) |
// provider name | file URL — followed by its HMAC-SHA256 under a random key made at start, so
// tokens die with the process.
type signer struct {
	key      []byte
	lifetime time.Duration
	now      func() time.Time
}

// newSigner returns a signer with a fresh random 32-byte key and tokenLifetime.
func newSigner() (*signer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("media signing key: %w", err)
	}
	return &signer{key: key, lifetime: tokenLifetime, now: time.Now}, nil
}

// mac returns the HMAC-SHA256 of payload.
func (m *signer) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, m.key)
	h.Write(payload)
	return h.Sum(nil)
}

// mint returns a token for provider's file at rawURL, valid for the signer's lifetime; false when
// the provider's name is too long to encode.
func (m *signer) mint(provider, rawURL string) (string, bool) {
	if provider == "" || len(provider) > 255 {
		return "", false
	}
	b := make([]byte, 0, 9+len(provider)+len(rawURL)+sha256.Size)
	b = binary.BigEndian.AppendUint64(b, uint64(m.now().Add(m.lifetime).Unix()))
	b = append(b, byte(len(provider)))
	b = append(b, provider...)
	b = append(b, rawURL...)
	b = append(b, m.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b), true
}

// open checks a token's signature, then its expiry, and returns the provider and URL it was
// minted for; errMediaTokenInvalid or errMediaTokenExpired otherwise.
func (m *signer) open(token string) (provider, rawURL string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 9+1+sha256.Size {
		return "", "", errMediaTokenInvalid
	}
	payload, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if !hmac.Equal(sum, m.mac(payload)) {
		return "", "", errMediaTokenInvalid
	}
	n := int(payload[8])
	if n == 0 || 9+n > len(payload) {
		return "", "", errMediaTokenInvalid
	}
	exp := int64(binary.BigEndian.Uint64(payload[:8]))
	if m.now().Unix() > exp {
		return "", "", errMediaTokenExpired
	}
	return string(payload[9 : 9+n]), string(payload[9+n:]), nil
}
