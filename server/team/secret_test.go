package team

import (
	"strings"
	"testing"
	"time"
)

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		secret, hash, err := NewSecret(TokenPrefix)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "pg_") || len(secret) != len("pg_")+52 || strings.ToLower(secret) != secret {
			t.Fatalf("secret %q", secret)
		}
		if hash != HashSecret(secret) || validHash("x", hash) != nil {
			t.Fatalf("hash %q", hash)
		}
		if seen[secret] {
			t.Fatal("a secret came twice")
		}
		seen[secret] = true
	}
	// SHA-256 of "abc", the standard's test vector.
	if got := HashSecret("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("HashSecret(abc) = %s", got)
	}
}

func TestToken(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	secret, tok, err := NewToken(1, 2, " laptop ", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Hash != HashSecret(secret) || tok.Display != secret[:9] || tok.Name != "laptop" || tok.UserID != 1 || tok.TeamID != 2 {
		t.Fatalf("%+v", tok)
	}
	if strings.Contains(tok.Hash, secret) {
		t.Fatal("the token keeps its secret")
	}
	tests := []struct {
		name string
		tok  func() Token
		now  time.Time
		code string
	}{
		{"live", func() Token { return tok }, now, ""},
		{"no expiry", func() Token { x := tok; x.ExpiresAt = time.Time{}; return x }, now.AddDate(10, 0, 0), ""},
		{"expired", func() Token { return tok }, now.Add(time.Hour), EUnauthorized},
		{"revoked", func() Token { x := tok; x.RevokedAt = now; return x }, now, EUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := tt.tok()
			if got := ErrorCode(x.Check(tt.now)); got != tt.code {
				t.Fatalf("Check: %q, want %q", got, tt.code)
			}
		})
	}
	invalid := []struct {
		name string
		edit func(*Token)
	}{
		{"no user", func(t *Token) { t.UserID = 0 }},
		{"bad team", func(t *Token) { t.TeamID = -1 }},
		{"bad hash", func(t *Token) { t.Hash = "abc" }},
		{"upper-case hash", func(t *Token) { t.Hash = strings.ToUpper(t.Hash) }},
		{"expires before made", func(t *Token) { t.ExpiresAt = t.CreatedAt }},
		{"long name", func(t *Token) { t.Name = strings.Repeat("n", MaxNameLen+1) }},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			x := tok
			tt.edit(&x)
			if err := x.Validate(); ErrorCode(err) != EInvalid {
				t.Fatalf("Validate: %v, want invalid", err)
			}
		})
	}
	if _, _, err := NewToken(0, 0, "", now, time.Time{}); ErrorCode(err) != EInvalid {
		t.Fatalf("a token without a user: %v", err)
	}
}

func TestSession(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p := SessionPolicy{Idle: time.Hour, Absolute: 3 * time.Hour}
	secret, s, err := NewSession(7, now, p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, SessionPrefix) || s.Hash != HashSecret(secret) || s.UserID != 7 || !s.ExpiresAt.Equal(now.Add(3*time.Hour)) {
		t.Fatalf("%q %+v", secret, s)
	}
	tests := []struct {
		name   string
		seenAt time.Time
		now    time.Time
		code   string
	}{
		{"fresh", now, now, ""},
		{"idle almost", now, now.Add(time.Hour - 1), ""},
		{"idle", now, now.Add(time.Hour), EUnauthorized},
		{"used recently", now.Add(150 * time.Minute), now.Add(170 * time.Minute), ""},
		{"absolute end despite use", now.Add(170 * time.Minute), now.Add(3 * time.Hour), EUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := s
			x.SeenAt = tt.seenAt
			if got := ErrorCode(x.Check(tt.now)); got != tt.code {
				t.Fatalf("Check: %q, want %q (expiry %v)", got, tt.code, x.Expiry())
			}
		})
	}
	for _, bad := range []SessionPolicy{{0, time.Hour}, {time.Hour, 0}, {time.Hour, -time.Hour}} {
		if _, _, err := NewSession(7, now, bad); ErrorCode(err) != EInvalid {
			t.Errorf("policy %+v: %v, want invalid", bad, err)
		}
	}
	if _, _, err := NewSession(0, now, p); ErrorCode(err) != EInvalid {
		t.Errorf("no user: %v", err)
	}
}
