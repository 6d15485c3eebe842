package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"playground/server/team"
)

// testSetBudget: setting, replacing, listing and deleting budgets, and the refusals.
func testSetBudget(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	tests := []struct {
		name string
		b    team.Budget
		code string
	}{
		{"team monthly", team.Budget{Scope: team.TeamScope(f.Lab.ID), Period: team.Month, Limit: 25 * team.USD}, ""},
		{"team daily", team.Budget{Scope: team.TeamScope(f.Lab.ID), Period: team.Day, Limit: 2 * team.USD}, ""},
		{"user weekly", team.Budget{Scope: team.UserScope(f.Ada.ID), Period: team.Week, Limit: 10 * team.USD}, ""},
		{"token daily", team.Budget{Scope: team.TokenScope(f.Tok.ID), Period: team.Day, Limit: team.USD}, ""},
		{"zero", team.Budget{Scope: team.UserScope(f.Bob.ID), Period: team.Day, Limit: 0}, ""},
		{"replaced", team.Budget{Scope: team.TeamScope(f.Lab.ID), Period: team.Month, Limit: 30 * team.USD, UpdatedAt: T0}, ""},
		{"negative", team.Budget{Scope: team.TeamScope(f.Lab.ID), Period: team.Month, Limit: -3}, team.EInvalid},
		{"over the largest amount", team.Budget{Scope: team.TeamScope(f.Lab.ID), Period: team.Month, Limit: team.MaxMoney + 1}, team.EInvalid},
		{"no such team", team.Budget{Scope: team.TeamScope(999), Period: team.Month, Limit: team.USD}, team.ENotFound},
		{"no such user", team.Budget{Scope: team.UserScope(999), Period: team.Month, Limit: team.USD}, team.ENotFound},
		{"no such token", team.Budget{Scope: team.TokenScope(999), Period: team.Month, Limit: team.USD}, team.ENotFound},
		{"no such period", team.Budget{Scope: team.TeamScope(f.Lab.ID), Period: "year", Limit: team.USD}, team.EInvalid},
		{"no such scope", team.Budget{Scope: team.Scope{Kind: "org", ID: 1}, Period: team.Day, Limit: team.USD}, team.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			wantCode(t, db.SetBudget(ctx, &b), tt.code)
		})
	}
	all, err := db.ListBudgets(ctx, T0)
	must(t, err)
	if len(all) != 5 {
		t.Fatalf("%d budgets: %+v", len(all), all)
	}
	// By scope, then shortest period first.
	if all[0].Scope != team.TeamScope(f.Lab.ID) || all[0].Period != team.Day || all[1].Period != team.Month || all[1].Limit != 30*team.USD || !all[1].UpdatedAt.Equal(T0) {
		t.Fatalf("%+v", all[:2])
	}
	if all[2].Scope != team.TokenScope(f.Tok.ID) || all[3].Scope != team.UserScope(f.Ada.ID) || all[4].Scope != team.UserScope(f.Bob.ID) {
		t.Fatalf("the order: %+v", all)
	}
	st := status(t, db, T0, team.UserScope(f.Ada.ID), team.Week)
	if !st.Start.Equal(time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC)) || !st.ResetsAt.Equal(time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)) || st.Left() != 10*team.USD {
		t.Fatalf("%+v", st)
	}
	some, err := db.ListBudgets(ctx, T0, team.UserScope(f.Ada.ID), team.TokenScope(f.Tok.ID))
	must(t, err)
	if len(some) != 2 || some[0].Scope != team.TokenScope(f.Tok.ID) || some[1].Scope != team.UserScope(f.Ada.ID) {
		t.Fatalf("two scopes' budgets: %+v", some)
	}
	_, err = db.ListBudgets(ctx, T0, team.Scope{Kind: "org", ID: 1})
	wantCode(t, err, team.EInvalid)

	must(t, db.DeleteBudget(ctx, team.TeamScope(f.Lab.ID), team.Day))
	err = db.DeleteBudget(ctx, team.TeamScope(f.Lab.ID), team.Day)
	wantCode(t, err, team.ENotFound)
	if msg, want := team.ErrorMessage(err), fmt.Sprintf("the team %d has no budget per day", f.Lab.ID); msg != want {
		t.Fatalf("message %q, want %q", msg, want)
	}
	wantCode(t, db.DeleteBudget(ctx, team.TeamScope(f.Lab.ID), "year"), team.EInvalid)
	if list, _ := db.ListBudgets(ctx, T0, team.TeamScope(f.Lab.ID)); len(list) != 1 {
		t.Fatalf("after deleting: %+v", list)
	}
}

// testReserveRefusals: each refusal of Reserve, and that a refused reservation holds nothing.
func testReserveRefusals(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	setBudget(t, db, team.UserScope(f.Ada.ID), team.Month, 10*team.USD)
	setBudget(t, db, team.TeamScope(f.Lab.ID), team.Day, 2*team.USD)
	must(t, db.Reserve(ctx, "taken", f.Scopes(), team.USD, T0))
	tests := []struct {
		name   string
		id     string
		scopes []team.Scope
		amount team.Money
		code   string
	}{
		{"unknown user", "r1", team.CallScopes(999, 0, 0), team.USD, team.ENotFound},
		{"unknown team", "r2", team.CallScopes(f.Ada.ID, 999, 0), team.USD, team.ENotFound},
		{"unknown token", "r3", team.CallScopes(f.Ada.ID, 0, 999), team.USD, team.ENotFound},
		{"request id taken", "taken", f.Scopes(), team.USD, team.EConflict},
		{"negative", "r4", f.Scopes(), -1, team.EInvalid},
		{"no scope", "r5", nil, team.USD, team.EInvalid},
		{"two users", "r5", []team.Scope{team.UserScope(f.Ada.ID), team.UserScope(f.Bob.ID)}, team.USD, team.EInvalid},
		{"no request id", "", f.Scopes(), team.USD, team.EInvalid},
		{"over the team's day", "r6", f.Scopes(), team.USD + 1, team.EBudgetExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, db.Reserve(ctx, tt.id, tt.scopes, tt.amount, T0), tt.code)
		})
	}
	// Nothing half-written: the user's budget, reserved before the team's refused, holds only the
	// first reservation, and no refused request has a reservation to settle.
	wantCounters(t, db, T0, team.UserScope(f.Ada.ID), team.Month, 0, team.USD)
	wantCounters(t, db, T0, team.TeamScope(f.Lab.ID), team.Day, 0, team.USD)
	for _, id := range []string{"r1", "r2", "r3", "r4", "r5", "r6"} {
		wantCode(t, db.Settle(ctx, id, 0, team.Usage{}), team.ENotFound)
	}
	err := db.Reserve(ctx, "r6", f.Scopes(), team.USD+1, T0)
	var e *team.Error
	if !errors.As(err, &e) || e.Budget == nil {
		t.Fatalf("%v", err)
	}
	want := team.Refusal{Scope: team.TeamScope(f.Lab.ID), Period: team.Day, Limit: 2 * team.USD, Left: team.USD, Wanted: team.USD + 1,
		ResetsAt: time.Date(2026, 12, 17, 0, 0, 0, 0, time.UTC)}
	if *e.Budget != want {
		t.Fatalf("refusal %+v, want %+v", *e.Budget, want)
	}
	if e.Message != team.BudgetExceeded(want).Message {
		t.Fatalf("message %q", e.Message)
	}
	// What is left fits.
	must(t, db.Reserve(ctx, "r7", f.Scopes(), team.USD, T0))
	wantCounters(t, db, T0, team.TeamScope(f.Lab.ID), team.Day, 0, 2*team.USD)
	// A zero budget refuses everything but nothing.
	setBudget(t, db, team.UserScope(f.Bob.ID), team.Day, 0)
	wantCode(t, db.Reserve(ctx, "r8", team.CallScopes(f.Bob.ID, 0, 0), team.NanoUSD, T0), team.EBudgetExceeded)
	must(t, db.Reserve(ctx, "r9", team.CallScopes(f.Bob.ID, 0, 0), 0, T0))
	// A scope without a budget holds nothing but is recorded: its usage row names it.
	must(t, db.Reserve(ctx, "r10", []team.Scope{team.TokenScope(f.Tok.ID), team.UserScope(f.Bob.ID)}, 0, T0))
	must(t, db.Settle(ctx, "r10", 0, team.Usage{}))
	rows, err := db.ListUsage(ctx, team.UsageFilter{TokenID: f.Tok.ID})
	must(t, err)
	if len(rows) != 1 || rows[0].RequestID != "r10" || rows[0].UserID != f.Bob.ID || rows[0].TeamID != 0 {
		t.Fatalf("usage %+v", rows)
	}
}

// testReserveConcurrent: 50 calls at once against a budget worth 10 of them: exactly 10 are held,
// and the refusals name the scope and what is left; through one store, and through two on one
// database (two replicas).
func testReserveConcurrent(t *testing.T, open Open) {
	t.Run("one store", func(t *testing.T) { reserveConcurrent(t, open, false) })
	t.Run("two replicas", func(t *testing.T) { reserveConcurrent(t, open, true) })
}

func reserveConcurrent(t *testing.T, open Open, replicas bool) {
	ctx := context.Background()
	db, replica := open(t)
	f := NewFixture(t, db)
	handles := []team.Store{db}
	if replicas {
		if replica == nil {
			t.Fatal("the store opens no replica")
		}
		handles = append(handles, replica(t))
	}
	const calls, fit = 50, 10
	cost := 30 * team.Cent
	setBudget(t, db, team.TeamScope(f.Lab.ID), team.Month, fit*cost)
	setBudget(t, db, team.UserScope(f.Ada.ID), team.Month, 100*team.USD) // a second scope that always fits
	var wg sync.WaitGroup
	errs := make([]error, calls)
	start := make(chan struct{})
	for i := range calls {
		wg.Go(func() {
			<-start
			errs[i] = handles[i%len(handles)].Reserve(ctx, fmt.Sprintf("req-%d", i), f.Scopes(), cost, T0)
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
		if !errors.As(err, &e) || e.Code != team.EBudgetExceeded || e.Budget.Scope != team.TeamScope(f.Lab.ID) {
			t.Fatalf("call %d: %v", i, err)
		}
		if e.Budget.Left != 0 || e.Budget.Limit != fit*cost || e.Budget.Period != team.Month {
			t.Fatalf("call %d: refusal %+v", i, e.Budget)
		}
	}
	if ok != fit {
		t.Fatalf("%d reservations held, want %d", ok, fit)
	}
	for _, h := range handles {
		wantCounters(t, h, T0, team.TeamScope(f.Lab.ID), team.Month, 0, fit*cost)
		wantCounters(t, h, T0, team.UserScope(f.Ada.ID), team.Month, 0, fit*cost)
	}

	// Settling them all at once, each below its reservation and each twice (through each
	// replica), charges exactly what they cost.
	settled := make([]error, 2*calls)
	start = make(chan struct{})
	for i := range 2 * calls {
		if errs[i%calls] != nil {
			continue
		}
		wg.Go(func() {
			<-start
			settled[i] = handles[(i+i/calls)%len(handles)].Settle(ctx, fmt.Sprintf("req-%d", i%calls), 10*team.Cent, team.Usage{Model: "m"})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range settled {
		if err != nil {
			t.Fatalf("settling %d: %v", i%calls, err)
		}
	}
	for _, h := range handles {
		wantCounters(t, h, T0, team.TeamScope(f.Lab.ID), team.Month, fit*10*team.Cent, 0)
		wantCounters(t, h, T0, team.UserScope(f.Ada.ID), team.Month, fit*10*team.Cent, 0)
		total, err := h.TotalUsage(ctx, team.UsageFilter{TeamID: f.Lab.ID})
		must(t, err)
		if total.Calls != fit || total.Cost != fit*10*team.Cent {
			t.Fatalf("usage %+v", total)
		}
	}
}

// testSettleConcurrent: settling and expiring the same reservations at once, through two
// replicas, charges each request once: the expiries count what they expired, and the counters
// and the usage log agree.
func testSettleConcurrent(t *testing.T, open Open) {
	ctx := context.Background()
	db, replica := open(t)
	if replica == nil {
		t.Fatal("the store opens no replica")
	}
	f := NewFixture(t, db)
	handles := []team.Store{db, replica(t)}
	const calls = 20
	team1 := team.TeamScope(f.Lab.ID)
	setBudget(t, db, team1, team.Month, 100*team.USD)
	setBudget(t, db, team.TokenScope(f.Tok.ID), team.Day, 100*team.USD)
	for i := range calls {
		must(t, db.Reserve(ctx, fmt.Sprintf("req-%d", i), f.Scopes(), team.USD, T0))
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	var expired [2]int
	var expireErrs [2]error
	settleErrs := make([]error, calls)
	for i, h := range handles {
		wg.Go(func() {
			<-start
			expired[i], expireErrs[i] = h.ExpireReservations(ctx, time.Minute, T0.Add(time.Hour))
		})
	}
	for i := range calls {
		wg.Go(func() {
			<-start
			settleErrs[i] = handles[i%2].Settle(ctx, fmt.Sprintf("req-%d", i), 10*team.Cent, team.Usage{})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range append(expireErrs[:], settleErrs...) {
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	var nExpired, nSettled int
	var spent team.Money
	must(t, db.ExportUsage(ctx, team.UsageFilter{}, func(u team.Usage) error {
		if u.Expired {
			nExpired++
			if u.Cost != team.USD {
				t.Errorf("%s expired at %s", u.RequestID, u.Cost)
			}
		} else {
			nSettled++
		}
		spent += u.Cost
		return nil
	}))
	if nExpired+nSettled != calls || nExpired != expired[0]+expired[1] {
		t.Fatalf("%d expired and %d settled in the usage log, the expiries said %v", nExpired, nSettled, expired)
	}
	wantCounters(t, db, T0, team1, team.Month, spent, 0)
	wantCounters(t, replica(t), T0, team.TokenScope(f.Tok.ID), team.Day, spent, 0)
	wantRollup(t, db, team.UsageFilter{}) // settled and expired at once, each counted once
	if n, err := db.ExpireReservations(ctx, 0, T0.Add(24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("expired again: %d %v", n, err)
	}
}

// testSettle: charging the real cost, once, from the reservation's scopes and time.
func testSettle(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	team1 := team.TeamScope(f.Lab.ID)
	setBudget(t, db, team1, team.Day, 5*team.USD)
	setBudget(t, db, team1, team.Month, 50*team.USD)
	setBudget(t, db, team.TokenScope(f.Tok.ID), team.Week, 5*team.USD)

	// Below the reservation: the rest is released, in every budget held.
	must(t, db.Reserve(ctx, "a", f.Scopes(), 2*team.USD, T0))
	wantCounters(t, db, T0, team1, team.Day, 0, 2*team.USD)
	u := team.Usage{Provider: "aimlapi", Model: "gpt-4o", Operation: "/v1/chat/completions", Kind: "chat",
		InputTokens: 12, OutputTokens: 34, Status: 200, Duration: 1500 * time.Millisecond, CostSource: team.CostProvider}
	must(t, db.Settle(ctx, "a", 25*team.Cent, u))
	for _, p := range []team.Period{team.Day, team.Month} {
		wantCounters(t, db, T0, team1, p, 25*team.Cent, 0)
	}
	wantCounters(t, db, T0, team.TokenScope(f.Tok.ID), team.Week, 25*team.Cent, 0)

	// Twice: charged once.
	must(t, db.Settle(ctx, "a", 25*team.Cent, u))
	must(t, db.Settle(ctx, "a", 3*team.USD, u))
	wantCounters(t, db, T0, team1, team.Day, 25*team.Cent, 0)
	rows, err := db.ListUsage(ctx, team.UsageFilter{})
	must(t, err)
	if len(rows) != 1 {
		t.Fatalf("%d usage rows", len(rows))
	}
	want := u
	want.ID, want.RequestID, want.Cost, want.Time = rows[0].ID, "a", 25*team.Cent, T0
	want.UserID, want.TeamID, want.TokenID = f.Ada.ID, f.Lab.ID, f.Tok.ID // from the reservation
	if rows[0] != want {
		t.Fatalf("usage %+v, want %+v", rows[0], want)
	}
	// The request id stays taken.
	err = db.Reserve(ctx, "a", f.Scopes(), team.USD, T0)
	wantCode(t, err, team.EConflict)
	if msg := team.ErrorMessage(err); msg != `the request "a" was settled already` {
		t.Fatalf("message %q", msg)
	}

	// Over the reservation: what was spent is charged.
	must(t, db.Reserve(ctx, "b", f.Scopes(), team.USD, T0))
	must(t, db.Settle(ctx, "b", 150*team.Cent, team.Usage{Time: T0.Add(time.Minute)}))
	wantCounters(t, db, T0, team1, team.Day, 175*team.Cent, 0)

	// Errors.
	err = db.Settle(ctx, "never", team.USD, team.Usage{})
	wantCode(t, err, team.ENotFound)
	if msg := team.ErrorMessage(err); msg != `the request "never" has no reservation to settle (reserve first)` {
		t.Fatalf("message %q", msg)
	}
	must(t, db.Reserve(ctx, "c", f.Scopes(), team.USD, T0))
	err = db.Reserve(ctx, "c", f.Scopes(), team.USD, T0)
	wantCode(t, err, team.EConflict)
	if msg := team.ErrorMessage(err); msg != `the request "c" has a reservation already` {
		t.Fatalf("message %q", msg)
	}
	wantCode(t, db.Settle(ctx, "c", -1, team.Usage{}), team.EInvalid)
	wantCode(t, db.Settle(ctx, "c", 0, team.Usage{InputTokens: -1}), team.EInvalid)
	wantCode(t, db.Settle(ctx, "c", 0, team.Usage{Duration: -time.Second}), team.EInvalid)
	wantCode(t, db.Settle(ctx, "", 0, team.Usage{}), team.EInvalid)
	wantCounters(t, db, T0, team1, team.Day, 175*team.Cent, team.USD) // the refused settles changed nothing
	must(t, db.Settle(ctx, "c", 0, team.Usage{}))
	wantCounters(t, db, T0, team1, team.Day, 175*team.Cent, 0)
}

// testExpireReservations: reservations never settled are charged in full once they are old.
func testExpireReservations(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	team1 := team.TeamScope(f.Lab.ID)
	setBudget(t, db, team1, team.Month, 10*team.USD)
	must(t, db.Reserve(ctx, "old", f.Scopes(), 2*team.USD, T0))
	must(t, db.Reserve(ctx, "new", f.Scopes(), 3*team.USD, T0.Add(50*time.Minute)))

	wantCode(t, func() error { _, err := db.ExpireReservations(ctx, -time.Hour, T0); return err }(), team.EInvalid)
	n, err := db.ExpireReservations(ctx, time.Hour, T0.Add(59*time.Minute))
	must(t, err)
	if n != 0 {
		t.Fatalf("%d expired too early", n)
	}
	n, err = db.ExpireReservations(ctx, time.Hour, T0.Add(time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("%d expired, want 1", n)
	}
	// Charged in full; the younger one still holds.
	wantCounters(t, db, T0, team1, team.Month, 2*team.USD, 3*team.USD)
	rows, err := db.ListUsage(ctx, team.UsageFilter{})
	must(t, err)
	if len(rows) != 1 || rows[0].RequestID != "old" || !rows[0].Expired || rows[0].Cost != 2*team.USD || rows[0].UserID != f.Ada.ID || rows[0].TokenID != f.Tok.ID || !rows[0].Time.Equal(T0) || rows[0].Status != 0 || rows[0].CostSource != team.CostReservation {
		t.Fatalf("usage %+v", rows)
	}
	// A late settle changes nothing: the call was charged in full.
	must(t, db.Settle(ctx, "old", team.Cent, team.Usage{}))
	wantCounters(t, db, T0, team1, team.Month, 2*team.USD, 3*team.USD)
	// Again, nothing left to expire until the younger one's time.
	n, err = db.ExpireReservations(ctx, time.Hour, T0.Add(time.Hour))
	must(t, err)
	if n != 0 {
		t.Fatalf("%d expired twice", n)
	}
	n, err = db.ExpireReservations(ctx, 0, T0.Add(2*time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("%d expired, want 1", n)
	}
	wantCounters(t, db, T0, team1, team.Month, 5*team.USD, 0)
}

// testPeriodRollover: a new period starts from nothing; a call reserved before the reset is
// settled against the period it was held in.
func testPeriodRollover(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	user := team.UserScope(f.Ada.ID)
	setBudget(t, db, user, team.Day, 3*team.USD)
	setBudget(t, db, user, team.Month, 100*team.USD)
	late := time.Date(2026, 12, 16, 23, 59, 0, 0, time.UTC)
	next := time.Date(2026, 12, 17, 0, 0, 0, 0, time.UTC)

	must(t, db.Reserve(ctx, "a", f.Scopes(), 2*team.USD, late))
	must(t, db.Settle(ctx, "a", 2*team.USD, team.Usage{}))
	must(t, db.Reserve(ctx, "b", f.Scopes(), team.USD, late))
	err := db.Reserve(ctx, "c", f.Scopes(), team.USD, late)
	var e *team.Error
	if !errors.As(err, &e) || e.Code != team.EBudgetExceeded || !e.Budget.ResetsAt.Equal(next) || e.Budget.Period != team.Day {
		t.Fatalf("before the reset: %v", err)
	}
	// At midnight the day's budget is whole again; the month's goes on.
	must(t, db.Reserve(ctx, "c", f.Scopes(), 3*team.USD, next))
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

// testBudgetSetMidPeriod: a budget set after calls were made counts what they cost in its period.
func testBudgetSetMidPeriod(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	yesterday := T0.Add(-24 * time.Hour)
	for i, at := range []time.Time{yesterday, T0, T0.Add(time.Minute)} {
		id := fmt.Sprintf("early-%d", i)
		must(t, db.Reserve(ctx, id, f.Scopes(), team.USD, at))
		must(t, db.Settle(ctx, id, team.USD, team.Usage{}))
	}
	team1 := team.TeamScope(f.Lab.ID)
	setBudget(t, db, team1, team.Day, 3*team.USD)
	wantCounters(t, db, T0, team1, team.Day, 2*team.USD, 0) // today's two, not yesterday's
	err := db.Reserve(ctx, "late", f.Scopes(), 2*team.USD, T0.Add(time.Hour))
	var e *team.Error
	if !errors.As(err, &e) || e.Code != team.EBudgetExceeded || e.Budget.Left != team.USD {
		t.Fatalf("%v", err)
	}
	must(t, db.Reserve(ctx, "late", f.Scopes(), team.USD, T0.Add(time.Hour)))
	wantCounters(t, db, T0, team1, team.Day, 2*team.USD, team.USD)

	// Deleting the budget drops its holds; settling still logs the call.
	must(t, db.DeleteBudget(ctx, team1, team.Day))
	must(t, db.Settle(ctx, "late", team.USD, team.Usage{}))
	total, err := db.TotalUsage(ctx, team.UsageFilter{})
	must(t, err)
	if total.Calls != 4 || total.Cost != 4*team.USD {
		t.Fatalf("%+v", total)
	}
}

// Benchmark measures a Reserve and its Settle against three budgets (user, team, token).
func Benchmark(b *testing.B, open Open) {
	ctx := context.Background()
	f := NewFixture(b, store(b, open))
	db := f.DB
	setBudget(b, db, team.UserScope(f.Ada.ID), team.Month, team.MaxMoney)
	setBudget(b, db, team.TeamScope(f.Lab.ID), team.Day, team.MaxMoney)
	setBudget(b, db, team.TokenScope(f.Tok.ID), team.Week, team.MaxMoney)
	scopes := f.Scopes()
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("bench-%d", i)
		if err := db.Reserve(ctx, id, scopes, team.USD, T0); err != nil {
			b.Fatal(err)
		}
		if err := db.Settle(ctx, id, team.Cent, team.Usage{Model: "m", InputTokens: 10, OutputTokens: 20}); err != nil {
			b.Fatal(err)
		}
	}
}
