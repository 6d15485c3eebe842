// Package team is the domain of self-hosting for teams: users, the teams they belong to (a user may
// be in several) with a role in each, personal API tokens, server-side sessions, budgets in money,
// the usage log and the audit log (WTF Dial style: types, rules and the Store interfaces, no
// database; server/sqlite and server/postgres implement the Store).
//
// Money is an integer count of nano-dollars. A model call's cost is held in two steps: before the
// call, Reserve holds its largest possible cost against every Scope that applies (the user, the
// team, the token), in one transaction, and refuses when any of their budgets would go over; after
// the call, Settle charges what it really cost and releases the rest, once per request id. A
// reservation that is never settled is charged in full by ExpireReservations.
//
// Every failure that is the caller's is an *Error with a code (ENotFound, EConflict, EInvalid,
// EUnauthorized, EBudgetExceeded); server/httperr's table gives each its HTTP status.
package team

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MaxNameLen is the longest name (of a user, team or token) accepted, in characters.
const MaxNameLen = 200

// Role is what a member may do in a team.
type Role string

// The roles.
const (
	// Admin manages the team: its members, budgets and tokens.
	Admin Role = "admin"
	// Member runs models on the team's budget.
	Member Role = "member"
)

// ParseRole parses "admin" or "member"; anything else is an EInvalid error naming it.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if err := r.Validate(); err != nil {
		return "", err
	}
	return r, nil
}

// Validate refuses a role other than Admin and Member with an EInvalid error.
func (r Role) Validate() error {
	switch r {
	case Admin, Member:
		return nil
	}
	return Errorf(EInvalid, "%q is not a role (admin or member)", string(r))
}

// User is a person who signs in.
type User struct {
	// ID is the store's id, set by Users.AddUser.
	ID int64
	// Email is the user's address, unique, kept trimmed and in lower case (see NormalizeEmail).
	Email string
	// Name is the name shown; it may be empty.
	Name string
	// Admin says the user administers the instance: users, teams, budgets, everyone's usage.
	Admin bool
	// CreatedAt is when the user was added (AddUser sets it to now when zero).
	CreatedAt time.Time
}

// NormalizeEmail is email trimmed and in lower case, the form users are kept and found by.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Validate normalizes the user's email and name and refuses an address that is not one or a name
// that is too long, with an EInvalid error.
func (u *User) Validate() error {
	u.Email, u.Name = NormalizeEmail(u.Email), strings.TrimSpace(u.Name)
	local, domain, ok := strings.Cut(u.Email, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(u.Email, " \t\r\n<>,;") || strings.Count(u.Email, "@") != 1 {
		return Errorf(EInvalid, "%q is not an email address", u.Email)
	}
	if utf8.RuneCountInString(u.Email) > MaxNameLen {
		return Errorf(EInvalid, "the email address is longer than %d characters", MaxNameLen)
	}
	return validName("the user's name", u.Name, false)
}

// Team is a group of users sharing budgets.
type Team struct {
	// ID is the store's id, set by Teams.AddTeam.
	ID int64
	// Name is the team's name, unique and not empty.
	Name string
	// CreatedAt is when the team was added (AddTeam sets it to now when zero).
	CreatedAt time.Time
}

// Validate trims the team's name and refuses an empty or too long one with an EInvalid error.
func (t *Team) Validate() error {
	t.Name = strings.TrimSpace(t.Name)
	return validName("the team's name", t.Name, true)
}

// Membership is a user's place in a team.
type Membership struct {
	// TeamID and UserID say whose.
	TeamID, UserID int64
	// Role is what the user may do in the team.
	Role Role
	// CreatedAt is when the user joined (AddMember sets it to now when zero).
	CreatedAt time.Time
}

// validName refuses a name that is too long, has control characters, or is empty when required.
func validName(what, name string, required bool) error {
	switch {
	case required && name == "":
		return Errorf(EInvalid, "%s is empty", what)
	case utf8.RuneCountInString(name) > MaxNameLen:
		return Errorf(EInvalid, "%s is longer than %d characters", what, MaxNameLen)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return Errorf(EInvalid, "%s %q has control characters", what, name)
	}
	return nil
}
