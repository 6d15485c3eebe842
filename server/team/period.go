package team

import "time"

// Period is how often a budget resets: every day, week or month, at the period's start in UTC.
type Period string

// The periods.
const (
	// Day starts at midnight UTC.
	Day Period = "day"
	// Week starts on Monday at midnight UTC (ISO 8601 weeks).
	Week Period = "week"
	// Month starts on the first of the month at midnight UTC.
	Month Period = "month"
)

// Periods lists the periods, shortest first.
var Periods = []Period{Day, Week, Month}

// ParsePeriod parses "day", "week" or "month"; anything else is an EInvalid error naming it.
func ParsePeriod(s string) (Period, error) {
	p := Period(s)
	if err := p.Validate(); err != nil {
		return "", err
	}
	return p, nil
}

// Validate refuses a period other than Day, Week and Month with an EInvalid error.
func (p Period) Validate() error {
	switch p {
	case Day, Week, Month:
		return nil
	}
	return Errorf(EInvalid, "%q is not a budget period (day, week or month)", string(p))
}

// Start is the start of the period that holds t, in UTC. An invalid period is taken as Month.
func (p Period) Start(t time.Time) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	switch p {
	case Day:
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case Week:
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// Next is the start of the period after the one that holds t: when a budget for that period
// resets.
func (p Period) Next(t time.Time) time.Time {
	s := p.Start(t)
	switch p {
	case Day:
		return s.AddDate(0, 0, 1)
	case Week:
		return s.AddDate(0, 0, 7)
	}
	return s.AddDate(0, 1, 0)
}
