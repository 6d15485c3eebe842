package replicas

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"playground/server/team"
)

// tcpProxy forwards a local port to target until cut, which closes every connection and stops
// listening (the store has gone away); restore listens on the same port again.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut stops the proxy: the store is unreachable through it.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore listens again on the proxy's port.
func (p *tcpProxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("listening again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// streamThroughOutage makes one streamed call to the cluster's first server and cuts proxy once
// its first event has arrived: the stream must still finish whole.
func streamThroughOutage(t *testing.T, c *cluster, proxy *tcpProxy) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.urls[0]+"/api/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if _, err := br.ReadString('\n'); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the stream: %d %v", resp.StatusCode, err)
	}
	proxy.cut() // the store goes away mid-stream
	rest, err := io.ReadAll(br)
	if err != nil || !strings.Contains(string(rest), "data: [DONE]") {
		t.Fatalf("the stream did not finish with the store away: %v\n%s", err, rest)
	}
}

// TestStoreOutageMidStream: the database going away while a stream plays does not cut the
// stream; the call is settled, at the provider's figure, once the database is back.
func TestStoreOutageMidStream(t *testing.T) {
	var proxy *tcpProxy
	c := newCluster(t, withDatabase(func(database string) string {
		u, err := url.Parse(database)
		if err != nil {
			t.Fatal(err)
		}
		proxy = newTCPProxy(t, u.Host)
		u.Host = proxy.addr
		return u.String()
	}))
	c.fake.ChunkDelay = 60 * time.Millisecond
	streamThroughOutage(t, c, proxy)
	ctx := context.Background()
	time.Sleep(500 * time.Millisecond)
	if rows, _ := c.db.ListUsage(ctx, team.UsageFilter{UserID: c.user.ID}); len(rows) != 0 {
		t.Fatalf("a usage row was written with the database away: %+v", rows)
	}
	if o := c.call(c.urls[1], false); o.status != 503 || o.code != "store_unavailable" {
		t.Errorf("a call with the database away ended %+v, want 503 store_unavailable", o)
	}
	proxy.restore()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows, err := c.db.ListUsage(ctx, team.UsageFilter{UserID: c.user.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 {
			billed := c.fake.Billed()
			want, _ := team.FromFloatUSD(billed[0])
			if rows[0].CostSource != team.CostProvider || rows[0].Cost != want || rows[0].Expired {
				t.Errorf("settled after the outage as %+v, the provider billed %s", rows[0], want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the call was not settled within 20 s of the database coming back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if bs, err := c.db.ListBudgets(ctx, time.Now(), team.UserScope(c.user.ID)); err != nil || len(bs) != 1 || bs[0].Reserved != 0 {
		t.Errorf("the budget after the outage: %+v %v", bs, err)
	}
}

// TestRedisOutageMidStream: the limit store going away while a stream plays does not cut the
// stream, and its usage is written at the provider's figure (the database is up); while Redis is
// away the next call is refused as the default fail policy says, naming why, and once it is back
// calls are admitted again.
func TestRedisOutageMidStream(t *testing.T) {
	u, err := url.Parse(testRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr
	q := u.Query()
	q.Set("dial_timeout", "200ms")
	q.Set("max_retries", "-1")
	u.RawQuery = q.Encode()
	c := newCluster(t, withFlags("-redis", u.String()))
	ctx := context.Background()
	if err := c.db.SetPolicy(ctx, &team.Policy{Scope: team.UserScope(c.user.ID), RPM: 100, Concurrent: 5}); err != nil {
		t.Fatal(err)
	}
	c.fake.ChunkDelay = 60 * time.Millisecond
	streamThroughOutage(t, c, proxy)
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, err := c.db.ListUsage(ctx, team.UsageFilter{UserID: c.user.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 {
			want, _ := team.FromFloatUSD(c.fake.Billed()[0])
			if rows[0].CostSource != team.CostProvider || rows[0].Cost != want {
				t.Errorf("settled with Redis away as %+v, the provider billed %s", rows[0], want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the call's usage was not written within 10 s with Redis away")
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.fake.ChunkDelay = 0
	if o := c.call(c.urls[1], false); o.status != 503 || !strings.Contains(o.msg, "limit store is unreachable") {
		t.Errorf("a call with Redis away ended %+v, want 503 saying the limit store is unreachable", o)
	}
	proxy.restore()
	deadline = time.Now().Add(10 * time.Second)
	for {
		o := c.call(c.urls[1], false)
		if o.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a call with Redis back ended %+v", o)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
