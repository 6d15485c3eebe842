package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"playground/server/auth"
	"playground/server/fakeupstream"
	"playground/server/sqlite"
	"playground/server/team"
)

// teamEnv is a server run for a team with local sign-in, on an SQLite store the test fills.
type teamEnv struct {
	*kindsEnv
	db    *sqlite.DB
	ada   *team.User
	token string
}

func runTeam(t *testing.T) *teamEnv { t.Helper(); return runTeamWith(t, nil) }

// runTeamWith is runTeam with the configuration and the fake adjusted.
func runTeamWith(t *testing.T, adjust func(*Config, *fakeupstream.Server)) *teamEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "playground.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	ada := &team.User{Email: "ada@example.org"}
	if err := db.AddUser(ctx, ada); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPassword(ctx, ada.ID, hash); err != nil {
		t.Fatal(err)
	}
	secret, tok, err := team.NewToken(ada.ID, 0, "sdk", time.Now(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateToken(ctx, &tok); err != nil {
		t.Fatal(err)
	}
	e := runKindsWith(t, "", func(c *Config, f *fakeupstream.Server) {
		c.Auth, c.Database = auth.Local, path
		if adjust != nil {
			adjust(c, f)
		}
	})
	return &teamEnv{kindsEnv: e, db: db, ada: ada, token: secret}
}

// noRedirect is a client that shows redirects instead of following them.
func (e *teamEnv) noRedirect() *http.Client {
	c := *e.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// TestSignIn: with -auth local, the app sends a browser without a session to the sign-in page,
// the API answers 401, the open routes stay open; a wrong password is refused without saying
// which part was wrong and keeps the email; the right one makes a session cookie that opens the
// app and the API; signing out ends it.
func TestSignIn(t *testing.T) {
	e := runTeam(t)
	c := e.noRedirect()
	get := func(path, cookie string) *http.Response {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get("/", ""); resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?next=%2F" {
		t.Errorf("the app without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := e.do(t, "GET", "/api/models", "", nil)
	if _, code := errorMessage(t, body); resp.StatusCode != 401 || code != "unauthorized" {
		t.Errorf("the API without an identity: %d %s", resp.StatusCode, body)
	}
	for _, open := range []string{"/healthz", "/login", "/web/app.css", "/api/embed/config"} {
		if resp := get(open, ""); resp.StatusCode != 200 && resp.StatusCode != 404 {
			t.Errorf("%s without an identity: %d", open, resp.StatusCode)
		}
	}
	post := func(form url.Values) (*http.Response, string) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, bad := range []url.Values{
		{"email": {"ada@example.org"}, "password": {"wrong password!"}},
		{"email": {"eve@example.org"}, "password": {"correct horse battery"}},
	} {
		resp, page := post(bad)
		if resp.StatusCode != 401 || !strings.Contains(page, "That email and password do not match") || !strings.Contains(page, bad.Get("email")) || len(resp.Cookies()) != 0 {
			t.Errorf("a bad sign-in (%s): %d %.300s", bad.Get("email"), resp.StatusCode, page)
		}
	}
	resp, _ = post(url.Values{"email": {"Ada@Example.org"}, "password": {"correct horse battery"}, "next": {"//evil.example/x"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/" || len(resp.Cookies()) != 1 {
		t.Fatalf("signing in: %d %s %v", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
	}
	ck := resp.Cookies()[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" {
		t.Errorf("the session cookie %+v", ck)
	}
	cookie := ck.Name + "=" + ck.Value
	if resp := get("/", cookie); resp.StatusCode != 200 {
		t.Errorf("the app with a session: %d", resp.StatusCode)
	}
	if resp := get("/api/models", cookie); resp.StatusCode != 200 {
		t.Errorf("the API with a session: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/logout", nil)
	req.Header.Set("Cookie", cookie)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != 303 {
		t.Fatalf("signing out: %v %v", resp, err)
	}
	if resp := get("/api/models", cookie); resp.StatusCode != 401 {
		t.Errorf("the API after signing out: %d", resp.StatusCode)
	}
}

// TestTokensAndBudgets: a personal API token calls the API as its user; each call is charged to
// the user's budget and written to the usage log; a call that would go over is refused naming the
// budget, and never reaches the provider; a revoked token opens nothing.
func TestTokensAndBudgets(t *testing.T) {
	e := runTeam(t)
	ctx := context.Background()
	// Two images cost $0.006 at the fake's price: a budget of half a cent lets one image call
	// through, charges it, then refuses.
	if err := e.db.SetBudget(ctx, &team.Budget{Scope: team.UserScope(e.ada.ID), Period: team.Day, Limit: 5 * team.Cent / 10}); err != nil {
		t.Fatal(err)
	}
	bearer := map[string]string{"Authorization": "Bearer " + e.token}
	call := func() (*http.Response, []byte) {
		return e.do(t, "POST", "/api/v1/images/generations", `{"model":"flux/schnell","prompt":"a red fox","n":2}`, bearer)
	}
	if resp, body := call(); resp.StatusCode != 200 {
		t.Fatalf("the first call: %d %s", resp.StatusCode, body)
	}
	rows, err := e.db.ListUsage(ctx, team.UsageFilter{UserID: e.ada.ID})
	if err != nil || len(rows) != 1 || rows[0].Cost != 6*team.Cent/10 || rows[0].Model != "flux/schnell" || rows[0].Status != 200 || rows[0].TokenID == 0 {
		t.Fatalf("the usage log: %+v %v", rows, err)
	}
	n := len(e.fake.Requests())
	resp, body := call()
	msg, code := errorMessage(t, body)
	if resp.StatusCode != 429 || code != "budget_exceeded" || !strings.Contains(msg, "user") {
		t.Errorf("over the budget: %d %s", resp.StatusCode, body)
	}
	if len(e.fake.Requests()) != n {
		t.Error("a refused call reached the provider")
	}
	if resp, _ := e.do(t, "POST", "/api/v1/images/generations", `{"model":"flux/schnell","prompt":"x"}`, map[string]string{"Authorization": "Bearer pg_notatoken"}); resp.StatusCode != 401 {
		t.Errorf("an unknown token: %d", resp.StatusCode)
	}
	toks, _ := e.db.ListTokens(ctx, e.ada.ID)
	if err := e.db.RevokeToken(ctx, toks[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, body = call()
	if _, code := errorMessage(t, body); resp.StatusCode != 401 || code != "unauthorized" {
		t.Errorf("a revoked token: %d %s", resp.StatusCode, body)
	}
}

// TestPruneUsage: the sweeper deletes the usage records older than -usage-retention, never those
// of the budget periods running, and the daily sums stay.
func TestPruneUsage(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	ada := &team.User{Email: "ada@example.org"}
	if err := db.AddUser(ctx, ada); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 16, 10, 0, 0, 0, time.UTC)
	for i, at := range []time.Time{now.AddDate(0, -3, 0), now.AddDate(0, 0, -26), now.AddDate(0, 0, -6)} {
		id := fmt.Sprint("r", i)
		if err := db.Reserve(ctx, id, team.CallScopes(ada.ID, 0, 0), team.Cent, at); err != nil {
			t.Fatal(err)
		}
		if err := db.Settle(ctx, id, team.Cent, team.Usage{Model: "m"}); err != nil {
			t.Fatal(err)
		}
	}
	left := func() (ids []string) {
		_ = db.ExportUsage(ctx, team.UsageFilter{}, func(u team.Usage) error { ids = append(ids, u.RequestID); return nil })
		return ids
	}
	s := &Server{store: db, log: slog.New(slog.DiscardHandler)}
	s.cfg.UsageRetention = 30 * 24 * time.Hour
	s.pruneUsage(ctx, now)
	if got := fmt.Sprint(left()); got != "[r1 r2]" {
		t.Fatalf("after a 30-day retention: %s", got)
	}
	// A day's retention deletes up to the month's start, not into it.
	s.cfg.UsageRetention = 24 * time.Hour
	s.pruneUsage(ctx, now)
	if got := fmt.Sprint(left()); got != "[r2]" {
		t.Fatalf("after a 1-day retention: %s", got)
	}
	if days, err := db.UsageByDay(ctx, team.UsageFilter{}, team.GroupDay); err != nil || len(days) != 3 {
		t.Fatalf("the daily sums: %+v %v", days, err)
	}
}

// TestAdminPagesMounted: an instance run for a team serves the admin page, the usage dashboard
// and the account page behind an identity; the admin page to admins only; their forms refuse
// cross-origin posts.
func TestAdminPagesMounted(t *testing.T) {
	e := runTeam(t)
	c := e.noRedirect()
	bearer := map[string]string{"Authorization": "Bearer " + e.token}
	for _, path := range []string{"/admin", "/usage", "/account"} {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?next=%2F"+path[1:] {
			t.Errorf("%s without an identity: %d %s", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, body := e.do(t, "GET", "/usage", "", bearer); resp.StatusCode != 200 || !strings.Contains(string(body), "Your own calls") {
		t.Errorf("/usage: %d %.200s", resp.StatusCode, body)
	}
	if resp, body := e.do(t, "GET", "/admin", "", bearer); resp.StatusCode != 403 || !strings.Contains(string(body), "Admins only") {
		t.Errorf("/admin for a member: %d %.200s", resp.StatusCode, body)
	}
	if err := e.db.SetAdmin(context.Background(), e.ada.ID, true); err != nil {
		t.Fatal(err)
	}
	if resp, body := e.do(t, "GET", "/admin", "", bearer); resp.StatusCode != 200 || !strings.Contains(string(body), "ada@example.org") {
		t.Errorf("/admin for an admin: %d %.200s", resp.StatusCode, body)
	}
	form := map[string]string{"Authorization": "Bearer " + e.token, "Content-Type": "application/x-www-form-urlencoded"}
	if resp, _ := e.do(t, "POST", "/admin/teams", "name=Lab", form); resp.StatusCode != 403 {
		t.Errorf("an admin form posted with an API token: %d", resp.StatusCode)
	}
	form["Sec-Fetch-Site"] = "cross-site"
	if resp, _ := e.do(t, "POST", "/admin/teams", "name=Lab", form); resp.StatusCode != 403 {
		t.Errorf("a cross-origin post: %d", resp.StatusCode)
	}
	if _, err := e.db.FindTeamByName(context.Background(), "Lab"); team.ErrorCode(err) != team.ENotFound {
		t.Errorf("a refused post added the team: %v", err)
	}
	// Signed in, a same-origin post adds the team and redirects with what it did.
	req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader("email=ada%40example.org&password=correct+horse+battery"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil || len(resp.Cookies()) != 1 {
		t.Fatalf("signing in: %v %v", resp, err)
	}
	resp.Body.Close()
	cookie := resp.Cookies()[0].Name + "=" + resp.Cookies()[0].Value
	req, _ = http.NewRequest("POST", e.srv.URL+"/admin/teams", strings.NewReader("name=Lab"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookie)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp, err = c.Do(req); err != nil || resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin?done=Added+the+team+Lab.#teams" {
		t.Fatalf("adding a team signed in: %v %v", resp, err)
	}
	resp.Body.Close()
	if es, _ := e.db.ListAudit(context.Background(), team.AuditFilter{Action: "team.add"}); len(es) != 1 || es[0].ActorID != e.ada.ID {
		t.Errorf("the audit log: %+v", es)
	}
}
