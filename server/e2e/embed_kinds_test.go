package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"playground/server"
)

// TestEmbedKinds opens the widget of an image model and of an embedding model: each runs in the
// widget's own run area, through the embed's routes, and the widget says the money budget. An
// operator who limits embeds to chat gets a widget that says the image model is not offered.
func TestEmbedKinds(t *testing.T) {
	e := newEnv(t, true, withKindSchemas(t), withMedia, func(c *server.Config) {
		c.Embed.Models = []string{"flux/schnell", "text-embedding-3-small"}
		c.Embed.DailyCredits = 100000
	})
	b := startBrowser(t)

	tb := b.newTab(t)
	tb.navigate(e.URL + "/embed?model=flux/schnell")
	tb.startWidget()
	tb.waitJS("the image widget", `!document.getElementById("app-wasm-loader") && `+jsSel("embed-model")+` && document.querySelector(".run-images") && `+jsSel("run"), 30*time.Second)
	tb.waitJS("the notes to say the credit budget", jsSel("embed-notes")+`.textContent.includes("100,000 of 100,000 credits left")`, 10*time.Second)
	tb.do("a prompt", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "a red fox"))
	tb.waitJS("the prompt typed", jsSel("prompt")+`.value === "a red fox"`, 5*time.Second)
	eval[bool](tb, `(b => { b.click(); return true; })(`+jsSel("run")+`)`) // by script: the widget may redraw the button meanwhile
	waitKindRun(tb, 1)
	tb.waitJS("the image through the media route", `[...document.querySelectorAll('[data-testid="image"]')].length > 0 && [...document.querySelectorAll('[data-testid="image"]')].every(i => i.complete && i.naturalWidth === 64)`, 10*time.Second)
	tb.waitJS("the notes to count the credits spent", jsSel("embed-notes")+`.textContent.includes("credits left") && !`+jsSel("embed-notes")+`.textContent.includes("100,000 of")`, 10*time.Second)
	if n := len(requestsTo(e, "/v1/images/generations")); n != 1 {
		t.Errorf("%d image requests reached the provider, want 1", n)
	}
	if eval[bool](tb, jsSel("share")+` !== null || `+jsSel("history-toggle")+` !== null`) {
		t.Error("the widget shows Share or History; it keeps nothing and has Open in Playground")
	}
	saveScreenshot(t, tb, "embed-images.png")
	tb.checkConsole()

	emb := b.newTab(t)
	emb.navigate(e.URL + "/embed?model=text-embedding-3-small")
	emb.startWidget()
	emb.waitJS("the embeddings widget", `!document.getElementById("app-wasm-loader") && `+jsSel("embed-input-0"), 30*time.Second)
	emb.do("two texts", chromedp.SendKeys(chromedp.CSS(sel("embed-input-0")), "a cat"),
		chromedp.SendKeys(chromedp.CSS(sel("embed-input-1")), "a dog"))
	emb.waitJS("the texts typed", jsSel("embed-input-1")+`.value === "a dog"`, 5*time.Second)
	eval[bool](emb, `(b => { b.click(); return true; })(`+jsSel("run")+`)`)
	waitKindRun(emb, 1)
	if got := eval[string](emb, jsSel("sim-0-0")+`.innerText`); got != "1.000" {
		t.Errorf("similarity of a text with itself in the widget: %q", got)
	}
	emb.checkConsole()

	// Limited to chat: the image model's widget says so, and runs nothing.
	chatOnly := newEnv(t, true, withKindSchemas(t), func(c *server.Config) {
		c.Embed.Models = []string{"flux/schnell", mythomax}
		c.Embed.Kinds = []string{"chat"}
	})
	locked := b.newTab(t)
	locked.navigate(chatOnly.URL + "/embed?model=flux/schnell")
	locked.startWidget()
	locked.waitJS("the locked widget's message", jsSel("error")+` && `+jsSel("error")+`.innerText.length > 0`, 30*time.Second)
	if msg := eval[string](locked, jsSel("error")+`.innerText`); !strings.Contains(msg, "flux/schnell") {
		t.Errorf("the locked widget says %q, want a message naming the model", msg)
	}
	if n := len(requestsTo(chatOnly, "/v1/images/generations")); n != 0 {
		t.Errorf("%d image requests reached the provider from a chat-only embed", n)
	}
}
