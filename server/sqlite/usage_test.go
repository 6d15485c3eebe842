package sqlite

import (
	"context"
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
