package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"playground/server/fakeupstream"
)

const (
	mythomax = "gryphe/mythomax-l2-13b"
	magnum   = "anthracite-org/magnum-v4-72b"

	// browserCookie is set in the page before running, to check that the server does not pass the
	// browser's cookies on to the provider.
	browserCookie = "pg_e2e_session=browser-cookie-must-not-reach-upstream"
)

// lastAssistant is a JavaScript expression for the newest assistant message, or undefined.
const lastAssistant = `[...document.querySelectorAll('[data-testid="message-assistant"]')].at(-1)`

// TestBrowser drives the real page in headless Chromium. The subtests share one browser and run in
// order; MainFlow, FollowUp and Stop share one tab and its conversation.
func TestBrowser(t *testing.T) {
	start := time.Now()
	e := newEnv(t, true)
	checkServedFilesHaveNoCanary(t, e)
	b := startBrowser(t)
	var tabs []*tab

	conv := b.newTab(t)
	tabs = append(tabs, conv)
	mainOK := t.Run("MainFlow", func(t *testing.T) { testMainFlow(t, e, conv.on(t)) })
	t.Run("FollowUp", func(t *testing.T) {
		if !mainOK {
			t.Fatal("needs the conversation of MainFlow, which failed")
		}
		testFollowUp(t, e, conv.on(t))
	})
	t.Run("Stop", func(t *testing.T) {
		if !mainOK {
			t.Fatal("needs the page of MainFlow, which failed")
		}
		testStop(t, e, conv.on(t))
	})
	t.Run("NoKey", func(t *testing.T) {
		tb := b.newTab(t)
		tabs = append(tabs, tb)
		testNoKey(t, tb)
	})
	t.Run("DeepLink", func(t *testing.T) {
		tb := b.newTab(t)
		tabs = append(tabs, tb)
		testDeepLink(t, e, tb)
	})
	t.Run("Validation", func(t *testing.T) {
		tb := b.newTab(t)
		tabs = append(tabs, tb)
		testValidation(t, e, tb)
	})
	t.Run("UpstreamError", func(t *testing.T) {
		tb := b.newTab(t)
		tabs = append(tabs, tb)
		testUpstreamError(t, e, tb)
	})
	t.Run("KeyNeverLeaks", func(t *testing.T) {
		for _, tb := range tabs {
			tb.on(t)
		}
		testKeyNeverLeaks(t, e, tabs)
	})
	t.Logf("browser tests took %v", time.Since(start).Round(time.Millisecond))
}

// on makes the tab report to t (the subtest that uses it now).
func (tb *tab) on(t *testing.T) *tab {
	tb.t = t
	return tb
}

// openPlayground opens the page at path and waits until the wasm app is live: the loader is gone
// and the model picker has a model selected (model, when given).
func (tb *tab) openPlayground(base, path, model string) {
	tb.t.Helper()
	tb.navigate(base + path)
	cond := `!document.getElementById("app-wasm-loader") && ` + jsSel("model-picker") + ` && ` + jsSel("run") + ` && !` + jsSel("run") + `.disabled && `
	if model != "" {
		cond += jsSel("model-picker") + `.value === ` + jsString(model)
	} else {
		cond += jsSel("model-picker") + `.value !== ""`
	}
	what := "the wasm app to load and select a model"
	if model != "" {
		what = "the wasm app to load and select " + model
	}
	tb.waitJS(what, cond, 30*time.Second)
}

// waitRunDone waits until the run that made the nth assistant message (1-based) has finished:
// the message is no longer streaming and Run is back.
func (tb *tab) waitRunDone(n int, d time.Duration) {
	tb.t.Helper()
	tb.waitJS(fmt.Sprintf("assistant message %d to finish", n),
		fmt.Sprintf(`document.querySelectorAll('[data-testid="message-assistant"]').length === %d && !%s.classList.contains("msg-streaming") && %s`,
			n, lastAssistant, jsSel("run")), d)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func testMainFlow(t *testing.T, e *env, tb *tab) {
	const (
		system = "You are a terse assistant."
		prompt = "Show me some markdown, please."
	)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	eval[string](tb, `document.cookie = `+jsString(browserCookie+"; path=/"))

	// Move the temperature slider the way a drag does: set its value, then fire input.
	got := eval[string](tb, `(() => {
		const el = `+jsSel("param-temperature")+`;
		el.value = "0.3";
		el.dispatchEvent(new Event("input", {bubbles: true}));
		return el.value;
	})()`)
	if got != "0.3" {
		t.Fatalf("temperature slider value = %q after setting 0.3", got)
	}
	tb.waitJS("temperature to show as set to 0.3",
		jsSel("param-state-temperature")+`.textContent === "set" && `+jsSel("param-temperature-number")+`.value === "0.3"`, 5*time.Second)

	tb.do("typing the system prompt and the prompt",
		chromedp.SendKeys(chromedp.CSS(sel("system-prompt")), system),
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), prompt),
	)

	// Record every distinct state of the answer, every 15ms, in the page.
	eval[bool](tb, `(() => {
		window.__states = [];
		window.__poller = setInterval(() => {
			const m = `+lastAssistant+`;
			if (!m) return;
			const s = {html: m.innerHTML, streaming: m.classList.contains("msg-streaming")};
			const prev = window.__states.at(-1);
			if (!prev || prev.html !== s.html || prev.streaming !== s.streaming) window.__states.push(s);
		}, 15);
		return true;
	})()`)
	tb.do("clicking Run", chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitRunDone(1, 20*time.Second)
	type state struct {
		HTML      string `json:"html"`
		Streaming bool   `json:"streaming"`
	}
	states := eval[[]state](tb, `(() => { clearInterval(window.__poller); return window.__states; })()`)
	var partial []string
	for _, s := range states {
		if s.Streaming && strings.Contains(s.HTML, `class="markdown"`) && len(stripTags(s.HTML)) > len("assistant") {
			partial = append(partial, s.HTML)
		}
	}
	t.Logf("the answer went through %d distinct partial states while streaming", len(partial))
	if len(partial) < 2 {
		t.Errorf("saw %d distinct partial states of the answer while it streamed, want at least 2 (states seen: %d)", len(partial), len(states))
	}

	// The final answer is rendered markdown.
	for _, q := range []string{".markdown h2", ".markdown li", ".markdown table", ".markdown pre code", ".markdown strong"} {
		if !eval[bool](tb, `!!`+lastAssistant+`.querySelector(`+jsString(q)+`)`) {
			t.Errorf("the final answer has no %s element; its HTML:\n%s", q, truncate(eval[string](tb, lastAssistant+`.innerHTML`), 2000))
		}
	}
	if text := eval[string](tb, lastAssistant+`.innerText`); !strings.Contains(text, "Fake answer") || !strings.Contains(text, "fmt.Println") {
		t.Errorf("the final answer does not show the fake reply; it shows:\n%s", truncate(text, 2000))
	}
	if v := eval[string](tb, jsSel("prompt")+`.value`); v != "" {
		t.Errorf("the prompt box still holds %q after Run; want it emptied", v)
	}

	// What reached the provider.
	reqs := e.chatRequests()
	if len(reqs) != 1 {
		t.Fatalf("the fake upstream got %d chat requests, want 1", len(reqs))
	}
	r := reqs[0]
	if got, want := r.Header.Get("Authorization"), "Bearer "+e.Canary; got != want {
		t.Errorf("upstream Authorization = %q, want the server's key", got)
	}
	if cookies := e.browserChatCookies(); len(cookies) == 0 || !strings.Contains(cookies[0], "browser-cookie-must-not-reach-upstream") {
		t.Errorf("the browser did not send its cookie to the server (Cookie headers %q), so the check below proves nothing", cookies)
	}
	if c := r.Header.Get("Cookie"); c != "" {
		t.Errorf("upstream got the browser's cookies: %q", c)
	}
	for name, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, "browser-cookie") {
				t.Errorf("upstream header %s carries the browser's cookie: %q", name, v)
			}
		}
	}
	for _, want := range []string{`"temperature":0.3`, `"stream":true`, `"model":"` + mythomax + `"`} {
		if !bytes.Contains(r.Body, []byte(want)) {
			t.Errorf("upstream body lacks %s:\n%s", want, r.Body)
		}
	}
	msgs := messagesOf(t, r.Body)
	if len(msgs) != 2 || msgs[0] != (message{"system", system}) || msgs[1] != (message{"user", prompt}) {
		t.Errorf("upstream messages = %+v, want the system prompt then the user prompt", msgs)
	}

	saveScreenshot(t, tb, "e2e-main-flow.png")
	tb.checkConsole()
}

func testFollowUp(t *testing.T, e *env, tb *tab) {
	const prompt = "And one more thing?"
	tb.do("typing the follow-up and pressing Ctrl+Enter",
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), prompt),
		chromedp.Focus(chromedp.CSS(sel("prompt"))),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
	)
	tb.waitRunDone(2, 20*time.Second)
	reqs := e.chatRequests()
	if len(reqs) != 2 {
		t.Fatalf("the fake upstream got %d chat requests, want 2", len(reqs))
	}
	msgs := messagesOf(t, reqs[1].Body)
	var roles []string
	for _, m := range msgs {
		roles = append(roles, m.Role)
	}
	if strings.Join(roles, ",") != "system,user,assistant,user" {
		t.Fatalf("follow-up message roles = %v, want system,user,assistant,user", roles)
	}
	if msgs[2].Content != fakeupstream.DefaultReply {
		t.Errorf("the assistant message sent back = %q, want the first answer %q", msgs[2].Content, fakeupstream.DefaultReply)
	}
	if msgs[3].Content != prompt {
		t.Errorf("the new user message = %q, want %q", msgs[3].Content, prompt)
	}
	tb.checkConsole()
}

func testStop(t *testing.T, e *env, tb *tab) {
	before := len(e.chatRequests())
	cancelled := len(e.Fake.Cancelled())
	tb.do("typing fake:hang and clicking Run",
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:hang"),
		chromedp.Click(chromedp.CSS(sel("run"))),
	)
	tb.waitJS("the first content of the hanging answer",
		lastAssistant+`.classList.contains("msg-streaming") && (`+lastAssistant+`.querySelector(".markdown")?.innerText.trim() ?? "") !== ""`, 15*time.Second)
	partial := eval[string](tb, lastAssistant+`.querySelector(".markdown").innerText.trim()`)
	if n := len(e.chatRequests()); n != before+1 {
		t.Fatalf("the fake upstream got %d new chat requests, want 1", n-before)
	}

	tb.do("clicking Stop", chromedp.Click(chromedp.CSS(sel("stop"))))
	stopped := time.Now()
	select {
	case <-e.Fake.CancelledC():
		t.Logf("the fake upstream saw the cancellation %v after Stop", time.Since(stopped).Round(time.Millisecond))
	case <-time.After(time.Second):
		if len(e.Fake.Cancelled()) == cancelled {
			t.Errorf("the fake upstream did not see the request cancelled within 1s of Stop (Stop did not abort the " +
				"browser's fetch; note that under GOOS=js net/http stops watching the context once the headers have " +
				"arrived, so the chat client must close the response body itself when its context is done)")
		}
	}
	tb.waitJS("the stopped note and the Run button", jsSel("stopped")+` && `+jsSel("run")+` && !`+jsSel("stop"), 5*time.Second)
	if got := eval[string](tb, `(`+lastAssistant+`.querySelector(".markdown")?.innerText ?? "").trim()`); got == "" || !strings.Contains(got, partial) {
		t.Errorf("after Stop the answer shows %q, want the partial text %q kept", got, partial)
	}
	if eval[bool](tb, `!!`+lastAssistant+`.querySelector('[data-testid="error"]')`) {
		t.Errorf("a stopped run shows an error: %s", eval[string](tb, lastAssistant+`.innerText`))
	}
	tb.checkConsole()
}

func testNoKey(t *testing.T, tb *tab) {
	e := newEnv(t, false)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	tb.do("typing a prompt and clicking Run",
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), "Hello?"),
		chromedp.Click(chromedp.CSS(sel("run"))),
	)
	tb.waitRunDone(1, 15*time.Second)
	errText := tb.errorIn(lastAssistant)
	for _, want := range []string{"server has no API key", "AIMLAPI_API_KEY"} {
		if !strings.Contains(strings.ToLower(errText), strings.ToLower(want)) {
			t.Errorf("the error %q does not say %q", errText, want)
		}
	}
	if reqs := e.Fake.Requests(); len(reqs) != 0 {
		t.Errorf("a server without a key sent %d request(s) upstream, want none", len(reqs))
	}
	tb.checkConsole("the server responded with a status of 503")
}

func testDeepLink(t *testing.T, e *env, tb *tab) {
	tb.openPlayground(e.URL, "/?model="+magnum, magnum)
	tb.waitJS("the parameters of "+magnum+" (top_a)", jsSel("param-top_a"), 10*time.Second)
	if n := eval[int](tb, `document.querySelectorAll('[data-testid="error"]').length`); n != 0 {
		t.Errorf("a valid deep link shows %d error(s): %s", n, tb.bodyText())
	}

	// A deprecated model is not offered in the picker, but a link to it still opens it, marked.
	tb.openPlayground(e.URL, "/?model=gpt-4o", "gpt-4o")
	if meta := eval[string](tb, jsSel("model-meta")+`.innerText`); !strings.Contains(meta, "deprecated") {
		t.Errorf("a deprecated model opened by a link is not marked as such: %q", meta)
	}

	tb.openPlayground(e.URL, "/?model=nope/nope", "")
	tb.waitJS("an error about the unknown model", jsSel("error"), 10*time.Second)
	if text := eval[string](tb, jsSel("error")+`.innerText`); !strings.Contains(text, "nope/nope") {
		t.Errorf("the error for an unknown model does not name it: %q", text)
	}
	if got := eval[string](tb, jsSel("model-picker")+`.value`); got == "" || got == "nope/nope" {
		t.Errorf("with an unknown model in the link the picker selects %q, want another model", got)
	}
	tb.checkConsole("the server responded with a status of 404") // the form of nope/nope
}

func testValidation(t *testing.T, e *env, tb *tab) {
	const prompt = "Keep this text."
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	before := len(e.chatRequests())
	tb.do("typing 5 into the temperature box", chromedp.SendKeys(chromedp.CSS(sel("param-temperature-number")), "5"))
	tb.waitJS("an inline error for temperature",
		`[...document.querySelectorAll('[data-param="temperature"] [data-testid="error"]')].some(e => e.innerText.includes("temperature") && e.innerText.includes("≤ 2"))`, 5*time.Second)

	tb.do("typing a prompt and clicking Run",
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), prompt),
		chromedp.Click(chromedp.CSS(sel("run"))),
	)
	tb.waitJS("an error saying the run cannot start",
		`[...document.querySelectorAll('[data-testid="error"]')].some(e => !e.closest("[data-param]") && e.innerText.includes("temperature"))`, 5*time.Second)
	time.Sleep(200 * time.Millisecond) // a request, if one were wrongly sent, has time to arrive
	if n := len(e.chatRequests()) - before; n != 0 {
		t.Errorf("an invalid form sent %d request(s) upstream, want none", n)
	}
	if n := eval[int](tb, `document.querySelectorAll('[data-testid="message-assistant"]').length`); n != 0 {
		t.Errorf("an invalid form started %d run(s)", n)
	}
	if got := eval[string](tb, jsSel("prompt")+`.value`); got != prompt {
		t.Errorf("the prompt box holds %q after the refused run, want %q kept", got, prompt)
	}
	tb.checkConsole()
}

func testUpstreamError(t *testing.T, e *env, tb *tab) {
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)

	tb.do("running fake:error 429",
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:error 429"),
		chromedp.Click(chromedp.CSS(sel("run"))),
	)
	tb.waitRunDone(1, 15*time.Second)
	if text := tb.errorIn(lastAssistant); !regexp.MustCompile(`(?i)rate[- ]limit`).MatchString(text) {
		t.Errorf("the 429 error does not mention rate limiting: %q", text)
	}

	tb.do("running fake:error 401",
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:error 401"),
		chromedp.Click(chromedp.CSS(sel("run"))),
	)
	tb.waitRunDone(2, 15*time.Second)
	text := tb.errorIn(lastAssistant)
	if !strings.Contains(text, "server's API key") {
		t.Errorf("the 401 error is not about the server's API key: %q", text)
	}
	// The fake's 401 body says "Incorrect API key provided."; it must not reach the page.
	const upstreamBody = "Incorrect API key"
	if html := eval[string](tb, `document.documentElement.outerHTML`); strings.Contains(html, upstreamBody) {
		t.Errorf("the page shows the upstream's 401 body (%q)", upstreamBody)
	}
	bodies, _ := tb.responseBodies()
	for _, b := range bodies {
		if bytes.Contains(b.body, []byte(upstreamBody)) {
			t.Errorf("the browser received the upstream's 401 body in %s", b.url)
		}
	}
	tb.checkConsole("the server responded with a status of 429", "the server responded with a status of 502")
}

// testKeyNeverLeaks checks that the key is in no response the browser got, nothing the server
// wrote or logged, and none of the files the page is made of.
func testKeyNeverLeaks(t *testing.T, e *env, tabs []*tab) {
	canary := []byte(e.Canary)
	total, sawChat := 0, false
	for _, tb := range tabs {
		bodies, errs := tb.responseBodies()
		// Chromium may evict a body before it can be read back; every byte the server sent is also
		// checked below through the server-side copy (e.Wire), so a missed body is logged, not fatal.
		for _, msg := range errs {
			t.Logf("could not capture a response body in the browser (checked on the server side): %s", msg)
		}
		for _, b := range bodies {
			total++
			if bytes.Contains(b.body, canary) {
				t.Errorf("the key reached the browser in the response of %s", b.url)
			}
			if strings.Contains(b.url, "/api/v1/chat/completions") && bytes.Contains(b.body, []byte(`"finish_reason":"stop"`)) {
				sawChat = true
			}
		}
	}
	if !sawChat {
		t.Errorf("no streamed chat answer was among the %d captured response bodies, so the capture is broken", total)
	}
	t.Logf("checked %d response bodies received by the browser", total)
	if logs := e.Logs.String(); strings.Contains(logs, e.Canary) {
		t.Errorf("the key is in the server log")
	} else if !strings.Contains(logs, "/api/v1/chat/completions") {
		t.Errorf("the server log has no chat request, so checking it proves nothing:\n%s", truncate(logs, 2000))
	}
	if strings.Contains(e.Wire.String(), e.Canary) {
		t.Errorf("the key is in what the server wrote to its clients")
	}
	checkServedFilesHaveNoCanary(t, e)
}

// checkServedFilesHaveNoCanary fetches the page and its files directly and checks that none holds
// the key.
func checkServedFilesHaveNoCanary(t *testing.T, e *env) {
	t.Helper()
	for _, path := range []string{"/", "/?model=" + mythomax, "/app.js", "/app-worker.js", "/wasm_exec.js",
		"/manifest.webmanifest", "/app.css", "/web/app.css", "/web/app.wasm", "/api/models", "/api/models/" + mythomax} {
		if body := fetchDirect(t, e.URL, path); bytes.Contains(body, []byte(e.Canary)) {
			t.Errorf("GET %s serves the key", path)
		}
	}
}

// errorIn returns the text of the [data-testid=error] inside the element, failing when there is none.
func (tb *tab) errorIn(element string) string {
	tb.t.Helper()
	text := eval[string](tb, `(`+element+`?.querySelector('[data-testid="error"]')?.innerText) ?? ""`)
	if text == "" {
		tb.t.Fatalf("no error is shown in %s\npage shows:\n%s", element, tb.bodyText())
	}
	return text
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

func messagesOf(t *testing.T, body []byte) []message {
	t.Helper()
	var req struct {
		Messages []message `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("the upstream request body is not JSON: %v\n%s", err, body)
	}
	return req.Messages
}

var tags = regexp.MustCompile(`<[^>]*>`)

func stripTags(html string) string { return strings.TrimSpace(tags.ReplaceAllString(html, "")) }

// saveScreenshot writes a PNG of the page to $PLAYGROUND_SCREENSHOT_DIR, when set.
func saveScreenshot(t *testing.T, tb *tab, name string) {
	t.Helper()
	dir := os.Getenv("PLAYGROUND_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	writeScreenshot(t, dir, name, png, err)
}

// writeScreenshot saves a captured screenshot (or logs why it could not be taken or saved); saving
// is never an assertion.
func writeScreenshot(t *testing.T, dir, name string, png []byte, err error) {
	t.Helper()
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name), png, 0o644)
	}
	if err != nil {
		t.Logf("saving the screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", filepath.Join(dir, name))
}
