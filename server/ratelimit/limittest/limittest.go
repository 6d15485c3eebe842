// Package limittest is the behavioural test suite of ratelimit.Limiter: one contract, that every
// implementation (ratelimit.Memory, server/redis) is held to by calling Run from its tests. Its
// checks compare exact counts and RetryAfter durations, and a random sequence of calls is replayed
// against a naive model of the contract (model.go), so implementations that pass agree with each
// other to the millisecond.
package limittest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"playground/server/ratelimit"
)

// Open makes a new Limiter for the test tb whose concurrent slots are leased for lease (0 means
// ratelimit.DefaultLease), and returns it with replica: a function that makes one more Limiter on
// the same store, as a second replica of the server would (an implementation that lives in one
// process returns the same Limiter). Both are closed when the test ends (tb.Cleanup).
type Open func(tb testing.TB, lease time.Duration) (l ratelimit.Limiter, replica func(tb testing.TB) ratelimit.Limiter)

// Run runs the suite against the limiters open makes, each test in parallel with the others.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Open)
	}{
		{"RPM", testRPM},
		{"TPM", testTPM},
		{"Concurrent", testConcurrent},
		{"AllOrNothing", testAllOrNothing},
		{"RuleOrder", testRuleOrder},
		{"Unlimited", testUnlimited},
		{"Invalid", testInvalid},
		{"DoneIdempotent", testDoneIdempotent},
		{"DoneCorrects", testDoneCorrects},
		{"DoneAfterWindow", testDoneAfterWindow},
		{"Lease", testLease},
		{"DefaultLease", testDefaultLease},
		{"Race", testRace},
		{"Replicas", testReplicas},
		{"Messages", testMessages},
		{"Model", testModel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

// T0 is the suite's clock: a quarter of a second into a second, so that the buckets' edges show.
var T0 = time.Date(2026, 12, 16, 10, 0, 0, 250_000_000, time.UTC)

// at is T0 plus d.
func at(d time.Duration) time.Time { return T0.Add(d) }

// Key is a scope key of its own for the test: name and random hex, so that tests sharing a store
// (a Redis) never share counts.
func Key(tb testing.TB, name string) string {
	tb.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return name + ":" + hex.EncodeToString(b)
}

// limiter opens a limiter, without its replica.
func limiter(tb testing.TB, open Open, lease time.Duration) ratelimit.Limiter {
	tb.Helper()
	l, _ := open(tb, lease)
	return l
}

// ids are the suite's call ids: unique in the process, and random across processes.
var (
	idPrefix = func() string {
		b := make([]byte, 6)
		rand.Read(b)
		return hex.EncodeToString(b)
	}()
	idSeq atomic.Int64
)

// newID is a call id no other call has.
func newID() string { return fmt.Sprintf("call-%s-%d", idPrefix, idSeq.Add(1)) }

// step is one Admit and what it should do.
type step struct {
	// name says what the step shows.
	name string
	// at is when, after T0; tokens the estimate.
	at     time.Duration
	tokens int64
	// want is the refusal expected, nil for an admission.
	want *ratelimit.Refusal
}

// runSteps runs the steps in order against rules, failing at the first that does not do what it
// should, and returns the admissions.
func runSteps(t *testing.T, l ratelimit.Limiter, rules []ratelimit.Rule, steps []step) []ratelimit.Admission {
	t.Helper()
	var out []ratelimit.Admission
	for _, s := range steps {
		a, err := l.Admit(context.Background(), newID(), rules, s.tokens, at(s.at))
		wantRefusal(t, s.name, a, err, s.want)
		if a != nil {
			out = append(out, a)
		}
	}
	return out
}

// admit admits a call that must be admitted.
func admit(tb testing.TB, l ratelimit.Limiter, rules []ratelimit.Rule, tokens int64, now time.Time) ratelimit.Admission {
	tb.Helper()
	a, err := l.Admit(context.Background(), newID(), rules, tokens, now)
	if err != nil {
		tb.Fatalf("admitting %d tokens against %+v at T0+%s: %v", tokens, rules, now.Sub(T0), err)
	}
	if a == nil {
		tb.Fatal("Admit returned no admission and no error")
	}
	return a
}

// refuse checks that a call is refused with want.
func refuse(tb testing.TB, l ratelimit.Limiter, rules []ratelimit.Rule, tokens int64, now time.Time, want *ratelimit.Refusal) {
	tb.Helper()
	a, err := l.Admit(context.Background(), newID(), rules, tokens, now)
	wantRefusal(tb, fmt.Sprintf("%d tokens at T0+%s", tokens, now.Sub(T0)), a, err, want)
}

// wantRefusal fails unless (a, err) is an admission (want nil) or the refusal want.
func wantRefusal(tb testing.TB, name string, a ratelimit.Admission, err error, want *ratelimit.Refusal) {
	tb.Helper()
	if want == nil {
		if err != nil || a == nil {
			tb.Fatalf("%s: got %v, want an admission", name, err)
		}
		return
	}
	var r *ratelimit.Refusal
	if !errors.As(err, &r) {
		tb.Fatalf("%s: got admission %v, error %v; want the refusal %+v", name, a != nil, err, *want)
	}
	if a != nil {
		tb.Fatalf("%s: a refusal came with an admission", name)
	}
	if *r != *want {
		tb.Fatalf("%s: refusal %+v, want %+v", name, *r, *want)
	}
}

// done ends an admission, which must succeed.
func done(tb testing.TB, a ratelimit.Admission, used int64, now time.Time) {
	tb.Helper()
	if err := a.Done(context.Background(), used, now); err != nil {
		tb.Fatalf("Done(%d) at T0+%s: %v", used, now.Sub(T0), err)
	}
}

func testRPM(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	k := Key(t, "user")
	rules := []ratelimit.Rule{{Key: k, RPM: 3}}
	rpm := func(retry time.Duration) *ratelimit.Refusal {
		return &ratelimit.Refusal{Key: k, Limit: ratelimit.LimitRPM, Max: 3, RetryAfter: retry}
	}
	runSteps(t, l, rules, []step{
		{"first", 0, 10, nil},
		{"second", 10 * time.Second, 10, nil},
		{"third", 20 * time.Second, 10, nil},
		// T0's second leaves the window at T0-250ms+60s.
		{"fourth, until T0's second leaves", 30 * time.Second, 10, rpm(29750 * time.Millisecond)},
		{"a millisecond before it leaves", 59749 * time.Millisecond, 0, rpm(time.Millisecond)},
		{"as it leaves", 59750 * time.Millisecond, 10, nil},
		{"next, until T0+10s's second leaves", 59750 * time.Millisecond, 10, rpm(10 * time.Second)},
		{"the window slid past two", 80 * time.Second, 10, nil},
		{"filling it again", 80 * time.Second, 10, nil},
		{"over again, until the second of T0+59.75s leaves", 80 * time.Second, 10, rpm(39750 * time.Millisecond)},
		{"a minute of silence clears it", 200 * time.Second, 10, nil},
	})
}

func testTPM(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	k := Key(t, "team")
	rules := []ratelimit.Rule{{Key: k, TPM: 1000}}
	tpm := func(retry time.Duration) *ratelimit.Refusal {
		return &ratelimit.Refusal{Key: k, Limit: ratelimit.LimitTPM, Max: 1000, RetryAfter: retry}
	}
	runSteps(t, l, rules, []step{
		{"600", 0, 600, nil},
		{"500 more is over", time.Second, 500, tpm(58750 * time.Millisecond)},
		{"400 more fits exactly", time.Second, 400, nil},
		// The 600 leave first, and then 1 fits beside the 400.
		{"1 more waits for the 600 only", 2 * time.Second, 1, tpm(57750 * time.Millisecond)},
		{"a call of no tokens fits a full minute", 2 * time.Second, 0, nil},
		{"more than the limit can never run", 2 * time.Second, 1001, tpm(0)},
		{"401 waits for the 600 only", 3 * time.Second, 401, tpm(56750 * time.Millisecond)},
		{"700 waits for the 600 and the 400", 3 * time.Second, 700, tpm(57750 * time.Millisecond)},
		{"the 600 have left", 59750 * time.Millisecond, 600, nil},
		{"the whole limit at once, later", 130 * time.Second, 1000, nil},
	})
}

func testConcurrent(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	k := Key(t, "user")
	rules := []ratelimit.Rule{{Key: k, Concurrent: 2}}
	full := &ratelimit.Refusal{Key: k, Limit: ratelimit.LimitConcurrent, Max: 2, RetryAfter: ratelimit.ConcurrentRetryAfter}
	a1 := admit(t, l, rules, 0, T0)
	a2 := admit(t, l, rules, 0, T0)
	refuse(t, l, rules, 0, T0, full)
	done(t, a1, 0, at(time.Second))
	a3 := admit(t, l, rules, 0, at(time.Second))
	refuse(t, l, rules, 0, at(time.Second), full)
	done(t, a2, 0, at(2*time.Second))
	done(t, a3, 0, at(2*time.Second))
	admit(t, l, rules, 0, at(2*time.Second))
	admit(t, l, rules, 0, at(2*time.Second))
	refuse(t, l, rules, 0, at(2*time.Second), full)
}

// testAllOrNothing: a refusal by one rule counts nothing against the others.
func testAllOrNothing(t *testing.T, open Open) {
	tests := []struct {
		name string
		// user and team are the rules (their keys are set here); a call against both is
		// admitted, the next refused by team (full), and then one more fits user alone.
		user, team ratelimit.Rule
		full       func(team string) *ratelimit.Refusal
		tokens     int64
	}{
		{"rpm", ratelimit.Rule{RPM: 2}, ratelimit.Rule{RPM: 1},
			func(k string) *ratelimit.Refusal {
				return &ratelimit.Refusal{Key: k, Limit: "rpm", Max: 1, RetryAfter: 59750 * time.Millisecond}
			}, 10},
		{"tpm", ratelimit.Rule{TPM: 100}, ratelimit.Rule{TPM: 60},
			func(k string) *ratelimit.Refusal {
				return &ratelimit.Refusal{Key: k, Limit: "tpm", Max: 60, RetryAfter: 59750 * time.Millisecond}
			}, 50},
		{"concurrent", ratelimit.Rule{Concurrent: 2}, ratelimit.Rule{Concurrent: 1},
			func(k string) *ratelimit.Refusal {
				return &ratelimit.Refusal{Key: k, Limit: "concurrent", Max: 1, RetryAfter: time.Second}
			}, 0},
		{"mixed", ratelimit.Rule{RPM: 2, TPM: 100, Concurrent: 2}, ratelimit.Rule{Concurrent: 1},
			func(k string) *ratelimit.Refusal {
				return &ratelimit.Refusal{Key: k, Limit: "concurrent", Max: 1, RetryAfter: time.Second}
			}, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := limiter(t, open, 0)
			user, team := tt.user, tt.team
			user.Key, team.Key = Key(t, "user"), Key(t, "team")
			both := []ratelimit.Rule{user, team}
			admit(t, l, both, tt.tokens, T0)
			for range 3 {
				refuse(t, l, both, tt.tokens, T0, tt.full(team.Key))
			}
			// The refused calls counted nothing against the user: its second call fits.
			admit(t, l, []ratelimit.Rule{user}, tt.tokens, T0)
			a, err := l.Admit(context.Background(), newID(), []ratelimit.Rule{user}, tt.tokens, T0)
			var r *ratelimit.Refusal
			if !errors.As(err, &r) || r.Key != user.Key || a != nil {
				t.Fatalf("the user's limit: %v, want a refusal of %s", err, user.Key)
			}
		})
	}
}

// testRuleOrder: of several rules that refuse, the first in the caller's order is named, and of
// one rule's limits RPM, then TPM, then Concurrent.
func testRuleOrder(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	a, b := Key(t, "a"), Key(t, "b")
	ra := ratelimit.Rule{Key: a, RPM: 1, TPM: 10, Concurrent: 1}
	rb := ratelimit.Rule{Key: b, RPM: 1, TPM: 10, Concurrent: 1}
	admit(t, l, []ratelimit.Rule{ra, rb}, 10, T0)
	refuse(t, l, []ratelimit.Rule{ra, rb}, 10, T0, &ratelimit.Refusal{Key: a, Limit: "rpm", Max: 1, RetryAfter: 59750 * time.Millisecond})
	refuse(t, l, []ratelimit.Rule{rb, ra}, 10, T0, &ratelimit.Refusal{Key: b, Limit: "rpm", Max: 1, RetryAfter: 59750 * time.Millisecond})
	ra.RPM = 0
	refuse(t, l, []ratelimit.Rule{ra, rb}, 10, T0, &ratelimit.Refusal{Key: a, Limit: "tpm", Max: 10, RetryAfter: 59750 * time.Millisecond})
	ra.TPM = 0
	refuse(t, l, []ratelimit.Rule{ra, rb}, 10, T0, &ratelimit.Refusal{Key: a, Limit: "concurrent", Max: 1, RetryAfter: time.Second})
	ra.Concurrent = 0
	// a has no limit left, so it is skipped.
	refuse(t, l, []ratelimit.Rule{ra, rb}, 10, T0, &ratelimit.Refusal{Key: b, Limit: "rpm", Max: 1, RetryAfter: 59750 * time.Millisecond})
}

// testUnlimited: rules without limits are skipped, and no rules admit every call.
func testUnlimited(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	k := Key(t, "user")
	for _, rules := range [][]ratelimit.Rule{nil, {}, {{Key: k}}, {{Key: k}, {Key: k}}, {{}}} {
		for i := range 5 {
			a := admit(t, l, rules, 1e9, at(time.Duration(i)*time.Millisecond))
			done(t, a, 1e12, T0)
		}
	}
	// The unlimited calls counted nothing against a rule on the same key.
	limited := []ratelimit.Rule{{Key: k, RPM: 1, TPM: 5, Concurrent: 1}}
	a := admit(t, l, limited, 5, T0)
	done(t, a, 5, T0)
}

// testInvalid: arguments no call has are an error wrapping ErrInvalid, not a refusal.
func testInvalid(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	k := Key(t, "user")
	tests := []struct {
		name   string
		id     string
		rules  []ratelimit.Rule
		tokens int64
	}{
		{"no call id", "", []ratelimit.Rule{{Key: k, RPM: 1}}, 1},
		{"negative tokens", newID(), []ratelimit.Rule{{Key: k, RPM: 1}}, -1},
		{"negative limit", newID(), []ratelimit.Rule{{Key: k, TPM: -5}}, 1},
		{"no key", newID(), []ratelimit.Rule{{RPM: 1}}, 1},
		{"a key twice", newID(), []ratelimit.Rule{{Key: k, RPM: 1}, {Key: k, Concurrent: 1}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := l.Admit(context.Background(), tt.id, tt.rules, tt.tokens, T0)
			if !errors.Is(err, ratelimit.ErrInvalid) || a != nil {
				t.Fatalf("got %v, want an error wrapping ErrInvalid", err)
			}
		})
	}
	// None of them counted.
	rules := []ratelimit.Rule{{Key: k, RPM: 1, Concurrent: 1}}
	a, err := l.Admit(context.Background(), "dup-"+newID(), rules, 1, T0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Done(context.Background(), -1, T0); !errors.Is(err, ratelimit.ErrInvalid) {
		t.Fatalf("Done(-1): %v, want ErrInvalid", err)
	}
	// An id in flight is refused as a duplicate.
	id := newID()
	cc := []ratelimit.Rule{{Key: Key(t, "cc"), Concurrent: 5}}
	admit(t, l, cc, 0, T0)
	if _, err := l.Admit(context.Background(), id, cc, 0, T0); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Admit(context.Background(), id, cc, 0, T0); !errors.Is(err, ratelimit.ErrInvalid) {
		t.Fatalf("the same call id twice: %v, want ErrInvalid", err)
	}
}

// testDoneIdempotent: a second Done neither corrects the tokens again nor frees another slot.
func testDoneIdempotent(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	k := Key(t, "user")
	rules := []ratelimit.Rule{{Key: k, TPM: 100, Concurrent: 1}}
	a := admit(t, l, rules, 50, T0)
	done(t, a, 10, T0)
	done(t, a, 90, T0)
	done(t, a, 0, T0)
	b := admit(t, l, rules, 90, T0) // 10 + 90: the second and third Done changed nothing
	done(t, a, 0, T0)               // does not free b's slot
	refuse(t, l, rules, 0, T0, &ratelimit.Refusal{Key: k, Limit: "concurrent", Max: 1, RetryAfter: time.Second})
	done(t, b, 90, T0)
	refuse(t, l, rules, 1, T0, &ratelimit.Refusal{Key: k, Limit: "tpm", Max: 100, RetryAfter: 59750 * time.Millisecond})
	admit(t, l, rules, 0, T0)
}

// testDoneCorrects: Done replaces the estimate by the tokens used, both ways.
func testDoneCorrects(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	k, other := Key(t, "user"), Key(t, "team")
	rules := []ratelimit.Rule{{Key: k, TPM: 1000}, {Key: other, RPM: 100}}
	a := admit(t, l, rules, 900, T0)
	refuse(t, l, rules, 101, T0, &ratelimit.Refusal{Key: k, Limit: "tpm", Max: 1000, RetryAfter: 59750 * time.Millisecond})
	done(t, a, 100, at(2*time.Second))
	b := admit(t, l, rules, 900, at(3*time.Second)) // 100 + 900
	refuse(t, l, rules, 1, at(3*time.Second), &ratelimit.Refusal{Key: k, Limit: "tpm", Max: 1000, RetryAfter: 56750 * time.Millisecond})
	// Using more than estimated counts more: b's 900 becomes 1200, so even at T0's second leaving,
	// 1200 is over.
	done(t, b, 1200, at(4*time.Second))
	refuse(t, l, rules, 0, at(4*time.Second), &ratelimit.Refusal{Key: k, Limit: "tpm", Max: 1000, RetryAfter: 58750 * time.Millisecond})
	refuse(t, l, rules, 0, at(59750*time.Millisecond), &ratelimit.Refusal{Key: k, Limit: "tpm", Max: 1000, RetryAfter: 3 * time.Second})
	admit(t, l, rules, 1000, at(62750*time.Millisecond))

	// A call estimated at no tokens counts what it used.
	k = Key(t, "user")
	rules = []ratelimit.Rule{{Key: k, TPM: 1000}}
	c := admit(t, l, rules, 0, T0)
	done(t, c, 300, T0)
	admit(t, l, rules, 700, T0)
	refuse(t, l, rules, 1, T0, &ratelimit.Refusal{Key: k, Limit: "tpm", Max: 1000, RetryAfter: 59750 * time.Millisecond})
}

// testDoneAfterWindow: a Done after its call's second has left the window corrects nothing, not
// the counts of the same second a minute later.
func testDoneAfterWindow(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	k := Key(t, "user")
	rules := []ratelimit.Rule{{Key: k, TPM: 1000}}
	old := admit(t, l, rules, 500, T0)
	admit(t, l, rules, 1000, at(time.Minute+100*time.Millisecond)) // T0's second plus 60
	done(t, old, 0, at(time.Minute+200*time.Millisecond))
	refuse(t, l, rules, 1, at(time.Minute+300*time.Millisecond), &ratelimit.Refusal{Key: k, Limit: "tpm", Max: 1000, RetryAfter: 59450 * time.Millisecond})
}

// testLease: a slot whose Done never comes frees itself when its lease ends.
func testLease(t *testing.T, open Open) {
	l := limiter(t, open, time.Minute)
	k := Key(t, "user")
	rules := []ratelimit.Rule{{Key: k, Concurrent: 2}}
	full := &ratelimit.Refusal{Key: k, Limit: "concurrent", Max: 2, RetryAfter: time.Second}
	admit(t, l, rules, 0, T0) // never done: its replica crashed
	b := admit(t, l, rules, 0, at(30*time.Second))
	refuse(t, l, rules, 0, at(time.Minute-time.Millisecond), full)
	c := admit(t, l, rules, 0, at(time.Minute))
	refuse(t, l, rules, 0, at(time.Minute), full)
	done(t, b, 0, at(61*time.Second))
	d := admit(t, l, rules, 0, at(61*time.Second))
	// A Done after the lease ended is harmless.
	done(t, c, 0, at(3*time.Minute))
	done(t, d, 0, at(3*time.Minute))
	admit(t, l, rules, 0, at(3*time.Minute))
	admit(t, l, rules, 0, at(3*time.Minute))
}

// testDefaultLease: a lease of 0 is ratelimit.DefaultLease.
func testDefaultLease(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	k := Key(t, "user")
	rules := []ratelimit.Rule{{Key: k, Concurrent: 1}}
	admit(t, l, rules, 0, T0)
	refuse(t, l, rules, 0, at(ratelimit.DefaultLease-time.Millisecond), &ratelimit.Refusal{Key: k, Limit: "concurrent", Max: 1, RetryAfter: time.Second})
	admit(t, l, rules, 0, at(ratelimit.DefaultLease))
}

// testRace: many goroutines racing for the last of a limit never overshoot it, on one limiter and
// on two replicas.
func testRace(t *testing.T, open Open) {
	const goroutines = 50
	tests := []struct {
		name   string
		rule   ratelimit.Rule
		tokens int64
		want   int
	}{
		{"concurrent", ratelimit.Rule{Concurrent: 10}, 0, 10},
		{"rpm", ratelimit.Rule{RPM: 7}, 0, 7},
		{"tpm", ratelimit.Rule{TPM: 1000}, 90, 11},
		{"all three", ratelimit.Rule{RPM: 30, TPM: 1000, Concurrent: 12}, 40, 12},
	}
	for _, tt := range tests {
		for _, replicas := range []bool{false, true} {
			name := tt.name
			if replicas {
				name += " on two replicas"
			}
			t.Run(name, func(t *testing.T) {
				l, replica := open(t, 0)
				ls := []ratelimit.Limiter{l, l}
				if replicas {
					ls[1] = replica(t)
				}
				rule := tt.rule
				rule.Key = Key(t, "user")
				// A second rule that never refuses, so that each call's script spans keys.
				rules := []ratelimit.Rule{rule, {Key: Key(t, "team"), RPM: 1e9}}
				var admitted atomic.Int64
				var wg sync.WaitGroup
				start := make(chan struct{})
				errs := make(chan error, goroutines)
				for i := range goroutines {
					wg.Go(func() {
						<-start
						a, err := ls[i%2].Admit(context.Background(), newID(), rules, tt.tokens, T0)
						var r *ratelimit.Refusal
						switch {
						case err == nil && a != nil:
							admitted.Add(1)
						case errors.As(err, &r):
						default:
							errs <- err
						}
					})
				}
				close(start)
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatal(err)
				}
				if got := admitted.Load(); got != int64(tt.want) {
					t.Fatalf("%d of %d calls admitted, want exactly %d", got, goroutines, tt.want)
				}
			})
		}
	}
}

// testReplicas: two limiters on one store share their counts, as two replicas would.
func testReplicas(t *testing.T, open Open) {
	l, replica := open(t, 0)
	r := replica(t)
	k := Key(t, "team")
	rules := []ratelimit.Rule{{Key: k, RPM: 3, TPM: 100, Concurrent: 1}}
	a := admit(t, l, rules, 40, T0)
	refuse(t, r, rules, 40, T0, &ratelimit.Refusal{Key: k, Limit: "concurrent", Max: 1, RetryAfter: time.Second})
	done(t, a, 40, at(time.Second))
	b := admit(t, r, rules, 40, at(time.Second))
	done(t, b, 40, at(time.Second))
	refuse(t, l, rules, 40, at(time.Second), &ratelimit.Refusal{Key: k, Limit: "tpm", Max: 100, RetryAfter: 58750 * time.Millisecond})
	c := admit(t, l, rules, 20, at(time.Second))
	refuse(t, r, rules, 0, at(2*time.Second), &ratelimit.Refusal{Key: k, Limit: "rpm", Max: 3, RetryAfter: 57750 * time.Millisecond})
	// Done on one replica of a call admitted on the other frees the slot for both.
	done(t, c, 20, at(2*time.Second))
	admit(t, r, []ratelimit.Rule{{Key: k, Concurrent: 1}}, 0, at(2*time.Second))
}

// testMessages: a refusal says which scope is at which limit, and when to try again.
func testMessages(t *testing.T, open Open) {
	l := limiter(t, open, 0)
	k := Key(t, "user")
	tests := []struct {
		name  string
		rules []ratelimit.Rule
		// first is admitted at T0, second refused at T0+wait.
		first, second int64
		wait          time.Duration
		want          string
	}{
		{"rpm", []ratelimit.Rule{{Key: k + "a", RPM: 1}}, 0, 0, 47750 * time.Millisecond, k + "a is at its limit of 1 request a minute; try again in 12s"},
		{"rpm under a second", []ratelimit.Rule{{Key: k + "b", RPM: 1}}, 0, 0, 59700 * time.Millisecond, k + "b is at its limit of 1 request a minute; try again in 1s"},
		{"tpm", []ratelimit.Rule{{Key: k + "c", TPM: 100}}, 100, 1, 30 * time.Second, k + "c is at its limit of 100 tokens a minute; try again in 30s"},
		{"tpm never", []ratelimit.Rule{{Key: k + "d", TPM: 100}}, 0, 101, 0, k + "d has a limit of 100 tokens a minute, fewer than this call may use; it cannot run (ask for fewer max_tokens or send less)"},
		{"concurrent", []ratelimit.Rule{{Key: k + "e", Concurrent: 1}}, 0, 0, 10 * time.Minute, k + "e is at its limit of 1 call at once; try again when one of them ends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			admit(t, l, tt.rules, tt.first, T0)
			_, err := l.Admit(context.Background(), newID(), tt.rules, tt.second, at(tt.wait))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}
