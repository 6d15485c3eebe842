package team

import (
	"testing"
	"time"
)

func TestPeriod(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		p           Period
		t           string
		start, next string
	}{
		{Day, "2026-12-01T15:04:05Z", "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"},
		{Day, "2026-12-31T23:59:59.999999999Z", "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z"},
		{Day, "2026-12-01T00:30:00+02:00", "2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z"}, // UTC, not local
		{Week, "2026-12-02T10:00:00Z", "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z"},     // a Wednesday
		{Week, "2026-11-30T00:00:00Z", "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z"},     // Monday itself
		{Week, "2026-12-06T23:59:59Z", "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z"},     // Sunday
		{Week, "2027-01-01T12:00:00Z", "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z"},     // across a year
		{Month, "2026-12-15T08:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{Month, "2028-02-29T23:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"},
		{Month, "2026-01-31T12:00:00Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(string(tt.p)+" "+tt.t, func(t *testing.T) {
			in := at(tt.t)
			if got := tt.p.Start(in); !got.Equal(at(tt.start)) || got.Location() != time.UTC {
				t.Errorf("Start = %v, want %s", got, tt.start)
			}
			if got := tt.p.Next(in); !got.Equal(at(tt.next)) {
				t.Errorf("Next = %v, want %s", got, tt.next)
			}
		})
	}
}

func TestParsePeriod(t *testing.T) {
	for _, p := range Periods {
		if got, err := ParsePeriod(string(p)); err != nil || got != p {
			t.Errorf("ParsePeriod(%q) = %q, %v", p, got, err)
		}
	}
	for _, s := range []string{"", "Day", "year", "daily"} {
		if _, err := ParsePeriod(s); ErrorCode(err) != EInvalid {
			t.Errorf("ParsePeriod(%q): %v, want invalid", s, err)
		}
	}
}
