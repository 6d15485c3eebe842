package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"playground/app/kind"
	"playground/server/access"
	"playground/server/admit"
	"playground/server/auth"
	"playground/server/httperr"
	"playground/server/jobs"
	"playground/server/oidc"
	"playground/server/quota"
	"playground/server/ratelimit"
	"playground/server/redis"
	"playground/server/store"
	"playground/server/team"
)

// An instance run for a team (-auth other than none) has a store (users, tokens, sessions,
// budgets, usage) and puts every route but the open ones behind an identity (see package access).
// Each model call of a known user is then charged at the one choke point, serveCall: its limits
// are the user's (not the address's), and its largest possible cost is reserved against every
// budget of the user, their team and their token before it starts and settled after it ends.

// ReservationTTL is how long a reservation may stay unsettled (a crash) before it is charged in
// full; a call that runs longer is settled when it ends all the same.
const ReservationTTL = time.Hour

// openStore opens the store of an instance run for a team, and its access; under -auth oidc it
// first discovers the provider (within oidc.DiscoveryTimeout), so that a wrong issuer stops the
// start-up with a clear error rather than the first sign-in.
func (s *Server) openStore() error {
	if !s.cfg.Auth.SignsIn() {
		return nil
	}
	var provider *oidc.Provider
	if s.cfg.Auth == auth.OIDC {
		o := s.cfg.OIDC
		var err error
		provider, err = oidc.Discover(context.Background(), oidc.Config{Issuer: o.Issuer, ClientID: o.ClientID,
			ClientSecret: o.ClientSecret.Reveal(), RedirectURL: o.RedirectURL, Scopes: o.Scopes, GroupsClaim: o.GroupsClaim,
			StateKey: []byte(o.StateKey.Reveal())})
		if err != nil {
			return fmt.Errorf("oidc-issuer: %w (is the issuer URL right, and the provider reachable from this server?)", err)
		}
		if o.StateKey == "" && store.IsPostgres(s.cfg.Database) {
			s.log.Warn("PLAYGROUND_OIDC_STATE_KEY is not set: a sign-in must finish on the replica that began it; give every replica the same key")
		}
	}
	db, err := store.Open(context.Background(), s.cfg.Database)
	if err != nil {
		return err
	}
	s.store = db
	limiter, err := s.openLimiter()
	if err != nil {
		db.Close()
		return err
	}
	s.quota = quota.New(quota.Config{Store: db, Limiter: limiter, Log: s.log, Observer: s.metrics})
	s.access = access.New(access.Config{Mode: s.cfg.Auth, Store: db, TrustedProxies: s.cfg.Limits.TrustedProxies,
		Header: s.cfg.AuthHeader, GroupsHeader: s.cfg.AuthGroupsHeader, OIDC: provider, NewUsers: s.cfg.AuthNewUsers, Log: s.log})
	return nil
}

// openLimiter opens the store of the rate limits: Redis for -redis, shared by the replicas,
// under the -limits-fail-open policy; else memory, for one replica.
func (s *Server) openLimiter() (ratelimit.Limiter, error) {
	if s.cfg.Redis == "" {
		return ratelimit.NewMemory(), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), redis.PingTimeout)
	defer cancel()
	rl, err := redis.Open(ctx, s.cfg.Redis.Reveal())
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	s.closeLimiter = rl.Close
	return ratelimit.WithFailPolicy(rl, s.cfg.LimitsFailOpen, s.log), nil
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
			if _, err := s.store.DeleteJobsBefore(ctx, now.Add(-2*s.jobs.Lifetime())); err != nil && ctx.Err() == nil {
				s.log.Error("deleting old jobs' bindings failed", "err", err)
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
	case "/healthz", "/login", "/logout", access.CallbackPath, "/robots.txt", "/app.js", "/wasm_exec.js", "/app-worker.js", "/manifest.webmanifest", "/app.css", "/embed":
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

// reserveCall puts a known user's call through the choke point (see package quota): the
// policies of its scopes, their rate limits, its largest possible cost reserved against their
// budgets. A request that sets no answer length gets the server's -default-max-tokens first (when
// the model's schema has a length parameter), so that the reservation bounds what it may cost,
// and a stream that does not ask for its usage is made to (admit.AskUsage).
// It returns the function that settles the call when it ends; nil when there is nothing to
// charge (no identity), or the refusal.
func (s *Server) reserveCall(r *http.Request, c *call, l *callLog) (settle func(), _ error) {
	id := access.From(r.Context())
	if id == nil || s.quota == nil {
		return nil, nil
	}
	outTokens := int64(0)
	if c.kind.Mode() == kind.Stream && c.form == nil {
		body, longest, err := admit.DefaultLength(c.op, c.body, s.cfg.DefaultMaxTokens)
		if err != nil {
			return nil, err
		}
		c.body, outTokens = admit.AskUsage(c.op, body), longest
	}
	m := c.entry.Model
	t, err := s.quota.Admit(r.Context(), quota.Call{Scopes: id.Scopes(), Model: m.ID, Aliases: m.Aliases, Price: m.Price,
		InputTokens: int64(len(c.body)+3) / 4, OutputTokens: outTokens})
	if err != nil {
		return nil, admitError(err)
	}
	c.drain = s.cfg.MeterDrain
	return func() {
		u := l.usage()
		usd := u.USD
		if usd <= 0 {
			usd = headerUSD(l.sw.Header())
		}
		spent := quota.Spent{USD: usd, Credits: u.Credits, InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens,
			EstimatedTokens: l.tokens(), Cut: c.cut.Load()}
		usage := team.Usage{Provider: l.rec.Provider, Model: l.rec.Model, Operation: l.rec.Operation, Kind: l.rec.Kind,
			Status: l.sw.status, Duration: time.Since(l.start), Time: l.start}
		if s.cfg.UsageContent {
			usage.Prompt = team.UsageContent(c.body)
			if l.mw != nil {
				usage.Answer = team.UsageContent(l.mw.Kept())
			}
		}
		if err := t.Settle(r.Context(), spent, usage); err != nil {
			if team.ErrorCode(err) != "" {
				s.log.Error("settling a call's cost was refused", "request", t.RequestID(), "err", err)
				return
			}
			s.log.Warn("settling a call's cost failed: retrying until the store is back", "request", t.RequestID(), "err", err)
			go s.retrySettle(t, spent, usage)
		}
	}, nil
}

// The pause between tries of a settle that failed: doubling from settleRetryFirst to at most
// settleRetryMax.
const (
	settleRetryFirst = time.Second
	settleRetryMax   = 30 * time.Second
)

// retrySettle settles a call whose settle failed (the store unreachable) once the store is back:
// its usage is then written with what it really cost. It gives up when the server shuts down or
// the reservation is older than ReservationTTL, when the sweeper charges it in full instead.
func (s *Server) retrySettle(t *quota.Ticket, spent quota.Spent, usage team.Usage) {
	delay := settleRetryFirst
	for {
		select {
		case <-s.shutdown.Done():
			s.log.Error("a call was not settled before the server stopped; its reservation is charged in full when it expires", "request", t.RequestID())
			return
		case <-time.After(delay):
		}
		if time.Since(usage.Time) > ReservationTTL {
			s.log.Error("a call could not be settled before its reservation expired; it is charged in full", "request", t.RequestID())
			return
		}
		err := t.Settle(s.shutdown, spent, usage)
		if err == nil {
			s.log.Info("a call was settled once the store was back", "request", t.RequestID())
			return
		}
		if team.ErrorCode(err) != "" {
			s.log.Error("settling a call's cost was refused", "request", t.RequestID(), "err", err)
			return
		}
		delay = min(2*delay, settleRetryMax)
	}
}

// usdSpentHeader is AI/ML API's header (or trailer) with what a call cost in US dollars.
const usdSpentHeader = "X-Aimlapi-Usd-Spent"

// headerUSD is the cost an answer's header or trailer states (see usdSpentHeader); 0 for none.
func headerUSD(h http.Header) float64 {
	for _, name := range []string{usdSpentHeader, http.TrailerPrefix + usdSpentHeader} {
		if v, err := strconv.ParseFloat(strings.TrimSpace(h.Get(name)), 64); err == nil && v > 0 && !math.IsInf(v, 0) {
			return v
		}
	}
	return 0
}

// sharedJobs is the store as the jobs registry's Shared: the replicas' jobs' bindings.
type sharedJobs struct{ store team.Jobs }

// BindJob records a binding in the store.
func (j sharedJobs) BindJob(ctx context.Context, b jobs.Binding) error {
	return j.store.BindJob(ctx, &team.Job{ID: b.ID, Client: b.Client, Provider: b.Provider, Kind: b.Kind, Path: b.Path, Created: b.Created})
}

// FindJob reads a binding from the store.
func (j sharedJobs) FindJob(ctx context.Context, id string) (jobs.Binding, bool, error) {
	job, err := j.store.FindJob(ctx, id)
	if team.ErrorCode(err) == team.ENotFound {
		return jobs.Binding{}, false, nil
	}
	if err != nil {
		return jobs.Binding{}, false, err
	}
	return jobs.Binding{ID: job.ID, Client: job.Client, Provider: job.Provider, Kind: job.Kind, Path: job.Path, Created: job.Created}, true, nil
}

// admitError is the choke point's refusal or failure as the caller sees it: a domain refusal with
// its own code; the rate-limit store or the database unreachable as 503, saying which and that
// nothing was spent (the cause is in the server log, never in the answer).
func admitError(err error) error {
	if he := access.HTTPError(err); he != nil {
		return he
	}
	if errors.Is(err, ratelimit.ErrUnreachable) {
		return &httperr.Error{Code: httperr.ELimitsUnavailable, Err: err,
			Message: "The playground's rate-limit store is unreachable, so the call is refused and nothing was spent. Try again in a moment."}
	}
	return &httperr.Error{Code: httperr.EStoreUnavailable, Err: err,
		Message: "The playground's usage store could not hold this call's cost, so the call is refused and nothing was spent. Try again in a moment."}
}
