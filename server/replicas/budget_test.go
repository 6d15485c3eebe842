package replicas

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"playground/app/catalog"
	"playground/server/fakeupstream"
	"playground/server/internal/syncbuf"
	"playground/server/postgres"
	"playground/server/postgres/pgtest"
	"playground/server/quota"
	"playground/server/team"
)

const (
	canary  = "sk-replicas-canary"
	model   = "openai/gpt-4o"
	streams = 50
	// maxTokens is each call's answer length: with the body's size, what it is reserved for.
	maxTokens = 100
)

// cluster is two servers on one Postgres, a user with a token and a budget.
type cluster struct {
	fake    *fakeupstream.Server
	db      *postgres.DB
	urls    []string
	logs    []*syncbuf.Buffer
	user    *team.User
	token   string
	budget  team.Money
	reserve team.Money
}

// body is each call's request: a stream that asks for its usage and bounds its answer, so that
// the server sends it as it is and reserves what reserveFor says.
var body = fmt.Sprintf(`{"model":%q,"stream":true,"stream_options":{"include_usage":true},"max_tokens":%d,"messages":[{"role":"user","content":"Tell me about replicas."}]}`, model, maxTokens)

// options adjust a cluster's servers: the database URL they use (the test's own, through a proxy)
// and extra flags.
type options struct {
	database func(url string) string
	flags    []string
	embedded bool // the embedded catalogue only (every kind), no live list (no prices)
}

// withEmbeddedCatalogue serves the embedded catalogue only: every kind's models, no prices.
func withEmbeddedCatalogue(o *options) { o.embedded = true }

// withFlags starts the servers with more flags.
func withFlags(flags ...string) func(*options) {
	return func(o *options) { o.flags = append(o.flags, flags...) }
}

// withDatabase has the servers reach the test's database at the URL via returns.
func withDatabase(via func(url string) string) func(*options) {
	return func(o *options) { o.database = via }
}

func newCluster(t *testing.T, opts ...func(*options)) *cluster {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	url := pgtest.NewSchema(t)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	c := &cluster{fake: fakeupstream.New(), db: db, user: &team.User{Email: "ada@example.org"}}
	c.fake.Key = canary
	c.fake.ChunkDelay = 15 * time.Millisecond // a stream lasts a few hundred milliseconds
	c.fake.SetCatalogue(fakeupstream.AIMLAPICatalogue())
	up := httptest.NewServer(c.fake)
	t.Cleanup(up.Close)
	if err := db.AddUser(ctx, c.user); err != nil {
		t.Fatal(err)
	}
	secret, tok, err := team.NewToken(c.user.ID, 0, "load", time.Now(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateToken(ctx, &tok); err != nil {
		t.Fatal(err)
	}
	c.token = secret
	serverDB := url
	if o.database != nil {
		serverDB = o.database(url)
	}
	for range 2 {
		u, logs := startServer(t, up.URL+"/v1", serverDB, !o.embedded, o.flags...)
		c.urls, c.logs = append(c.urls, u), append(c.logs, logs)
		if !o.embedded {
			c.waitPrice(t, u)
		}
	}
	// What one call is reserved for (the server's own reckoning of the same body), and a budget
	// worth ten of them, with room for what the calls really cost.
	in, out := 2.625, 10.5 // the fake's price of openai/gpt-4o, per million tokens
	c.reserve = quota.CostOf(&catalog.Price{Input: &in, Output: &out}, int64(len(body)+3)/4, maxTokens)
	c.budget = 10*c.reserve + c.reserve/2
	if err := db.SetBudget(ctx, &team.Budget{Scope: team.UserScope(c.user.ID), Period: team.Day, Limit: c.budget}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, l := range c.logs {
			if strings.Contains(l.String(), canary) {
				t.Error("the provider key is in a server's log")
			}
		}
	})
	return c
}

// waitPrice waits until the server at url offers the model with its price, from the live list.
func (c *cluster) waitPrice(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", url+"/api/models?q="+model, nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if i := strings.Index(string(b), `"id":"`+model+`"`); i >= 0 && strings.Contains(string(b[i:]), `"price"`) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the live list with the model's price did not load")
}

// outcome is what one call's client saw.
type outcome struct {
	status int
	code   string
	msg    string
}

// call makes one streamed call to url; with leave, the client goes away after the first event.
func (c *cluster) call(url string, leave bool) outcome {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", url+"/api/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return outcome{msg: err.Error()}
	}
	defer resp.Body.Close()
	o := outcome{status: resp.StatusCode}
	if resp.StatusCode != 200 {
		var env struct {
			Error struct{ Code, Message string }
		}
		b, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(b, &env)
		o.code, o.msg = env.Error.Code, env.Error.Message
		return o
	}
	if leave {
		_, _ = bufio.NewReader(resp.Body).ReadString('\n')
		return o // the deferred cancel closes the connection mid-stream
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return o
}

// run makes the streams at once, spread over the two servers.
func (c *cluster) run(leave bool) []outcome {
	out := make([]outcome, streams)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range streams {
		wg.Go(func() {
			<-start
			out[i] = c.call(c.urls[i%2], leave)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// check holds the run to the budget: what the user was charged is at most the budget, the usage
// log has a row per admitted call summing to what the provider billed, nothing refused reached
// the provider, and each refusal says which budget and what is left.
func (c *cluster) check(t *testing.T, out []outcome) {
	t.Helper()
	ctx := context.Background()
	admitted, refused := 0, 0
	for _, o := range out {
		switch {
		case o.status == 200:
			admitted++
		case o.status == 429 && o.code == "budget_exceeded" && strings.Contains(o.msg, fmt.Sprintf("The user %d budget of %s per day has", c.user.ID, c.budget)) &&
			strings.Contains(o.msg, "left and this call may cost up to "+c.reserve.String()):
			refused++
		default:
			t.Errorf("a call ended %+v", o)
		}
	}
	if admitted < 10 || refused == 0 {
		t.Errorf("%d admitted and %d refused: the budget is worth ten calls at once", admitted, refused)
	}
	// Settling may finish after a leaving client has gone: wait for every row.
	var rows []team.Usage
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		if rows, err = c.db.ListUsage(ctx, team.UsageFilter{UserID: c.user.ID, Limit: team.MaxUsageLimit}); err != nil {
			t.Fatal(err)
		}
		if len(rows) >= admitted || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	billed := c.fake.Billed()
	if len(rows) != admitted || len(billed) != admitted {
		t.Fatalf("%d admitted calls, %d usage rows, %d answers billed", admitted, len(rows), len(billed))
	}
	var logged, want team.Money
	for _, r := range rows {
		logged += r.Cost
		if r.CostSource != team.CostProvider {
			t.Errorf("a row's cost came from %s, not the provider's figure: %+v", r.CostSource, r)
		}
	}
	for _, usd := range billed {
		m, err := team.FromFloatUSD(usd)
		if err != nil {
			t.Fatal(err)
		}
		want += m
	}
	if logged != want {
		t.Errorf("the usage rows sum to %s, the provider billed %s", logged, want)
	}
	bs, err := c.db.ListBudgets(ctx, time.Now(), team.UserScope(c.user.ID))
	if err != nil || len(bs) != 1 {
		t.Fatalf("the budget: %+v %v", bs, err)
	}
	if bs[0].Spent != logged || bs[0].Reserved != 0 || bs[0].Spent > c.budget {
		t.Errorf("the budget spent %s and holds %s; the rows sum to %s; the limit is %s", bs[0].Spent, bs[0].Reserved, logged, c.budget)
	}
	n := 0
	for _, r := range c.fake.Requests() {
		if r.Path == "/v1/chat/completions" {
			n++
		}
	}
	if n != admitted {
		t.Errorf("the provider got %d requests for %d admitted calls", n, admitted)
	}
	t.Logf("%d streams over two servers: %d admitted, %d refused; charged %s of a %s budget (one call reserves %s)",
		streams, admitted, refused, logged, c.budget, c.reserve)
}

// TestBudgetUnderLoad: 50 streams at once from one user over two servers sharing one Postgres,
// with a budget worth ten of them.
func TestBudgetUnderLoad(t *testing.T) {
	c := newCluster(t)
	c.check(t, c.run(false))
}

// TestBudgetUnderLoadClientsLeave: the same, every client leaving after the first event: each
// admitted stream is still read to its end and charged what the provider billed.
func TestBudgetUnderLoadClientsLeave(t *testing.T) {
	c := newCluster(t)
	c.check(t, c.run(true))
	if n := len(c.fake.Cancelled()); n != 0 {
		t.Errorf("%d provider streams were cancelled: the server stopped reading when the client left", n)
	}
}
