package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"playground/server/team"
)

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

// TestRollupIndexes: the dashboard's filters on the daily rollup are answered from an index.
func TestRollupIndexes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for name, f := range map[string]team.UsageFilter{
		"days":  {Since: t0, Until: t0.Add(24 * time.Hour)},
		"user":  {UserID: 1, Since: t0},
		"team":  {TeamID: 1, Since: t0},
		"model": {Model: "m", Since: t0},
	} {
		where, args, err := rollupWhere(f)
		must(t, err)
		rows, err := db.r.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT day, SUM(cost) FROM usage_daily`+where+` GROUP BY day`, args...)
		must(t, err)
		plan := ""
		for rows.Next() {
			var id, parent, notused int
			var detail string
			must(t, rows.Scan(&id, &parent, &notused, &detail))
			plan += detail + "; "
		}
		rows.Close()
		if !strings.Contains(plan, "INDEX") || strings.Contains(plan, "SCAN usage_daily;") {
			t.Errorf("%s: no index: %s", name, plan)
		}
	}
}

// TestRollupBackfill: the migration that makes the daily rollup fills it from the usage log
// written before it.
func TestRollupBackfill(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	must(t, db.AddUser(ctx, &team.User{Email: "ada@example.com"}))
	for i, at := range []time.Time{t0, t0.Add(time.Hour), t0.Add(30 * time.Hour)} {
		id := string(rune('a' + i))
		must(t, db.Reserve(ctx, id, team.CallScopes(1, 0, 0), team.USD, at))
		must(t, db.Settle(ctx, id, team.Money(i+1)*team.Cent, team.Usage{Model: "m", InputTokens: 10, OutputTokens: 1}))
	}
	want, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupDay)
	must(t, err)
	// As before the migration: no rollup, and the migration not applied.
	_, err = db.w.ExecContext(ctx, `DROP TABLE usage_daily; DELETE FROM schema_migrations WHERE name = '0002_usage_daily.sql'`)
	must(t, err)
	must(t, db.Migrate(ctx))
	got, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupDay)
	must(t, err)
	if len(want) != 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the backfill %+v, want %+v", got, want)
	}
}
