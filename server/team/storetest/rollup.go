package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"playground/server/team"
)

// testMemberChanges: SetAdmin, RemoveMember (which revokes the tokens billing the team) and
// SetMemberRole.
func testMemberChanges(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	ops := &team.Team{Name: "Ops"}
	must(t, db.AddTeam(ctx, ops))
	must(t, db.AddMember(ctx, &team.Membership{TeamID: ops.ID, UserID: f.Ada.ID, Role: team.Member}))
	must(t, db.AddMember(ctx, &team.Membership{TeamID: f.Lab.ID, UserID: f.Bob.ID, Role: team.Member}))
	_, opsTok, err := team.NewToken(f.Ada.ID, ops.ID, "ops", T0, time.Time{})
	must(t, err)
	must(t, db.CreateToken(ctx, &opsTok))
	_, plain, err := team.NewToken(f.Ada.ID, 0, "plain", T0, time.Time{})
	must(t, err)
	must(t, db.CreateToken(ctx, &plain))

	// The admin flag.
	must(t, db.SetAdmin(ctx, f.Bob.ID, true))
	if u, err := db.FindUser(ctx, f.Bob.ID); err != nil || !u.Admin {
		t.Fatalf("after SetAdmin(true): %+v %v", u, err)
	}
	must(t, db.SetAdmin(ctx, f.Bob.ID, false))
	if u, err := db.FindUser(ctx, f.Bob.ID); err != nil || u.Admin {
		t.Fatalf("after SetAdmin(false): %+v %v", u, err)
	}
	wantCode(t, db.SetAdmin(ctx, 999, true), team.ENotFound)

	// Roles.
	roles := []struct {
		name       string
		team, user int64
		role       team.Role
		code       string
		want       team.Role
	}{
		{"promote", f.Lab.ID, f.Bob.ID, team.Admin, "", team.Admin},
		{"the same again", f.Lab.ID, f.Bob.ID, team.Admin, "", team.Admin},
		{"demote", f.Lab.ID, f.Bob.ID, team.Member, "", team.Member},
		{"no such role", f.Lab.ID, f.Bob.ID, "owner", team.EInvalid, team.Member},
		{"not a member", ops.ID, f.Bob.ID, team.Admin, team.ENotFound, ""},
		{"no such team", 999, f.Bob.ID, team.Admin, team.ENotFound, ""},
	}
	for _, tt := range roles {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, db.SetMemberRole(ctx, tt.team, tt.user, tt.role), tt.code)
			if tt.want == "" {
				return
			}
			m, err := db.FindMembership(ctx, tt.team, tt.user)
			must(t, err)
			if m.Role != tt.want {
				t.Fatalf("role %q, want %q", m.Role, tt.want)
			}
		})
	}

	// Removing Ada from Lab revokes her token billing Lab, and no other.
	must(t, db.RemoveMember(ctx, f.Lab.ID, f.Ada.ID))
	_, err = db.FindMembership(ctx, f.Lab.ID, f.Ada.ID)
	wantCode(t, err, team.ENotFound)
	wantCode(t, db.RemoveMember(ctx, f.Lab.ID, f.Ada.ID), team.ENotFound)
	wantCode(t, db.RemoveMember(ctx, 999, f.Ada.ID), team.ENotFound)
	wantCode(t, db.SetMemberRole(ctx, f.Lab.ID, f.Ada.ID, team.Admin), team.ENotFound)
	_, err = db.FindTokenByHash(ctx, f.Tok.Hash, time.Now())
	wantCode(t, err, team.EUnauthorized)
	for _, tok := range []team.Token{opsTok, plain} {
		if _, err := db.FindTokenByHash(ctx, tok.Hash, time.Now()); err != nil {
			t.Fatalf("the token %q: %v", tok.Name, err)
		}
	}
	if ms, err := db.ListMembers(ctx, f.Lab.ID); err != nil || len(ms) != 1 || ms[0].UserID != f.Bob.ID {
		t.Fatalf("Lab's members: %+v %v", ms, err)
	}
	// She may be added again, and her revoked token stays revoked.
	must(t, db.AddMember(ctx, &team.Membership{TeamID: f.Lab.ID, UserID: f.Ada.ID, Role: team.Member}))
	_, err = db.FindTokenByHash(ctx, f.Tok.Hash, time.Now())
	wantCode(t, err, team.EUnauthorized)
}

// call is one call for the rollup's tests: reserved at at, settled (or expired) at cost.
type call struct {
	id              string
	scopes          []team.Scope
	provider, model string
	at              time.Time
	cost            team.Money
	in, out         int64
}

// makeCalls reserves and settles the calls.
func makeCalls(t *testing.T, db team.Store, calls []call) {
	t.Helper()
	ctx := context.Background()
	for _, c := range calls {
		must(t, db.Reserve(ctx, c.id, c.scopes, team.USD, c.at))
		must(t, db.Settle(ctx, c.id, c.cost, team.Usage{Provider: c.provider, Model: c.model, InputTokens: c.in, OutputTokens: c.out}))
	}
}

// bucketKey is the key of a bucket of group by, as text.
func bucketKey(by team.UsageGroup, b team.UsageBucket) string {
	switch by {
	case team.GroupDay:
		return b.Day.Format(time.DateOnly)
	case team.GroupUser:
		return fmt.Sprint("user ", b.UserID)
	case team.GroupTeam:
		return fmt.Sprint("team ", b.TeamID)
	}
	return b.Model
}

// wantRollup fails unless UsageByDay's buckets for f, by every group, are the usage log's records
// that f selects summed by hand (f on whole days).
func wantRollup(t *testing.T, db team.Store, f team.UsageFilter) {
	t.Helper()
	ctx := context.Background()
	for _, by := range []team.UsageGroup{team.GroupDay, team.GroupUser, team.GroupTeam, team.GroupModel} {
		want := map[string]team.UsageTotal{}
		must(t, db.ExportUsage(ctx, f, func(u team.Usage) error {
			k := bucketKey(by, team.UsageBucket{Day: team.Day.Start(u.Time), UserID: u.UserID, TeamID: u.TeamID, Model: u.Model})
			s := want[k]
			s.Calls++
			s.InputTokens += u.InputTokens
			s.OutputTokens += u.OutputTokens
			s.Cost += u.Cost
			want[k] = s
			return nil
		}))
		got, err := db.UsageByDay(ctx, f, by)
		must(t, err)
		gotMap := map[string]team.UsageTotal{}
		for _, b := range got {
			gotMap[bucketKey(by, b)] = b.UsageTotal
		}
		if fmt.Sprint(gotMap) != fmt.Sprint(want) {
			t.Fatalf("UsageByDay(%+v, %s) = %v, the log sums to %v", f, by, gotMap, want)
		}
	}
}

// testUsageByDay: the daily rollup, kept by Settle and ExpireReservations, sums like the usage log
// by every group and filter, at day precision, in its order.
func testUsageByDay(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	ops := &team.Team{Name: "Ops"}
	must(t, db.AddTeam(ctx, ops))
	must(t, db.AddMember(ctx, &team.Membership{TeamID: ops.ID, UserID: f.Bob.ID, Role: team.Member}))
	day := team.Day.Start(T0)
	makeCalls(t, db, []call{
		{"1", f.Scopes(), "aimlapi", "gpt-4o", T0, 10 * team.Cent, 100, 10},
		{"2", team.CallScopes(f.Ada.ID, f.Lab.ID, 0), "aimlapi", "gpt-4o", T0.Add(time.Hour), 20 * team.Cent, 200, 20},
		{"3", team.CallScopes(f.Bob.ID, ops.ID, 0), "deepinfra", "claude", T0.Add(2 * time.Hour), 30 * team.Cent, 300, 30},
		{"4", team.CallScopes(f.Bob.ID, 0, 0), "aimlapi", "gpt-4o", T0.Add(24 * time.Hour), 40 * team.Cent, 400, 40},
		{"5", team.CallScopes(f.Ada.ID, f.Lab.ID, 0), "deepinfra", "gpt-4o", day.Add(-time.Nanosecond), 5 * team.Cent, 50, 5},
	})
	// An expired reservation is in the rollup at its whole amount.
	must(t, db.Reserve(ctx, "6", team.CallScopes(f.Bob.ID, 0, 0), 70*team.Cent, T0.Add(25*time.Hour)))
	if n, err := db.ExpireReservations(ctx, time.Hour, T0.Add(27*time.Hour)); err != nil || n != 1 {
		t.Fatalf("expired %d, %v", n, err)
	}

	// By day, oldest first, and the others dearest first.
	byDay, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupDay)
	must(t, err)
	if len(byDay) != 3 || !byDay[0].Day.Equal(day.AddDate(0, 0, -1)) || !byDay[1].Day.Equal(day) || !byDay[2].Day.Equal(day.AddDate(0, 0, 1)) ||
		byDay[1].Calls != 3 || byDay[1].Cost != 60*team.Cent || byDay[1].InputTokens != 600 || byDay[1].OutputTokens != 60 ||
		byDay[2].Calls != 2 || byDay[2].Cost != 110*team.Cent {
		t.Fatalf("by day: %+v", byDay)
	}
	byModel, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupModel)
	must(t, err)
	// The expired reservation has no model: "" is a bucket of its own.
	if len(byModel) != 3 || byModel[0].Model != "gpt-4o" || byModel[0].Cost != 75*team.Cent || byModel[0].Calls != 4 ||
		byModel[1].Model != "" || byModel[1].Cost != 70*team.Cent || byModel[2].Model != "claude" {
		t.Fatalf("by model: %+v", byModel)
	}
	byUser, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupUser)
	must(t, err)
	if len(byUser) != 2 || byUser[0].UserID != f.Bob.ID || byUser[0].Cost != 140*team.Cent || byUser[1].UserID != f.Ada.ID || byUser[1].Calls != 3 {
		t.Fatalf("by user: %+v", byUser)
	}
	byTeam, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupTeam)
	must(t, err)
	if len(byTeam) != 3 || byTeam[0].TeamID != 0 || byTeam[0].Cost != 110*team.Cent || byTeam[1].TeamID != f.Lab.ID || byTeam[2].TeamID != ops.ID {
		t.Fatalf("by team: %+v", byTeam)
	}

	for _, tt := range []struct {
		name string
		f    team.UsageFilter
	}{
		{"all", team.UsageFilter{}},
		{"a day", team.UsageFilter{Since: day, Until: day.AddDate(0, 0, 1)}},
		{"from a day on", team.UsageFilter{Since: day}},
		{"up to a day", team.UsageFilter{Until: day}},
		{"user", team.UsageFilter{UserID: f.Bob.ID}},
		{"team", team.UsageFilter{TeamID: f.Lab.ID}},
		{"model", team.UsageFilter{Model: "gpt-4o"}},
		{"provider", team.UsageFilter{Provider: "deepinfra"}},
		{"user, model and days", team.UsageFilter{UserID: f.Ada.ID, Model: "gpt-4o", Since: day, Until: day.AddDate(0, 0, 2)}},
		{"nothing", team.UsageFilter{Model: "none"}},
	} {
		t.Run(tt.name, func(t *testing.T) { wantRollup(t, db, tt.f) })
	}

	// Day precision: a Since or Until inside a day takes in the whole day.
	tests := []struct {
		name  string
		f     team.UsageFilter
		calls int64
	}{
		{"since mid-day", team.UsageFilter{Since: T0.Add(90 * time.Minute)}, 5},
		{"until mid-day", team.UsageFilter{Until: T0.Add(-time.Hour)}, 4},
		{"until midnight excludes the day", team.UsageFilter{Until: day.AddDate(0, 0, 1)}, 4},
		{"until a nanosecond past midnight", team.UsageFilter{Until: day.AddDate(0, 0, 1).Add(time.Nanosecond)}, 6},
		{"one instant", team.UsageFilter{Since: T0, Until: T0.Add(time.Nanosecond)}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.UsageByDay(ctx, tt.f, team.GroupUser)
			must(t, err)
			var n int64
			for _, b := range got {
				n += b.Calls
			}
			if n != tt.calls {
				t.Fatalf("%d calls, want %d: %+v", n, tt.calls, got)
			}
		})
	}

	_, err = db.UsageByDay(ctx, team.UsageFilter{TokenID: f.Tok.ID}, team.GroupDay)
	wantCode(t, err, team.EInvalid)
	_, err = db.UsageByDay(ctx, team.UsageFilter{}, "week")
	wantCode(t, err, team.EInvalid)
}

// testDeleteUsageBefore: the usage records before a time go, in batches, oldest first; the
// rollup keeps their sums.
func testDeleteUsageBefore(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	var calls []call
	for i := range 7 {
		calls = append(calls, call{id: fmt.Sprint("r", i), scopes: team.CallScopes(f.Ada.ID, f.Lab.ID, 0), model: "m",
			at: T0.Add(time.Duration(i) * time.Hour), cost: team.Cent, in: 1, out: 2})
	}
	makeCalls(t, db, calls)
	before, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupDay)
	must(t, err)

	_, err = db.DeleteUsageBefore(ctx, time.Time{}, 10)
	wantCode(t, err, team.EInvalid)
	n, err := db.DeleteUsageBefore(ctx, T0.Add(-time.Hour), 2)
	must(t, err)
	if n != 0 {
		t.Fatalf("deleted %d before any record", n)
	}
	// Five records before T0+5h, in batches of two: three transactions.
	n, err = db.DeleteUsageBefore(ctx, T0.Add(5*time.Hour), 2)
	must(t, err)
	if n != 5 {
		t.Fatalf("deleted %d, want 5", n)
	}
	var left []string
	must(t, db.ExportUsage(ctx, team.UsageFilter{}, func(u team.Usage) error { left = append(left, u.RequestID); return nil }))
	if fmt.Sprint(left) != "[r5 r6]" {
		t.Fatalf("left %v", left)
	}
	// The default batch, and nothing left to delete the second time.
	n, err = db.DeleteUsageBefore(ctx, T0.Add(24*time.Hour), 0)
	must(t, err)
	if n != 2 {
		t.Fatalf("deleted %d, want 2", n)
	}
	if n, err := db.DeleteUsageBefore(ctx, T0.Add(24*time.Hour), 0); err != nil || n != 0 {
		t.Fatalf("deleted %d again, %v", n, err)
	}
	after, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupDay)
	must(t, err)
	if fmt.Sprint(after) != fmt.Sprint(before) || len(after) != 1 || after[0].Calls != 7 {
		t.Fatalf("the rollup changed: %+v, was %+v", after, before)
	}
}
