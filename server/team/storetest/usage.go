package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"playground/server/team"
)

// testUsageFilters: ListUsage, ExportUsage and TotalUsage select the same records by each filter,
// ListUsage in pages.
func testUsageFilters(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	ops := &team.Team{Name: "Ops"}
	must(t, db.AddTeam(ctx, ops))
	must(t, db.AddMember(ctx, &team.Membership{TeamID: ops.ID, UserID: f.Bob.ID, Role: team.Member}))
	calls := []struct {
		id       string
		scopes   []team.Scope
		provider string
		model    string
		at       time.Time
		cost     team.Money
		in, out  int64
	}{
		{"1", f.Scopes(), "aimlapi", "gpt-4o", T0, 10 * team.Cent, 100, 10},
		{"2", team.CallScopes(f.Ada.ID, f.Lab.ID, 0), "aimlapi", "claude", T0.Add(time.Hour), 20 * team.Cent, 200, 20},
		{"3", team.CallScopes(f.Bob.ID, ops.ID, 0), "deepinfra", "gpt-4o", T0.Add(2 * time.Hour), 30 * team.Cent, 300, 30},
		{"4", team.CallScopes(f.Bob.ID, 0, 0), "aimlapi", "gpt-4o", T0.Add(24 * time.Hour), 40 * team.Cent, 400, 40},
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
		{"since", team.UsageFilter{Since: T0.Add(time.Hour)}, []string{"2", "3", "4"}},
		{"until (exclusive)", team.UsageFilter{Until: T0.Add(2 * time.Hour)}, []string{"1", "2"}},
		{"a day", team.UsageFilter{Since: team.Day.Start(T0), Until: team.Day.Next(T0)}, []string{"1", "2", "3"}},
		{"user", team.UsageFilter{UserID: f.Bob.ID}, []string{"3", "4"}},
		{"team", team.UsageFilter{TeamID: f.Lab.ID}, []string{"1", "2"}},
		{"token", team.UsageFilter{TokenID: f.Tok.ID}, []string{"1"}},
		{"model", team.UsageFilter{Model: "gpt-4o"}, []string{"1", "3", "4"}},
		{"provider", team.UsageFilter{Provider: "deepinfra"}, []string{"3"}},
		{"user and model and time", team.UsageFilter{UserID: f.Bob.ID, Model: "gpt-4o", Since: T0.Add(3 * time.Hour)}, []string{"4"}},
		{"every filter", team.UsageFilter{Since: T0, Until: T0.Add(time.Hour), UserID: f.Ada.ID, TeamID: f.Lab.ID, TokenID: f.Tok.ID, Provider: "aimlapi", Model: "gpt-4o"}, []string{"1"}},
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
	page, err = db.ListUsage(ctx, team.UsageFilter{Limit: 2, BeforeID: page[1].ID})
	must(t, err)
	if len(page) != 0 {
		t.Fatalf("past the last page %+v", page)
	}
	// The export stops at fn's error and returns it.
	stop := errors.New("stop")
	n := 0
	if err := db.ExportUsage(ctx, team.UsageFilter{}, func(team.Usage) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("%v after %d", err, n)
	}
}

// testUsageContent: a record's prompt and answer, when kept, are written with it in Settle's
// transaction, come back from ExportUsage (not ListUsage, whose scans stay narrow), go with the
// record when it is deleted, and over MaxUsageContent are refused, writing nothing.
func testUsageContent(t *testing.T, open Open) {
	ctx := context.Background()
	f := NewFixture(t, store(t, open))
	db := f.DB
	scopes := team.CallScopes(f.Ada.ID, f.Lab.ID, 0)
	must(t, db.Reserve(ctx, "kept", scopes, team.Cent, T0))
	prompt, answer := `{"model":"m","messages":[{"role":"user","content":"héllo"}]}`, "data: {\"choices\":[]}\n\n"
	must(t, db.Settle(ctx, "kept", team.Cent, team.Usage{Model: "m", Time: T0, Prompt: prompt, Answer: answer}))
	must(t, db.Reserve(ctx, "bare", scopes, team.Cent, T0.Add(time.Minute)))
	must(t, db.Settle(ctx, "bare", team.Cent, team.Usage{Model: "m", Time: T0.Add(time.Minute)}))

	must(t, db.Reserve(ctx, "big", scopes, team.Cent, T0))
	err := db.Settle(ctx, "big", team.Cent, team.Usage{Model: "m", Time: T0, Answer: strings.Repeat("a", team.MaxUsageContent+1)})
	wantCode(t, err, team.EInvalid)

	got := map[string][2]string{}
	must(t, db.ExportUsage(ctx, team.UsageFilter{}, func(u team.Usage) error {
		got[u.RequestID] = [2]string{u.Prompt, u.Answer}
		return nil
	}))
	if len(got) != 2 || got["kept"] != [2]string{prompt, answer} || got["bare"] != [2]string{} {
		t.Fatalf("exported content %q", got)
	}
	list, err := db.ListUsage(ctx, team.UsageFilter{})
	must(t, err)
	for _, u := range list {
		if u.Prompt != "" || u.Answer != "" {
			t.Fatalf("ListUsage read the content of %s", u.RequestID)
		}
	}
	n, err := db.DeleteUsageBefore(ctx, T0.Add(time.Hour), 0)
	must(t, err)
	if n != 2 {
		t.Fatalf("deleted %d records, want 2", n)
	}
	// The content went with its record: the same request id can carry content again.
	must(t, db.Reserve(ctx, "kept", scopes, team.Cent, T0.Add(2*time.Hour)))
	must(t, db.Settle(ctx, "kept", team.Cent, team.Usage{Model: "m", Time: T0.Add(2 * time.Hour), Prompt: "again"}))
}
