package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"playground/server"
)

// withMedia lets the server relay the fake upstream's files (a plain-http loopback host) through
// its media route.
func withMedia(c *server.Config) {
	u, err := url.Parse(c.Providers[0].BaseURL)
	if err != nil {
		panic(err)
	}
	c.Providers[0].MediaHosts = []string{u.Host}
	c.Providers[0].MediaAllowInsecure = true
}

// TestImageRunsThroughMediaAndHistory runs an image model whose answer is file URLs: the page
// shows them through the server's media route (which refuses a token it did not mint), the run is
// kept in the history by URL, and after a reload the history entry brings the gallery back.
func TestImageRunsThroughMediaAndHistory(t *testing.T) {
	e := newEnv(t, true, withKindSchemas(t), withMedia)
	b := startBrowser(t)
	tb := b.newTab(t)
	openKind(tb, e.URL, "flux/schnell", "run")
	tb.do("a prompt and Run", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "a red fox"), chromedp.Click(chromedp.CSS(sel("run"))))
	waitKindRun(tb, 1)
	srcs := eval[[]string](tb, `[...document.querySelectorAll('[data-testid="image"]')].map(i => i.src)`)
	if len(srcs) == 0 || !strings.HasPrefix(srcs[0], e.URL+"/api/media/") {
		t.Fatalf("images shown from %q, want the server's media route\npage shows:\n%s", srcs, tb.bodyText())
	}
	tb.waitJS("the image through the media route", `[...document.querySelectorAll('[data-testid="image"]')].every(i => i.complete && i.naturalWidth === 64)`, 10*time.Second)

	// The run is in the history; after a reload, opening it brings the gallery back.
	tb.navigate(e.URL + "/?model=flux/schnell")
	tb.waitJS("the page again", `!document.getElementById("app-wasm-loader") && `+jsSel("run"), 30*time.Second)
	if n := eval[int](tb, `document.querySelectorAll('[data-testid="image-run"]').length`); n != 0 {
		t.Fatalf("a reloaded page shows %d runs before the history is opened", n)
	}
	tb.do("opening the history", chromedp.Click(chromedp.CSS(sel("history-toggle"))))
	tb.waitJS("the saved run", jsSel("history-open")+` && `+jsSel("history-open")+`.innerText.includes("a red fox")`, 5*time.Second)
	if meta := eval[string](tb, `document.querySelector(".history-meta").innerText`); !strings.Contains(meta, "flux/schnell") || !strings.Contains(meta, "1 ") {
		t.Errorf("history entry says %q, want the model and its run count", meta)
	}
	stored := eval[string](tb, `localStorage.getItem("playground-history") || ""`)
	if !strings.Contains(stored, "/api/media/") || strings.Contains(stored, "b64_json") || len(stored) > 4000 {
		t.Errorf("the history holds %d bytes: %s", len(stored), truncate(stored, 400))
	}
	tb.do("opening the saved run", chromedp.Click(chromedp.CSS(sel("history-open"))))
	tb.waitJS("the gallery back", `document.querySelectorAll('[data-testid="image"]').length === `+itoa(len(srcs)), 10*time.Second)
	if got := eval[string](tb, jsSel("image")+`.src`); got != srcs[0] {
		t.Errorf("the reopened image is %q, want %q", got, srcs[0])
	}
	tb.waitJS("the reopened image loads", `[...document.querySelectorAll('[data-testid="image"]')].every(i => i.complete && i.naturalWidth === 64)`, 10*time.Second)
	saveScreenshot(t, tb, "kind-images-history.png")
	tb.checkConsole()

	// The media route serves only what the server minted: a forged token, or a real one altered, is
	// refused (in another tab, whose console is expected to log the refusals).
	other := b.newTab(t)
	other.navigate(e.URL + "/healthz")
	other.do("fetching forged media links", chromedp.Evaluate[chromedp.Void](`window.__media = null;
		Promise.all(["/api/media/forged", `+jsString(strings.TrimPrefix(srcs[0], e.URL))+`.slice(0, -2) + "xx"].map(u => fetch(u).then(r => r.status))).then(s => window.__media = s)`))
	other.waitJS("the forged links answered", `window.__media !== null`, 5*time.Second)
	if got := eval[[]int](other, `window.__media`); len(got) != 2 || got[0] < 400 || got[1] < 400 || got[0] >= 500 || got[1] >= 500 {
		t.Errorf("forged media links answered %v, want refusals (4xx)", got)
	}

}

// TestKindShareLinks shares an embedding model's texts and a model's second operation: each link
// opens the same setup, and runs nothing.
func TestKindShareLinks(t *testing.T) {
	e := newEnv(t, true, withKindSchemas(t))
	b := startBrowser(t)

	tb := b.newTab(t)
	openKind(tb, e.URL, "text-embedding-3-small", "run")
	tb.do("two texts and Share", chromedp.SendKeys(chromedp.CSS(sel("embed-input-0")), "a cat"),
		chromedp.SendKeys(chromedp.CSS(sel("embed-input-1")), "a kitten"), chromedp.Click(chromedp.CSS(sel("share"))))
	tb.waitJS("the share note", jsSel("share-note"), 5*time.Second)
	link := eval[string](tb, `location.href`)
	if !strings.Contains(link, "s=") {
		t.Fatalf("the address after Share is %q, want a share link", link)
	}
	opened := b.newTab(t)
	opened.navigate(link)
	opened.waitJS("the texts from the link", `!document.getElementById("app-wasm-loader") && `+jsSel("embed-input-1")+` && `+
		jsSel("embed-input-0")+`.value === "a cat" && `+jsSel("embed-input-1")+`.value === "a kitten"`, 30*time.Second)
	if n := len(requestsTo(e, "/v1/embeddings")); n != 0 {
		t.Errorf("opening a share link sent %d embeddings requests", n)
	}
	opened.checkConsole()

	resp := b.newTab(t)
	resp.openPlayground(e.URL, "/?model=gpt-4o&op=/v1/responses", "gpt-4o")
	resp.waitJS("the Responses form", jsSel("operation")+` && `+jsSel("operation")+`.value === "/v1/responses"`, 10*time.Second)
	resp.do("a message and Share", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "Hello"), chromedp.Click(chromedp.CSS(sel("share"))))
	resp.waitJS("the share note", jsSel("share-note"), 5*time.Second)
	link = eval[string](resp, `location.href`)
	if !strings.Contains(link, "op=%2Fv1%2Fresponses") {
		t.Fatalf("the share link %q does not name the operation", link)
	}
	again := b.newTab(t)
	again.navigate(link)
	again.waitJS("the operation from the link", `!document.getElementById("app-wasm-loader") && `+jsSel("operation")+` && `+
		jsSel("operation")+`.value === "/v1/responses" && `+jsSel("prompt")+`.value === "Hello"`, 30*time.Second)
	again.checkConsole()
}
