package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"playground/server"
	"playground/server/auth"
	"playground/server/sqlite"
	"playground/server/team"
)

// TestTeamSignInAndViewCode runs the playground for a team with local sign-in: a browser without
// a session lands on the sign-in page, signs in, runs a chat model — charged to the user in the
// usage log — and View code shows the playground's own API with a personal token placeholder,
// never the provider's base URL or key.
func TestTeamSignInAndViewCode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "playground.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	ada := &team.User{Email: "ada@example.org", Name: "Ada", Admin: true}
	lab := &team.Team{Name: "Lab"}
	if err := db.AddUser(ctx, ada); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTeam(ctx, lab); err != nil {
		t.Fatal(err)
	}
	if err := db.AddMember(ctx, &team.Membership{TeamID: lab.ID, UserID: ada.ID, Role: team.Admin}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPolicy(ctx, &team.Policy{Scope: team.TeamScope(lab.ID), Models: []string{"gryphe/*", "openai/*"}, RPM: 60, TPM: 100000}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetBudget(ctx, &team.Budget{Scope: team.TeamScope(lab.ID), Period: team.Month, Limit: 25 * team.USD}); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPassword(ctx, ada.ID, hash); err != nil {
		t.Fatal(err)
	}
	var base string
	e := newEnv(t, true, func(c *server.Config) { c.Auth, c.Database, base = auth.Local, path, c.Providers[0].BaseURL })
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.navigate(e.URL + "/?model=" + mythomax)
	tb.waitJS("the sign-in page", jsSel("login-email")+` && location.pathname === "/login"`, 10*time.Second)
	saveScreenshot(t, tb, "team-sign-in.png")
	tb.do("signing in", chromedp.SendKeys(chromedp.CSS(sel("login-email")), "ada@example.org"),
		chromedp.SendKeys(chromedp.CSS(sel("login-password")), "correct horse battery"),
		chromedp.Click(chromedp.CSS(sel("login-submit"))))
	cond := `location.pathname === "/" && !document.getElementById("app-wasm-loader") && ` + jsSel("model-picker") + ` && ` +
		jsSel("model-picker") + `.value === ` + jsString(mythomax) + ` && ` + jsSel("run")
	tb.waitJS("the playground after signing in, on the model asked for", cond, 30*time.Second)

	tb.do("a message and Run", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "Hello from a team member"), chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitRunDone(1, 30*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	var rows []team.Usage
	for time.Now().Before(deadline) {
		if rows, err = db.ListUsage(ctx, team.UsageFilter{UserID: ada.ID}); err == nil && len(rows) == 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(rows) != 1 || rows[0].Model != mythomax || rows[0].Status != 200 || rows[0].CostSource == "" {
		t.Errorf("the usage log after the run: %+v %v", rows, err)
	}

	tb.do("opening View code", chromedp.Click(chromedp.CSS(sel("view-request"))))
	tb.waitJS("the curl tab", jsSel("code-tab-curl"), 5*time.Second)
	tb.do("the curl tab", chromedp.Click(chromedp.CSS(sel("code-tab-curl"))))
	tb.waitJS("the curl snippet", jsSel("code-curl"), 5*time.Second)
	if note := eval[string](tb, jsSel("request")+`.querySelector("p").innerText`); !strings.Contains(note, "through this playground's API with your personal API token") {
		t.Errorf("the request's note says %q", note)
	}
	code := eval[string](tb, jsSel("code-curl")+`.textContent`)
	for _, want := range []string{e.URL + "/api/v1/chat/completions", "<YOUR_PLAYGROUND_TOKEN>"} {
		if !strings.Contains(code, want) {
			t.Errorf("the curl snippet lacks %q:\n%s", want, code)
		}
	}
	if strings.Contains(code, base) || strings.Contains(code, "AIMLAPI") || strings.Contains(code, e.Canary) {
		t.Errorf("the curl snippet names the provider or its key:\n%s", code)
	}
	tb.do("the Python tab", chromedp.Click(chromedp.CSS(sel("code-tab-python-openai"))))
	tb.waitJS("the Python snippet with the token variable", jsSel("code-python-openai")+` && `+jsSel("code-python-openai")+`.textContent.includes("PLAYGROUND_TOKEN") && `+
		jsSel("code-python-openai")+`.textContent.includes(`+jsString(e.URL+"/api/v1")+`)`, 5*time.Second)
	saveScreenshot(t, tb, "team-view-code.png")
	tb.checkConsole()

	// The admin page and the usage dashboard, as the browser draws them: the run is on the chart.
	tb.navigate(e.URL + "/admin#policies")
	tb.waitJS("the admin page's policies", `document.querySelector("#policies") && document.querySelector("#policies").innerText.includes("gryphe/*")`, 10*time.Second)
	saveScreenshot(t, tb, "team-admin.png")
	tb.navigate(e.URL + "/usage")
	tb.waitJS("the usage dashboard with the run", `document.querySelector("svg") !== null && document.body.innerText.includes(`+jsString(mythomax)+`)`, 10*time.Second)
	saveScreenshot(t, tb, "team-usage.png")
	tb.checkConsole()
}
