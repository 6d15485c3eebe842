package redis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"playground/server/ratelimit"
	"playground/server/ratelimit/limittest"
)

// envURL names the variable that holds the URL of the test Redis.
const envURL = "PLAYGROUND_TEST_REDIS"

// testURL is the Redis the tests write their keys in (each test under keys of its own).
var testURL string

// TestMain fails the package, loudly, when there is no test Redis: these tests never skip.
func TestMain(m *testing.M) {
	testURL = os.Getenv(envURL)
	if testURL == "" {
		fmt.Fprintf(os.Stderr, `FAIL: the Redis tests need a Redis and %s is not set.
Run them through the Makefile (make test, or make test-host), which starts a throwaway Redis and
sets it; or start one yourself and run the tests in its environment:
    scripts/redis-test.sh run go test ./server/redis/
or set %s to the URL of a Redis in which the tests may write keys under %s
(redis://[:password@]host:port/db).
`, envURL, envURL, Prefix)
		os.Exit(1)
	}
	if err := CheckURL(testURL); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %s: %v\n", envURL, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	l, err := Open(ctx, testURL)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: the Redis of %s does not answer: %v\n", envURL, err)
		os.Exit(1)
	}
	l.Close()
	os.Exit(m.Run())
}

// open opens a Limiter on url with lease, closed when the test ends.
func open(tb testing.TB, url string, lease time.Duration) *Limiter {
	tb.Helper()
	l, err := Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	l.Lease = lease
	tb.Cleanup(func() { l.Close() })
	return l
}

// openSuite is the suite's Open: a Limiter with a client of its own, and replicas with theirs.
func openSuite(tb testing.TB, lease time.Duration) (ratelimit.Limiter, func(testing.TB) ratelimit.Limiter) {
	return open(tb, testURL, lease), func(tb testing.TB) ratelimit.Limiter { return open(tb, testURL, lease) }
}

// TestLimiter holds the Redis Limiter to ratelimit.Limiter's contract (limittest), replicas being
// Limiters with clients of their own.
func TestLimiter(t *testing.T) { limittest.Run(t, openSuite) }

func BenchmarkAdmit(b *testing.B) { limittest.Benchmark(b, openSuite) }

// counter is a go-redis hook that records the commands a client sends.
type counter struct {
	mu   sync.Mutex
	cmds []string
}

func (c *counter) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (c *counter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.mu.Lock()
		c.cmds = append(c.cmds, cmd.Name())
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.mu.Lock()
		for _, cmd := range cmds {
			c.cmds = append(c.cmds, cmd.Name())
		}
		c.mu.Unlock()
		return next(ctx, cmds)
	}
}

// take returns the commands recorded since the last take.
func (c *counter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.cmds
	c.cmds = nil
	return out
}

// TestOneScriptPerCall: an Admit is one EVALSHA, a Done one more or none, whatever the rules.
func TestOneScriptPerCall(t *testing.T) {
	l := open(t, testURL, 0)
	var c counter
	l.client.AddHook(&c)
	ctx := context.Background()
	user, team := limittest.Key(t, "user"), limittest.Key(t, "team")
	all := []ratelimit.Rule{{Key: user, RPM: 100, TPM: 1000, Concurrent: 5}, {Key: team, RPM: 100, TPM: 1000, Concurrent: 5}}
	want := func(step string, cmds ...string) {
		t.Helper()
		if got := c.take(); strings.Join(got, " ") != strings.Join(cmds, " ") {
			t.Fatalf("%s: sent %q, want %q", step, got, cmds)
		}
	}
	a, err := l.Admit(ctx, "one-"+user, all, 100, limittest.T0)
	if err != nil {
		t.Fatal(err)
	}
	want("Admit of two rules", "evalsha")
	if err := a.Done(ctx, 50, limittest.T0); err != nil {
		t.Fatal(err)
	}
	want("Done", "evalsha")
	if err := a.Done(ctx, 50, limittest.T0); err != nil {
		t.Fatal(err)
	}
	want("Done again")
	if _, err := l.Admit(ctx, "two-"+user, []ratelimit.Rule{{Key: user, TPM: 10}}, 100, limittest.T0); err == nil {
		t.Fatal("100 tokens fit a limit of 10")
	}
	want("a refusal", "evalsha")
	b, err := l.Admit(ctx, "three-"+user, []ratelimit.Rule{{Key: user}, {Key: team}}, 100, limittest.T0)
	if err != nil {
		t.Fatal(err)
	}
	want("Admit without limits")
	if err := b.Done(ctx, 10, limittest.T0); err != nil {
		t.Fatal(err)
	}
	want("its Done")
	d, err := l.Admit(ctx, "four-"+user, []ratelimit.Rule{{Key: user, RPM: 100, TPM: 1000}}, 100, limittest.T0)
	if err != nil {
		t.Fatal(err)
	}
	want("Admit without a concurrency limit", "evalsha")
	if err := d.Done(ctx, 100, limittest.T0); err != nil {
		t.Fatal(err)
	}
	want("Done as estimated, without a slot to free")
}

// TestScriptCacheLost: when Redis has lost the scripts (a restart, SCRIPT FLUSH), the next call
// sends them again and works.
func TestScriptCacheLost(t *testing.T) {
	l := open(t, testURL, 0)
	ctx := context.Background()
	if err := l.client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	k := limittest.Key(t, "user")
	a, err := l.Admit(ctx, "flushed-"+k, []ratelimit.Rule{{Key: k, Concurrent: 1}}, 0, limittest.T0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := a.Done(ctx, 0, limittest.T0); err != nil {
		t.Fatal(err)
	}
}

// TestKeys: the keys are prefixed, each with a TTL, and the scripts drop what left the window.
func TestKeys(t *testing.T) {
	l := open(t, testURL, 10*time.Minute)
	ctx := context.Background()
	k := limittest.Key(t, "user")
	rules := []ratelimit.Rule{{Key: k, RPM: 100, TPM: 1000, Concurrent: 5}}
	a, err := l.Admit(ctx, "keys-1-"+k, rules, 100, limittest.T0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Done(ctx, 40, limittest.T0); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Admit(ctx, "keys-2-"+k, rules, 100, limittest.T0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	sec := limittest.T0.Unix()
	tests := []struct {
		key    string
		maxTTL time.Duration
		// fields are a hash's fields, or a set's members with their scores.
		fields map[string]string
	}{
		{"playground:rl:rpm:" + k, 61 * time.Second, map[string]string{fmt.Sprint(sec): "1", fmt.Sprint(sec + 1): "1"}},
		{"playground:rl:tpm:" + k, 61 * time.Second, map[string]string{fmt.Sprint(sec): "40", fmt.Sprint(sec + 1): "100"}},
		{"playground:rl:cc:" + k, 10 * time.Minute, map[string]string{"keys-2-" + k: fmt.Sprint(limittest.T0.Add(time.Second + 10*time.Minute).UnixMilli())}},
		{"playground:rl:done:keys-1-" + k, 61 * time.Second, nil},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			ttl, err := l.client.PTTL(ctx, tt.key).Result()
			if err != nil || ttl <= 0 || ttl > tt.maxTTL {
				t.Fatalf("TTL %s (%v), want one of at most %s", ttl, err, tt.maxTTL)
			}
			var got map[string]string
			switch typ := l.client.Type(ctx, tt.key).Val(); typ {
			case "hash":
				got = l.client.HGetAll(ctx, tt.key).Val()
			case "zset":
				got = map[string]string{}
				for _, z := range l.client.ZRangeWithScores(ctx, tt.key, 0, -1).Val() {
					got[z.Member.(string)] = fmt.Sprint(int64(z.Score))
				}
			case "string":
				return
			default:
				t.Fatalf("type %s", typ)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.fields) {
				t.Fatalf("%v, want %v", got, tt.fields)
			}
		})
	}
	// A minute later the old seconds and the ended leases are gone.
	later := limittest.T0.Add(11 * time.Minute)
	if _, err := l.Admit(ctx, "keys-3-"+k, rules, 7, later); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{fmt.Sprint(later.Unix()): "7"}
	if got := l.client.HGetAll(ctx, "playground:rl:tpm:"+k).Val(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("tpm %v, want %v", got, want)
	}
	if got := l.client.ZRange(ctx, "playground:rl:cc:"+k, 0, -1).Val(); len(got) != 1 || got[0] != "keys-3-"+k {
		t.Fatalf("cc %v, want only keys-3", got)
	}
}

// proxy is a TCP proxy to Redis that can be stopped, as Redis would be, and started again.
type proxy struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
}

// startProxy starts a proxy to target on a port of its own.
func startProxy(tb testing.TB, target string) *proxy {
	tb.Helper()
	p := &proxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	p.start(tb)
	tb.Cleanup(p.stop)
	return p
}

// start listens again on the proxy's address.
func (p *proxy) start(tb testing.TB) {
	tb.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		tb.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
}

// serve relays one connection.
func (p *proxy) serve(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close(); c.Close() }()
	io.Copy(c, up)
	c.Close()
	up.Close()
}

// stop closes the listener and every connection: from the client's side, Redis is down.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// TestStoreDown: with Redis gone mid-test, Admit fails as the store's failure, and FailPolicy
// refuses the call by default or allows it when set; when Redis is back, the limits hold again.
func TestStoreDown(t *testing.T) {
	u, err := url.Parse(testURL)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	via := *u
	via.Host = p.addr
	q := via.Query()
	q.Set("dial_timeout", "200ms")
	q.Set("read_timeout", "500ms")
	q.Set("max_retries", "-1")
	via.RawQuery = q.Encode()
	l := open(t, via.String(), 0)
	var log bytes.Buffer
	refusing := ratelimit.WithFailPolicy(l, false, slog.New(slog.NewTextHandler(&log, nil)))
	allowing := ratelimit.WithFailPolicy(l, true, slog.New(slog.NewTextHandler(&log, nil)))
	ctx := context.Background()
	k := limittest.Key(t, "team")
	rules := []ratelimit.Rule{{Key: k, RPM: 2, Concurrent: 1}}
	a, err := refusing.Admit(ctx, "down-1-"+k, rules, 0, limittest.T0)
	if err != nil {
		t.Fatal(err)
	}

	p.stop()
	_, err = l.Admit(ctx, "down-2-"+k, rules, 0, limittest.T0)
	if err == nil || !ratelimit.StoreFailed(ctx, err) || !strings.Contains(err.Error(), "redis: admitting a call at redis://"+p.addr+"/0") {
		t.Fatalf("Admit with Redis down: %v, want the store's failure naming it", err)
	}
	_, err = refusing.Admit(ctx, "down-3-"+k, rules, 0, limittest.T0)
	if !errors.Is(err, ratelimit.ErrUnreachable) || !strings.HasPrefix(err.Error(), "the limit store is unreachable, so the call is refused: redis: admitting a call at") {
		t.Fatalf("refusing: %v, want ErrUnreachable", err)
	}
	if log.Len() > 0 {
		t.Fatalf("refusing logged %q", log.String())
	}
	// The concurrency limit is full, but it cannot be checked: the call is allowed.
	b, err := allowing.Admit(ctx, "down-4-"+k, rules, 0, limittest.T0)
	if err != nil || b == nil {
		t.Fatalf("allowing: %v", err)
	}
	if err := b.Done(ctx, 0, limittest.T0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "rate limits are not enforced: the limit store is unreachable") {
		t.Fatalf("allowing logged %q", log.String())
	}
	if err := a.Done(ctx, 0, limittest.T0); err == nil || !strings.Contains(err.Error(), "redis: ending a call at") {
		t.Fatalf("Done with Redis down: %v, want an error", err)
	}

	// Redis is back: the failed Done can be sent again, and the counts are those of before.
	p.start(t)
	if err := a.Done(ctx, 0, limittest.T0); err != nil {
		t.Fatalf("Done again with Redis back: %v", err)
	}
	c, err := refusing.Admit(ctx, "down-5-"+k, rules, 0, limittest.T0)
	if err != nil {
		t.Fatalf("with Redis back: %v", err)
	}
	_, err = refusing.Admit(ctx, "down-6-"+k, rules, 0, limittest.T0)
	var r *ratelimit.Refusal
	if !errors.As(err, &r) || r.Limit != ratelimit.LimitRPM {
		t.Fatalf("the third call: %v, want a refusal by RPM (only the two counted while Redis was up count)", err)
	}
	if err := c.Done(ctx, 0, limittest.T0); err != nil {
		t.Fatal(err)
	}
}

// TestOpenErrors: Open's errors name the URL, never its password.
func TestOpenErrors(t *testing.T) {
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name, url, want string
	}{
		{"empty", "", "redis: the Redis URL is empty (redis://[user:password@]host:port/db or rediss://…)"},
		{"not a URL", "redis://:s3cret@127.0.0.1:6379/%zz", "redis: the Redis URL does not parse as a URL"},
		{"another scheme", "http://user:s3cret@127.0.0.1:6379/0", "redis: the Redis URL http://user:xxxxx@127.0.0.1:6379/0 is not a redis:// or rediss:// URL"},
		{"postgres", "postgres://u:s3cret@db/x", "is not a redis:// or rediss:// URL"},
		{"unix", "unix:///run/redis.sock", "is not a redis:// or rediss:// URL"},
		{"no host", "redis:///0", "redis: the Redis URL redis:///0 names no host"},
		{"bad database", "redis://:s3cret@127.0.0.1:6379/one", `redis: the Redis URL redis://:xxxxx@127.0.0.1:6379/one: redis: invalid database number: "one"`},
		{"unreachable", "redis://:s3cret@" + closed + "/0?dial_timeout=300ms", "redis: connecting to redis://:xxxxx@" + closed + "/0?dial_timeout=300ms: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			l, err := Open(ctx, tt.url)
			if err == nil {
				l.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got  %v\nwant %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the password leaked: %v", err)
			}
			if tt.name != "unreachable" && CheckURL(tt.url) == nil {
				t.Fatal("CheckURL accepts it")
			}
		})
	}
	for _, ok := range []string{testURL, "redis://localhost", "rediss://user:pw@redis.example.com:6380/2?dial_timeout=1s&pool_size=20"} {
		if err := CheckURL(ok); err != nil {
			t.Errorf("CheckURL(%q): %v", ok, err)
		}
	}
}

// TestNew: a Limiter on the caller's client works, and names its address in errors.
func TestNew(t *testing.T) {
	opts, err := goredis.ParseURL(testURL)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	l := New(c)
	k := limittest.Key(t, "user")
	a, err := l.Admit(context.Background(), "new-"+k, []ratelimit.Rule{{Key: k, Concurrent: 1}}, 0, limittest.T0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Done(context.Background(), 0, limittest.T0); err != nil {
		t.Fatal(err)
	}
	if l.where != "redis at "+opts.Addr {
		t.Fatalf("where %q", l.where)
	}
}
