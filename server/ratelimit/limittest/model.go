package limittest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"playground/server/ratelimit"
)

// model is the contract of ratelimit.Limiter in its plainest form: every admitted call kept in a
// list, and each check a walk over it. It is slow and unbounded, and obviously right; testModel
// holds the implementations to it.
type model struct {
	// lease is the lease of a concurrent slot, in milliseconds.
	lease int64
	calls []*modelCall
}

// modelCall is one admitted call.
type modelCall struct {
	// sec is the second it was admitted in; tokens its estimate, then what it used.
	sec, tokens int64
	// leaseEnd is when (unix milliseconds) its slots free themselves.
	leaseEnd int64
	// rpm, tpm and cc are the keys it counts against, per kind.
	rpm, tpm, cc map[string]bool
	done         bool
}

// admit is Admit.
func (m *model) admit(rules []ratelimit.Rule, tokens int64, now time.Time) (*modelCall, *ratelimit.Refusal) {
	nowMS := now.UnixMilli()
	sec := nowMS / 1000
	inWindow := func(c *modelCall) bool { return c.sec > sec-ratelimit.WindowSeconds }
	// retry is when enough of the counted calls, oldest first, leave the window for need more.
	retry := func(counted []*modelCall, n func(*modelCall) int64, need, max int64) time.Duration {
		sort.SliceStable(counted, func(i, j int) bool { return counted[i].sec < counted[j].sec })
		var total int64
		for _, c := range counted {
			total += n(c)
		}
		for _, c := range counted {
			total -= n(c)
			if total+need <= max {
				return time.Duration((c.sec+ratelimit.WindowSeconds)*1000-nowMS) * time.Millisecond
			}
		}
		panic("unreachable: need is at most max")
	}
	one := func(*modelCall) int64 { return 1 }
	toks := func(c *modelCall) int64 { return c.tokens }
	for _, r := range rules {
		if !r.Limited() {
			continue
		}
		if r.RPM > 0 {
			var counted []*modelCall
			for _, c := range m.calls {
				if c.rpm[r.Key] && inWindow(c) {
					counted = append(counted, c)
				}
			}
			if int64(len(counted))+1 > r.RPM {
				return nil, &ratelimit.Refusal{Key: r.Key, Limit: ratelimit.LimitRPM, Max: r.RPM, RetryAfter: retry(counted, one, 1, r.RPM)}
			}
		}
		if r.TPM > 0 {
			if tokens > r.TPM {
				return nil, &ratelimit.Refusal{Key: r.Key, Limit: ratelimit.LimitTPM, Max: r.TPM}
			}
			var counted []*modelCall
			var total int64
			for _, c := range m.calls {
				if c.tpm[r.Key] && inWindow(c) {
					counted = append(counted, c)
					total += c.tokens
				}
			}
			if total+tokens > r.TPM {
				return nil, &ratelimit.Refusal{Key: r.Key, Limit: ratelimit.LimitTPM, Max: r.TPM, RetryAfter: retry(counted, toks, tokens, r.TPM)}
			}
		}
		if r.Concurrent > 0 {
			var live int64
			for _, c := range m.calls {
				if c.cc[r.Key] && !c.done && c.leaseEnd > nowMS {
					live++
				}
			}
			if live >= r.Concurrent {
				return nil, &ratelimit.Refusal{Key: r.Key, Limit: ratelimit.LimitConcurrent, Max: r.Concurrent, RetryAfter: ratelimit.ConcurrentRetryAfter}
			}
		}
	}
	c := &modelCall{sec: sec, tokens: tokens, leaseEnd: nowMS + m.lease, rpm: map[string]bool{}, tpm: map[string]bool{}, cc: map[string]bool{}}
	for _, r := range rules {
		c.rpm[r.Key] = c.rpm[r.Key] || r.RPM > 0
		c.tpm[r.Key] = c.tpm[r.Key] || r.TPM > 0
		c.cc[r.Key] = c.cc[r.Key] || r.Concurrent > 0
	}
	m.calls = append(m.calls, c)
	return c, nil
}

// finish is Done.
func (c *modelCall) finish(used int64) {
	if !c.done {
		c.done, c.tokens = true, used
	}
}

// testModel replays random calls — random subsets of three scopes in random orders, with some
// limits left out, random tokens, random pauses from none to more than the window, and Dones with
// random usage, some never — against the limiter and the model, and fails at the first outcome
// that differs.
func testModel(t *testing.T, open Open) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			const lease = 20 * time.Second
			l := limiter(t, open, lease)
			m := &model{lease: lease.Milliseconds()}
			rng := rand.New(rand.NewPCG(seed, 42))
			base := []ratelimit.Rule{
				{Key: Key(t, "user"), RPM: 4, TPM: 4000, Concurrent: 3},
				{Key: Key(t, "team"), RPM: 6, TPM: 5000, Concurrent: 2},
				{Key: Key(t, "token"), RPM: 0, TPM: 2500, Concurrent: 4},
			}
			type pending struct {
				a ratelimit.Admission
				c *modelCall
			}
			var open []pending
			now := T0
			var admitted, refused int
			kinds := map[string]int{}
			for i := range 600 {
				switch p := rng.IntN(10); {
				case p < 7:
					now = now.Add(time.Duration(rng.IntN(1500)) * time.Millisecond)
				case p < 9:
					now = now.Add(time.Duration(rng.IntN(10_000)) * time.Millisecond)
				default:
					now = now.Add(time.Duration(20_000+rng.IntN(50_000)) * time.Millisecond)
				}
				if len(open) > 0 && rng.IntN(100) < 40 {
					j := rng.IntN(len(open))
					p := open[j]
					open = append(open[:j], open[j+1:]...)
					if rng.IntN(10) > 0 { // a tenth never end: their replica crashed
						used := int64(rng.IntN(1200))
						if err := p.a.Done(context.Background(), used, now); err != nil {
							t.Fatalf("step %d: Done: %v", i, err)
						}
						p.c.finish(used)
					}
					continue
				}
				var rules []ratelimit.Rule
				for _, k := range rng.Perm(len(base)) {
					if rng.IntN(3) == 0 {
						continue
					}
					r := base[k]
					switch rng.IntN(8) {
					case 0:
						r.RPM = 0
					case 1:
						r.TPM = 0
					case 2:
						r.Concurrent = 0
					}
					rules = append(rules, r)
				}
				tokens := int64(rng.IntN(900))
				switch rng.IntN(30) {
				case 0:
					tokens = 6000
				case 1, 2:
					tokens = 0
				}
				a, err := l.Admit(context.Background(), newID(), rules, tokens, now)
				c, want := m.admit(rules, tokens, now)
				var got *ratelimit.Refusal
				if err != nil && !errors.As(err, &got) {
					t.Fatalf("step %d: Admit: %v", i, err)
				}
				switch {
				case want == nil && got == nil:
					open = append(open, pending{a, c})
					admitted++
				case want != nil && got != nil && *want == *got:
					refused++
					kind := want.Limit
					if want.RetryAfter == 0 {
						kind += " never"
					}
					kinds[kind]++
				default:
					t.Fatalf("step %d at T0+%s, %d tokens against %+v:\n got refusal %+v\nwant refusal %+v (nil: admitted)", i, now.Sub(T0), tokens, rules, got, want)
				}
			}
			t.Logf("%d admitted and %d refused as the model does: %v", admitted, refused, kinds)
			if admitted < 100 {
				t.Fatalf("%d admitted: the sequence tests too little", admitted)
			}
			for _, k := range []string{"rpm", "tpm", "tpm never", "concurrent"} {
				if kinds[k] < 5 {
					t.Fatalf("%d refusals of %s: the sequence tests too little of it (%v)", kinds[k], k, kinds)
				}
			}
		})
	}
}
