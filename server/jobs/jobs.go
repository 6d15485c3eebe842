// Package jobs is the server's record of the jobs its clients started: the video, music and
// speech-to-text generations whose answer is an id to poll. The server owns who may poll what:
// each generation id is bound to the client whose call created it, and a poll of an id this
// client did not create — or on another path than the one the job is polled on — is refused as
// not found, so ids cannot be probed. Polls do not spend the per-minute call limit; instead they
// are paced (one per id per PollInterval: a poll that comes early waits for its turn, a second
// one waiting for the same id is refused), a client may have at most MaxOpen jobs that have not
// ended, and after Lifetime a job is no longer relayed.
//
// The record is in memory: a server restart forgets it, and the page then says the job can no
// longer be followed here — unless the registry has a Shared store (replicas behind a load
// balancer): each binding is then written there too, and a poll of an id this replica does not
// know is looked up in it, so it reaches the job whichever replica made it. Each replica paces
// the polls it relays. It does not import the root server package.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"playground/server/httperr"
)

// Defaults of [Config].
const (
	DefaultLifetime     = 30 * time.Minute
	DefaultPollInterval = 2 * time.Second
	DefaultMaxOpen      = 5
)

// Config bounds the jobs of every client.
type Config struct {
	// Lifetime is how long after its creation a job is relayed; 0 means DefaultLifetime.
	Lifetime time.Duration
	// PollInterval is the least time between two polls of one job; 0 means
	// DefaultPollInterval.
	PollInterval time.Duration
	// MaxOpen is how many jobs one client may have that have not ended (nor expired); 0 means
	// DefaultMaxOpen.
	MaxOpen int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx is done; nil means a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Shared, when not nil, is where replicas share their jobs' bindings.
	Shared Shared
	// Log receives the failures to write a binding to Shared; nil discards them.
	Log *slog.Logger
}

// Binding is a job's binding as Shared keeps it.
type Binding struct {
	// ID is the generation id; Client whom it is bound to.
	ID, Client string
	// Provider, Kind and Path are where and how it is polled.
	Provider, Kind, Path string
	// Created is when it was made.
	Created time.Time
}

// Shared keeps the bindings of several replicas' registries (the store).
type Shared interface {
	// BindJob records b; an id bound to another client or provider is an error.
	BindJob(ctx context.Context, b Binding) error
	// FindJob returns the binding of id, and false when there is none.
	FindJob(ctx context.Context, id string) (Binding, bool, error)
}

// sharedTimeout bounds a read or write of Shared.
const sharedTimeout = 5 * time.Second

// Registry binds generation ids to the clients that created them. It is safe for concurrent use.
type Registry struct {
	cfg Config

	mu       sync.Mutex
	jobs     map[string]*job // by generation id
	reserved map[string]int  // creation calls in flight, by client
}

// job is one bound generation.
type job struct {
	client, provider, kind, path string
	created, lastPoll            time.Time
	polls                        int
	waiting                      bool // a poll is waiting for its turn
	done                         bool
}

// New returns an empty registry bounded by cfg.
func New(cfg Config) *Registry {
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.MaxOpen <= 0 {
		cfg.MaxOpen = DefaultMaxOpen
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Registry{cfg: cfg, jobs: map[string]*job{}, reserved: map[string]int{}}
}

// Lifetime is how long a job is relayed after its creation.
func (r *Registry) Lifetime() time.Duration { return r.cfg.Lifetime }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// open counts client's jobs that have not ended nor expired, and its creations in flight.
// r.mu is held.
func (r *Registry) open(client string, now time.Time) int {
	n := r.reserved[client]
	for _, j := range r.jobs {
		if j.client == client && !j.done && now.Sub(j.created) < r.cfg.Lifetime {
			n++
		}
	}
	return n
}

// sweep forgets jobs that expired more than a lifetime ago. r.mu is held.
func (r *Registry) sweep(now time.Time) {
	for id, j := range r.jobs {
		if now.Sub(j.created) > 2*r.cfg.Lifetime {
			delete(r.jobs, id)
		}
	}
}

// Reserve claims one of client's open-job places for a call that creates a job, or refuses it
// (too_many_jobs) when the client has MaxOpen jobs open. The ticket binds the id the call's
// answer names (Bind); Release gives the place back and must be called when the call ends.
func (r *Registry) Reserve(client string) (*Ticket, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.cfg.Now()
	r.sweep(now)
	if n := r.open(client, now); n >= r.cfg.MaxOpen {
		return nil, &httperr.Error{Code: httperr.ETooManyJobs, RetryAfter: int(r.cfg.PollInterval / time.Second),
			Message: fmt.Sprintf("You have %d generations running, the most this playground follows at once. Wait for one to finish (or its %s to pass), then start another.", n, r.cfg.Lifetime)}
	}
	r.reserved[client]++
	return &Ticket{r: r, client: client}, nil
}

// Ticket is a reserved place for one job of a client (see Registry.Reserve).
type Ticket struct {
	r        *Registry
	client   string
	released bool
	bound    bool
}

// Client is the client the ticket was reserved for.
func (t *Ticket) Client() string { return t.client }

// Bind records that the client's call made job id at provider, of the kind named kindName, polled
// with a GET of path (without its query). An id already bound to another client stays theirs;
// Bind reports whether the id is now the ticket's client's. A ticket binds one id.
func (t *Ticket) Bind(provider, kindName, path, id string) bool {
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if t.bound || t.released {
		return false
	}
	if j := r.jobs[id]; j != nil && (j.client != t.client || j.provider != provider) {
		return false
	}
	t.bound = true
	t.released = true
	r.reserved[t.client]--
	if r.reserved[t.client] <= 0 {
		delete(r.reserved, t.client)
	}
	j := &job{client: t.client, provider: provider, kind: kindName, path: path, created: r.cfg.Now()}
	r.jobs[id] = j
	if r.cfg.Shared != nil {
		ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
		defer cancel()
		if err := r.cfg.Shared.BindJob(ctx, Binding{ID: id, Client: j.client, Provider: provider, Kind: kindName, Path: path, Created: j.created}); err != nil {
			r.cfg.Log.Warn("sharing a job's binding with the other replicas failed: only this one relays its polls", "job", id, "err", err)
		}
	}
	return true
}

// Release gives the ticket's place back if it bound no id; it may be called more than once.
func (t *Ticket) Release() {
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if t.released {
		return
	}
	t.released = true
	r.reserved[t.client]--
	if r.reserved[t.client] <= 0 {
		delete(r.reserved, t.client)
	}
}

// Poll is an admitted poll of a job (see Registry.Poll).
type Poll struct {
	r *Registry
	// ID is the generation id.
	ID string
	// Provider and Kind are the job's provider and the name of its kind.
	Provider, Kind string
	// Number counts the job's polls, this one included.
	Number int
}

// Poll admits client's poll of job id with a GET of path: job_not_found when the id is not bound
// to this client on this path, job_expired after the job's lifetime, poll_too_often when another
// poll of the id is already waiting. A poll that comes less than PollInterval after the last one
// waits for its turn (or until ctx is done, whose error it returns).
func (r *Registry) Poll(ctx context.Context, client, path, id string) (*Poll, error) {
	r.mu.Lock()
	j := r.jobs[id]
	if j == nil && r.cfg.Shared != nil {
		r.mu.Unlock()
		j = r.adopt(ctx, id)
		r.mu.Lock()
	}
	if j == nil || j.client != client || j.path != path {
		r.mu.Unlock()
		return nil, httperr.Errorf(httperr.EJobNotFound,
			"No generation %s was started from this browser on this playground (or the server has restarted since). Start it again.", id)
	}
	now := r.cfg.Now()
	if now.Sub(j.created) >= r.cfg.Lifetime {
		r.mu.Unlock()
		return nil, httperr.Errorf(httperr.EJobExpired,
			"Generation %s started more than %s ago, so the playground no longer follows it. The provider may still finish it (and bill it).", id, r.cfg.Lifetime)
	}
	if j.waiting {
		r.mu.Unlock()
		return nil, &httperr.Error{Code: httperr.EPollTooOften, RetryAfter: int((r.cfg.PollInterval + time.Second - 1) / time.Second),
			Message: fmt.Sprintf("Generation %s is already being polled; the playground polls a job at most once every %s.", id, r.cfg.PollInterval)}
	}
	wait := time.Duration(0)
	if !j.lastPoll.IsZero() {
		wait = r.cfg.PollInterval - now.Sub(j.lastPoll)
	}
	if wait > 0 {
		j.waiting = true
		r.mu.Unlock()
		err := r.cfg.Sleep(ctx, wait)
		r.mu.Lock()
		j.waiting = false
		if err != nil {
			r.mu.Unlock()
			return nil, fmt.Errorf("waiting for the turn to poll %s: %w", id, err)
		}
		now = r.cfg.Now()
	}
	j.lastPoll = now
	j.polls++
	p := &Poll{r: r, ID: id, Provider: j.provider, Kind: j.kind, Number: j.polls}
	r.mu.Unlock()
	return p, nil
}

// adopt is the job id another replica made, from Shared, now in this registry too; nil when
// Shared has none (or cannot say).
func (r *Registry) adopt(ctx context.Context, id string) *job {
	ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
	defer cancel()
	b, ok, err := r.cfg.Shared.FindJob(ctx, id)
	if err != nil {
		r.cfg.Log.Warn("looking up a job the other replicas made failed", "job", id, "err", err)
		return nil
	}
	if !ok {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if j := r.jobs[id]; j != nil {
		return j // adopted by a poll meanwhile
	}
	j := &job{client: b.Client, provider: b.Provider, kind: b.Kind, path: b.Path, created: b.Created}
	r.jobs[id] = j
	return j
}

// End records that the poll's answer says the job has ended (completed or failed): it no longer
// counts against its client's open jobs.
func (p *Poll) End() {
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	if j := p.r.jobs[p.ID]; j != nil {
		j.done = true
	}
}

// Open is how many of client's jobs are open (see Config.MaxOpen).
func (r *Registry) Open(client string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.open(client, r.cfg.Now())
}

// ticketKey and pollKey carry a Ticket and a Poll through the proxy to its response hook.
type (
	ticketKey struct{}
	pollKey   struct{}
)

// WithTicket returns ctx carrying t, for the proxy's response hook (see TicketFrom).
func WithTicket(ctx context.Context, t *Ticket) context.Context {
	return context.WithValue(ctx, ticketKey{}, t)
}

// TicketFrom returns the Ticket WithTicket put in ctx, or nil.
func TicketFrom(ctx context.Context) *Ticket {
	t, _ := ctx.Value(ticketKey{}).(*Ticket)
	return t
}

// WithPoll returns ctx carrying p, for the proxy's response hook (see PollFrom).
func WithPoll(ctx context.Context, p *Poll) context.Context {
	return context.WithValue(ctx, pollKey{}, p)
}

// PollFrom returns the Poll WithPoll put in ctx, or nil.
func PollFrom(ctx context.Context) *Poll {
	p, _ := ctx.Value(pollKey{}).(*Poll)
	return p
}
