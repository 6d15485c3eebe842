package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"playground/server/team"
)

func TestUsageFilters(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := f.db
	ops := &team.Team{Name: "Ops"}
	must(t, db.AddTeam(ctx, ops))
	must(t, db.AddMember(ctx, &team.Membership{TeamID: ops.ID, UserID: f.bob.ID, Role: team.Member}))
	calls := []struct {
		id       string
		scopes   []team.Scope
		provider string
		model    string
		at       time.Time
		cost     team.Money
		in, out  int64
	}{
		{"1", f.scopes(), "aimlapi", "gpt-4o", t0, 10 * team.Cent, 100, 10},
		{"2", team.CallScopes(f.ada.ID, f.lab.ID, 0), "aimlapi", "claude", t0.Add(time.Hour), 20 * team.Cent, 200, 20},
		{"3", team.CallScopes(f.bob.ID, ops.ID, 0), "deepinfra", "gpt-4o", t0.Add(2 * time.Hour), 30 * team.Cent, 300, 30},
		{"4", team.CallScopes(f.bob.ID, 0, 0), "aimlapi", "gpt-4o", t0.Add(24 * time.Hour), 40 * team.Cent, 400, 40},
	}
	for _, c := range calls {
		must(t, db.Reserve(ctx, c.id, c.scopes, team.USD, c.at))
		must(t, db.Settle(ctx, c.id, c.cost, team.Usage{Provider: c.provider, Model: c.model, InputTokens: c.in, OutputTokens: c.out}))
	}
	tests := []struct {
		name string
		f    team.UsageFilter
		want []string // oldest first
	}{
		{"all", team.UsageFilter{}, []string{"1", "2", "3", "4"}},
		{"since", team.UsageFilter{Since: t0.Add(time.Hour)}, []string{"2", "3", "4"}},
		{"until (exclusive)", team.UsageFilter{Until: t0.Add(2 * time.Hour)}, []string{"1", "2"}},
		{"a day", team.UsageFilter{Since: team.Day.Start(t0), Until: team.Day.Next(t0)}, []string{"1", "2", "3"}},
		{"user", team.UsageFilter{UserID: f.bob.ID}, []string{"3", "4"}},
		{"team", team.UsageFilter{TeamID: f.lab.ID}, []string{"1", "2"}},
		{"token", team.UsageFilter{TokenID: f.tok.ID}, []string{"1"}},
		{"model", team.UsageFilter{Model: "gpt-4o"}, []string{"1", "3", "4"}},
		{"provider", team.UsageFilter{Provider: "deepinfra"}, []string{"3"}},
		{"user and model and time", team.UsageFilter{UserID: f.bob.ID, Model: "gpt-4o", Since: t0.Add(3 * time.Hour)}, []string{"4"}},
		{"nothing", team.UsageFilter{Model: "none"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var exported []string
			var want team.UsageTotal
			must(t, db.ExportUsage(ctx, tt.f, func(u team.Usage) error {
				exported = append(exported, u.RequestID)
				want.Calls++
				want.InputTokens += u.InputTokens
				want.OutputTokens += u.OutputTokens
				want.Cost += u.Cost
				return nil
			}))
			if fmt.Sprint(exported) != fmt.Sprint(tt.want) {
				t.Fatalf("exported %v, want %v", exported, tt.want)
			}
			listed, err := db.ListUsage(ctx, tt.f)
			must(t, err)
			var ids []string
			for i := len(listed) - 1; i >= 0; i-- { // newest first
				ids = append(ids, listed[i].RequestID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Fatalf("listed %v, want %v (reversed)", ids, tt.want)
			}
			total, err := db.TotalUsage(ctx, tt.f)
			must(t, err)
			if total != want {
				t.Fatalf("total %+v, want %+v", total, want)
			}
		})
	}
	// Pages.
	page, err := db.ListUsage(ctx, team.UsageFilter{Limit: 2})
	must(t, err)
	if len(page) != 2 || page[0].RequestID != "4" || page[1].RequestID != "3" {
		t.Fatalf("first page %+v", page)
	}
	page, err = db.ListUsage(ctx, team.UsageFilter{Limit: 2, BeforeID: page[1].ID})
	must(t, err)
	if len(page) != 2 || page[0].RequestID != "2" || page[1].RequestID != "1" {
		t.Fatalf("second page %+v", page)
	}
	// The export stops at fn's error and returns it.
	stop := errors.New("stop")
	n := 0
	if err := db.ExportUsage(ctx, team.UsageFilter{}, func(team.Usage) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("%v after %d", err, n)
	}
}

// TestUsageIndexes: the export's filters are answered from an index, not by reading the table.
func TestUsageIndexes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for name, f := range map[string]team.UsageFilter{
		"time":  {Since: t0},
		"user":  {UserID: 1, Since: t0},
		"team":  {TeamID: 1},
		"token": {TokenID: 1},
		"model": {Model: "m", Since: t0, Until: t0.Add(time.Hour)},
	} {
		where, args := usageWhere(f)
		rows, err := db.r.QueryContext(ctx, `EXPLAIN QUERY PLAN `+usageSelect+where+` ORDER BY started_at, id`, args...)
		must(t, err)
		plan := ""
		for rows.Next() {
			var id, parent, notused int
			var detail string
			must(t, rows.Scan(&id, &parent, &notused, &detail))
			plan += detail + "; "
		}
		rows.Close()
		if !strings.Contains(plan, "INDEX usage_log_") {
			t.Errorf("%s: no index: %s", name, plan)
		}
	}
}
