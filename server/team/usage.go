package team

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Usage is the usage record of one model call, written when its reservation is settled (or
// expires).
type Usage struct {
	// ID is the store's id.
	ID int64
	// RequestID is the call's id, unique: the reservation's.
	RequestID string
	// UserID, TeamID and TokenID are who made the call, the team it was billed to and the token it
	// used; 0 for none.
	UserID, TeamID, TokenID int64
	// Provider and Model are where the call went.
	Provider, Model string
	// Operation is the operation's canonical path, e.g. "/v1/chat/completions".
	Operation string
	// Kind is the endpoint kind's name, e.g. "chat".
	Kind string
	// InputTokens and OutputTokens are the tokens the provider reported.
	InputTokens, OutputTokens int64
	// Cost is what the call cost: what was charged to its budgets.
	Cost Money
	// CostSource says where Cost came from.
	CostSource CostSource
	// Status is the HTTP status the caller got; 0 when unknown (an expired reservation).
	Status int
	// Expired says the call was never settled: its reservation expired and was charged in full.
	Expired bool
	// Duration is how long the call took.
	Duration time.Duration
	// Time is when the call started.
	Time time.Time

	// Prompt and Answer are the request body the provider got and the answer as it came, each at
	// most MaxUsageContent bytes; empty unless the operator keeps them (-usage-content). A store
	// writes them with the record and gives them back only from ExportUsage.
	Prompt, Answer string
}

// MaxUsageContent is the most bytes a usage record keeps of a call's prompt and of its answer.
const MaxUsageContent = 64 << 10

// UsageContent is b as a usage record keeps it: at most MaxUsageContent bytes, cut at a character's
// boundary, with invalid UTF-8 and NUL bytes (which a Postgres text column refuses) as "?".
func UsageContent(b []byte) string {
	if len(b) > MaxUsageContent {
		b = b[:MaxUsageContent]
		for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
			if r, size := utf8.DecodeLastRune(b); r != utf8.RuneError || size > 1 {
				break
			}
			b = b[:len(b)-1]
		}
	}
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "?"), "\x00", "?")
}

// CostSource says where a call's cost came from, best first.
type CostSource string

// The cost sources.
const (
	// CostProvider: what the provider reported the call cost (usage.cost, meta.usage.usd_spent,
	// meta.usage.credits_used at AI/ML API's rate, or the x-aimlapi-usd-spent header).
	CostProvider CostSource = "provider"
	// CostPrice: the tokens the provider reported, at the catalogue's price.
	CostPrice CostSource = "price"
	// CostEstimate: the tokens the server counted itself (the request's size, the answer's
	// length), at the catalogue's price; or nothing was known (0).
	CostEstimate CostSource = "estimate"
	// CostReservation: the call was never settled, and its whole reservation was charged.
	CostReservation CostSource = "reservation"
)

// Validate refuses negative token counts, a negative duration or cost, or content over
// MaxUsageContent with an EInvalid error.
func (u *Usage) Validate() error {
	switch {
	case u.InputTokens < 0 || u.OutputTokens < 0:
		return Errorf(EInvalid, "the usage of the request %q has negative tokens (%d in, %d out)", u.RequestID, u.InputTokens, u.OutputTokens)
	case u.Duration < 0:
		return Errorf(EInvalid, "the usage of the request %q has a negative duration (%s)", u.RequestID, u.Duration)
	case len(u.Prompt) > MaxUsageContent || len(u.Answer) > MaxUsageContent:
		return Errorf(EInvalid, "the usage of the request %q keeps %d bytes of prompt and %d of answer, over %d", u.RequestID, len(u.Prompt), len(u.Answer), MaxUsageContent)
	}
	return u.Cost.Validate(fmt.Sprintf("the cost of the request %q", u.RequestID))
}

// UsageFilter selects usage records; its zero value selects all.
type UsageFilter struct {
	// Since and Until bound the records' time: Since <= Time < Until; zero for no bound.
	Since, Until time.Time
	// UserID, TeamID and TokenID keep the records of one user, team or token; 0 for any.
	UserID, TeamID, TokenID int64
	// Provider and Model keep the records of one provider or model; "" for any.
	Provider, Model string
	// Limit is the most records ListUsage returns (DefaultUsageLimit when 0, at most MaxUsageLimit);
	// ExportUsage ignores it.
	Limit int
	// BeforeID, when positive, keeps the records older than that id (ListUsage's next page).
	BeforeID int64
}

// Limits of ListUsage and ListAudit.
const (
	// DefaultUsageLimit is the page size when none is asked for.
	DefaultUsageLimit = 100
	// MaxUsageLimit is the largest page.
	MaxUsageLimit = 1000
)

// PageLimit is limit as a page size: DefaultUsageLimit when not positive, at most MaxUsageLimit.
func PageLimit(limit int) int {
	if limit <= 0 {
		return DefaultUsageLimit
	}
	return min(limit, MaxUsageLimit)
}

// UsageTotal sums usage records.
type UsageTotal struct {
	// Calls is the number of records.
	Calls int64
	// InputTokens and OutputTokens are the tokens.
	InputTokens, OutputTokens int64
	// Cost is what they cost.
	Cost Money
}

// UsageGroup is what UsageByDay sums the daily rollup by.
type UsageGroup string

// The usage groups.
const (
	// GroupDay sums by UTC day.
	GroupDay UsageGroup = "day"
	// GroupUser sums by user.
	GroupUser UsageGroup = "user"
	// GroupTeam sums by the team billed (0 for calls billed to none).
	GroupTeam UsageGroup = "team"
	// GroupModel sums by model, whatever its provider.
	GroupModel UsageGroup = "model"
)

// Validate refuses a group other than the four with an EInvalid error.
func (g UsageGroup) Validate() error {
	switch g {
	case GroupDay, GroupUser, GroupTeam, GroupModel:
		return nil
	}
	return Errorf(EInvalid, "%q is not a usage group (day, user, team or model)", string(g))
}

// UsageBucket is one group's sums of the daily rollup; the field of its group is set (Day for
// GroupDay, UserID for GroupUser, TeamID for GroupTeam, Model for GroupModel), the others zero.
type UsageBucket struct {
	// Day is the bucket's UTC day (its midnight).
	Day time.Time
	// UserID and TeamID are the bucket's user or team; 0 for none.
	UserID, TeamID int64
	// Model is the bucket's model.
	Model string
	// UsageTotal is the bucket's sums.
	UsageTotal
}

// DefaultPruneBatch is how many usage records one DeleteUsageBefore transaction deletes when no
// batch is given.
const DefaultPruneBatch = 1000

// UsageDays are the UTC days, as their midnights, that UsageByDay reads for f: from Since's day
// (zero when f has no Since) up to, excluded, the day after Until's last instant (zero when f has
// no Until). A zero Until stays zero.
func UsageDays(f UsageFilter) (from, to time.Time) {
	if !f.Since.IsZero() {
		from = Day.Start(f.Since)
	}
	if !f.Until.IsZero() {
		to = Day.Start(f.Until)
		if !to.Equal(f.Until.UTC()) {
			to = to.AddDate(0, 0, 1)
		}
	}
	return from, to
}

// PruneLimit is the latest time before which usage records may be deleted at now: the start of the
// earliest budget period running (this week's or this month's), for a budget set mid-period counts
// what its scope spent since the period began, read from the records.
func PruneLimit(now time.Time) time.Time {
	w, m := Week.Start(now), Month.Start(now)
	if w.Before(m) {
		return w
	}
	return m
}

// AuditEntry is one line of the audit log: who did what to what. The log is append-only.
type AuditEntry struct {
	// ID is the store's id, in the order entries were appended.
	ID int64
	// Time is when it happened (AppendAudit sets it to now when zero).
	Time time.Time
	// ActorID is the user who did it; 0 for the server itself (a command line, an expiry).
	ActorID int64
	// Action is what was done, e.g. "user.add", "token.revoke", "budget.set".
	Action string
	// Target is what it was done to, e.g. "user 3", "team 1".
	Target string
	// Detail says more, e.g. the new limit; it never holds a secret.
	Detail string
}

// Validate refuses an entry without an action with an EInvalid error.
func (a *AuditEntry) Validate() error {
	if a.Action == "" {
		return Errorf(EInvalid, "the audit entry has no action")
	}
	return validName("the audit entry's action", a.Action, true)
}

// AuditFilter selects audit entries; its zero value selects all.
type AuditFilter struct {
	// Since and Until bound the entries' time: Since <= Time < Until; zero for no bound.
	Since, Until time.Time
	// ActorID keeps one user's entries; 0 for any.
	ActorID int64
	// Action keeps one action's entries; "" for any.
	Action string
	// Limit is the most entries returned (DefaultUsageLimit when 0, at most MaxUsageLimit).
	Limit int
	// BeforeID, when positive, keeps the entries older than that id (the next page).
	BeforeID int64
}
