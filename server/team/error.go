package team

import (
	"errors"
	"fmt"
	"time"
)

// The error codes of the domain. The server's table (server/httperr) has each with its HTTP status.
const (
	// ENotFound: no such user, team, membership, token, session, budget or reservation.
	ENotFound = "not_found"
	// EConflict: it exists already (a user's email, a team's name, a membership, a request id).
	EConflict = "conflict"
	// EInvalid: a value is not acceptable (a negative amount, an unknown role, an empty name).
	EInvalid = "invalid"
	// EUnauthorized: a token or session that exists but no longer opens anything (revoked, expired).
	EUnauthorized = "unauthorized"
	// EBudgetExceeded: a reservation would take a scope's budget over its limit.
	EBudgetExceeded = "budget_exceeded"
	// EForbidden: the identity may not do it (a model its team's policy does not allow, another
	// user's record, an admin's action).
	EForbidden = "forbidden"
	// ERateLimited: a call over a scope's limit of calls or tokens a minute, or of calls at once.
	ERateLimited = "rate_limited"
)

// Codes lists the domain's error codes.
var Codes = []string{ENotFound, EConflict, EInvalid, EUnauthorized, EBudgetExceeded, EForbidden, ERateLimited}

// Error is a domain error: a code a program can act on and a message a person can read. Stores and
// the domain's functions return it for every failure that is the caller's (an unknown id, a
// duplicate, an invalid value, a budget spent); any other error is an internal one.
type Error struct {
	// Code is one of the E… constants.
	Code string
	// Message says what happened, naming the value or record; it never carries a secret.
	Message string

	// Budget is set on an EBudgetExceeded error: the budget that refused the reservation.
	Budget *Refusal
	// RetryAfter, when positive, is how long until the refused call could pass (an ERateLimited
	// error's window).
	RetryAfter time.Duration
}

// Refusal is what an EBudgetExceeded error says about the budget that refused.
type Refusal struct {
	// Scope is whose budget it is.
	Scope Scope
	// Period is the budget's period.
	Period Period
	// Limit is the budget's limit per period.
	Limit Money
	// Left is what is left of the limit in this period (spent and reserved taken off; never
	// negative).
	Left Money
	// Wanted is the amount the reservation asked for.
	Wanted Money
	// ResetsAt is when the budget's next period starts.
	ResetsAt time.Time
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// BudgetExceeded returns the EBudgetExceeded error of a refusal, its message naming the scope,
// what is left and when it resets.
func BudgetExceeded(r Refusal) *Error {
	return &Error{
		Code: EBudgetExceeded,
		Message: fmt.Sprintf("The %s budget of %s per %s has %s left and this call may cost up to %s; it resets at %s.",
			r.Scope, r.Limit, r.Period, r.Left, r.Wanted, r.ResetsAt.UTC().Format("2006-01-02 15:04 UTC")),
		Budget: &r,
	}
}

// ErrorCode is the code of err's domain error (err or one it wraps), or "" when it has none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ErrorMessage is the message of err's domain error, or "" when it has none (an internal error,
// whose text is not for the user).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
