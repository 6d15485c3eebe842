// Package ratelimit is the domain of the per-scope call limits: requests a minute (RPM), tokens a
// minute (TPM) and calls at once (Concurrent), for a user, a team or any other scope named by a
// key. A Limiter admits a call against every scope's Rule at once, all or nothing, and the
// Admission it returns is Done when the call ends.
//
// Two implementations hold the same contract (package limittest is its suite): Memory, in this
// package, for one replica; and server/redis, for several replicas sharing one Redis. WithFailPolicy
// wraps either to say what happens when the limit store cannot be reached.
//
// # The window
//
// RPM and TPM count over a sliding window of one minute made of exact one-second buckets (not the
// two-fixed-windows approximation): a call admitted at time t is counted in the bucket of its
// second, floor(t), and that bucket is counted by every check until the second floor(t)+60 begins.
// So at time now the window holds the seconds floor(now)-59 … floor(now). A refusal's RetryAfter is
// exact: the time until enough of the oldest buckets have left the window for the call to fit.
// Times are taken from the now the caller passes, at millisecond resolution (now.UnixMilli()), in
// both implementations; replicas sharing a Redis must therefore keep their clocks in step (NTP).
//
// A call counts 1 against RPM and its tokens (the caller's estimate: input plus max_tokens) against
// TPM when it is admitted; Done replaces the estimate by the tokens used, in the bucket the call
// was counted in (once that bucket has left the window there is nothing to correct). A kind of limit
// a rule does not set (0) is not counted at all, so a limit set later starts from zero.
//
// Concurrent counts the calls admitted and not yet Done. A call whose Done never comes (its replica
// crashed) holds its slot for a lease (Memory.Lease, DefaultLease), after which the slot frees
// itself.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Rule is one scope's limits; 0 means no limit of that kind.
type Rule struct {
	// Key names the scope, e.g. "user:3" or "team:1"; it appears in refusals' messages.
	Key string
	// RPM is how many calls the scope may start in a minute.
	RPM int64
	// TPM is how many tokens the scope's calls may count in a minute.
	TPM int64
	// Concurrent is how many of the scope's calls may be running at once.
	Concurrent int64
}

// Limited reports whether the rule sets any limit; rules that set none are skipped.
func (r Rule) Limited() bool { return r.RPM > 0 || r.TPM > 0 || r.Concurrent > 0 }

// Limiter admits a call against every rule at once, all or nothing: when one rule refuses, the
// call counts against none of them. Implementations are safe for concurrent use.
type Limiter interface {
	// Admit checks the call, named by callID (unique among calls in flight, across replicas: a
	// random id), with tokens its estimated tokens, against rules at now. Rules are checked in
	// their order, and for each rule RPM, then TPM, then Concurrent; the first that does not
	// fit is returned as a *Refusal and nothing is counted. A call that fits is counted against
	// every rule and its Admission returned. Invalid arguments (see Validate) are an error that
	// wraps ErrInvalid; any other error is the store's.
	Admit(ctx context.Context, callID string, rules []Rule, tokens int64, now time.Time) (Admission, error)
}

// Admission is an admitted call.
type Admission interface {
	// Done ends the call: it replaces the call's estimated tokens by usedTokens in the TPM
	// counts and frees its concurrent slots. It is idempotent: after one Done that returned nil,
	// later calls do nothing and return nil.
	Done(ctx context.Context, usedTokens int64, now time.Time) error
}

// The kinds of limit, as Refusal.Limit names them.
const (
	LimitRPM        = "rpm"
	LimitTPM        = "tpm"
	LimitConcurrent = "concurrent"
)

const (
	// Window is the length of the sliding window of RPM and TPM.
	Window = time.Minute
	// DefaultLease is how long a concurrent slot whose Done never comes stays taken.
	DefaultLease = 15 * time.Minute
	// ConcurrentRetryAfter is the RetryAfter of a concurrency refusal: a hint, since the slot
	// frees when one of the calls ends.
	ConcurrentRetryAfter = time.Second
)

// WindowSeconds is Window in seconds: the number of one-second buckets in it.
const WindowSeconds = int64(Window / time.Second)

// Refusal is the error of a call that does not fit a rule's limit.
type Refusal struct {
	// Key is the rule's scope.
	Key string
	// Limit is the kind of limit: LimitRPM, LimitTPM or LimitConcurrent.
	Limit string
	// Max is the rule's limit of that kind.
	Max int64
	// RetryAfter is how long until the call would fit, if nothing else is counted meanwhile
	// (ConcurrentRetryAfter for a concurrency refusal); 0 means it never will: its tokens are
	// more than the TPM limit.
	RetryAfter time.Duration
}

// Error says which scope is at which limit, and when to try again: "user:3 is at its limit of 60
// requests a minute; try again in 12s".
func (r *Refusal) Error() string {
	switch r.Limit {
	case LimitRPM:
		return fmt.Sprintf("%s is at its limit of %s a minute; try again in %s", r.Key, count(r.Max, "request"), seconds(r.RetryAfter))
	case LimitTPM:
		if r.RetryAfter <= 0 {
			return fmt.Sprintf("%s has a limit of %s a minute, fewer than this call may use; it cannot run (ask for fewer max_tokens or send less)", r.Key, count(r.Max, "token"))
		}
		return fmt.Sprintf("%s is at its limit of %s a minute; try again in %s", r.Key, count(r.Max, "token"), seconds(r.RetryAfter))
	case LimitConcurrent:
		return fmt.Sprintf("%s is at its limit of %s at once; try again when one of them ends", r.Key, count(r.Max, "call"))
	}
	return fmt.Sprintf("%s is at its %s limit of %d; try again in %s", r.Key, r.Limit, r.Max, seconds(r.RetryAfter))
}

// count is n things: "1 call", "60 calls".
func count(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// seconds formats d as whole seconds, rounded up: "12s", and never less than "1s".
func seconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return fmt.Sprintf("%ds", s)
}

// ErrInvalid is wrapped by the errors of Admit and Done called with invalid arguments.
var ErrInvalid = errors.New("ratelimit: invalid call")

// invalidf is an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Validate checks Admit's arguments, for implementations: callID must not be empty, tokens and
// every limit not negative, and each limited rule must have a key of its own (the same scope twice
// would count twice).
func Validate(callID string, rules []Rule, tokens int64) error {
	if callID == "" {
		return invalidf("the call id is empty")
	}
	if tokens < 0 {
		return invalidf("the call's tokens are negative (%d)", tokens)
	}
	for i, r := range rules {
		if r.RPM < 0 || r.TPM < 0 || r.Concurrent < 0 {
			return invalidf("rule %d (%q) has a negative limit", i, r.Key)
		}
		if !r.Limited() {
			continue
		}
		if r.Key == "" {
			return invalidf("rule %d has no key", i)
		}
		for _, o := range rules[:i] {
			if o.Key == r.Key && o.Limited() {
				return invalidf("the key %q is in two rules", r.Key)
			}
		}
	}
	return nil
}

// ValidateDone checks Done's argument, for implementations.
func ValidateDone(usedTokens int64) error {
	if usedTokens < 0 {
		return invalidf("the call's used tokens are negative (%d)", usedTokens)
	}
	return nil
}

// DuplicateCall is the error of Admit with a call id that holds a concurrent slot of key already,
// for implementations; it wraps ErrInvalid.
func DuplicateCall(callID, key string) error {
	return invalidf("the call id %q holds a slot of %s already (call ids must be unique)", callID, key)
}
