// Package quota is the one choke point every model call of a known user goes through before it
// starts, and the settling of what it cost after it ends:
//
//  1. the model must be one every policy of the call's scopes (its user, team and token) allows;
//  2. the call must fit the scopes' rate limits — calls and tokens a minute, calls at once — in
//     the Limiter (in memory, or shared by replicas through Redis);
//  3. its largest possible cost (the input estimate and its longest answer at the model's price)
//     is reserved against every budget of those scopes, in one transaction of the store.
//
// A refusal at any step is a coded domain error (team.EForbidden, team.ERateLimited,
// team.EBudgetExceeded) that names the scope and why, and undoes the steps before it. The
// Ticket of an admitted call settles it: what the provider reported it cost, else its tokens at
// the model's price, else the server's estimate — and, for a call cut short before any count
// came, its whole reservation — released from the limits and written to the usage log.
//
// It does not import the server, go-app or any store: the server gives it a team.Store and a
// ratelimit.Limiter.
package quota

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"playground/app/catalog"
	"playground/server/ratelimit"
	"playground/server/team"
)

// Store is what the choke point needs of the store.
type Store interface {
	team.Policies
	team.Budgets
}

// Config is how the choke point works.
type Config struct {
	// Store holds the policies and budgets.
	Store Store
	// Limiter counts the rate limits; nil is ratelimit.NewMemory().
	Limiter ratelimit.Limiter
	// Log receives settling failures.
	Log *slog.Logger
	// Observer, when not nil, is told of refusals, reservations and settlements (metrics).
	Observer Observer
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// The reasons of a refusal, as an Observer is told them.
const (
	RefusedPolicy = "policy" // a model the scope may not run
	RefusedRate   = "rate"   // over a rate, token-rate or concurrency limit
	RefusedBudget = "budget" // over a budget
)

// Observer is told what the choke point does, for metrics; its methods must be quick and safe
// for concurrent use.
type Observer interface {
	// Refused is a call refused for reason (RefusedPolicy, RefusedRate, RefusedBudget).
	Refused(reason string)
	// Reserved is a call admitted with amount held against its budgets.
	Reserved(amount team.Money)
	// Settled is a call settled at cost, from source; failed when the store did not take it.
	Settled(cost team.Money, source team.CostSource, failed bool)
}

// nopObserver observes nothing.
type nopObserver struct{}

func (nopObserver) Refused(string)                            {}
func (nopObserver) Reserved(team.Money)                       {}
func (nopObserver) Settled(team.Money, team.CostSource, bool) {}

// Quota is the choke point. It is safe for concurrent use.
type Quota struct {
	cfg Config
}

// New returns the choke point of cfg.
func New(cfg Config) *Quota {
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.NewMemory()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	return &Quota{cfg: cfg}
}

// Call is a model call about to start.
type Call struct {
	// Scopes are whom it is made by and billed to (see team.CallScopes).
	Scopes []team.Scope
	// Model and Aliases name the model; the policies' patterns match either.
	Model   string
	Aliases []string
	// Price is the model's catalogue price; nil when it quotes none (the call reserves nothing).
	Price *catalog.Price
	// InputTokens is the request's size in tokens (an estimate); OutputTokens the longest answer
	// it allows.
	InputTokens, OutputTokens int64
}

// Ticket is an admitted call's reservation and place in the limits. Settle must be called once
// it ends, whatever the outcome.
type Ticket struct {
	q         *Quota
	requestID string
	call      Call
	reserved  team.Money
	admission ratelimit.Admission
	start     time.Time
}

// RequestID is the call's id: its reservation's and usage row's.
func (t *Ticket) RequestID() string { return t.requestID }

// Reserved is what was held against the budgets: the call's largest possible cost.
func (t *Ticket) Reserved() team.Money { return t.reserved }

// Admit decides whether c may start, in the package doc's order, and holds its place in the
// limits and its cost in the budgets. A refusal is a domain error; any other error (the store or
// the limiter unreachable) is an internal one, and the call must not start either way.
func (q *Quota) Admit(ctx context.Context, c Call) (*Ticket, error) {
	policies, err := q.cfg.Store.ListPolicies(ctx, c.Scopes...)
	if err != nil {
		return nil, fmt.Errorf("quota: reading the policies: %w", err)
	}
	var rules []ratelimit.Rule
	for _, p := range policies {
		if !p.Allows(c.Model, c.Aliases...) {
			q.cfg.Observer.Refused(RefusedPolicy)
			return nil, p.Refusal(c.Model)
		}
		if p.RPM > 0 || p.TPM > 0 || p.Concurrent > 0 {
			rules = append(rules, ratelimit.Rule{Key: p.Scope.String(), RPM: p.RPM, TPM: p.TPM, Concurrent: p.Concurrent})
		}
	}
	id, err := NewRequestID()
	if err != nil {
		return nil, err
	}
	now := q.cfg.Now()
	t := &Ticket{q: q, requestID: id, call: c, reserved: CostOf(c.Price, c.InputTokens, c.OutputTokens), start: now}
	if len(rules) > 0 {
		t.admission, err = q.cfg.Limiter.Admit(ctx, id, rules, c.InputTokens+c.OutputTokens, now)
		if err != nil {
			err = limitError(err)
			if team.ErrorCode(err) != "" {
				q.cfg.Observer.Refused(RefusedRate)
			}
			return nil, err
		}
	}
	if err := q.cfg.Store.Reserve(ctx, id, c.Scopes, t.reserved, now); err != nil {
		t.release(ctx, 0)
		if team.ErrorCode(err) != "" {
			if team.ErrorCode(err) == team.EBudgetExceeded {
				q.cfg.Observer.Refused(RefusedBudget)
			}
			return nil, err
		}
		return nil, fmt.Errorf("quota: reserving the call's cost: %w", err)
	}
	q.cfg.Observer.Reserved(t.reserved)
	return t, nil
}

// limitError is the limiter's refusal as a domain error, or its failure wrapped.
func limitError(err error) error {
	var r *ratelimit.Refusal
	if errors.As(err, &r) {
		return &team.Error{Code: team.ERateLimited, Message: r.Error(), RetryAfter: r.RetryAfter}
	}
	return fmt.Errorf("quota: counting the call against its rate limits: %w", err)
}

// release frees the call's place in the limits, counting used tokens.
func (t *Ticket) release(ctx context.Context, used int64) {
	if t.admission == nil {
		return
	}
	if err := t.admission.Done(ctx, used, t.q.cfg.Now()); err != nil {
		t.q.cfg.Log.Error("releasing a call's place in the rate limits failed; it frees itself when its lease ends",
			"request", t.requestID, "err", err)
	}
}

// Spent is what an ended call used, as the provider reported it and as the server counted it.
type Spent struct {
	// USD is what the provider reported it cost in US dollars (usage.cost, meta.usage.usd_spent,
	// the x-aimlapi-usd-spent header); Credits what it reported in AI/ML API credits; 0 for none.
	USD, Credits float64
	// InputTokens and OutputTokens are the provider's counts; 0 when it gave none.
	InputTokens, OutputTokens int64
	// EstimatedTokens is the server's own count (the request's size, the answer's length), for
	// when the provider's are missing.
	EstimatedTokens int64
	// Cut says the answer did not arrive whole (the client left and the rest could not be read in
	// time, the provider broke off): without the provider's figures, the reservation is charged.
	Cut bool
}

// CreditsPerUSD is AI/ML API's stated rate of credits to the US dollar.
const CreditsPerUSD = 2_000_000

// Cost is what a call that used s cost, and where that figure comes from: the provider's, else
// its tokens at the model's price, else the estimate — or the reservation when the call was cut
// before the provider said anything.
func (t *Ticket) Cost(s Spent) (team.Money, team.CostSource) {
	if m, err := team.FromFloatUSD(s.USD); err == nil && s.USD > 0 {
		return m, team.CostProvider
	}
	if m, err := team.FromFloatUSD(s.Credits / CreditsPerUSD); err == nil && s.Credits > 0 {
		return m, team.CostProvider
	}
	if s.InputTokens > 0 || s.OutputTokens > 0 {
		return CostOf(t.call.Price, s.InputTokens, s.OutputTokens), team.CostPrice
	}
	if s.Cut {
		return t.reserved, team.CostReservation
	}
	return CostOf(t.call.Price, 0, s.EstimatedTokens), team.CostEstimate
}

// Settle charges the call what it cost (see Cost), releases the rest of its reservation and its
// place in the limits, and writes u — its cost, source and tokens set from s — to the usage log.
// It uses a context of its own (the call's may be cancelled); settling again changes nothing.
func (t *Ticket) Settle(ctx context.Context, s Spent, u team.Usage) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	cost, source := t.Cost(s)
	used := s.InputTokens + s.OutputTokens
	if used == 0 {
		used = s.EstimatedTokens
	}
	t.release(ctx, used)
	u.InputTokens, u.OutputTokens, u.CostSource = s.InputTokens, s.OutputTokens, source
	if u.Time.IsZero() {
		u.Time = t.start
	}
	err := t.q.cfg.Store.Settle(ctx, t.requestID, cost, u)
	t.q.cfg.Observer.Settled(cost, source, err != nil)
	if err != nil {
		return fmt.Errorf("quota: settling the request %s: %w", t.requestID, err)
	}
	return nil
}

// settleTimeout bounds settling a call.
const settleTimeout = 10 * time.Second

// CostOf is what tokens cost at a model's price (US dollars per million tokens), rounded up to a
// nano-dollar; 0 when the price is not quoted.
func CostOf(p *catalog.Price, in, out int64) team.Money {
	if p == nil {
		return 0
	}
	usd := 0.0
	if p.Input != nil {
		usd += float64(in) * *p.Input / 1e6
	}
	if p.Output != nil {
		usd += float64(out) * *p.Output / 1e6
	}
	if !(usd > 0) || math.IsInf(usd, 0) {
		return 0
	}
	return team.Money(math.Ceil(usd * float64(team.USD)))
}

// NewRequestID is a new call's id, for its reservation and usage row.
func NewRequestID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("quota: making a request id: %w", err)
	}
	return "req_" + hex.EncodeToString(b), nil
}
