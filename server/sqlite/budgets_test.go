package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"playground/server/team"
)

// status is the budget of scope per period as ListBudgets reports it at now.
func status(t testing.TB, db *DB, now time.Time, scope team.Scope, period team.Period) team.BudgetStatus {
	t.Helper()
	list, err := db.ListBudgets(context.Background(), now, scope)
	must(t, err)
	for _, st := range list {
		if st.Period == period {
			return st
		}
	}
	t.Fatalf("the %s has no budget per %s: %+v", scope, period, list)
	return team.BudgetStatus{}
}

// wantCounters fails unless the budget's current period has spent and reserved.
func wantCounters(t testing.TB, db *DB, now time.Time, scope team.Scope, period team.Period, spent, reserved team.Money) {
	t.Helper()
	st := status(t, db, now, scope, period)
	if st.Spent != spent || st.Reserved != reserved {
		t.Fatalf("the %s budget per %s: spent %s reserved %s, want spent %s reserved %s", scope, period, st.Spent, st.Reserved, spent, reserved)
	}
}

func setBudget(t testing.TB, db *DB, scope team.Scope, period team.Period, limit team.Money) {
	t.Helper()
	must(t, db.SetBudget(context.Background(), &team.Budget{Scope: scope, Period: period, Limit: limit}))
}

func TestSetBudget(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := f.db
	tests := []struct {
		name string
		b    team.Budget
		code string
	}{
		{"team monthly", team.Budget{Scope: team.TeamScope(f.lab.ID), Period: team.Month, Limit: 25 * team.USD}, ""},
		{"team daily", team.Budget{Scope: team.TeamScope(f.lab.ID), Period: team.Day, Limit: 2 * team.USD}, ""},
		{"user weekly", team.Budget{Scope: team.UserScope(f.ada.ID), Period: team.Week, Limit: 10 * team.USD}, ""},
		{"token daily", team.Budget{Scope: team.TokenScope(f.tok.ID), Period: team.Day, Limit: team.USD}, ""},
		{"zero", team.Budget{Scope: team.UserScope(f.bob.ID), Period: team.Day, Limit: 0}, ""},
		{"replaced", team.Budget{Scope: team.TeamScope(f.lab.ID), Period: team.Month, Limit: 30 * team.USD}, ""},
		{"negative", team.Budget{Scope: team.TeamScope(f.lab.ID), Period: team.Month, Limit: -3}, team.EInvalid},
		{"no such team", team.Budget{Scope: team.TeamScope(999), Period: team.Month, Limit: team.USD}, team.ENotFound},
		{"no such user", team.Budget{Scope: team.UserScope(999), Period: team.Month, Limit: team.USD}, team.ENotFound},
		{"no such token", team.Budget{Scope: team.TokenScope(999), Period: team.Month, Limit: team.USD}, team.ENotFound},
		{"no such period", team.Budget{Scope: team.TeamScope(f.lab.ID), Period: "year", Limit: team.USD}, team.EInvalid},
		{"no such scope", team.Budget{Scope: team.Scope{Kind: "org", ID: 1}, Period: team.Day, Limit: team.USD}, team.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			wantCode(t, db.SetBudget(ctx, &b), tt.code)
		})
	}
	all, err := db.ListBudgets(ctx, t0)
	must(t, err)
	if len(all) != 5 {
		t.Fatalf("%d budgets: %+v", len(all), all)
	}
	// By scope, then shortest period first.
	if all[0].Scope != team.TeamScope(f.lab.ID) || all[0].Period != team.Day || all[1].Period != team.Month || all[1].Limit != 30*team.USD {
		t.Fatalf("%+v", all[:2])
	}
	st := status(t, db, t0, team.UserScope(f.ada.ID), team.Week)
	if !st.Start.Equal(time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC)) || !st.ResetsAt.Equal(time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)) || st.Left() != 10*team.USD {
		t.Fatalf("%+v", st)
	}
	_, err = db.ListBudgets(ctx, t0, team.Scope{Kind: "org", ID: 1})
	wantCode(t, err, team.EInvalid)

	must(t, db.DeleteBudget(ctx, team.TeamScope(f.lab.ID), team.Day))
	wantCode(t, db.DeleteBudget(ctx, team.TeamScope(f.lab.ID), team.Day), team.ENotFound)
	wantCode(t, db.DeleteBudget(ctx, team.TeamScope(f.lab.ID), "year"), team.EInvalid)
	if list, _ := db.ListBudgets(ctx, t0, team.TeamScope(f.lab.ID)); len(list) != 1 {
		t.Fatalf("after deleting: %+v", list)
	}
}

func TestReserveRefusals(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := f.db
	setBudget(t, db, team.UserScope(f.ada.ID), team.Month, 10*team.USD)
	setBudget(t, db, team.TeamScope(f.lab.ID), team.Day, 2*team.USD)
	must(t, db.Reserve(ctx, "taken", f.scopes(), team.USD, t0))
	tests := []struct {
		name   string
		id     string
		scopes []team.Scope
		amount team.Money
		code   string
	}{
		{"unknown user", "r1", team.CallScopes(999, 0, 0), team.USD, team.ENotFound},
		{"unknown team", "r2", team.CallScopes(f.ada.ID, 999, 0), team.USD, team.ENotFound},
		{"unknown token", "r3", team.CallScopes(f.ada.ID, 0, 999), team.USD, team.ENotFound},
		{"request id taken", "taken", f.scopes(), team.USD, team.EConflict},
		{"negative", "r4", f.scopes(), -1, team.EInvalid},
		{"no scope", "r5", nil, team.USD, team.EInvalid},
		{"no request id", "", f.scopes(), team.USD, team.EInvalid},
		{"over the team's day", "r6", f.scopes(), team.USD + 1, team.EBudgetExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, db.Reserve(ctx, tt.id, tt.scopes, tt.amount, t0), tt.code)
		})
	}
	// Nothing half-written: the user's budget, reserved before the team's refused, holds only the
	// first reservation, and no refused request has a reservation.
	wantCounters(t, db, t0, team.UserScope(f.ada.ID), team.Month, 0, team.USD)
	wantCounters(t, db, t0, team.TeamScope(f.lab.ID), team.Day, 0, team.USD)
	var n int
	must(t, db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM reservations`).Scan(&n))
	if n != 1 {
		t.Fatalf("%d reservations, want 1", n)
	}
	err := db.Reserve(ctx, "r6", f.scopes(), team.USD+1, t0)
	var e *team.Error
	if !errors.As(err, &e) || e.Budget == nil {
		t.Fatalf("%v", err)
	}
	want := team.Refusal{Scope: team.TeamScope(f.lab.ID), Period: team.Day, Limit: 2 * team.USD, Left: team.USD, Wanted: team.USD + 1,
		ResetsAt: time.Date(2026, 12, 17, 0, 0, 0, 0, time.UTC)}
	if *e.Budget != want {
		t.Fatalf("refusal %+v, want %+v", *e.Budget, want)
	}
	// What is left fits.
	must(t, db.Reserve(ctx, "r7", f.scopes(), team.USD, t0))
	wantCounters(t, db, t0, team.TeamScope(f.lab.ID), team.Day, 0, 2*team.USD)
	// A zero budget refuses everything but nothing.
	setBudget(t, db, team.UserScope(f.bob.ID), team.Day, 0)
	wantCode(t, db.Reserve(ctx, "r8", team.CallScopes(f.bob.ID, 0, 0), team.NanoUSD, t0), team.EBudgetExceeded)
	must(t, db.Reserve(ctx, "r9", team.CallScopes(f.bob.ID, 0, 0), 0, t0))
}

// TestReserveConcurrent: 50 calls at once against a budget worth 10 of them: exactly 10 are held,
// and the refusals name the scope and what is left; through one handle, and through two on one
// file (two servers, as far as SQLite can tell).
func TestReserveConcurrent(t *testing.T) {
	t.Run("one handle", func(t *testing.T) { testReserveConcurrent(t, false) })
	t.Run("two handles", func(t *testing.T) { testReserveConcurrent(t, true) })
}

func testReserveConcurrent(t *testing.T, twoHandles bool) {
	ctx := context.Background()
	f := newFixture(t)
	db := f.db
	handles := []*DB{db}
	if twoHandles {
		other, err := Open(db.Path())
		must(t, err)
		t.Cleanup(func() { other.Close() })
		handles = append(handles, other)
	}
	const calls, fit = 50, 10
	cost := 30 * team.Cent
	setBudget(t, db, team.TeamScope(f.lab.ID), team.Month, fit*cost)
	setBudget(t, db, team.UserScope(f.ada.ID), team.Month, 100*team.USD) // a second scope that always fits
	var wg sync.WaitGroup
	errs := make([]error, calls)
	start := make(chan struct{})
	for i := range calls {
		wg.Go(func() {
			<-start
			errs[i] = handles[i%len(handles)].Reserve(ctx, fmt.Sprintf("req-%d", i), f.scopes(), cost, t0)
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
			continue
		}
		var e *team.Error
		if !errors.As(err, &e) || e.Code != team.EBudgetExceeded || e.Budget.Scope != team.TeamScope(f.lab.ID) {
			t.Fatalf("call %d: %v", i, err)
		}
		if e.Budget.Left != 0 || e.Budget.Limit != fit*cost || e.Budget.Period != team.Month {
			t.Fatalf("call %d: refusal %+v", i, e.Budget)
		}
	}
	if ok != fit {
		t.Fatalf("%d reservations held, want %d", ok, fit)
	}
	wantCounters(t, db, t0, team.TeamScope(f.lab.ID), team.Month, 0, fit*cost)
	wantCounters(t, db, t0, team.UserScope(f.ada.ID), team.Month, 0, fit*cost)

	// Settling them all at once, each below its reservation and each twice, charges exactly what
	// they cost.
	settled := make([]error, 2*calls)
	for i := range 2 * calls {
		if errs[i%calls] != nil {
			continue
		}
		wg.Go(func() {
			settled[i] = handles[i%len(handles)].Settle(ctx, fmt.Sprintf("req-%d", i%calls), 10*team.Cent, team.Usage{Model: "m"})
		})
	}
	wg.Wait()
	for i, err := range settled {
		if err != nil {
			t.Fatalf("settling %d: %v", i%calls, err)
		}
	}
	wantCounters(t, db, t0, team.TeamScope(f.lab.ID), team.Month, fit*10*team.Cent, 0)
	total, err := db.TotalUsage(ctx, team.UsageFilter{TeamID: f.lab.ID})
	must(t, err)
	if total.Calls != fit || total.Cost != fit*10*team.Cent {
		t.Fatalf("usage %+v", total)
	}
}

func TestSettle(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := f.db
	team1 := team.TeamScope(f.lab.ID)
	setBudget(t, db, team1, team.Day, 5*team.USD)
	setBudget(t, db, team1, team.Month, 50*team.USD)
	setBudget(t, db, team.TokenScope(f.tok.ID), team.Week, 5*team.USD)

	// Below the reservation: the rest is released, in every budget held.
	must(t, db.Reserve(ctx, "a", f.scopes(), 2*team.USD, t0))
	wantCounters(t, db, t0, team1, team.Day, 0, 2*team.USD)
	u := team.Usage{Provider: "aimlapi", Model: "gpt-4o", Operation: "/v1/chat/completions", Kind: "chat",
		InputTokens: 12, OutputTokens: 34, Status: 200, Duration: 1500 * time.Millisecond}
	must(t, db.Settle(ctx, "a", 25*team.Cent, u))
	for _, p := range []team.Period{team.Day, team.Month} {
		wantCounters(t, db, t0, team1, p, 25*team.Cent, 0)
	}
	wantCounters(t, db, t0, team.TokenScope(f.tok.ID), team.Week, 25*team.Cent, 0)

	// Twice: charged once.
	must(t, db.Settle(ctx, "a", 25*team.Cent, u))
	must(t, db.Settle(ctx, "a", 3*team.USD, u))
	wantCounters(t, db, t0, team1, team.Day, 25*team.Cent, 0)
	rows, err := db.ListUsage(ctx, team.UsageFilter{})
	must(t, err)
	if len(rows) != 1 {
		t.Fatalf("%d usage rows", len(rows))
	}
	want := u
	want.ID, want.RequestID, want.Cost, want.Time = rows[0].ID, "a", 25*team.Cent, t0
	want.UserID, want.TeamID, want.TokenID = f.ada.ID, f.lab.ID, f.tok.ID // from the reservation
	if rows[0] != want {
		t.Fatalf("usage %+v, want %+v", rows[0], want)
	}
	// The request id stays taken.
	wantCode(t, db.Reserve(ctx, "a", f.scopes(), team.USD, t0), team.EConflict)

	// Over the reservation: what was spent is charged.
	must(t, db.Reserve(ctx, "b", f.scopes(), team.USD, t0))
	must(t, db.Settle(ctx, "b", 150*team.Cent, team.Usage{Time: t0.Add(time.Minute)}))
	wantCounters(t, db, t0, team1, team.Day, 175*team.Cent, 0)

	// Errors.
	wantCode(t, db.Settle(ctx, "never", team.USD, team.Usage{}), team.ENotFound)
	must(t, db.Reserve(ctx, "c", f.scopes(), team.USD, t0))
	wantCode(t, db.Settle(ctx, "c", -1, team.Usage{}), team.EInvalid)
	wantCode(t, db.Settle(ctx, "c", 0, team.Usage{InputTokens: -1}), team.EInvalid)
	wantCode(t, db.Settle(ctx, "", 0, team.Usage{}), team.EInvalid)
	wantCounters(t, db, t0, team1, team.Day, 175*team.Cent, team.USD) // the refused settles changed nothing
	must(t, db.Settle(ctx, "c", 0, team.Usage{}))
	wantCounters(t, db, t0, team1, team.Day, 175*team.Cent, 0)
}

func TestExpireReservations(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := f.db
	team1 := team.TeamScope(f.lab.ID)
	setBudget(t, db, team1, team.Month, 10*team.USD)
	must(t, db.Reserve(ctx, "old", f.scopes(), 2*team.USD, t0))
	must(t, db.Reserve(ctx, "new", f.scopes(), 3*team.USD, t0.Add(50*time.Minute)))

	wantCode(t, func() error { _, err := db.ExpireReservations(ctx, -time.Hour, t0); return err }(), team.EInvalid)
	n, err := db.ExpireReservations(ctx, time.Hour, t0.Add(59*time.Minute))
	must(t, err)
	if n != 0 {
		t.Fatalf("%d expired too early", n)
	}
	n, err = db.ExpireReservations(ctx, time.Hour, t0.Add(time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("%d expired, want 1", n)
	}
	// Charged in full; the younger one still holds.
	wantCounters(t, db, t0, team1, team.Month, 2*team.USD, 3*team.USD)
	rows, err := db.ListUsage(ctx, team.UsageFilter{})
	must(t, err)
	if len(rows) != 1 || rows[0].RequestID != "old" || !rows[0].Expired || rows[0].Cost != 2*team.USD || rows[0].UserID != f.ada.ID || rows[0].TokenID != f.tok.ID || !rows[0].Time.Equal(t0) {
		t.Fatalf("usage %+v", rows)
	}
	// A late settle changes nothing: the call was charged in full.
	must(t, db.Settle(ctx, "old", team.Cent, team.Usage{}))
	wantCounters(t, db, t0, team1, team.Month, 2*team.USD, 3*team.USD)
	// Again, nothing left to expire until the younger one's time.
	n, err = db.ExpireReservations(ctx, time.Hour, t0.Add(time.Hour))
	must(t, err)
	if n != 0 {
		t.Fatalf("%d expired twice", n)
	}
	n, err = db.ExpireReservations(ctx, 0, t0.Add(2*time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("%d expired, want 1", n)
	}
	wantCounters(t, db, t0, team1, team.Month, 5*team.USD, 0)
}

// TestPeriodRollover: a new period starts from nothing; a call reserved before the reset is
// settled against the period it was held in.
func TestPeriodRollover(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := f.db
	user := team.UserScope(f.ada.ID)
	setBudget(t, db, user, team.Day, 3*team.USD)
	setBudget(t, db, user, team.Month, 100*team.USD)
	late := time.Date(2026, 12, 16, 23, 59, 0, 0, time.UTC)
	next := time.Date(2026, 12, 17, 0, 0, 0, 0, time.UTC)

	must(t, db.Reserve(ctx, "a", f.scopes(), 2*team.USD, late))
	must(t, db.Settle(ctx, "a", 2*team.USD, team.Usage{}))
	must(t, db.Reserve(ctx, "b", f.scopes(), team.USD, late))
	err := db.Reserve(ctx, "c", f.scopes(), team.USD, late)
	var e *team.Error
	if !errors.As(err, &e) || e.Code != team.EBudgetExceeded || !e.Budget.ResetsAt.Equal(next) || e.Budget.Period != team.Day {
		t.Fatalf("before the reset: %v", err)
	}
	// At midnight the day's budget is whole again; the month's goes on.
	must(t, db.Reserve(ctx, "c", f.scopes(), 3*team.USD, next))
	wantCounters(t, db, next, user, team.Day, 0, 3*team.USD)
	wantCounters(t, db, next, user, team.Month, 2*team.USD, 4*team.USD)
	// b, reserved yesterday, settles into yesterday.
	must(t, db.Settle(ctx, "b", 50*team.Cent, team.Usage{}))
	wantCounters(t, db, late, user, team.Day, 250*team.Cent, 0)
	wantCounters(t, db, next, user, team.Day, 0, 3*team.USD)
	wantCounters(t, db, next, user, team.Month, 250*team.Cent, 3*team.USD)
	// And the next month starts from nothing.
	jan := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	wantCounters(t, db, jan, user, team.Month, 0, 0)
}

// TestBudgetSetMidPeriod: a budget set after calls were made counts what they cost in its period.
func TestBudgetSetMidPeriod(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := f.db
	yesterday := t0.Add(-24 * time.Hour)
	for i, at := range []time.Time{yesterday, t0, t0.Add(time.Minute)} {
		id := fmt.Sprintf("early-%d", i)
		must(t, db.Reserve(ctx, id, f.scopes(), team.USD, at))
		must(t, db.Settle(ctx, id, team.USD, team.Usage{}))
	}
	team1 := team.TeamScope(f.lab.ID)
	setBudget(t, db, team1, team.Day, 3*team.USD)
	wantCounters(t, db, t0, team1, team.Day, 2*team.USD, 0) // today's two, not yesterday's
	err := db.Reserve(ctx, "late", f.scopes(), 2*team.USD, t0.Add(time.Hour))
	var e *team.Error
	if !errors.As(err, &e) || e.Code != team.EBudgetExceeded || e.Budget.Left != team.USD {
		t.Fatalf("%v", err)
	}
	must(t, db.Reserve(ctx, "late", f.scopes(), team.USD, t0.Add(time.Hour)))
	wantCounters(t, db, t0, team1, team.Day, 2*team.USD, team.USD)

	// Deleting the budget drops its holds; settling still logs the call.
	must(t, db.DeleteBudget(ctx, team1, team.Day))
	must(t, db.Settle(ctx, "late", team.USD, team.Usage{}))
	total, err := db.TotalUsage(ctx, team.UsageFilter{})
	must(t, err)
	if total.Calls != 4 || total.Cost != 4*team.USD {
		t.Fatalf("%+v", total)
	}
}

func BenchmarkReserveSettle(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b)
	db := f.db
	setBudget(b, db, team.UserScope(f.ada.ID), team.Month, team.MaxMoney)
	setBudget(b, db, team.TeamScope(f.lab.ID), team.Day, team.MaxMoney)
	setBudget(b, db, team.TokenScope(f.tok.ID), team.Week, team.MaxMoney)
	scopes := f.scopes()
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("bench-%d", i)
		if err := db.Reserve(ctx, id, scopes, team.USD, t0); err != nil {
			b.Fatal(err)
		}
		if err := db.Settle(ctx, id, team.Cent, team.Usage{Model: "m", InputTokens: 10, OutputTokens: 20}); err != nil {
			b.Fatal(err)
		}
	}
}
