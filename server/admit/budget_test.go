package admit

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func newBudget(limit int64, c *clock) *Budget { return &Budget{limit: limit, now: c.now} }

func mustReserve(t *testing.T, b *Budget, n int64) func(int64) {
	t.Helper()
	settle, err := b.Reserve(n)
	if err != nil {
		t.Fatalf("reserve(%d) refused: %v", n, err)
	}
	return func(used int64) { settle(Spend{Tokens: used}) }
}

func TestBudgetArithmetic(t *testing.T) {
	c := &clock{t: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
	b := newBudget(1000, c)
	var s1, s2, s3 func(int64)
	steps := []struct {
		name string
		do   func()
		left int64
	}{
		{"a new budget", func() {}, 1000},
		{"reserve 300", func() { s1 = mustReserve(t, b, 300) }, 700},
		{"reserve 500", func() { s2 = mustReserve(t, b, 500) }, 200},
		{"the first run used 100 of its 300", func() { s1(100) }, 400},
		{"a second settle does nothing", func() { s1(999) }, 400},
		{"a run may use more than it reserved", func() { s2(600) }, 300},
		{"reserve exactly what is left", func() { s3 = mustReserve(t, b, 300) }, 0},
		{"a run that used nothing", func() { s3(0) }, 300},
	}
	for _, s := range steps {
		s.do()
		if got := b.Left(); got != s.left {
			t.Fatalf("%s: left %d, want %d", s.name, got, s.left)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used != 700 || b.reserved != 0 {
		t.Fatalf("used %d reserved %d, want 700 0", b.used, b.reserved)
	}
}

func TestBudgetRefusal(t *testing.T) {
	tests := []struct {
		name       string
		now        time.Time
		used       int64 // spent before the refused reservation
		reserve    int64
		retryAfter int
		msg        []string
	}{
		{"not enough left", time.Date(2025, 3, 10, 23, 30, 0, 0, time.UTC), 900, 200, 30*60 + 1,
			[]string{"could use up to 200 tokens", "100 are left", "Lower max_tokens", "00:00 UTC (in 30m0s)"}},
		{"used up", time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC), 1000, 1, 24*3600 + 1,
			[]string{"daily budget of 1,000 tokens is used up", "resets at 00:00 UTC (in 24h0m0s)"}},
		{"overspent", time.Date(2025, 3, 10, 22, 59, 30, 0, time.UTC), -1500, 1, 3630 + 1,
			[]string{"is used up", "(in 1h1m0s)"}},
		{"clock in another zone", time.Date(2025, 3, 10, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)), 1000, 5, 23*3600 + 1,
			[]string{"is used up", "(in 23h0m0s)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: tt.now}
			b := newBudget(1000, c)
			if tt.used < 0 { // runs that used more than they reserved
				mustReserve(t, b, 1000)(-tt.used)
			} else {
				mustReserve(t, b, tt.used)(tt.used)
			}
			settle, err := b.Reserve(tt.reserve)
			if err == nil || settle != nil {
				t.Fatalf("reserve(%d) with %d used of 1000 was not refused", tt.reserve, tt.used)
			}
			if err.Status() != 429 || err.Code != "embed_budget_spent" || err.Type() != "rate_limit_error" || err.RetryAfter != tt.retryAfter {
				t.Fatalf("got %d %s %s Retry-After %d, want 429 embed_budget_spent %d", err.Status(), err.Type(), err.Code, err.RetryAfter, tt.retryAfter)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Message, m) {
					t.Errorf("message %q does not contain %q", err.Message, m)
				}
			}
			if b.reserved != 0 {
				t.Fatalf("a refused reservation was kept: %d", b.reserved)
			}
		})
	}
}

func TestBudgetDayRollOver(t *testing.T) {
	day1 := time.Date(2025, 3, 10, 23, 59, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Minute)
	t.Run("a new day starts full", func(t *testing.T) {
		c := &clock{t: day1}
		b := newBudget(1000, c)
		mustReserve(t, b, 400)(400)
		if b.Left() != 600 {
			t.Fatalf("left %d, want 600", b.Left())
		}
		if _, err := b.Reserve(601); err == nil {
			t.Fatal("reserved more than was left")
		}
		c.set(day2)
		if b.Left() != 1000 {
			t.Fatalf("after midnight: left %d, want 1000", b.Left())
		}
		mustReserve(t, b, 1000)(10)
		if b.Left() != 990 {
			t.Fatalf("left %d, want 990", b.Left())
		}
	})
	t.Run("a run over midnight counts into neither day", func(t *testing.T) {
		c := &clock{t: day1}
		b := newBudget(1000, c)
		settle := mustReserve(t, b, 300)
		c.set(day2)
		if b.Left() != 700 {
			t.Fatalf("the run in flight still holds its reservation: left %d, want 700", b.Left())
		}
		settle(300)
		if b.Left() != 1000 {
			t.Fatalf("yesterday's run counted into today: left %d, want 1000", b.Left())
		}
	})
	t.Run("the clock going back a day resets too", func(t *testing.T) {
		c := &clock{t: day2}
		b := newBudget(1000, c)
		mustReserve(t, b, 500)(500)
		c.set(day1)
		if b.Left() != 1000 {
			t.Fatalf("left %d, want 1000", b.Left())
		}
	})
}

func TestBudgetNoLimit(t *testing.T) {
	for _, limit := range []int64{0, -5} {
		b := &Budget{limit: limit, now: func() time.Time { t.Fatal("a budget without a limit reads the clock"); return time.Time{} }}
		settle, err := b.Reserve(1 << 40)
		if err != nil || settle == nil {
			t.Fatalf("limit %d: refused: %v", limit, err)
		}
		settle(Spend{Tokens: 1 << 40})
		if b.Left() != 0 || b.used != 0 || b.reserved != 0 {
			t.Fatalf("limit %d: left %d used %d reserved %d", limit, b.Left(), b.used, b.reserved)
		}
	}
}

// TestBudgetConcurrentReserves: reservations made together never add up to more than the budget
// (run with -race).
func TestBudgetConcurrentReserves(t *testing.T) {
	c := &clock{t: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
	b := newBudget(1000, c)
	const workers, each = 300, 7
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var settles []func(Spend)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_ = b.Left()
			if settle, err := b.Reserve(each); err == nil {
				mu.Lock()
				settles = append(settles, settle)
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(settles) != 1000/each {
		t.Fatalf("%d reservations of %d fitted in 1000, want %d", len(settles), each, 1000/each)
	}
	if left := b.Left(); left != 1000-int64(len(settles))*each {
		t.Fatalf("left %d", left)
	}
	for _, s := range settles {
		wg.Add(1)
		go func() { defer wg.Done(); s(Spend{Tokens: 5}); s(Spend{Tokens: 5}) }()
	}
	wg.Wait()
	if left, want := b.Left(), 1000-int64(len(settles))*5; left != want {
		t.Fatalf("after settling: left %d, want %d", left, want)
	}
	// Reserving and settling at once: what is in use never passes the budget.
	var bad sync.Once
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if s, err := b.Reserve(13); err == nil {
					b.mu.Lock()
					if b.used+b.reserved > b.limit {
						bad.Do(func() { t.Errorf("used %d + reserved %d > %d", b.used, b.reserved, b.limit) })
					}
					b.mu.Unlock()
					s(Spend{Tokens: 13})
				}
			}
		}()
	}
	wg.Wait()
	if b.reserved != 0 || b.used > b.limit {
		t.Fatalf("reserved %d used %d", b.reserved, b.used)
	}
}
