// Package redis is ratelimit.Limiter on Redis (github.com/redis/go-redis/v9), so that the limits
// hold across the replicas of the server: every replica's Limiter shares the counts in one Redis.
//
// Each Admit is one Lua script (admit.lua, sent as EVALSHA, and as EVAL only when Redis lost its
// script cache), atomic over all the rules' keys: it checks every rule, and counts the call against
// all of them only when none refuses; each Done is one more (done.lua), or none when there is
// nothing to do. The contract is ratelimit's, held by the shared suite limittest, with the same
// results as ratelimit.Memory to the millisecond.
//
// # Keys
//
// Every key starts with Prefix (playground:rl:), then the kind and the rule's key:
//
//	playground:rl:rpm:KEY   hash: second (unix) → calls counted in it      TTL 61 s after a write
//	playground:rl:tpm:KEY   hash: second (unix) → tokens counted in it     TTL 61 s after a write
//	playground:rl:cc:KEY    sorted set: call id, scored by its lease's end  TTL the lease
//	playground:rl:done:ID   the mark of a call whose tokens were corrected  TTL 61 s
//
// The scripts drop the seconds that left the window and the slots whose lease ended as they pass,
// and the TTLs remove the keys of scopes that stopped calling, so nothing grows forever.
//
// # Time
//
// The scripts use the now passed to Admit and Done (as unix milliseconds), never Redis's clock,
// as Memory does: so one clock decides, the tests can drive it, and the two implementations agree.
// The replicas sharing a Redis must keep their clocks in step (NTP); a replica whose clock is a
// second off counts its calls in a neighbouring second. The TTLs, which only collect garbage, run
// on Redis's clock.
//
// One call's keys must live on one Redis: Redis Cluster, which spreads keys over nodes by hash slot,
// is not supported (a single Redis, or one with replicas and Sentinel, is).
package redis

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"playground/server/ratelimit"
)

// Prefix starts every key the Limiter writes.
const Prefix = "playground:rl:"

// PingTimeout bounds the PING with which Open checks that Redis answers.
const PingTimeout = 5 * time.Second

// hashTTL is the TTL of an RPM or TPM hash after a write, and of a done mark: a second counted
// now is in the window for a minute, and one second more covers the rounding.
var hashTTL = (ratelimit.Window + time.Second).Milliseconds()

var (
	//go:embed admit.lua
	admitSource string
	//go:embed done.lua
	doneSource string

	admitScript = goredis.NewScript(admitSource)
	doneScript  = goredis.NewScript(doneSource)
)

// Limiter is a ratelimit.Limiter on a Redis. It is safe for concurrent use, and several Limiters
// (in one process or in several replicas) may share one Redis.
type Limiter struct {
	// Lease is how long a concurrent slot whose Done never comes stays taken; 0 means
	// ratelimit.DefaultLease. Set it before the first Admit.
	Lease time.Duration

	client *goredis.Client
	// where names the Redis in errors, without a password.
	where string
}

var _ ratelimit.Limiter = (*Limiter)(nil)

// CheckURL reports whether rawURL is a Redis URL Open accepts: redis://[user:password@]host[:port][/db]
// or rediss:// (TLS), with go-redis's options as query parameters (dial_timeout=1s,
// read_timeout=500ms, pool_size=20…). Its errors never show the password.
func CheckURL(rawURL string) error {
	_, _, err := parseURL(rawURL)
	return err
}

// parseURL reads rawURL into go-redis's options, and names it without its password.
func parseURL(rawURL string) (*goredis.Options, string, error) {
	const form = "redis://[user:password@]host:port/db or rediss://…"
	if strings.TrimSpace(rawURL) == "" {
		return nil, "", fmt.Errorf("the Redis URL is empty (%s)", form)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error quotes the URL, password and all: say less.
		return nil, "", fmt.Errorf("the Redis URL does not parse as a URL (%s)", form)
	}
	where := u.Redacted()
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, where, fmt.Errorf("the Redis URL %s is not a redis:// or rediss:// URL (%s)", where, form)
	}
	if u.Hostname() == "" {
		return nil, where, fmt.Errorf("the Redis URL %s names no host (%s)", where, form)
	}
	opts, err := goredis.ParseURL(rawURL)
	if err != nil {
		return nil, where, fmt.Errorf("the Redis URL %s: %w", where, err)
	}
	return opts, where, nil
}

// Open connects to the Redis rawURL names (see CheckURL) and checks that it answers a PING within
// PingTimeout. Its errors name the URL without its password.
func Open(ctx context.Context, rawURL string) (*Limiter, error) {
	opts, where, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	// The caller's deadlines bound each command, not only the read and write timeouts.
	opts.ContextTimeoutEnabled = true
	c := goredis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis: connecting to %s: %w", where, err)
	}
	// Load the scripts, so that the first calls are one EVALSHA each; should Redis lose them
	// later (a restart, SCRIPT FLUSH), Run sends them again.
	for _, s := range []*goredis.Script{admitScript, doneScript} {
		if err := s.Load(pctx, c).Err(); err != nil {
			c.Close()
			return nil, fmt.Errorf("redis: loading the limit scripts into %s: %w", where, err)
		}
	}
	return &Limiter{Lease: ratelimit.DefaultLease, client: c, where: where}, nil
}

// New is a Limiter on a client the caller made (and closes).
func New(c *goredis.Client) *Limiter {
	return &Limiter{Lease: ratelimit.DefaultLease, client: c, where: "redis at " + c.Options().Addr}
}

// Close closes the connections of a Limiter made by Open.
func (l *Limiter) Close() error { return l.client.Close() }

// key is the key of a kind ("rpm", "tpm", "cc", "done") of a rule's key or call's id.
func key(kind, k string) string { return Prefix + kind + ":" + k }

// Admit implements ratelimit.Limiter, with one script.
func (l *Limiter) Admit(ctx context.Context, callID string, rules []ratelimit.Rule, tokens int64, now time.Time) (ratelimit.Admission, error) {
	if err := ratelimit.Validate(callID, rules, tokens); err != nil {
		return nil, err
	}
	lease := l.Lease
	if lease <= 0 {
		lease = ratelimit.DefaultLease
	}
	nowMS := now.UnixMilli()
	sec := nowMS / 1000
	if nowMS%1000 < 0 {
		sec-- // rounded down, as Memory does
	}
	a := &admission{l: l, callID: callID, sec: sec, tokens: tokens}
	limited := make([]ratelimit.Rule, 0, len(rules))
	keys := make([]string, 0, 3*len(rules))
	args := make([]any, 0, 8+3*len(rules))
	args = append(args, nowMS, sec, tokens, callID, nowMS+lease.Milliseconds(), lease.Milliseconds(), ratelimit.WindowSeconds, hashTTL)
	for _, r := range rules {
		if !r.Limited() {
			continue
		}
		limited = append(limited, r)
		keys = append(keys, key("rpm", r.Key), key("tpm", r.Key), key("cc", r.Key))
		args = append(args, r.RPM, r.TPM, r.Concurrent)
		if r.TPM > 0 {
			a.tpm = append(a.tpm, key("tpm", r.Key))
		}
		if r.Concurrent > 0 {
			a.cc = append(a.cc, key("cc", r.Key))
		}
	}
	if len(limited) == 0 {
		return a, nil
	}
	res, err := admitScript.Run(ctx, l.client, keys, args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("redis: admitting a call at %s: %w", l.where, err)
	}
	switch {
	case len(res) == 1 && res[0] == 0:
		return a, nil
	case len(res) == 4 && res[0] == 1 && res[1] >= 1 && res[1] <= int64(len(limited)):
		r := limited[res[1]-1]
		switch res[2] {
		case 1:
			return nil, &ratelimit.Refusal{Key: r.Key, Limit: ratelimit.LimitRPM, Max: r.RPM, RetryAfter: time.Duration(res[3]) * time.Millisecond}
		case 2:
			return nil, &ratelimit.Refusal{Key: r.Key, Limit: ratelimit.LimitTPM, Max: r.TPM, RetryAfter: time.Duration(res[3]) * time.Millisecond}
		case 3:
			return nil, &ratelimit.Refusal{Key: r.Key, Limit: ratelimit.LimitConcurrent, Max: r.Concurrent, RetryAfter: ratelimit.ConcurrentRetryAfter}
		}
	case len(res) == 2 && res[0] == 2 && res[1] >= 1 && res[1] <= int64(len(limited)):
		return nil, ratelimit.DuplicateCall(callID, limited[res[1]-1].Key)
	}
	return nil, fmt.Errorf("redis: admitting a call at %s: the script answered %v", l.where, res)
}

// admission is an Admission of a Limiter.
type admission struct {
	l      *Limiter
	callID string
	// sec is the second the call was counted in; tokens its estimate.
	sec, tokens int64
	// tpm and cc are the keys of the TPM hashes the call counted tokens in and of the sets it
	// holds a slot of.
	tpm, cc []string

	mu   sync.Mutex
	done bool
}

// Done implements ratelimit.Admission, with one script, or none when there is nothing to undo. A
// Done that fails may be called again: the script corrects the tokens once however often it runs.
func (a *admission) Done(ctx context.Context, usedTokens int64, now time.Time) error {
	if err := ratelimit.ValidateDone(usedTokens); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done {
		return nil
	}
	delta := usedTokens - a.tokens
	tpm := a.tpm
	if delta == 0 {
		tpm = nil
	}
	if len(tpm) == 0 && len(a.cc) == 0 {
		a.done = true
		return nil
	}
	keys := make([]string, 0, 1+len(tpm)+len(a.cc))
	keys = append(keys, key("done", a.callID))
	keys = append(keys, tpm...)
	keys = append(keys, a.cc...)
	err := doneScript.Run(ctx, a.l.client, keys, strconv.FormatInt(a.sec, 10), delta, a.callID, len(tpm), hashTTL).Err()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("redis: ending a call at %s: %w", a.l.where, err)
	}
	a.done = true
	return nil
}
