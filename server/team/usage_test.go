package team

import (
	"strings"
	"testing"
	"time"
)

func TestUsageDays(t *testing.T) {
	day := time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC)
	next := day.AddDate(0, 0, 1)
	tests := []struct {
		name     string
		f        UsageFilter
		from, to time.Time
	}{
		{"no bounds", UsageFilter{}, time.Time{}, time.Time{}},
		{"midnights stay", UsageFilter{Since: day, Until: next}, day, next},
		{"mid-day since takes its day", UsageFilter{Since: day.Add(10 * time.Hour)}, day, time.Time{}},
		{"mid-day until takes in its day", UsageFilter{Until: day.Add(time.Nanosecond)}, time.Time{}, next},
		{"another zone", UsageFilter{Since: time.Date(2026, 12, 16, 0, 30, 0, 0, time.FixedZone("CET", 3600))}, day.AddDate(0, 0, -1), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := UsageDays(tt.f)
			if !from.Equal(tt.from) || !to.Equal(tt.to) {
				t.Fatalf("UsageDays = %v, %v; want %v, %v", from, to, tt.from, tt.to)
			}
		})
	}
}

func TestPruneLimit(t *testing.T) {
	tests := []struct {
		now, want time.Time
	}{
		// Mid-month: the month started first.
		{time.Date(2026, 12, 16, 10, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		// Wednesday 2 December: the week started on Monday 30 November, before the month.
		{time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := PruneLimit(tt.now); !got.Equal(tt.want) {
			t.Errorf("PruneLimit(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
}

func TestUsageGroup(t *testing.T) {
	for _, g := range []UsageGroup{GroupDay, GroupUser, GroupTeam, GroupModel} {
		if err := g.Validate(); err != nil {
			t.Errorf("%s: %v", g, err)
		}
	}
	if err := UsageGroup("week").Validate(); ErrorCode(err) != EInvalid {
		t.Errorf("week: %v", err)
	}
}

// TestUsageContentKept: content is cut to MaxUsageContent at a character's boundary, and what a
// Postgres text column refuses (invalid UTF-8, NUL) becomes "?".
func TestUsageContentKept(t *testing.T) {
	long := strings.Repeat("a", MaxUsageContent-1) + "é" // the é straddles the limit
	tests := []struct {
		name, in, want string
	}{
		{"short", "héllo", "héllo"},
		{"cut at a character", long, strings.Repeat("a", MaxUsageContent-1)},
		{"invalid utf-8", "a\xffb", "a?b"},
		{"nul", "a\x00b", "a?b"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		if got := UsageContent([]byte(tt.in)); got != tt.want || len(got) > MaxUsageContent {
			t.Errorf("%s: %d bytes %.20q…, want %d bytes", tt.name, len(got), got, len(tt.want))
		}
	}
}
