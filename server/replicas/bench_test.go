package replicas

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"playground/server"
	"playground/server/auth"
	"playground/server/fakeupstream"
	"playground/server/postgres/pgtest"
	"playground/server/store"
	"playground/server/team"
)

// BenchmarkChokePoint measures what the choke point adds to a model call: the same small chat
// call through a server without sign-in (open: the baseline), and through one run for a team with
// an API token, a policy with a rate limit and a budget, on SQLite and on Postgres — identity,
// policies, limits, reservation and settling. Compare the ns/op of each against open's, measured
// in the same run:
//
//	scripts/postgres-test.sh run go test -run '^$' -bench BenchmarkChokePoint -benchtime 3s ./server/replicas/
func BenchmarkChokePoint(b *testing.B) {
	fake := fakeupstream.New()
	fake.Key, fake.ChunkDelay = canary, 0
	fake.SetCatalogue(fakeupstream.AIMLAPICatalogue())
	up := httptest.NewServer(fake)
	b.Cleanup(up.Close)
	for _, tt := range []struct {
		name     string
		database func(b *testing.B) string
	}{
		{"open", nil},
		{"sqlite", func(b *testing.B) string { return filepath.Join(b.TempDir(), "playground.db") }},
		{"postgres", func(b *testing.B) string { return pgtest.NewSchema(b) }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			cfg := server.DefaultConfig()
			cfg.WebDir = b.TempDir()
			cfg.Limits.RatePerMinute, cfg.Limits.StreamsPerClient = 0, 0
			p := &cfg.Providers[0]
			p.BaseURL, p.Key = up.URL+"/v1", canary
			p.Catalog.Live, p.Catalog.LiveQuery = true, "include=all"
			header := ""
			if tt.database != nil {
				cfg.Auth, cfg.Database = auth.Local, tt.database(b)
				header = "Bearer " + seed(b, cfg.Database)
			}
			s, err := server.New(cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			ts := httptest.NewServer(s)
			b.Cleanup(ts.Close)
			waitCatalog(b, s)
			const chat = `{"model":"openai/gpt-4o","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}`
			client := ts.Client()
			b.ResetTimer()
			for b.Loop() {
				req, _ := http.NewRequest("POST", ts.URL+"/api/v1/chat/completions", strings.NewReader(chat))
				req.Header.Set("Content-Type", "application/json")
				if header != "" {
					req.Header.Set("Authorization", header)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

// seed adds a user to the store at database, in a team with a policy and budgets, and returns
// their API token.
func seed(b *testing.B, database string) string {
	ctx := context.Background()
	db, err := store.Open(ctx, database)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u, lab := &team.User{Email: "bench@example.org"}, &team.Team{Name: "Lab"}
	for _, err := range []error{db.AddUser(ctx, u), db.AddTeam(ctx, lab)} {
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := db.AddMember(ctx, &team.Membership{TeamID: lab.ID, UserID: u.ID, Role: team.Member}); err != nil {
		b.Fatal(err)
	}
	if err := db.SetPolicy(ctx, &team.Policy{Scope: team.TeamScope(lab.ID), Models: []string{"openai/*"}, RPM: 1 << 40, TPM: 1 << 50}); err != nil {
		b.Fatal(err)
	}
	for _, s := range []team.Scope{team.UserScope(u.ID), team.TeamScope(lab.ID)} {
		if err := db.SetBudget(ctx, &team.Budget{Scope: s, Period: team.Month, Limit: 1_000_000 * team.USD}); err != nil {
			b.Fatal(err)
		}
	}
	secret, tok, err := team.NewToken(u.ID, lab.ID, "bench", time.Now(), time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateToken(ctx, &tok); err != nil {
		b.Fatal(err)
	}
	return secret
}

// waitCatalog waits until the server's catalogue has the model's price, from the live list.
func waitCatalog(t testing.TB, s *server.Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range s.Catalog().Models() {
			if m.ID == model && m.Price != nil {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the live list with the model's price did not load")
}
