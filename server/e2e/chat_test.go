package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestRawTraffic: after a run, the raw inspector shows the request as sent and the server-sent
// events as they arrived.
func TestRawTraffic(t *testing.T) {
	e := newEnv(t, true)
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	runPrompt(tb, "Hello raw", 1)
	tb.do("opening the raw traffic", chromedp.Click(chromedp.CSS(`[data-testid="message-assistant"] [data-testid="inspect"]`)))
	tb.waitJS("the raw traffic", jsSel("raw-response"), 5*time.Second)
	req := eval[string](tb, jsSel("raw-request")+`.innerText`)
	resp := eval[string](tb, jsSel("raw-response")+`.innerText`)
	sent := e.chatRequests()
	if len(sent) != 1 {
		t.Fatalf("the upstream got %d requests, want 1", len(sent))
	}
	for _, want := range []string{"POST /api/v1/chat/completions?provider=aimlapi", `"content": "Hello raw"`, `"model": "` + mythomax + `"`} {
		if !strings.Contains(req, want) {
			t.Errorf("the raw request does not show %q:\n%s", want, req)
		}
	}
	for _, want := range []string{"HTTP 200", "Content-Type: text/event-stream", "data: [DONE]", `"finish_reason":"stop"`, " ms  data: {"} {
		if !strings.Contains(resp, want) {
			t.Errorf("the raw response does not show %q:\n%s", want, truncate(resp, 2000))
		}
	}
	if strings.Count(resp, "data: ") < 3 {
		t.Errorf("the raw response shows fewer than 3 events:\n%s", resp)
	}
	tb.do("closing the raw traffic", chromedp.Click(chromedp.CSS(`[data-testid="message-assistant"] [data-testid="inspect"]`)))
	tb.waitJS("the raw traffic to close", `!`+jsSel("raw"), 5*time.Second)
	tb.checkConsole()
}

// TestThemeAndPhone: the page follows the system's light or dark theme, the toggle overrides it
// and is remembered, and at phone width nothing is wider than the screen.
func TestThemeAndPhone(t *testing.T) {
	e := newEnv(t, true)
	b := startBrowser(t)
	tb := b.newTab(t)
	scheme := func(dark bool) {
		v := "light"
		if dark {
			v = "dark"
		}
		if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}}}); err != nil {
			t.Fatalf("emulating prefers-color-scheme %s: %v", v, err)
		}
	}
	bg := func() string { return eval[string](tb, `getComputedStyle(document.body).backgroundColor`) }
	const light, dark = "rgb(247, 248, 250)", "rgb(15, 17, 21)"

	scheme(true)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	if got := bg(); got != dark {
		t.Errorf("with a dark system the page background is %s, want %s", got, dark)
	}
	scheme(false)
	tb.waitJS("the light theme", `getComputedStyle(document.body).backgroundColor === "`+light+`"`, 5*time.Second)
	if got := eval[string](tb, jsSel("theme")+`.innerText`); got != "Theme: system" {
		t.Errorf("the toggle says %q, want Theme: system", got)
	}
	tb.do("choosing the light theme", chromedp.Click(chromedp.CSS(sel("theme"))))
	tb.do("choosing the dark theme", chromedp.Click(chromedp.CSS(sel("theme"))))
	tb.waitJS("the dark theme on a light system", `getComputedStyle(document.body).backgroundColor === "`+dark+`"`, 5*time.Second)
	// The choice survives a reload and applies before the app starts (web/theme.js).
	tb.navigate(e.URL + "/?model=" + mythomax)
	if got := eval[string](tb, `document.documentElement.dataset.theme || ""`); got != "dark" {
		t.Errorf("after a reload data-theme is %q, want dark applied before the app loads", got)
	}
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	if got := eval[string](tb, jsSel("theme")+`.innerText`); got != "Theme: dark" {
		t.Errorf("after a reload the toggle says %q, want Theme: dark", got)
	}
	tb.do("back to the system's theme", chromedp.Click(chromedp.CSS(sel("theme"))))
	tb.waitJS("the system's (light) theme", `!document.documentElement.dataset.theme && getComputedStyle(document.body).backgroundColor === "`+light+`"`, 5*time.Second)

	// A phone: 390 px wide. Nothing overflows sideways, and the main controls are visible.
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (struct{}, error) {
		_, err := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)(ctx, tg)
		return struct{}{}, err
	}); err != nil {
		t.Fatalf("emulating a phone: %v", err)
	}
	t.Cleanup(func() {
		_, _ = chromedp.Run(tb.ctx, func(ctx context.Context, tg *chromedp.Target) (struct{}, error) {
			_, err := chromedp.EmulateViewport(1280, 900)(ctx, tg)
			return struct{}{}, err
		})
	})
	tb.waitJS("the phone width", `window.innerWidth === 390`, 5*time.Second)
	if w := eval[int](tb, `document.documentElement.scrollWidth`); w > 390 {
		wide := eval[string](tb, `[...document.querySelectorAll("body *")].filter(el => el.getBoundingClientRect().right > 391).slice(0, 5).map(el => el.tagName + "." + el.className + "[" + (el.dataset.testid || "") + "]").join(", ")`)
		t.Errorf("at 390 px the page is %d px wide; too wide: %s", w, wide)
	}
	for _, id := range []string{"model-picker", "prompt", "run", "param-temperature-number"} {
		if !eval[bool](tb, `(() => { const r = `+jsSel(id)+`.getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= 390; })()`) {
			t.Errorf("at 390 px %s is not fully on screen", id)
		}
	}
	// The model list and the message box use the width of the screen.
	for _, id := range []string{"model-picker", "prompt"} {
		if w := eval[float64](tb, jsSel(id)+`.getBoundingClientRect().width`); w < 0.8*390 {
			t.Errorf("at 390 px %s is only %.0f px wide", id, w)
		}
	}
	saveScreenshot(t, tb, "phone-shot.png")
	tb.checkConsole()
}

// unlabelled lists the controls of the page that a screen reader could not name: no label, no
// aria-label(ledby), no text, no title.
const unlabelled = `[...document.querySelectorAll("input, select, textarea, button, summary, [tabindex]")].filter(el => {
	if (el.type === "hidden" || el.closest("[hidden]")) return false;
	const byLabel = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
	const ids = (el.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
	const named = el.getAttribute("aria-label") || ids.some(id => document.getElementById(id)) || byLabel || el.closest("label") ||
		(el.tagName === "BUTTON" || el.tagName === "SUMMARY") && el.textContent.trim() || el.title;
	return !named;
}).map(el => el.tagName + (el.dataset.testid ? "[" + el.dataset.testid + "]" : "") + (el.id ? "#" + el.id : ""))`

// TestAccessibleNames: every control of the playground, the compound parameter forms included,
// has a name a screen reader can read, and Tab reaches the main controls.
func TestAccessibleNames(t *testing.T) {
	e := newEnv(t, true, withCompoundSchema(t))
	b := startBrowser(t)
	tb := b.newTab(t)
	for _, model := range []string{mythomax, compoundModel} {
		tb.openPlayground(e.URL, "/?model="+model, model)
		if model == compoundModel {
			tb.waitJS("the compound parameters", jsSel("param-tools-add"), 10*time.Second)
			tb.do("adding a tool", chromedp.Click(chromedp.CSS(sel("param-tools-add"))))
			pick(tb, "param-response_format", "json_schema")
		} else {
			runPrompt(tb, "Hello", 1)
			tb.do("opening the raw traffic", chromedp.Click(chromedp.CSS(sel("inspect"))))
		}
		// By script, once the button is drawn: a click on a node the page is redrawing is lost.
		tb.waitJS("the View code button", jsSel("view-request")+` && `+jsSel("view-request")+`.getAttribute("aria-expanded") === "false"`, 10*time.Second)
		eval[bool](tb, `(b => { b.click(); return true; })(`+jsSel("view-request")+`)`)
		tb.waitJS("the code view", jsSel("request-body"), 15*time.Second)
		if bad := eval[[]string](tb, unlabelled); len(bad) > 0 {
			t.Errorf("%s: controls without an accessible name: %s", model, strings.Join(bad, ", "))
		}
	}
	// Tab from the top reaches the search, the model list, the prompt and Run.
	tb.navigate(e.URL + "/?model=" + mythomax)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	seen := map[string]bool{}
	for range 40 {
		tb.do("pressing Tab", chromedp.KeyEvent("\t"))
		seen[eval[string](tb, `document.activeElement.dataset.testid || ""`)] = true
	}
	for _, id := range []string{"model-search", "model-picker", "system-prompt", "prompt", "run"} {
		if !seen[id] {
			t.Errorf("Tab never reaches %s", id)
		}
	}
	tb.checkConsole()
}

// longAnswer is a markdown answer of about 20,000 tokens (80 KB): sections of prose, lists and
// code.
func longAnswer() string {
	var b strings.Builder
	for i := 0; b.Len() < 80_000; i++ {
		fmt.Fprintf(&b, "## Part %d\n\nThis is paragraph %d of a long answer, with **bold**, `code` and a little more text so that it wraps over a couple of lines in the transcript.\n\n", i, i)
		fmt.Fprintf(&b, "- item one of part %d\n- item two\n- item three\n\n", i)
		fmt.Fprintf(&b, "```go\nfunc part%d() int {\n\treturn %d\n}\n```\n\n", i, i)
	}
	return b.String()
}

// TestLongAnswer streams a 20,000-token answer: the blocks that are finished are drawn once and
// never redrawn while the rest streams, and the page keeps drawing frames. The longest gap between
// two frames is logged (not asserted: it depends on the machine).
func TestLongAnswer(t *testing.T) {
	e := newEnv(t, true)
	answer := longAnswer()
	// 4,000 pieces of 20 characters, a millisecond apart: faster than any model streams.
	e.Fake.ChunkDelay, e.Fake.PieceRunes = time.Millisecond, 20
	e.Fake.Scripted = map[string]string{"long": answer}
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	// A probe kept in the page: the first finished block's element, whether it was ever replaced,
	// and the longest gap between animation frames while the answer streams.
	eval[bool](tb, `(() => {
		window.__probe = {first: null, replaced: false, chunks: 0, maxGap: 0, last: performance.now(), done: false};
		const p = window.__probe;
		const frame = (now) => { p.maxGap = Math.max(p.maxGap, now - p.last); p.last = now; if (!p.done) requestAnimationFrame(frame); };
		requestAnimationFrame(frame);
		const watch = () => {
			const msg = document.querySelector('.msg-streaming');
			if (msg) {
				const chunks = msg.querySelectorAll('.md-chunk');
				p.chunks = Math.max(p.chunks, chunks.length);
				if (!p.first && chunks.length >= 3) p.first = chunks[0];
				if (p.first && !p.first.isConnected) p.replaced = true;
			} else if (p.first) { p.done = true; return; }
			setTimeout(watch, 5);
		};
		watch();
		return true;
	})()`)
	runPrompt(tb, "fake:scripted long", 1)
	probe := eval[struct {
		Chunks   int     `json:"chunks"`
		Replaced bool    `json:"replaced"`
		MaxGap   float64 `json:"maxGap"`
		HasFirst bool    `json:"hasFirst"`
	}](tb, `({chunks: __probe.chunks, replaced: __probe.replaced, maxGap: __probe.maxGap, hasFirst: !!__probe.first})`)
	t.Logf("streamed %d bytes: up to %d blocks drawn apart, longest gap between frames %.0f ms", len(answer), probe.Chunks, probe.MaxGap)
	if !probe.HasFirst || probe.Chunks < 50 {
		t.Errorf("the streamed answer was drawn in %d blocks, want the finished ones apart (many)", probe.Chunks)
	}
	if probe.Replaced {
		t.Errorf("a finished block was redrawn while the answer streamed")
	}
	got := eval[string](tb, lastAssistant+`.querySelector('.markdown').innerText`)
	if !strings.Contains(got, "Part 0") || !strings.Contains(got, fmt.Sprintf("return %d", strings.Count(answer, "## Part")-1)) {
		t.Errorf("the final answer is incomplete (%d characters shown)", len(got))
	}
	tb.checkConsole()
}
