package team

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ScopeKind is what a budget is for: a user, a team or a token.
type ScopeKind string

// The scope kinds.
const (
	// ScopeUser is one user's calls, whatever team or token they go through.
	ScopeUser ScopeKind = "user"
	// ScopeTeam is the calls billed to one team.
	ScopeTeam ScopeKind = "team"
	// ScopeToken is the calls made with one token.
	ScopeToken ScopeKind = "token"
)

// Scope is what a budget holds: a user, a team or a token, by id.
type Scope struct {
	// Kind is a user, team or token.
	Kind ScopeKind
	// ID is the user's, team's or token's id.
	ID int64
}

// UserScope is the scope of a user.
func UserScope(id int64) Scope { return Scope{ScopeUser, id} }

// TeamScope is the scope of a team.
func TeamScope(id int64) Scope { return Scope{ScopeTeam, id} }

// TokenScope is the scope of a token.
func TokenScope(id int64) Scope { return Scope{ScopeToken, id} }

// CallScopes are the scopes a call made by a user, billed to a team (0 for none), with a token (0
// for none) is held against.
func CallScopes(userID, teamID, tokenID int64) []Scope {
	s := []Scope{UserScope(userID)}
	if teamID != 0 {
		s = append(s, TeamScope(teamID))
	}
	if tokenID != 0 {
		s = append(s, TokenScope(tokenID))
	}
	return s
}

// String is "user 3", "team 1", "token 12".
func (s Scope) String() string { return fmt.Sprintf("%s %d", s.Kind, s.ID) }

// Validate refuses an unknown kind or an id that is not positive with an EInvalid error.
func (s Scope) Validate() error {
	switch s.Kind {
	case ScopeUser, ScopeTeam, ScopeToken:
	default:
		return Errorf(EInvalid, "%q is not a budget scope (user, team or token)", string(s.Kind))
	}
	if s.ID <= 0 {
		return Errorf(EInvalid, "the %s id %d is not an id", s.Kind, s.ID)
	}
	return nil
}

// NormalizeScopes validates the scopes of a call and returns them sorted (so transactions take
// their rows in one order) without duplicates. It refuses an empty list and two scopes of one kind
// (a call is made by one user, billed to one team, with one token) with an EInvalid error.
func NormalizeScopes(scopes []Scope) ([]Scope, error) {
	if len(scopes) == 0 {
		return nil, Errorf(EInvalid, "a reservation needs at least one scope")
	}
	out := slices.Clone(scopes)
	for _, s := range out {
		if err := s.Validate(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b Scope) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	out = slices.Compact(out)
	for i := 1; i < len(out); i++ {
		if out[i].Kind == out[i-1].Kind {
			return nil, Errorf(EInvalid, "a call has one %s, not two (%s and %s)", out[i].Kind, out[i-1], out[i])
		}
	}
	return out, nil
}

// Budget is a limit on what a scope may spend per period. A scope may have one budget per period
// (e.g. $5 a day and $50 a month); a call must fit in all of them.
type Budget struct {
	// Scope is whose budget it is.
	Scope Scope
	// Period is how often it resets.
	Period Period
	// Limit is what the scope may spend per period.
	Limit Money
	// UpdatedAt is when the budget was last set (SetBudget sets it to now when zero).
	UpdatedAt time.Time
}

// Validate refuses a budget with an invalid scope or period or a negative limit with an EInvalid
// error.
func (b *Budget) Validate() error {
	if err := b.Scope.Validate(); err != nil {
		return err
	}
	if err := b.Period.Validate(); err != nil {
		return err
	}
	return b.Limit.Validate(fmt.Sprintf("the %s budget's limit", b.Scope))
}

// BudgetStatus is a budget with what was spent and is held in its current period.
type BudgetStatus struct {
	Budget
	// Start is when the current period started, ResetsAt when the next one starts.
	Start, ResetsAt time.Time
	// Spent is what settled calls cost in the period.
	Spent Money
	// Reserved is what calls not settled yet hold.
	Reserved Money
}

// Left is what is left of the limit in the period, never negative.
func (s BudgetStatus) Left() Money { return max(s.Limit-s.Spent-s.Reserved, 0) }

// MaxRequestIDLen is the longest request id accepted.
const MaxRequestIDLen = 200

// ValidateRequestID refuses an empty or too long request id with an EInvalid error.
func ValidateRequestID(id string) error {
	switch {
	case id == "":
		return Errorf(EInvalid, "the request id is empty")
	case len(id) > MaxRequestIDLen:
		return Errorf(EInvalid, "the request id is longer than %d bytes", MaxRequestIDLen)
	}
	return nil
}
