package quota

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"playground/app/catalog"
	"playground/server/postgres"
	"playground/server/postgres/pgtest"
	"playground/server/ratelimit"
	"playground/server/sqlite"
	"playground/server/team"
	"playground/server/team/storetest"
)

// openSQLite is a new SQLite store in the test's directory.
func openSQLite(tb testing.TB) team.Store {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "playground.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// openPostgres is a new Postgres store in a schema of the test's own.
func openPostgres(tb testing.TB) team.Store {
	tb.Helper()
	db, err := postgres.Open(context.Background(), pgtest.NewSchema(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func price(in, out float64) *catalog.Price { return &catalog.Price{Input: &in, Output: &out} }

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// TestAdmit walks the choke point's steps: a model a policy does not allow, a rate limit, a
// budget; each refusal names the scope, and one refused late holds nothing of the steps before.
func TestAdmit(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	f := storetest.NewFixture(t, db)
	now := storetest.T0
	q := New(Config{Store: db, Now: func() time.Time { return now }})
	call := Call{Scopes: f.Scopes(), Model: "openai/gpt-4o", Aliases: []string{"gpt-4o"}, Price: price(2, 8), InputTokens: 1000, OutputTokens: 1000}

	must(t, db.SetPolicy(ctx, &team.Policy{Scope: team.TeamScope(f.Lab.ID), Models: []string{"gpt-*", "mistral/*"}}))
	tk, err := q.Admit(ctx, call) // by its alias
	must(t, err)
	if tk.Reserved() != CostOf(call.Price, 1000, 1000) || !strings.HasPrefix(tk.RequestID(), "req_") {
		t.Errorf("reserved %s as %s", tk.Reserved(), tk.RequestID())
	}
	must(t, tk.Settle(ctx, Spent{InputTokens: 10, OutputTokens: 20}, team.Usage{Model: call.Model}))

	other := call
	other.Model, other.Aliases = "anthropic/claude-3", nil
	_, err = q.Admit(ctx, other)
	if team.ErrorCode(err) != team.EForbidden || team.ErrorMessage(err) != "the team 1 may not run anthropic/claude-3: it may run only gpt-*, mistral/*" {
		t.Errorf("a model the team may not run: %v", err)
	}

	// Two calls at once for Ada: the third waits, saying so; a budget refusal frees its slot.
	must(t, db.SetPolicy(ctx, &team.Policy{Scope: team.UserScope(f.Ada.ID), Concurrent: 2}))
	a, err := q.Admit(ctx, call)
	must(t, err)
	b, err := q.Admit(ctx, call)
	must(t, err)
	_, err = q.Admit(ctx, call)
	var te *team.Error
	if team.ErrorCode(err) != team.ERateLimited || !errors.As(err, &te) || !strings.Contains(te.Message, "user 1") {
		t.Errorf("a third call at once: %v", err)
	}
	must(t, a.Settle(ctx, Spent{}, team.Usage{}))
	must(t, b.Settle(ctx, Spent{}, team.Usage{}))

	must(t, db.SetBudget(ctx, &team.Budget{Scope: team.TokenScope(f.Tok.ID), Period: team.Day, Limit: 3 * team.Cent / 2}))
	_, err = q.Admit(ctx, call) // reserves 1 cent: fits beside the 0.018 cents spent
	must(t, err)
	_, err = q.Admit(ctx, call)
	if team.ErrorCode(err) != team.EBudgetExceeded || !strings.Contains(team.ErrorMessage(err), "token 1 budget") {
		t.Errorf("over the token's budget: %v", err)
	}
	// The refused call holds no slot: one more fits beside the first once the budget is lifted.
	must(t, db.DeleteBudget(ctx, team.TokenScope(f.Tok.ID), team.Day))
	if _, err := q.Admit(ctx, call); err != nil {
		t.Errorf("the budget's refusal kept a slot: %v", err)
	}
}

// TestCost: the provider's figure first (dollars, then credits), else its tokens at the price,
// else the reservation for a call cut short, else the server's estimate.
func TestCost(t *testing.T) {
	tk := &Ticket{call: Call{Price: price(1, 2)}, reserved: 7 * team.Cent}
	for _, tt := range []struct {
		name   string
		s      Spent
		cost   team.Money
		source team.CostSource
	}{
		{"dollars", Spent{USD: 0.00105, Credits: 9, InputTokens: 5}, 1_050_000, team.CostProvider},
		{"credits", Spent{Credits: 2100, InputTokens: 5}, 1_050_000, team.CostProvider},
		{"tokens", Spent{InputTokens: 1000, OutputTokens: 500, EstimatedTokens: 9000}, 2000 * team.NanoUSD * 1000, team.CostPrice},
		{"cut", Spent{EstimatedTokens: 9000, Cut: true}, 7 * team.Cent, team.CostReservation},
		{"estimate", Spent{EstimatedTokens: 1000}, 2000 * team.NanoUSD * 1000, team.CostEstimate},
		{"nothing", Spent{}, 0, team.CostEstimate},
		{"nonsense dollars", Spent{USD: -1, InputTokens: 1000}, 1000 * team.NanoUSD * 1000, team.CostPrice},
	} {
		if cost, source := tk.Cost(tt.s); cost != tt.cost || source != tt.source {
			t.Errorf("%s: %s from %s, want %s from %s", tt.name, cost, source, tt.cost, tt.source)
		}
	}
}

func TestCostOf(t *testing.T) {
	p := price(0.5, 1.5)
	if got := CostOf(p, 1_000_000, 2_000_000); got != 35*team.USD/10 {
		t.Errorf("CostOf = %s", got)
	}
	if got := CostOf(p, 1, 0); got != 500 {
		t.Errorf("CostOf of one token = %d nano-dollars, want 500", got)
	}
	tiny := 0.0001
	if got := CostOf(&catalog.Price{Input: &tiny}, 1, 0); got != 1 { // a tenth of a nano-dollar, rounded up
		t.Errorf("CostOf of a tenth of a nano-dollar = %d", got)
	}
	if got := CostOf(nil, 100, 100); got != 0 {
		t.Errorf("CostOf without a price = %d", got)
	}
}

// TestSettleWritesUsage: the usage row has the cost, its source, the provider's tokens; settling
// twice charges once.
func TestSettleWritesUsage(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	f := storetest.NewFixture(t, db)
	q := New(Config{Store: db, Now: func() time.Time { return storetest.T0 }})
	tk, err := q.Admit(ctx, Call{Scopes: f.Scopes(), Model: "m", Price: price(1, 1), InputTokens: 10, OutputTokens: 10})
	must(t, err)
	u := team.Usage{Provider: "aimlapi", Model: "m", Kind: "chat", Status: 200}
	must(t, tk.Settle(ctx, Spent{Credits: 2000, InputTokens: 3, OutputTokens: 4}, u))
	must(t, tk.Settle(ctx, Spent{USD: 5}, u))
	rows, err := db.ListUsage(ctx, team.UsageFilter{})
	must(t, err)
	if len(rows) != 1 || rows[0].Cost != team.Money(1_000_000) || rows[0].CostSource != team.CostProvider || rows[0].InputTokens != 3 ||
		rows[0].OutputTokens != 4 || rows[0].TeamID != f.Lab.ID || !rows[0].Time.Equal(storetest.T0) {
		t.Errorf("usage %+v", rows)
	}
}

// TestLimiterDown: a limiter that fails refuses the call (the default fail policy) with an
// internal error, and reserves nothing.
func TestLimiterDown(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	f := storetest.NewFixture(t, db)
	must(t, db.SetPolicy(ctx, &team.Policy{Scope: team.UserScope(f.Ada.ID), RPM: 10}))
	q := New(Config{Store: db, Limiter: ratelimit.WithFailPolicy(brokenLimiter{}, false, nil)})
	_, err := q.Admit(ctx, Call{Scopes: f.Scopes(), Model: "m"})
	if err == nil {
		t.Fatal("admitted with the limiter down")
	}
	if bs, _ := db.ListBudgets(ctx, time.Now()); len(bs) != 0 {
		t.Errorf("budgets %+v", bs)
	}
}

type brokenLimiter struct{}

func (brokenLimiter) Admit(context.Context, string, []ratelimit.Rule, int64, time.Time) (ratelimit.Admission, error) {
	return nil, errors.New("connection refused")
}

// benchmarkAdmit measures the choke point on one call: policies read, a rate limit counted, the
// cost reserved and settled, with the store open makes.
func benchmarkAdmit(b *testing.B, open func(testing.TB) team.Store) {
	ctx := context.Background()
	db := open(b)
	f := storetest.NewFixture(b, db)
	must(b, db.SetPolicy(ctx, &team.Policy{Scope: team.TeamScope(f.Lab.ID), Models: []string{"openai/*"}, RPM: 1 << 40}))
	must(b, db.SetBudget(ctx, &team.Budget{Scope: team.UserScope(f.Ada.ID), Period: team.Month, Limit: 1000 * team.USD}))
	q := New(Config{Store: db})
	call := Call{Scopes: f.Scopes(), Model: "openai/gpt-4o", Price: price(1, 1), InputTokens: 100, OutputTokens: 100}
	b.ResetTimer()
	for b.Loop() {
		tk, err := q.Admit(ctx, call)
		if err != nil {
			b.Fatal(err)
		}
		if err := tk.Settle(ctx, Spent{InputTokens: 50, OutputTokens: 50}, team.Usage{Model: call.Model}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdmitSQLite(b *testing.B)   { benchmarkAdmit(b, openSQLite) }
func BenchmarkAdmitPostgres(b *testing.B) { benchmarkAdmit(b, openPostgres) }
