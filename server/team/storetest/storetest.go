// Package storetest is the behavioural test suite of team.Store: one contract, that every store
// (server/sqlite, server/postgres) is held to by calling Run from its tests. It uses the Store's
// methods only; what only SQL can check (the append-only audit log, that secrets are not stored,
// query plans) stays in each store's own tests.
package storetest

import (
	"context"
	"testing"
	"time"

	"playground/server/team"
)

// Open makes a new, empty database for the test tb, opens a store on it and returns it, with
// replica: a function that opens one more store on that same database, as a second server (a
// replica behind a load balancer) would. Both are closed when the test ends (tb.Cleanup).
type Open func(tb testing.TB) (store team.Store, replica func(tb testing.TB) team.Store)

// Run runs the suite against the stores open makes, each test on a new database and in parallel
// with the others.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Open)
	}{
		{"Users", testUsers},
		{"Passwords", testPasswords},
		{"Teams", testTeams},
		{"Tokens", testTokens},
		{"Sessions", testSessions},
		{"Audit", testAudit},
		{"SetBudget", testSetBudget},
		{"ReserveRefusals", testReserveRefusals},
		{"ReserveConcurrent", testReserveConcurrent},
		{"Settle", testSettle},
		{"SettleConcurrent", testSettleConcurrent},
		{"ExpireReservations", testExpireReservations},
		{"PeriodRollover", testPeriodRollover},
		{"BudgetSetMidPeriod", testBudgetSetMidPeriod},
		{"UsageFilters", testUsageFilters},
		{"Policies", testPolicies},
		{"Jobs", testJobs},
		{"MemberChanges", testMemberChanges},
		{"UsageByDay", testUsageByDay},
		{"DeleteUsageBefore", testDeleteUsageBefore},
		{"UsageContent", testUsageContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

// T0 is the suite's clock: a Wednesday, mid-month.
var T0 = time.Date(2026, 12, 16, 10, 0, 0, 0, time.UTC)

// store opens a new store, without its replica.
func store(tb testing.TB, open Open) team.Store {
	tb.Helper()
	s, _ := open(tb)
	return s
}

// Fixture is a user in a team with a token billing the team, and a second user.
type Fixture struct {
	// DB is the store they are in.
	DB team.Store
	// Ada is an admin of Lab; Bob is in no team.
	Ada, Bob *team.User
	// Lab is Ada's team.
	Lab *team.Team
	// Tok is Ada's token, billing Lab; TokenSecret its secret.
	Tok         *team.Token
	TokenSecret string
}

// NewFixture adds the fixture to db.
func NewFixture(tb testing.TB, db team.Store) *Fixture {
	tb.Helper()
	ctx := context.Background()
	f := &Fixture{DB: db, Ada: &team.User{Email: "ada@example.com", Name: "Ada"}, Bob: &team.User{Email: "bob@example.com"}, Lab: &team.Team{Name: "Lab"}}
	must(tb, f.DB.AddUser(ctx, f.Ada))
	must(tb, f.DB.AddUser(ctx, f.Bob))
	must(tb, f.DB.AddTeam(ctx, f.Lab))
	must(tb, f.DB.AddMember(ctx, &team.Membership{TeamID: f.Lab.ID, UserID: f.Ada.ID, Role: team.Admin}))
	secret, tok, err := team.NewToken(f.Ada.ID, f.Lab.ID, "laptop", T0, time.Time{})
	must(tb, err)
	must(tb, f.DB.CreateToken(ctx, &tok))
	f.Tok, f.TokenSecret = &tok, secret
	return f
}

// Scopes are the scopes of a call by Ada, billed to Lab, with her token.
func (f *Fixture) Scopes() []team.Scope { return team.CallScopes(f.Ada.ID, f.Lab.ID, f.Tok.ID) }

// must fails the test on err.
func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// wantCode fails unless err's domain code is code ("" for no error).
func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := team.ErrorCode(err); got != code || (code == "" && err != nil) {
		tb.Fatalf("error %v (code %q), want code %q", err, got, code)
	}
}

// status is the budget of scope per period as ListBudgets reports it at now.
func status(tb testing.TB, db team.Store, now time.Time, scope team.Scope, period team.Period) team.BudgetStatus {
	tb.Helper()
	list, err := db.ListBudgets(context.Background(), now, scope)
	must(tb, err)
	for _, st := range list {
		if st.Period == period {
			return st
		}
	}
	tb.Fatalf("the %s has no budget per %s: %+v", scope, period, list)
	return team.BudgetStatus{}
}

// wantCounters fails unless the budget's current period has spent and reserved.
func wantCounters(tb testing.TB, db team.Store, now time.Time, scope team.Scope, period team.Period, spent, reserved team.Money) {
	tb.Helper()
	st := status(tb, db, now, scope, period)
	if st.Spent != spent || st.Reserved != reserved {
		tb.Fatalf("the %s budget per %s: spent %s reserved %s, want spent %s reserved %s", scope, period, st.Spent, st.Reserved, spent, reserved)
	}
}

// setBudget sets the scope's limit per period.
func setBudget(tb testing.TB, db team.Store, scope team.Scope, period team.Period, limit team.Money) {
	tb.Helper()
	must(tb, db.SetBudget(context.Background(), &team.Budget{Scope: scope, Period: period, Limit: limit}))
}

// equalIDs reports whether a and b hold the same ids in the same order.
func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
