package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"playground/app/catalog"
	"playground/server/access"
	"playground/server/admit"
	"playground/server/store"
	"playground/server/team"
)

// An instance run for a team (-auth other than none) has a store (users, tokens, sessions,
// budgets, usage) and puts every route but the open ones behind an identity (see package access).
// Each model call of a known user is then charged at the one choke point, serveCall: its limits
// are the user's (not the address's), and its largest possible cost is reserved against every
// budget of the user, their team and their token before it starts and settled after it ends.

// DefaultReserveTokens is the answer length a call is reserved for when it sets no max_tokens.
const DefaultReserveTokens = 4096

// ReservationTTL is how long a reservation may stay unsettled (a crash) before it is charged in
// full; a call that runs longer is settled when it ends all the same.
const ReservationTTL = time.Hour

// openStore opens the store of an instance run for a team, and its access.
func (s *Server) openStore() error {
	if !s.cfg.Auth.SignsIn() {
		return nil
	}
	db, err := store.Open(context.Background(), s.cfg.Database)
	if err != nil {
		return err
	}
	s.store = db
	s.access = access.New(access.Config{Mode: s.cfg.Auth, Store: db, TrustedProxies: s.cfg.Limits.TrustedProxies,
		Header: s.cfg.AuthHeader, GroupsHeader: s.cfg.AuthGroupsHeader, Log: s.log})
	return nil
}

// sweepEvery is how often the store's stale rows are swept (see sweep).
const sweepEvery = time.Minute

// pruneEvery is how often the usage log's records older than -usage-retention are deleted.
const pruneEvery = time.Hour

// sweep, until ctx ends, charges in full the reservations left unsettled for ReservationTTL (a
// crashed call: its spend is never lost) and deletes the ended sessions, once a minute; and, with a
// -usage-retention, deletes the usage records older than it once an hour (see pruneUsage).
func (s *Server) sweep(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if n, err := s.store.ExpireReservations(ctx, ReservationTTL, now); err != nil && ctx.Err() == nil {
				s.log.Error("expiring reservations failed", "err", err)
			} else if n > 0 {
				s.log.Warn("reservations expired unsettled, charged in full", "count", n)
			}
			if _, err := s.store.DeleteExpiredSessions(ctx, now); err != nil && ctx.Err() == nil {
				s.log.Error("deleting ended sessions failed", "err", err)
			}
			if s.cfg.UsageRetention > 0 && now.Sub(pruned) >= pruneEvery {
				pruned = now
				s.pruneUsage(ctx, now)
			}
		}
	}
}

// pruneUsage deletes the usage records older than -usage-retention at now, in batches, but never
// those of the budget periods running (team.PruneLimit), which a budget set mid-period counts;
// the daily rollup keeps their sums.
func (s *Server) pruneUsage(ctx context.Context, now time.Time) {
	before := now.Add(-s.cfg.UsageRetention)
	if limit := team.PruneLimit(now); before.After(limit) {
		before = limit
	}
	n, err := s.store.DeleteUsageBefore(ctx, before, 0)
	if err != nil && ctx.Err() == nil {
		s.log.Error("deleting old usage records failed", "before", before, "deleted", n, "err", err)
		return
	}
	if n > 0 {
		s.log.Info("old usage records deleted; their daily sums stay", "before", before, "count", n)
	}
}

// requireIdentity puts h behind the instance's access, when it has one.
func (s *Server) requireIdentity(h http.Handler) http.Handler {
	if s.access == nil {
		return h
	}
	return s.access.Require(h, openRoute, func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") })
}

// openRoute reports whether a route needs no identity: the health check, the sign-in flow, the
// static assets the sign-in page and the app's shell load, and the widget's routes (which keep
// their own anonymous policy).
func openRoute(r *http.Request) bool {
	p := r.URL.Path
	switch p {
	case "/healthz", "/login", "/logout", "/robots.txt", "/app.js", "/wasm_exec.js", "/app-worker.js", "/manifest.webmanifest", "/app.css", "/embed":
		return true
	}
	return strings.HasPrefix(p, "/web/") || strings.HasPrefix(p, "/api/embed/") || strings.HasPrefix(p, "/api/media/")
}

// clientKey is whom the limits count a request against: its user when it has one, else its
// address (see admit.Limiter.ClientKey).
func (s *Server) clientKey(lim *admit.Limiter, r *http.Request) string {
	if id := access.From(r.Context()); id != nil {
		return fmt.Sprintf("user:%d", id.User.ID)
	}
	return lim.ClientKey(r)
}

// reserveCall reserves a known user's call's largest possible cost against every budget that
// applies, and returns the function that settles it when the call ends (with what the provider
// reported it cost, else its tokens at the model's price); nil when there is nothing to charge (no
// identity, or a call refused: then the refusal).
func (s *Server) reserveCall(r *http.Request, c *call, l *callLog) (settle func(), _ error) {
	id := access.From(r.Context())
	if id == nil || s.store == nil {
		return nil, nil
	}
	requestID, err := newRequestID()
	if err != nil {
		return nil, err
	}
	price := c.entry.Model.Price
	inTokens := int64(len(c.body)+3) / 4
	outTokens := maxTokensOf(c.body)
	if outTokens <= 0 {
		outTokens = DefaultReserveTokens
	}
	amount := costOf(price, inTokens, outTokens)
	now := time.Now()
	if err := s.store.Reserve(r.Context(), requestID, id.Scopes(), amount, now); err != nil {
		return nil, budgetRefusal(err)
	}
	return func() {
		u := l.usage()
		cost, err := team.FromFloatUSD(u.USD)
		if err != nil || u.USD <= 0 {
			cost = costOf(price, u.PromptTokens, u.CompletionTokens)
			if u.PromptTokens == 0 && u.CompletionTokens == 0 {
				cost = costOf(price, 0, l.tokens()) // an estimate: the provider counted nothing
			}
		}
		usage := team.Usage{Provider: l.rec.Provider, Model: l.rec.Model, Operation: l.rec.Operation, Kind: l.rec.Kind,
			InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens, Status: l.sw.status, Duration: time.Since(l.start), Time: l.start}
		// The call may have been cancelled: settle on a context of its own.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
		defer cancel()
		if err := s.store.Settle(ctx, requestID, cost, usage); err != nil {
			s.log.Error("settling a call's cost failed; its reservation is charged in full when it expires",
				"request", requestID, "err", err)
		}
	}, nil
}

// budgetRefusal is the answer to a reservation the store refused.
func budgetRefusal(err error) error {
	if he := access.HTTPError(err); he != nil {
		return he
	}
	return fmt.Errorf("reserving the call's cost: %w", err)
}

// costOf is what tokens cost at a model's price (US dollars per million tokens), rounded up to
// a nano-dollar; 0 when the price is not quoted.
func costOf(p *catalog.Price, in, out int64) team.Money {
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

// maxTokensOf is the answer length a request asks for at most (max_tokens,
// max_completion_tokens, max_output_tokens), 0 when it sets none.
func maxTokensOf(body []byte) int64 {
	var head struct {
		MaxTokens           *int64 `json:"max_tokens"`
		MaxCompletionTokens *int64 `json:"max_completion_tokens"`
		MaxOutputTokens     *int64 `json:"max_output_tokens"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return 0
	}
	for _, p := range []*int64{head.MaxTokens, head.MaxCompletionTokens, head.MaxOutputTokens} {
		if p != nil && *p > 0 {
			return *p
		}
	}
	return 0
}

// newRequestID is a call's id, for its reservation and usage row.
func newRequestID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a request id: %w", err)
	}
	return "req_" + hex.EncodeToString(b), nil
}
