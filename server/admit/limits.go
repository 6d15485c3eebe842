// Package admit decides whether a model call may start: the per-client rate and the calls in
// flight (Limiter), and for the embeddable widget its policy (Gate: the models and kinds it may
// run, the cap on answer length, CapTokens) and its shared daily budget (Budget). Refusals are
// httperr errors (429 with Retry-After, 403, 400) the server answers as they are.
//
// It does not import the root server package; the server builds one Limiter for the playground
// and one Gate for the embed from its configuration.
package admit

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"playground/server/httperr"

	"golang.org/x/time/rate"
)

// Limits bound what one client, and all clients together, can make the server spend on model calls.
type Limits struct {
	// RatePerMinute is the sustained number of model calls one client may start per minute.
	RatePerMinute float64
	// Burst is how many calls a client may start at once before the rate applies.
	Burst int
	// StreamsPerClient caps the model calls one client has in flight at once.
	StreamsPerClient int
	// Streams caps the model calls in flight for all clients together.
	Streams int
	// TrustedProxies are the networks of reverse proxies in front of the server whose
	// X-Forwarded-For header names the real client; from any other peer the header is ignored.
	TrustedProxies []netip.Prefix
}

// DefaultLimits suit one team's self-hosted playground.
func DefaultLimits() Limits {
	return Limits{RatePerMinute: 60, Burst: 20, StreamsPerClient: 6, Streams: 2048}
}

// maxClients bounds the per-client table; past it, the clients idle the longest are forgotten.
const maxClients = 100_000

// Limiter enforces Limits. It is safe for concurrent use.
type Limiter struct {
	cfg Limits
	// rateMessage, when set, replaces the message of a refusal for going over the rate.
	rateMessage string
	mu          sync.Mutex
	clients     map[string]*clientState
	streams     int
	now         func() time.Time
}

type clientState struct {
	rate     *rate.Limiter
	streams  int
	lastSeen time.Time
}

// NewLimiter returns a Limiter enforcing cfg.
func NewLimiter(cfg Limits) *Limiter {
	return &Limiter{cfg: cfg, clients: map[string]*clientState{}, now: time.Now}
}

// Acquire admits a model call from client, or returns the 429 to answer with. On success the
// returned release must be called when the call ends.
func (l *Limiter) Acquire(client string) (release func(), _ *httperr.Error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	c := l.clients[client]
	if c == nil {
		if len(l.clients) >= maxClients {
			l.evictLocked(now)
		}
		c = &clientState{rate: rate.NewLimiter(rate.Limit(l.cfg.RatePerMinute/60), l.cfg.Burst)}
		l.clients[client] = c
	}
	c.lastSeen = now
	if l.cfg.Streams > 0 && l.streams >= l.cfg.Streams {
		return nil, &httperr.Error{Code: httperr.EServerBusy, RetryAfter: 5,
			Message: "The playground server is running as many model calls as it allows at once. Try again in a few seconds."}
	}
	if l.cfg.StreamsPerClient > 0 && c.streams >= l.cfg.StreamsPerClient {
		return nil, &httperr.Error{Code: httperr.ETooManyStreams, RetryAfter: 2,
			Message: "You already have the most model calls running at once that this server allows. Stop one or wait for it to finish."}
	}
	if l.cfg.RatePerMinute > 0 {
		r := c.rate.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			msg := "Too many model calls from your address in a short time. Wait a moment and run again."
			if l.rateMessage != "" {
				msg = l.rateMessage
			}
			return nil, &httperr.Error{Code: httperr.ERateLimited,
				RetryAfter: int(math.Ceil(d.Seconds())), Message: msg}
		}
	}
	c.streams++
	l.streams++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			c.streams--
			l.streams--
		})
	}, nil
}

// InFlight is how many calls the limiter has admitted that have not ended.
func (l *Limiter) InFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.streams
}

// evictLocked forgets the idle tenth of the clients that were seen the longest ago.
func (l *Limiter) evictLocked(now time.Time) {
	cutoff := now.Add(-10 * time.Minute)
	for k, c := range l.clients {
		if c.streams == 0 && c.lastSeen.Before(cutoff) {
			delete(l.clients, k)
		}
	}
	for k, c := range l.clients {
		if len(l.clients) < maxClients*9/10 {
			break
		}
		if c.streams == 0 {
			delete(l.clients, k)
		}
	}
}

// ClientKey identifies the client of a request: its peer address, or the address a trusted reverse
// proxy in front of the server reports in X-Forwarded-For (the right-most one that is not itself a
// trusted proxy, since proxies append).
func (l *Limiter) ClientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !l.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !l.trusted(a) {
			return a.String()
		}
	}
	return peer.String()
}

func (l *Limiter) trusted(a netip.Addr) bool {
	for _, p := range l.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
