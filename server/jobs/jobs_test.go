package jobs

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"playground/server/httperr"
)

// clock is a test clock; sleeping advances it.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	slept  []time.Duration
	block  chan struct{} // when set, Sleep waits for it (or ctx)
	inside chan struct{} // receives when a Sleep starts
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	block, inside := c.block, c.inside
	c.mu.Unlock()
	if inside != nil {
		inside <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.Advance(d)
	return nil
}

func newTest(maxOpen int) (*Registry, *clock) {
	c := &clock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	return New(Config{MaxOpen: maxOpen, Now: c.Now, Sleep: c.Sleep}), c
}

func code(err error) string {
	var e *httperr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestBindAndPoll(t *testing.T) {
	r, c := newTest(0)
	tk, err := r.Reserve("alice")
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Bind("aimlapi", "video", "/v2/video/generations", "g1") {
		t.Fatal("Bind refused a new id")
	}
	tk.Release() // no effect after Bind
	tests := []struct {
		name, client, path, id, want string
	}{
		{"the creator", "alice", "/v2/video/generations", "g1", ""},
		{"another client", "bob", "/v2/video/generations", "g1", httperr.EJobNotFound},
		{"another path", "alice", "/v2/generate/audio", "g1", httperr.EJobNotFound},
		{"an unknown id", "alice", "/v2/video/generations", "g2", httperr.EJobNotFound},
	}
	for _, tt := range tests {
		c.Advance(3 * time.Second)
		p, err := r.Poll(context.Background(), tt.client, tt.path, tt.id)
		if code(err) != tt.want {
			t.Errorf("%s: Poll error %v, want code %q", tt.name, err, tt.want)
		}
		if err == nil && (p.Provider != "aimlapi" || p.Kind != "video" || p.ID != "g1") {
			t.Errorf("%s: poll %+v", tt.name, p)
		}
	}
	// Another client's ticket cannot take the id over.
	tb, _ := r.Reserve("bob")
	if tb.Bind("aimlapi", "video", "/v2/video/generations", "g1") {
		t.Error("bob's ticket took alice's id")
	}
	tb.Release()
	c.Advance(DefaultLifetime)
	if _, err := r.Poll(context.Background(), "alice", "/v2/video/generations", "g1"); code(err) != httperr.EJobExpired {
		t.Errorf("a poll after the lifetime: %v, want job_expired", err)
	}
}

func TestPacing(t *testing.T) {
	r, c := newTest(0)
	tk, _ := r.Reserve("alice")
	tk.Bind("p", "video", "/v", "g")
	ctx := context.Background()
	if _, err := r.Poll(ctx, "alice", "/v", "g"); err != nil {
		t.Fatal(err)
	}
	if len(c.slept) != 0 {
		t.Fatalf("the first poll waited %v", c.slept)
	}
	c.Advance(500 * time.Millisecond)
	p, err := r.Poll(ctx, "alice", "/v", "g")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.slept) != 1 || c.slept[0] != 1500*time.Millisecond || p.Number != 2 {
		t.Fatalf("an early poll waited %v (poll %d), want 1.5s (poll 2)", c.slept, p.Number)
	}
	c.Advance(5 * time.Second)
	if _, err := r.Poll(ctx, "alice", "/v", "g"); err != nil || len(c.slept) != 1 {
		t.Fatalf("a late poll waited: %v, %v", c.slept, err)
	}
	// A second poll while one waits is refused; a cancelled wait returns its error.
	c.mu.Lock()
	c.block, c.inside = make(chan struct{}), make(chan struct{}, 1)
	c.mu.Unlock()
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := r.Poll(wctx, "alice", "/v", "g"); done <- err }()
	<-c.inside
	if _, err := r.Poll(ctx, "alice", "/v", "g"); code(err) != httperr.EPollTooOften {
		t.Errorf("a poll while another waits: %v, want poll_too_often", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled wait returned %v", err)
	}
}

func TestMaxOpen(t *testing.T) {
	r, c := newTest(2)
	t1, _ := r.Reserve("alice")
	t2, err := r.Reserve("alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reserve("alice"); code(err) != httperr.ETooManyJobs {
		t.Fatalf("a third reservation: %v, want too_many_jobs", err)
	}
	if _, err := r.Reserve("bob"); err != nil {
		t.Fatalf("another client is refused: %v", err)
	}
	t1.Release() // the call failed: its place is free again
	t3, err := r.Reserve("alice")
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	t2.Bind("p", "video", "/v", "a")
	t3.Bind("p", "video", "/v", "b")
	if n := r.Open("alice"); n != 2 {
		t.Fatalf("Open = %d, want 2", n)
	}
	if _, err := r.Reserve("alice"); code(err) != httperr.ETooManyJobs {
		t.Fatalf("with two jobs open: %v", err)
	}
	p, err := r.Poll(context.Background(), "alice", "/v", "a")
	if err != nil {
		t.Fatal(err)
	}
	p.End()
	if n := r.Open("alice"); n != 1 {
		t.Fatalf("after one job ended, Open = %d", n)
	}
	c.Advance(DefaultLifetime)
	if n := r.Open("alice"); n != 0 {
		t.Fatalf("after the lifetime, Open = %d", n)
	}
	c.Advance(3 * DefaultLifetime)
	if tk, err := r.Reserve("alice"); err != nil {
		t.Fatal(err)
	} else {
		tk.Release()
	}
	if len(r.jobs) != 0 {
		t.Errorf("%d old jobs were not swept", len(r.jobs))
	}
}

func TestContext(t *testing.T) {
	r, _ := newTest(0)
	tk, _ := r.Reserve("a")
	ctx := WithTicket(context.Background(), tk)
	if TicketFrom(ctx) != tk || TicketFrom(context.Background()) != nil {
		t.Error("TicketFrom")
	}
	p := &Poll{ID: "x"}
	if PollFrom(WithPoll(ctx, p)) != p || PollFrom(ctx) != nil {
		t.Error("PollFrom")
	}
}

// mapShared is a Shared in memory.
type mapShared struct {
	mu   sync.Mutex
	jobs map[string]Binding
	err  error
}

func (m *mapShared) BindJob(_ context.Context, b Binding) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if old, ok := m.jobs[b.ID]; ok && old.Client != b.Client {
		return errors.New("bound to another client")
	}
	m.jobs[b.ID] = b
	return nil
}

func (m *mapShared) FindJob(_ context.Context, id string) (Binding, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return Binding{}, false, m.err
	}
	b, ok := m.jobs[id]
	return b, ok, nil
}

// TestShared: a job one replica made is polled through another by its client, and by no other;
// when the shared store fails, only the replica that made it relays its polls.
func TestShared(t *testing.T) {
	c := &clock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	shared := &mapShared{jobs: map[string]Binding{}}
	a := New(Config{Now: c.Now, Sleep: c.Sleep, Shared: shared})
	b := New(Config{Now: c.Now, Sleep: c.Sleep, Shared: shared})
	tk, err := a.Reserve("user:1")
	if err != nil || !tk.Bind("aimlapi", "video", "/v2/video/generations", "gen-1") {
		t.Fatalf("binding: %v", err)
	}
	if _, err := b.Poll(context.Background(), "user:2", "/v2/video/generations", "gen-1"); code(err) != httperr.EJobNotFound {
		t.Errorf("another client through the other replica: %v", err)
	}
	p, err := b.Poll(context.Background(), "user:1", "/v2/video/generations", "gen-1")
	if err != nil || p.Provider != "aimlapi" || p.Kind != "video" {
		t.Fatalf("the client through the other replica: %+v %v", p, err)
	}
	if _, err := b.Poll(context.Background(), "user:1", "/v2/video/generations", "gen-9"); code(err) != httperr.EJobNotFound {
		t.Errorf("an unknown id: %v", err)
	}
	c.Advance(DefaultLifetime)
	if _, err := b.Poll(context.Background(), "user:1", "/v2/video/generations", "gen-1"); code(err) != httperr.EJobExpired {
		t.Errorf("after its lifetime, on the other replica: %v", err)
	}

	shared.err = errors.New("the store is away")
	tk, _ = a.Reserve("user:1")
	if !tk.Bind("aimlapi", "video", "/v2/video/generations", "gen-2") {
		t.Fatal("a binding the store could not share was not kept here")
	}
	if _, err := a.Poll(context.Background(), "user:1", "/v2/video/generations", "gen-2"); err != nil {
		t.Errorf("the replica that made it: %v", err)
	}
	if _, err := b.Poll(context.Background(), "user:1", "/v2/video/generations", "gen-2"); code(err) != httperr.EJobNotFound {
		t.Errorf("the other replica with the store away: %v", err)
	}
}
