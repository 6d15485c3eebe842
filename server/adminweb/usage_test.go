package adminweb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"playground/server/access"
	"playground/server/team"
)

// TestUsageOwnership: an admin sees everyone's usage; anyone else their own only, whatever user
// the query names — on the dashboard and in the export.
func TestUsageOwnership(t *testing.T) {
	e := newEnv(t)
	e.call("bob-1", e.bob, e.ml.ID, "bob-model", now.Add(-time.Hour), 3*team.Cent, 100, 10)
	e.call("eve-1", e.eve, e.ops.ID, "eve-model", now.Add(-2*time.Hour), 70*team.Cent, 700, 70)
	eveID := strconv.FormatInt(e.eve.ID, 10)
	tests := []struct {
		name      string
		who       *access.Identity
		query     string
		sees, not []string
	}{
		{"an admin sees everyone", id(e.ada), "", []string{"bob-model", "eve-model", "$0.73", "Spend per user"}, nil},
		{"an admin filters a user", id(e.ada), "?user=" + eveID, []string{"eve-model", "$0.70"}, []string{"bob-model"}},
		{"a member sees their own", id(e.bob), "", []string{"bob-model", "$0.03"}, []string{"eve-model", "$0.70", "Spend per user"}},
		{"a member asking for another's", id(e.bob), "?user=" + eveID, []string{"bob-model", "You see your own usage only"}, []string{"eve-model", "$0.70", "$0.73"}},
		{"a member asking for another's team", id(e.bob), "?team=" + strconv.FormatInt(e.ops.ID, 10), []string{"Team: you are not in a team with the id"}, []string{"eve-model", "$0.70"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := e.do(tt.who, "GET", "/usage"+tt.query, nil).Body.String()
			for _, s := range tt.sees {
				if !strings.Contains(body, s) {
					t.Errorf("the dashboard lacks %q", s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(body, s) {
					t.Errorf("the dashboard shows %q", s)
				}
			}
		})
	}
	exports := []struct {
		name  string
		who   *access.Identity
		query string
		rows  []string
	}{
		{"an admin", id(e.ada), "", []string{"eve-1", "bob-1"}},
		{"an admin, one user", id(e.ada), "&user=" + eveID, []string{"eve-1"}},
		{"a member", id(e.bob), "", []string{"bob-1"}},
		{"a member asking for another's", id(e.bob), "&user=" + eveID, []string{"bob-1"}},
	}
	for _, tt := range exports {
		t.Run("export: "+tt.name, func(t *testing.T) {
			rec := e.do(tt.who, "GET", "/usage/export?format=csv"+tt.query, nil)
			lines := strings.Split(strings.TrimSpace(rec.Body.String()), "\n")
			var ids []string
			for _, l := range lines[1:] {
				ids = append(ids, strings.Split(l, ",")[1])
			}
			if rec.Code != 200 || fmt.Sprint(ids) != fmt.Sprint(tt.rows) {
				t.Fatalf("%d: rows %v, want %v:\n%s", rec.Code, ids, tt.rows, rec.Body)
			}
		})
	}
}

// TestUsageFilters: the filters as typed, refused naming the field.
func TestUsageFilters(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		query  string
		status int
		says   string
	}{
		{"", 200, `value="2026-11-17"`},
		{"?since=2026-12-01&until=2026-12-16", 200, "<b>16</b>"},
		{"?since=yesterday", 400, `From: &#34;yesterday&#34; is not a day (YYYY-MM-DD)`},
		{"?until=2026-13-01", 400, `To: &#34;2026-13-01&#34; is not a day`},
		{"?since=2026-12-10&until=2026-12-01", 400, "To: 2026-12-01 is before the first day, 2026-12-10"},
		{"?since=2020-01-01&until=2026-12-01", 400, "From: the dashboard shows at most 366 days at once"},
		{"?user=abc", 400, `User: &#34;abc&#34; is not a user id`},
		{"?user=99", 404, "User: no user has the id 99"},
		{"?team=99", 404, "Team: no team has the id 99"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := e.do(id(e.ada), "GET", "/usage"+tt.query, nil)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.says) {
				t.Fatalf("%d, want %d saying %q:\n%s", rec.Code, tt.status, tt.says, rec.Body)
			}
		})
	}
}

// TestExport: the export's formats and headers; a bad format or filter is refused.
func TestExport(t *testing.T) {
	e := newEnv(t)
	e.call("bob-1", e.bob, e.ml.ID, "gpt-4o", now.Add(-time.Hour), 3*team.Cent, 100, 10)
	e.call("old", e.bob, e.ml.ID, "gpt-4o", now.AddDate(0, -2, 0), team.Cent, 1, 1)
	tests := []struct {
		query, ctype, disposition string
		status                    int
		body                      string
	}{
		{"", "text/csv; charset=utf-8", `attachment; filename="usage-2026-11-17-to-2026-12-16.csv"`, 200, ",bob-1,"},
		{"?format=jsonl&since=2026-12-16&until=2026-12-16", "application/jsonl; charset=utf-8", `attachment; filename="usage-2026-12-16-to-2026-12-16.jsonl"`, 200, `"request_id":"bob-1"`},
		{"?since=2020-01-01&until=2026-12-31", "text/csv; charset=utf-8", "", 200, ",old,"},
		{"?format=xml", "", "", 400, `format: "xml" is not csv or jsonl`},
		{"?since=soon", "", "", 400, `From: "soon" is not a day`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := e.do(id(e.ada), "GET", "/usage/export"+tt.query, nil)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
				t.Fatalf("%d, want %d with %q:\n%s", rec.Code, tt.status, tt.body, rec.Body)
			}
			if tt.ctype != "" && rec.Header().Get("Content-Type") != tt.ctype {
				t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
			}
			if tt.disposition != "" && rec.Header().Get("Content-Disposition") != tt.disposition {
				t.Errorf("Content-Disposition %q", rec.Header().Get("Content-Disposition"))
			}
		})
	}
}

// golden compares got with the file testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		must(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	must(t, err)
	if got != string(want) {
		t.Errorf("%s differs from what the page renders (go test ./server/adminweb -run %s -update rewrites it); got:\n%s", path, t.Name(), got)
	}
}

// TestDashboardGolden: the dashboard of a fixed month, whole, and its charts one by one.
func TestDashboardGolden(t *testing.T) {
	e := newEnv(t)
	e.call("a", e.ada, e.ml.ID, "gpt-4o", now.AddDate(0, 0, -3), 12*team.Cent, 1200, 300)
	e.call("b", e.bob, e.ml.ID, "claude-sonnet", now.AddDate(0, 0, -3).Add(time.Hour), 30*team.Cent, 2000, 900)
	e.call("c", e.bob, 0, "gpt-4o", now.AddDate(0, 0, -1), 5*team.Cent, 400, 100)
	e.call("d", e.eve, e.ops.ID, "llama-3.1-8b", now, 2*team.Cent, 800, 50)
	must(t, e.db.SetBudget(context.Background(), &team.Budget{Scope: team.TeamScope(e.ml.ID), Period: team.Month, Limit: 25 * team.USD, UpdatedAt: now}))
	rec := e.do(id(e.ada), "GET", "/usage?since=2026-12-10&until=2026-12-16", nil)
	if rec.Code != 200 {
		t.Fatalf("%d:\n%s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	golden(t, "usage.golden.html", body)
	svgs := regexp.MustCompile(`(?s)<figure class="chart".*?</figure>`).FindAllString(body, -1)
	if len(svgs) != 5 {
		t.Fatalf("%d charts, want 5", len(svgs))
	}
	golden(t, "charts.golden.html", strings.Join(svgs, "\n\n")+"\n")
}

// TestCharts: the charts' geometry and words, table-driven.
func TestCharts(t *testing.T) {
	money := func(n int64) string { return team.Money(n).String() }
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	days := []time.Time{day, day.AddDate(0, 0, 1), day.AddDate(0, 0, 2)}
	many := make([]string, 12)
	manyValues := make([]int64, 12)
	for i := range many {
		many[i], manyValues[i] = fmt.Sprintf("model-%02d", i), int64(12-i)*int64(team.Cent)
	}
	tests := []struct {
		name  string
		c     chart
		bars  int
		has   []string
		empty bool
	}{
		{"days", dayChart("d", "Spend per day", "Spend", days, []int64{0, int64(team.USD), int64(team.USD) / 2}, money), 3,
			[]string{"$1.50 in total over 3 days; the most, $1.00, on 2026-12-02.", "2026-12-02: $1.00"}, false},
		{"no days' usage", dayChart("d", "Spend per day", "Spend", days, []int64{0, 0, 0}, money), 3, []string{"Nothing in the 3 days shown."}, true},
		{"categories", categoryChart("c", "Spend per user", "User", "Spend", []string{"ada@example.org", "bob@example.org"}, []int64{30, 10}, money), 2,
			[]string{"$0.00000004 in total; the most, $0.00000003, for ada@example.org."}, false},
		{"more categories than drawn", categoryChart("c", "Spend per model", "Model", "Spend", many, manyValues, money), maxCategories,
			[]string{"3 others", "model-08"}, false},
		{"no categories", categoryChart("c", "Spend per team", "Team", "Spend", nil, nil, money), 0, []string{"Nothing in the period shown."}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.c.Bars) != tt.bars || tt.c.Empty != tt.empty {
				t.Fatalf("%d bars (empty %v), want %d (empty %v)", len(tt.c.Bars), tt.c.Empty, tt.bars, tt.empty)
			}
			all := tt.c.Summary
			for _, b := range tt.c.Bars {
				all += "|" + b.Title + "|" + b.Label
			}
			for _, s := range tt.has {
				if !strings.Contains(all, s) {
					t.Errorf("lacks %q: %s", s, all)
				}
			}
		})
	}
	// The largest bar fills the plot; the others are in proportion.
	c := dayChart("d", "t", "v", days, []int64{10, 20, 5}, money)
	if c.Bars[1].H != "176.0" || c.Bars[0].H != "88.0" || c.Bars[2].H != "44.0" {
		t.Errorf("heights %s %s %s", c.Bars[0].H, c.Bars[1].H, c.Bars[2].H)
	}
	if shorten("a-very-long-model-name-from-a-provider", 10) != "a-very-lo…" {
		t.Error("shorten")
	}
}
