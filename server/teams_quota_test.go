package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"playground/app/kind"
	"playground/server/fakeupstream"
	"playground/server/team"
)

// livePrices makes the server read the fake's live list, with its prices, for a call's
// reservation; refresh loads it.
func livePrices(c *Config, f *fakeupstream.Server) {
	f.SetCatalogue(fakeupstream.AIMLAPICatalogue())
	c.Providers[0].Catalog.Live, c.Providers[0].Catalog.LiveQuery = true, "include=all"
	c.Refresh = time.Hour // loaded by refresh
}

// refresh loads the live list now.
func (e *teamEnv) refresh(t *testing.T) {
	t.Helper()
	e.s.catalog.Refresh(context.Background(), "aimlapi")
}

// bearer is the header of Ada's token.
func (e *teamEnv) bearer() map[string]string {
	return map[string]string{"Authorization": "Bearer " + e.token}
}

// usageRows waits until the usage log has n rows of Ada's (a call is settled as it ends, maybe
// after its client has gone) and returns them.
func (e *teamEnv) usageRows(t *testing.T, n int) []team.Usage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, err := e.db.ListUsage(context.Background(), team.UsageFilter{UserID: e.ada.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) >= n || time.Now().After(deadline) {
			if len(rows) != n {
				t.Fatalf("%d usage rows, want %d: %+v", len(rows), n, rows)
			}
			return rows
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTeamPolicy: a model the team's policy does not allow is refused before the provider
// hears of it; a user's rpm refuses the call over it with a Retry-After.
func TestTeamPolicy(t *testing.T) {
	e := runTeam(t)
	ctx := context.Background()
	lab := &team.Team{Name: "Lab"}
	if err := e.db.AddTeam(ctx, lab); err != nil {
		t.Fatal(err)
	}
	if err := e.db.AddMember(ctx, &team.Membership{TeamID: lab.ID, UserID: e.ada.ID, Role: team.Member}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetPolicy(ctx, &team.Policy{Scope: team.TeamScope(lab.ID), Models: []string{"openai/*", "gpt-4o*"}}); err != nil {
		t.Fatal(err)
	}
	n := len(e.fake.Requests())
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", `{"model":"gryphe/mythomax-l2-13b","messages":[{"role":"user","content":"hi"}]}`, e.bearer())
	msg, code := errorMessage(t, body)
	if resp.StatusCode != 403 || code != "forbidden" || !strings.Contains(msg, "may not run gryphe/mythomax-l2-13b: it may run only openai/*, gpt-4o*") {
		t.Errorf("a model the team may not run: %d %s", resp.StatusCode, body)
	}
	if len(e.fake.Requests()) != n {
		t.Error("a refused call reached the provider")
	}
	chat := `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`
	if resp, body := e.do(t, "POST", "/api/v1/chat/completions", chat, e.bearer()); resp.StatusCode != 200 {
		t.Fatalf("a model the team may run, by its alias: %d %s", resp.StatusCode, body)
	}

	if err := e.db.SetPolicy(ctx, &team.Policy{Scope: team.UserScope(e.ada.ID), RPM: 1}); err != nil {
		t.Fatal(err)
	}
	if resp, body := e.do(t, "POST", "/api/v1/chat/completions", chat, e.bearer()); resp.StatusCode != 200 {
		t.Fatalf("the first call of the minute: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do(t, "POST", "/api/v1/chat/completions", chat, e.bearer())
	msg, code = errorMessage(t, body)
	if resp.StatusCode != 429 || code != "rate_limited" || !strings.Contains(msg, "user "+strconv.FormatInt(e.ada.ID, 10)) || resp.Header.Get("Retry-After") == "" {
		t.Errorf("over the user's rpm: %d %s (Retry-After %q)", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	rec := httptest.NewRecorder()
	e.s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`playground_refusals_total{reason="policy"} 1`, `playground_refusals_total{reason="rate"} 1`, `playground_settles_total{result="ok"} 2`, "playground_reserved_usd_total "} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("the metrics lack %q", want)
		}
	}
}

// TestTeamCallsAreBounded: a chat call that sets no length goes out with -default-max-tokens and
// asks for its usage; it is reserved for that length and settled at the provider's count.
func TestTeamCallsAreBounded(t *testing.T) {
	e := runTeamWith(t, func(c *Config, f *fakeupstream.Server) { c.DefaultMaxTokens = 1234; livePrices(c, f) })
	e.refresh(t)
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", `{"model":"openai/gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}`, e.bearer())
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	reqs := requestsTo(e.fake, "/v1/chat/completions")
	var sent struct {
		MaxTokens     int64 `json:"max_tokens"`
		StreamOptions struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	if len(reqs) != 1 || json.Unmarshal(reqs[0].Body, &sent) != nil || sent.MaxTokens != 1234 || !sent.StreamOptions.IncludeUsage {
		t.Fatalf("the provider got %s", reqs[0].Body)
	}
	rows := e.usageRows(t, 1)
	if rows[0].CostSource != team.CostProvider || rows[0].InputTokens == 0 || rows[0].OutputTokens == 0 || rows[0].Cost == 0 {
		t.Errorf("the usage row %+v", rows[0])
	}
}

// TestTeamStreamMeteredAfterDisconnect: a client that leaves mid-stream does not stop the meter:
// the server reads the answer to its end and charges the provider's count; one the provider does
// not finish within -meter-drain is charged its whole reservation.
func TestTeamStreamMeteredAfterDisconnect(t *testing.T) {
	e := runTeamWith(t, func(c *Config, f *fakeupstream.Server) {
		c.MeterDrain = 3 * time.Second
		f.ChunkDelay = 30 * time.Millisecond
		livePrices(c, f)
	})
	e.refresh(t)
	leave := func(content string) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/chat/completions",
			strings.NewReader(`{"model":"openai/gpt-4o","stream":true,"messages":[{"role":"user","content":"`+content+`"}]}`))
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("Content-Type", "application/json")
		ctx, cancel := context.WithCancel(context.Background())
		resp, err := e.srv.Client().Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil { // the first event
			t.Fatal(err)
		}
		cancel() // the client goes away
		resp.Body.Close()
	}
	leave("fake:markdown")
	rows := e.usageRows(t, 1)
	if rows[0].CostSource != team.CostProvider || rows[0].OutputTokens == 0 {
		t.Errorf("a stream left by its client: %+v", rows[0])
	}
	if len(e.fake.Cancelled()) != 0 {
		t.Errorf("the provider's stream was cancelled %d times", len(e.fake.Cancelled()))
	}

	leave("fake:hang") // never ends: cut after the drain, charged the reservation
	rows = e.usageRows(t, 2)
	if rows[0].CostSource != team.CostReservation || rows[0].Cost == 0 || rows[0].Expired {
		t.Errorf("a stream cut after the drain: %+v", rows[0])
	}
}

// requestsTo are the fake's requests to path.
func requestsTo(f *fakeupstream.Server, path string) []fakeupstream.Request {
	var out []fakeupstream.Request
	for _, r := range f.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// TestTeamJobsAreTheirUsers: a job is its user's, wherever they call from: the same user polls it
// with another token (or from another address), another user with the id gets 404 and the
// provider never hears of it.
func TestTeamJobsAreTheirUsers(t *testing.T) {
	e := runTeam(t)
	ctx := context.Background()
	bob := &team.User{Email: "bob@example.org"}
	if err := e.db.AddUser(ctx, bob); err != nil {
		t.Fatal(err)
	}
	token := func(u *team.User) map[string]string {
		secret, tok, err := team.NewToken(u.ID, 0, "t", time.Now(), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.db.CreateToken(ctx, &tok); err != nil {
			t.Fatal(err)
		}
		return map[string]string{"Authorization": "Bearer " + secret}
	}
	resp, body := e.do(t, "POST", "/api/v2/video/generations", `{"model":"google/veo3","prompt":"a wave"}`, e.bearer())
	job := kind.ReadJob(body)
	if resp.StatusCode != 200 || job.ID == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	poll := "/api" + kind.Video.(kind.Poller).PollPath("/v2/video/generations", job.ID)
	n := len(e.fake.Requests())
	resp, body = e.do(t, "GET", poll, "", token(bob))
	if _, code := errorMessage(t, body); resp.StatusCode != 404 || code != "job_not_found" {
		t.Errorf("another user's poll: %d %s", resp.StatusCode, body)
	}
	if len(e.fake.Requests()) != n {
		t.Error("another user's poll reached the provider")
	}
	adaAgain := token(e.ada)
	adaAgain["X-Forwarded-For"] = "192.0.2.99"
	if resp, body := e.do(t, "GET", poll, "", adaAgain); resp.StatusCode != 200 {
		t.Errorf("the user's own poll with another token: %d %s", resp.StatusCode, body)
	}
}

// TestTeamOfACall: a user in two teams is billed to the first, or to the one X-Playground-Team
// names; naming a team they are not in is refused.
func TestTeamOfACall(t *testing.T) {
	e := runTeam(t)
	ctx := context.Background()
	lab, ops, other := &team.Team{Name: "Lab"}, &team.Team{Name: "Ops"}, &team.Team{Name: "Other"}
	for _, tm := range []*team.Team{lab, ops, other} {
		if err := e.db.AddTeam(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	for _, tm := range []*team.Team{lab, ops} {
		if err := e.db.AddMember(ctx, &team.Membership{TeamID: tm.ID, UserID: e.ada.ID, Role: team.Member}); err != nil {
			t.Fatal(err)
		}
	}
	chat := `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`
	h := e.bearer()
	if resp, body := e.do(t, "POST", "/api/v1/chat/completions", chat, h); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	h["X-Playground-Team"] = "Ops"
	if resp, body := e.do(t, "POST", "/api/v1/chat/completions", chat, h); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	rows := e.usageRows(t, 2)
	if rows[1].TeamID != lab.ID || rows[0].TeamID != ops.ID {
		t.Errorf("billed to teams %d then %d, want %d then %d", rows[1].TeamID, rows[0].TeamID, lab.ID, ops.ID)
	}
	h["X-Playground-Team"] = "Other"
	resp, body := e.do(t, "POST", "/api/v1/chat/completions", chat, h)
	if msg, code := errorMessage(t, body); resp.StatusCode != 403 || code != "forbidden" || !strings.Contains(msg, `ada@example.org is not in a team called "Other"`) {
		t.Errorf("a team the user is not in: %d %s", resp.StatusCode, body)
	}
}

// TestTeamUsageContent: under -usage-content a call's usage record keeps the body the provider got
// and the answer as it came, for the export; by default it keeps neither.
func TestTeamUsageContent(t *testing.T) {
	const chat = `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"the secret recipe"}]}`
	for _, keep := range []bool{false, true} {
		e := runTeamWith(t, func(c *Config, _ *fakeupstream.Server) { c.UsageContent = keep })
		if resp, body := e.do(t, "POST", "/api/v1/chat/completions", chat, e.bearer()); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		e.usageRows(t, 1)
		var got []team.Usage
		if err := e.db.ExportUsage(context.Background(), team.UsageFilter{}, func(u team.Usage) error { got = append(got, u); return nil }); err != nil {
			t.Fatal(err)
		}
		sent := requestsTo(e.fake, "/v1/chat/completions")[0].Body
		switch {
		case len(got) != 1:
			t.Fatalf("keep %v: %d records", keep, len(got))
		case !keep && (got[0].Prompt != "" || got[0].Answer != ""):
			t.Errorf("without -usage-content the record kept %q and %q", got[0].Prompt, got[0].Answer)
		case keep && (got[0].Prompt != string(sent) || !strings.Contains(got[0].Prompt, "the secret recipe")):
			t.Errorf("the kept prompt %q, the provider got %s", got[0].Prompt, sent)
		case keep && (!strings.HasPrefix(got[0].Answer, "data: ") || !strings.Contains(got[0].Answer, "data: [DONE]")):
			t.Errorf("the kept answer %q", got[0].Answer)
		}
	}
}
