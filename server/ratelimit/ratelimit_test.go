package ratelimit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"playground/server/ratelimit"
	"playground/server/ratelimit/limittest"
)

// openMemory is the suite's Open for Memory: one process, so its replica is itself.
func openMemory(tb testing.TB, lease time.Duration) (ratelimit.Limiter, func(testing.TB) ratelimit.Limiter) {
	m := ratelimit.NewMemory()
	m.Lease = lease
	return m, func(testing.TB) ratelimit.Limiter { return m }
}

// TestMemory holds Memory to the Limiter contract (limittest).
func TestMemory(t *testing.T) { limittest.Run(t, openMemory) }

func BenchmarkAdmit(b *testing.B) { limittest.Benchmark(b, openMemory) }

func TestRefusalMessages(t *testing.T) {
	tests := []struct {
		r    ratelimit.Refusal
		want string
	}{
		{ratelimit.Refusal{Key: "user:3", Limit: ratelimit.LimitRPM, Max: 60, RetryAfter: 12 * time.Second}, "user:3 is at its limit of 60 requests a minute; try again in 12s"},
		{ratelimit.Refusal{Key: "user:3", Limit: ratelimit.LimitRPM, Max: 1, RetryAfter: 11001 * time.Millisecond}, "user:3 is at its limit of 1 request a minute; try again in 12s"},
		{ratelimit.Refusal{Key: "team:1", Limit: ratelimit.LimitTPM, Max: 100000, RetryAfter: time.Millisecond}, "team:1 is at its limit of 100000 tokens a minute; try again in 1s"},
		{ratelimit.Refusal{Key: "team:1", Limit: ratelimit.LimitTPM, Max: 1}, "team:1 has a limit of 1 token a minute, fewer than this call may use; it cannot run (ask for fewer max_tokens or send less)"},
		{ratelimit.Refusal{Key: "token:9", Limit: ratelimit.LimitConcurrent, Max: 4, RetryAfter: time.Second}, "token:9 is at its limit of 4 calls at once; try again when one of them ends"},
		{ratelimit.Refusal{Key: "token:9", Limit: ratelimit.LimitConcurrent, Max: 1, RetryAfter: time.Second}, "token:9 is at its limit of 1 call at once; try again when one of them ends"},
		{ratelimit.Refusal{Key: "x", Limit: "rpd", Max: 5, RetryAfter: time.Hour}, "x is at its rpd limit of 5; try again in 3600s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.r.Error(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		id     string
		rules  []ratelimit.Rule
		tokens int64
		want   string // "" for valid
	}{
		{"valid", "c1", []ratelimit.Rule{{Key: "user:1", RPM: 1}, {Key: "team:1", TPM: 5}}, 3, ""},
		{"no rules", "c1", nil, 0, ""},
		{"unlimited rules are not checked", "c1", []ratelimit.Rule{{}, {Key: "a"}, {Key: "a"}}, 0, ""},
		{"unlimited beside a limited one of its key", "c1", []ratelimit.Rule{{Key: "a"}, {Key: "a", RPM: 1}}, 0, ""},
		{"no call id", "", nil, 0, "the call id is empty"},
		{"negative tokens", "c1", nil, -1, "the call's tokens are negative (-1)"},
		{"negative limit", "c1", []ratelimit.Rule{{Key: "a", Concurrent: -1}}, 0, `rule 0 ("a") has a negative limit`},
		{"no key", "c1", []ratelimit.Rule{{Key: "a", RPM: 1}, {RPM: 1}}, 0, "rule 1 has no key"},
		{"a key twice", "c1", []ratelimit.Rule{{Key: "a", RPM: 1}, {Key: "a", TPM: 1}}, 0, `the key "a" is in two rules`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ratelimit.Validate(tt.id, tt.rules, tt.tokens)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ratelimit.ErrInvalid) || err.Error() != "ratelimit: invalid call: "+tt.want {
				t.Fatalf("got %v, want ErrInvalid: %s", err, tt.want)
			}
		})
	}
	if err := ratelimit.ValidateDone(-2); !errors.Is(err, ratelimit.ErrInvalid) {
		t.Fatalf("ValidateDone(-2): %v", err)
	}
}

// failing is a Limiter whose Admit returns err.
type failing struct{ err error }

func (f failing) Admit(context.Context, string, []ratelimit.Rule, int64, time.Time) (ratelimit.Admission, error) {
	return nil, f.err
}

func TestFailPolicy(t *testing.T) {
	down := fmt.Errorf("redis: admitting a call at redis://127.0.0.1:1/0: %w", errors.New("dial tcp 127.0.0.1:1: connect: connection refused"))
	refusal := &ratelimit.Refusal{Key: "user:1", Limit: ratelimit.LimitRPM, Max: 1, RetryAfter: time.Second}
	invalid := fmt.Errorf("%w: the call id is empty", ratelimit.ErrInvalid)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name  string
		err   error
		ctx   context.Context
		allow bool
		// admitted: the call is let through; is: the error it returns wraps this; logged: a
		// warning was logged.
		admitted bool
		is       error
		logged   bool
	}{
		{"store down, refused by default", down, context.Background(), false, false, ratelimit.ErrUnreachable, false},
		{"store down, allowed when set", down, context.Background(), true, true, nil, true},
		{"a refusal stays one", refusal, context.Background(), true, false, refusal, false},
		{"an invalid call stays one", invalid, context.Background(), true, false, ratelimit.ErrInvalid, false},
		{"the caller gave up", fmt.Errorf("redis: %w", context.Canceled), canceled, true, false, context.Canceled, false},
		{"a timeout of the store's own", fmt.Errorf("redis: %w", context.DeadlineExceeded), context.Background(), false, false, ratelimit.ErrUnreachable, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			p := ratelimit.WithFailPolicy(failing{tt.err}, tt.allow, slog.New(slog.NewTextHandler(&log, nil)))
			a, err := p.Admit(tt.ctx, "c1", []ratelimit.Rule{{Key: "user:1", RPM: 1}}, 1, limittest.T0)
			if tt.admitted {
				if err != nil || a == nil {
					t.Fatalf("got %v, want the call allowed", err)
				}
				if err := a.Done(context.Background(), 5, limittest.T0); err != nil {
					t.Fatal(err)
				}
			} else if a != nil || !errors.Is(err, tt.is) {
				t.Fatalf("got %v, want an error wrapping %v", err, tt.is)
			}
			if errors.Is(tt.is, ratelimit.ErrUnreachable) {
				if want := "the limit store is unreachable, so the call is refused: " + tt.err.Error(); err.Error() != want {
					t.Fatalf("message %q, want %q", err, want)
				}
			}
			if got := log.Len() > 0; got != tt.logged {
				t.Fatalf("logged %v (%q), want %v", got, log.String(), tt.logged)
			}
		})
	}
}

// TestFailPolicyLogsOnceAMinute: while the store stays down, an allowing policy warns once a
// minute, counting the calls it let through.
func TestFailPolicyLogsOnceAMinute(t *testing.T) {
	var log bytes.Buffer
	p := ratelimit.WithFailPolicy(failing{errors.New("connection refused")}, true, slog.New(slog.NewTextHandler(&log, nil)))
	for i := range 250 {
		if _, err := p.Admit(context.Background(), "c", nil, 0, limittest.T0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5 (at 0s, 60s, 120s, 180s, 240s):\n%s", len(lines), log.String())
	}
	if !strings.Contains(lines[0], "allowed=1") || !strings.Contains(lines[1], "allowed=60") || !strings.Contains(lines[0], `error="connection refused"`) ||
		!strings.Contains(lines[0], "the limit store is unreachable") {
		t.Fatalf("the lines:\n%s", log.String())
	}
	// A nil logger discards.
	if _, err := ratelimit.WithFailPolicy(failing{errors.New("x")}, true, nil).Admit(context.Background(), "c", nil, 0, limittest.T0); err != nil {
		t.Fatal(err)
	}
}

// TestMemoryForgets: the keys of a Memory are forgotten once idle, so its size is bounded by the
// keys in use in the last minute (and those holding slots).
func TestMemoryForgets(t *testing.T) {
	m := ratelimit.NewMemory()
	m.Lease = 5 * time.Minute
	ctx := context.Background()
	for i := range 1000 {
		rules := []ratelimit.Rule{{Key: fmt.Sprint("user:", i), RPM: 10, TPM: 1000}}
		a, err := m.Admit(ctx, fmt.Sprint("c", i), rules, 10, limittest.T0)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Done(ctx, 10, limittest.T0); err != nil {
			t.Fatal(err)
		}
	}
	// Two calls that never end hold their keys until their lease ends.
	for i := range 2 {
		if _, err := m.Admit(ctx, fmt.Sprint("held", i), []ratelimit.Rule{{Key: fmt.Sprint("held:", i), Concurrent: 1}}, 0, limittest.T0); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Len(); n != 1002 {
		t.Fatalf("%d keys, want 1002", n)
	}
	tests := []struct {
		after time.Duration
		want  int
	}{
		{30 * time.Second, 1003}, // within the minute nothing is forgotten, and the probe is one more
		{61 * time.Second, 3},    // the 1,000 are idle; the new call's key and the two held
		{4 * time.Minute, 3},
		{6 * time.Minute, 1}, // the leases ended
	}
	for _, tt := range tests {
		if _, err := m.Admit(ctx, "probe"+tt.after.String(), []ratelimit.Rule{{Key: "probe", RPM: 100}}, 0, limittest.T0.Add(tt.after)); err != nil {
			t.Fatal(err)
		}
		if n := m.Len(); n != tt.want {
			t.Fatalf("after %s: %d keys, want %d", tt.after, n, tt.want)
		}
	}
}
