package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrUnreachable is wrapped by the error of a FailPolicy that refuses a call because its limit
// store failed.
var ErrUnreachable = errors.New("the limit store is unreachable")

// FailLogEvery is how often (in the nows passed) a FailPolicy that allows calls logs that the
// store still fails; the calls allowed in between are counted in the next line.
const FailLogEvery = time.Minute

// FailPolicy is a Limiter that decides what happens when the Limiter it wraps fails (an error
// that is not a Refusal, not ErrInvalid and not the caller's context ending): it refuses the call
// with an error wrapping ErrUnreachable, or, when it allows, admits the call without counting it
// and logs a warning (at most once every FailLogEvery). The Done of a call the wrapped Limiter
// admitted returns that Limiter's errors as they are. Create one with WithFailPolicy.
type FailPolicy struct {
	limiter Limiter
	allow   bool
	log     *slog.Logger

	mu sync.Mutex
	// loggedAt is when the last warning was logged; allowed counts the calls allowed since.
	loggedAt time.Time
	allowed  int64
}

var _ Limiter = (*FailPolicy)(nil)

// WithFailPolicy wraps l: when l's store fails, a call is allowed (allow, logged on log) or
// refused (the default, allow false). A nil log discards the warnings.
func WithFailPolicy(l Limiter, allow bool, log *slog.Logger) *FailPolicy {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &FailPolicy{limiter: l, allow: allow, log: log}
}

// Admit implements Limiter.
func (p *FailPolicy) Admit(ctx context.Context, callID string, rules []Rule, tokens int64, now time.Time) (Admission, error) {
	a, err := p.limiter.Admit(ctx, callID, rules, tokens, now)
	if err == nil || !StoreFailed(ctx, err) {
		return a, err
	}
	if !p.allow {
		return nil, fmt.Errorf("%w, so the call is refused: %w", ErrUnreachable, err)
	}
	p.warn(err, now)
	return unlimited{}, nil
}

// warn logs that the store fails and calls are let through, at most once every FailLogEvery.
func (p *FailPolicy) warn(err error, now time.Time) {
	p.mu.Lock()
	p.allowed++
	if !p.loggedAt.IsZero() && now.Sub(p.loggedAt) < FailLogEvery {
		p.mu.Unlock()
		return
	}
	n := p.allowed
	p.loggedAt, p.allowed = now, 0
	p.mu.Unlock()
	p.log.Warn("rate limits are not enforced: the limit store is unreachable, and calls are allowed (-limits-fail-open)",
		"error", err, "allowed", n)
}

// StoreFailed reports whether err, from Admit or Done called with ctx, is the store's failure:
// not a Refusal, not ErrInvalid, and not ctx ending.
func StoreFailed(ctx context.Context, err error) bool {
	var r *Refusal
	switch {
	case err == nil, errors.As(err, &r), errors.Is(err, ErrInvalid):
		return false
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		return false
	}
	return true
}

// unlimited is the Admission of a call allowed without counting it.
type unlimited struct{}

// Done does nothing.
func (unlimited) Done(context.Context, int64, time.Time) error { return nil }
