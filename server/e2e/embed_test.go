package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"playground/server"
)

// docsPageAddress is the playground address written in the example docs page.
const docsPageAddress = "http://localhost:8080"

// messageRecorder keeps, in a host page, every message a frame posts to it.
const messageRecorder = `window.__msgs = []; window.addEventListener("message", (e) =>
	window.__msgs.push({origin: e.origin, data: JSON.stringify(e.data)}));`

// docsListener listens on addr, a loopback address other than the playground's (Linux routes all
// of 127.0.0.0/8 to loopback), for a docs host; its origin is known before the playground starts.
func docsListener(t *testing.T, addr string) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on %s for a docs host: %v", addr, err)
	}
	return ln, "http://" + ln.Addr().String()
}

// serveDocs serves the example docs page (web/examples/docs.html) on ln, with the page's playground
// address replaced by playground.
func serveDocs(t *testing.T, ln net.Listener, playground string) {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "web", "examples", "docs.html"))
	if err != nil {
		t.Fatalf("reading the example docs page: %v", err)
	}
	if !bytes.Contains(b, []byte(docsPageAddress+"/embed.js")) {
		t.Fatalf("the example docs page does not load %s/embed.js", docsPageAddress)
	}
	html := bytes.ReplaceAll(b, []byte(docsPageAddress), []byte(playground))
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(html)
	}))
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
}

// frame attaches to the iframe whose address contains all of parts, once it exists, as a tab of
// its own (a cross-origin iframe runs in its own process: the host page cannot reach into it, the
// test can).
func (tb *tab) frame(what string, parts ...string) *tab {
	tb.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		targets, err := chromedp.Targets(tb.ctx)
		if err != nil {
			tb.t.Fatalf("listing the browser's targets: %v", err)
		}
		for _, ti := range targets {
			if ti.Type != "iframe" {
				continue
			}
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(ti.URL, p)
			}
			if !ok {
				continue
			}
			// Detach on cancel: closing an iframe target closes the page that holds it.
			ctx, cancel := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(ti.TargetID), chromedp.WithDetachOnCancel())
			tb.t.Cleanup(cancel)
			ft := &tab{t: tb.t, ctx: ctx, captures: map[network.RequestID]*capture{}}
			if err := chromedp.Do(ctx); err != nil {
				tb.t.Fatalf("attaching to the %s frame: %v", what, err)
			}
			if err := chromedp.Listen(ctx, ft.onEvent); err != nil {
				tb.t.Fatalf("listening to the %s frame: %v", what, err)
			}
			return ft
		}
		if time.Now().After(deadline) {
			var seen []string
			for _, ti := range targets {
				seen = append(seen, string(ti.Type)+" "+ti.URL)
			}
			tb.t.Fatalf("no iframe for %s (address with %q) appeared within 20s; the browser has:\n  %s", what, parts, strings.Join(seen, "\n  "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitWidget waits until the widget in a frame has loaded its model.
func (ft *tab) waitWidget(model string) {
	ft.t.Helper()
	ft.waitJS("the widget to load "+model, `!document.getElementById("app-wasm-loader") && `+jsSel("embed-model")+
		` && `+jsSel("run")+` && !`+jsSel("run")+`.disabled && document.querySelector('[data-testid="param-temperature"]') === null`, 40*time.Second)
}

// TestEmbed embeds the widget the way a docs site does: the example docs page, served from another
// loopback address, loads embed.js from the playground and shows three models, one of which the
// server does not let embeds run.
func TestEmbed(t *testing.T) {
	hostLn, host := docsListener(t, "127.0.0.2:0")
	otherLn, other := docsListener(t, "127.0.0.3:0") // not an allowed origin
	e := newEnv(t, true, func(c *server.Config) {
		c.Embed.Origins = []string{host}
		c.Embed.Models = []string{mythomax, magnum} // gpt-4o-mini, on the page too, is locked out
		c.Embed.MaxTokens = 300
		c.Embed.Limits.Burst, c.Embed.Limits.RatePerMinute = 100, 600
	})
	serveDocs(t, hostLn, e.URL)
	serveDocs(t, otherLn, e.URL)
	b := startBrowser(t)
	tb := b.newTab(t)
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: messageRecorder}); err != nil {
		t.Fatalf("adding the message recorder: %v", err)
	}
	tb.navigate(host + "/")
	tb.waitJS("embed.js to put three widgets in the page", `document.querySelectorAll("iframe[data-playground-frame]").length === 3`, 10*time.Second)
	originParam := "origin=" + url.QueryEscape(host)
	frameOf := func(model string) string {
		return `document.querySelector('iframe[data-playground-frame=` + jsString(model) + `]')`
	}

	// The widgets load lazily, as a visitor scrolls to them.
	if !eval[bool](tb, `[...document.querySelectorAll("iframe[data-playground-frame]")].every(f => f.loading === "lazy")`) {
		t.Error("embed.js made iframes that load at once; want loading=lazy, for pages of many models")
	}
	scrollTo := func(model string) { eval[bool](tb, `(f => { f.scrollIntoView(); return true; })(`+frameOf(model)+`)`) }
	myth := tb.frame("mythomax", originParam, "model="+url.QueryEscape(mythomax))
	// Until the visitor interacts with it, a widget is the server's prerendered page (a facade,
	// see embed_facade_test.go): the web app is not loaded.
	myth.waitJS("the mythomax facade", isFacade+` && `+jsSel("prompt"), 20*time.Second)
	if v := eval[string](myth, jsSel("prompt")+`.value`); v != "Write a two-line poem about tide pools." {
		t.Errorf("the facade's message box holds %q; want the page's data-prompt", v)
	}
	if n := e.wasmRequests(); n != 0 {
		t.Errorf("the widgets asked for the wasm %d times before any interaction", n)
	}
	myth.startWidget()
	myth.waitWidget(mythomax)
	if n := e.wasmRequests(); n < 1 {
		t.Error("the widget is live without having fetched the wasm")
	}
	if v := eval[string](myth, jsSel("prompt")+`.value`); v != "Write a two-line poem about tide pools." {
		t.Errorf("the widget's message box holds %q; want the page's data-prompt", v)
	}
	notes := eval[string](myth, jsSel("embed-notes")+`.textContent`)
	for _, want := range []string{"Answers stop at 300 tokens.", "600 runs a minute per visitor.", "The API key stays on the server."} {
		if !strings.Contains(notes, want) {
			t.Errorf("the widget's notes %q do not say %q", notes, want)
		}
	}

	// The iframe fits its content: embed.js sets the height the widget reports.
	fits := func(what string) int {
		t.Helper()
		want := eval[int](myth, `Math.ceil(document.documentElement.getBoundingClientRect().height)`)
		tb.waitJS("the mythomax iframe to be as tall as its content ("+what+")",
			fmt.Sprintf(`parseInt(%s.style.height) === %d`, frameOf(mythomax), max(want, 160)), 5*time.Second)
		return want
	}
	before := fits("before the run")
	eval[bool](tb, `(() => {
		window.__heights = [];
		window.__hpoll = setInterval(() => {
			const h = `+frameOf(mythomax)+`.style.height;
			if (window.__heights.at(-1) !== h) window.__heights.push(h);
		}, 10);
		return true;
	})()`)
	eval[bool](myth, `(() => {
		window.__states = 0; let prev = "";
		window.__poller = setInterval(() => {
			const m = `+lastAssistant+`;
			if (m && m.classList.contains("msg-streaming") && m.innerHTML !== prev) { prev = m.innerHTML; window.__states++; }
		}, 15);
		return true;
	})()`)
	myth.do("clicking Run in the widget", chromedp.Click(chromedp.CSS(sel("run"))))
	myth.waitRunDone(1, 20*time.Second)
	if n := eval[int](myth, `(() => { clearInterval(window.__poller); return window.__states; })()`); n < 2 {
		t.Errorf("the widget's answer went through %d states while streaming, want at least 2", n)
	}
	if text := eval[string](myth, lastAssistant+`.innerText`); !strings.Contains(text, "Fake answer") {
		t.Errorf("the widget's answer does not show the fake reply: %s", truncate(text, 500))
	}
	after := fits("after the run")
	heights := eval[[]string](tb, `(() => { clearInterval(window.__hpoll); return window.__heights; })()`)
	t.Logf("iframe height: %dpx before the run, %dpx after; the host page saw %v", before, after, heights)
	if after <= before+100 {
		t.Errorf("the widget grew from %dpx to %dpx with the answer; want it much taller", before, after)
	}
	if len(heights) < 3 {
		t.Errorf("the iframe took %d heights while the answer streamed, want it to grow in steps: %v", len(heights), heights)
	}

	// What reached the provider: the key, and the embed's cap on the answer's length.
	reqs := e.chatRequests()
	if len(reqs) != 1 {
		t.Fatalf("the fake upstream got %d chat requests, want 1", len(reqs))
	}
	var body struct {
		Model     string `json:"model"`
		MaxTokens *int   `json:"max_tokens"`
	}
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Model != mythomax || body.MaxTokens == nil || *body.MaxTokens != 300 {
		t.Errorf("upstream got model %q with max_tokens %v; want %s with the embed's cap 300", body.Model, body.MaxTokens, mythomax)
	}
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer "+e.Canary {
		t.Errorf("upstream Authorization = %q, want the server's key", got)
	}

	myth.checkConsole()
	saveFullPage(t, tb, "embed-docs.png")

	t.Run("HostCannotReadTheFrame", func(t *testing.T) {
		tb, myth := tb.on(t), myth.on(t)
		got := eval[map[string]string](tb, `(() => {
			const f = `+frameOf(mythomax)+`, out = {};
			const tries = {
				document: () => f.contentWindow.document.body.innerText,
				location: () => f.contentWindow.location.href,
				storage: () => f.contentWindow.localStorage.length,
				globals: () => Object.keys(f.contentWindow.go || {}).length,
			};
			for (const [k, fn] of Object.entries(tries)) {
				try { out[k] = "read: " + fn(); } catch (e) { out[k] = e.name; }
			}
			return out;
		})()`)
		for k, v := range got {
			if v != "SecurityError" {
				t.Errorf("the host page could read the frame's %s: %s", k, v)
			}
		}
		type msg struct{ Origin, Data string }
		msgs := eval[[]msg](tb, `window.__msgs`)
		if len(msgs) == 0 {
			t.Fatal("the host page got no message from the widgets; want their heights")
		}
		answer := eval[string](myth, lastAssistant+`.innerText`)
		for _, m := range msgs {
			var d map[string]any
			if err := json.Unmarshal([]byte(m.Data), &d); err != nil || m.Origin != e.URL || d["type"] != "playground:height" || len(d) != 2 {
				t.Errorf("the host page got a message other than a height from the playground: %+v", m)
			}
			for _, secret := range []string{e.Canary, "tide pools", "Fake answer", firstLine(answer)} {
				if secret != "" && strings.Contains(m.Data, secret) {
					t.Errorf("a message to the host page carries %q: %s", secret, m.Data)
				}
			}
		}
		if strings.Contains(e.Wire.String(), e.Canary) {
			t.Error("the server wrote its key to a client")
		}
	})

	t.Run("FollowsHostTheme", func(t *testing.T) {
		tb, myth := tb.on(t), myth.on(t)
		scrollTo(magnum)
		mag := tb.frame("magnum", originParam, "model="+url.QueryEscape(magnum))
		mag.startWidget()
		mag.waitWidget(magnum)
		theme := `document.documentElement.getAttribute("data-theme")`
		tb.do("switching the docs page to dark", chromedp.Click(chromedp.CSS("#docs-theme")))
		mag.waitJS("the magnum widget (data-theme=host) to turn dark", theme+` === "dark"`, 5*time.Second)
		tb.do("switching the docs page back to light", chromedp.Click(chromedp.CSS("#docs-theme")))
		mag.waitJS("the magnum widget to turn light", theme+` === "light"`, 5*time.Second)
		if v := eval[any](myth, theme); v != nil {
			t.Errorf("the mythomax widget (no data-theme) took the theme %v; want the visitor's system theme", v)
		}
		tb.do("switching the docs page to dark again, for the screenshot", chromedp.Click(chromedp.CSS("#docs-theme")))
		mag.waitJS("the magnum widget to turn dark", theme+` === "dark"`, 5*time.Second)
		saveFullPage(t, tb, "embed-docs-dark.png")
		mag.checkConsole()
		tb.checkConsole()
	})

	t.Run("ModelLock", func(t *testing.T) {
		tb := tb.on(t)
		scrollTo("gpt-4o-mini")
		locked := tb.frame("gpt-4o-mini", originParam, "model=gpt-4o-mini")
		explains := jsSel("error") + ` && ` + jsSel("error") + `.textContent.includes("may not run model gpt-4o-mini")`
		// The facade already says so; so does the live widget.
		locked.waitJS("the locked widget's facade to explain", isFacade+` && `+explains, 20*time.Second)
		if eval[bool](locked, `!!`+jsSel("run")+` && !`+jsSel("run")+`.disabled`) {
			t.Error("the locked widget's facade offers Run")
		}
		locked.startWidget()
		locked.waitJS("the locked widget to explain", `!document.getElementById("app-wasm-loader") && `+explains, 40*time.Second)
		if eval[bool](locked, `!!`+jsSel("run")+` && !`+jsSel("run")+`.disabled`) {
			t.Error("the locked widget offers Run")
		}
		// The server refuses the model however it is asked.
		resp := postJSON(t, e.URL+"/api/embed/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`)
		if resp.status != http.StatusForbidden || !strings.Contains(resp.body, "embed_model_locked") {
			t.Errorf("POST /api/embed/v1/chat/completions for gpt-4o-mini: %d %s; want 403 embed_model_locked", resp.status, resp.body)
		}
		resp = postJSON(t, e.URL+"/api/embed/v1/chat/completions", `{"model":"`+mythomax+`","max_tokens":301,"messages":[{"role":"user","content":"hi"}]}`)
		if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, "max_tokens: this widget allows at most 300 tokens") {
			t.Errorf("POST with max_tokens 301: %d %s; want 400 naming max_tokens and the cap", resp.status, resp.body)
		}
		if n := len(e.chatRequests()); n != 1 {
			t.Errorf("the fake upstream got %d chat requests, want still 1: refused calls must not reach it", n)
		}
	})

	t.Run("OneDownload", func(t *testing.T) {
		// Three widgets, one web app: each started on its first interaction (the subtests above
		// waited for each to be live), and the browser revalidates the wasm it has (ETag, 304), or
		// go-app's service worker, installed by the first, serves it from its cache, rather than
		// download it again for each widget. Only the wasm is served with brotli.
		w := e.Wire.String()
		requests, bodies := strings.Count(w, "Content-Type: application/wasm"), strings.Count(w, "Content-Encoding: br")
		t.Logf("app.wasm: %d requests from the three widgets, %d full downloads", requests, bodies)
		if requests < 1 || requests > 3 || bodies != 1 {
			t.Errorf("the three widgets asked for app.wasm %d times and got it in full %d times; want it downloaded once", requests, bodies)
		}
	})

	t.Run("OtherOriginCannotFrame", func(t *testing.T) {
		tb := b.newTab(t)
		tb.navigate(other + "/")
		tb.waitJS("embed.js to put three iframes in the other page", `document.querySelectorAll("iframe[data-playground-frame]").length === 3`, 10*time.Second)
		f := tb.frame("a widget on the other origin", "origin="+url.QueryEscape(other), "model="+url.QueryEscape(mythomax))
		f.waitJS("the browser to refuse to show the widget", `location.href.startsWith("chrome-error:")`, 10*time.Second)
		if h := eval[string](tb, `document.querySelector("iframe[data-playground-frame]").style.height`); h != "420px" {
			t.Errorf("a refused widget's iframe was resized to %s; want the starting 420px (no message)", h)
		}
	})
}

// saveFullPage writes a PNG of the whole page, past the viewport, to $PLAYGROUND_SCREENSHOT_DIR,
// when set.
func saveFullPage(t *testing.T, tb *tab, name string) {
	t.Helper()
	if dir := os.Getenv("PLAYGROUND_SCREENSHOT_DIR"); dir != "" {
		ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		writeScreenshot(t, dir, name, png, err)
	}
}

// firstLine is the first non-empty line of s.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

type response struct {
	status int
	body   string
}

// postJSON posts body to u the way a script on another site would not be able to (no browser), and
// returns the answer.
func postJSON(t *testing.T, u, body string) response {
	t.Helper()
	return send(t, http.MethodPost, u, body)
}

// send makes one request from Go (JSON body when not empty, no compression) and returns the answer.
func send(t *testing.T, method, u, body string) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatalf("%s %s: reading: %v", method, u, err)
	}
	return response{resp.StatusCode, buf.String()}
}
