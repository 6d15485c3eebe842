package e2e

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"playground/server"
)

// The widget's page is a facade (server/facade.go, web/embed-start.js): the server's prerendered
// widget, which loads the web app only on the first interaction.

// facadeBudget is the most a docs page with three widgets may download before the visitor
// interacts with one: the page, embed.js and each widget's prerendered page, styles and scripts.
const facadeBudget = 200 << 10

// startWidget is a visitor's first interaction with a widget: a click on its title, which does
// nothing but start the web app.
func (ft *tab) startWidget() {
	ft.t.Helper()
	ft.waitJS("the widget's facade", jsSel("embed-model")+` !== null`, 20*time.Second)
	ft.do("clicking the widget's title (the first interaction)", chromedp.Click(chromedp.CSS(sel("embed-model"))))
}

// isFacade is true while the page shows the server's prerendered widget, before go-app mounted.
const isFacade = `!!window.playgroundFacade && !!document.getElementById("app-wasm-loader")`

// netLog counts what a tab downloads, from the browser's network events: per request its address
// and the bytes it took on the wire (headers included).
type netLog struct {
	mu    sync.Mutex
	urls  map[network.RequestID]string
	bytes map[network.RequestID]int64
	order []network.RequestID
}

func newNetLog(tb *tab) *netLog {
	l := &netLog{urls: map[network.RequestID]string{}, bytes: map[network.RequestID]int64{}}
	if err := chromedp.Listen(tb.ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if _, seen := l.urls[ev.RequestID]; !seen {
				l.order = append(l.order, ev.RequestID)
			}
			l.urls[ev.RequestID] = ev.Request.URL
		case *network.EventLoadingFinished:
			l.bytes[ev.RequestID] = int64(ev.EncodedDataLength)
		}
	}); err != nil {
		tb.t.Fatalf("listening to the tab's network: %v", err)
	}
	return l
}

// requests returns the addresses asked for so far, in order.
func (l *netLog) requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.order))
	for _, id := range l.order {
		out = append(out, l.urls[id])
	}
	return out
}

// count is how many requests went to an address containing part.
func (l *netLog) count(part string) int {
	n := 0
	for _, u := range l.requests() {
		if strings.Contains(u, part) {
			n++
		}
	}
	return n
}

// finished is how many requests to an address containing part finished loading.
func (l *netLog) finished(part string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for id, u := range l.urls {
		if _, done := l.bytes[id]; done && strings.Contains(u, part) {
			n++
		}
	}
	return n
}

// total is the bytes downloaded so far, and a line per address (bytes, requests), largest first.
func (l *netLog) total() (int64, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	per := map[string][2]int64{}
	var sum int64
	for id, u := range l.urls {
		if p, err := url.Parse(u); err == nil {
			u = p.Host + p.Path
		}
		b := l.bytes[id]
		sum += b
		x := per[u]
		per[u] = [2]int64{x[0] + b, x[1] + 1}
	}
	lines := make([]string, 0, len(per))
	for u, x := range per {
		lines = append(lines, fmt.Sprintf("%8d bytes  %d× %s", x[0], x[1], u))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(lines)))
	return sum, lines
}

// TestEmbedFacadeLoadsNothingBeforeInteraction: the example docs page, with its three widgets, made
// by web/embed.js as on a docs site, downloads at most facadeBudget before the visitor touches a
// widget, and never the web app; the first interaction with one widget fetches app.wasm, for that
// widget only. The browser runs the frames in its page's process (no site isolation), so that the
// page's network events count the frames' requests too; the server counts the wasm's.
func TestEmbedFacadeLoadsNothingBeforeInteraction(t *testing.T) {
	hostLn, host := docsListener(t, "127.0.0.2:0")
	e := newEnv(t, true, func(c *server.Config) {
		c.Embed.Origins = []string{host}
		c.Embed.Models = []string{mythomax, magnum}
	})
	serveDocs(t, hostLn, e.URL)
	b := startBrowser(t, chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "IsolateOrigins,site-per-process"))
	tb := b.newTab(t)
	net := newNetLog(tb)
	tb.navigate(host + "/")
	tb.waitJS("embed.js to put three widgets in the page", `document.querySelectorAll("iframe[data-playground-frame]").length === 3`, 10*time.Second)
	// The widgets load lazily: scroll the page past each (the host page's doing, not the widget's).
	for i := 0; i < 3; i++ {
		eval[bool](tb, fmt.Sprintf(`(f => { f.scrollIntoView(); return true; })(document.querySelectorAll("iframe[data-playground-frame]")[%d])`, i))
		deadline := time.Now().Add(20 * time.Second)
		for net.finished("/web/embed-start.js") < i+1 || net.finished("/web/frame.js") < i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("widget %d did not load its page within 20s; requests: %v", i+1, net.requests())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	eval[bool](tb, `(() => { window.scrollTo(0, 0); return true; })()`)
	time.Sleep(1500 * time.Millisecond) // anything else the widgets would fetch by themselves

	sum, lines := net.total()
	t.Logf("before any interaction, the docs page with three widgets downloaded %d bytes (%.1f KB) in %d requests:\n%s",
		sum, float64(sum)/1024, len(net.requests()), strings.Join(lines, "\n"))
	if n := net.count("/embed?"); n != 3 {
		t.Errorf("%d widget pages loaded, want 3", n)
	}
	if sum > facadeBudget {
		t.Errorf("the docs page downloaded %d bytes before any interaction; the budget is %d", sum, facadeBudget)
	}
	for _, part := range []string{"app.wasm", "/app.js", "/wasm_exec.js", "app-worker.js"} {
		if n := net.count(part); n != 0 {
			t.Errorf("before any interaction, the browser asked for %s %d times; want never", part, n)
		}
	}
	if n := e.wasmRequests(); n != 0 {
		t.Errorf("before any interaction, the server was asked for the wasm %d times; want never", n)
	}

	// The first interaction with one widget: a click in it (a real pointer event, where its title
	// is) fetches the web app.
	xy := eval[[]float64](tb, `(() => {
		const r = document.querySelector("iframe[data-playground-frame]").getBoundingClientRect();
		return [r.left + 40, r.top + 20];
	})()`)
	tb.do("clicking in the first widget", chromedp.MouseClickXY(xy[0], xy[1]))
	deadline := time.Now().Add(30 * time.Second)
	for net.finished(wasmPath) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the click did not fetch the wasm within 30s; requests: %v", net.requests())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := net.count("/app.js"); n < 1 {
		t.Errorf("the click fetched the wasm, but app.js was asked for %d times", n)
	}
	if n := e.wasmRequests(); n < 1 {
		t.Errorf("the server saw %d requests for the wasm after the click", n)
	}
	tb.checkConsole()
}

// TestEmbedFacadeKeepsWhatWasTyped: what a visitor types into the prerendered widget, before the
// web app has started and while it loads, is in the live widget once it has started, with the
// focus and the caret; and a Run clicked before then runs once it has, once. The test holds the
// wasm's download, as a slow network would, for as long as it types.
func TestEmbedFacadeKeepsWhatWasTyped(t *testing.T) {
	e := newEnv(t, true, func(c *server.Config) { c.Embed.Models = []string{mythomax} })
	page := e.URL + "/embed?model=" + url.QueryEscape(mythomax)

	// open shows the facade, in a browser of its own (a visitor new to the playground: go-app's
	// service worker, once installed, serves the wasm from its cache), and marks its widget, to
	// tell it from go-app's once that has mounted.
	open := func(t *testing.T) *tab {
		tb := startBrowser(t).newTab(t)
		tb.navigate(page)
		tb.waitJS("the facade", isFacade+` && `+jsSel("prompt")+` && !`+jsSel("run")+`.disabled`, 10*time.Second)
		if eval[bool](tb, `typeof window.goappNav !== "undefined" || typeof window.Go !== "undefined"`) {
			t.Error("the facade loaded go-app's scripts before any interaction")
		}
		eval[bool](tb, `(() => { document.body.firstElementChild.__facade = true; return true; })()`)
		return tb
	}
	live := `!document.getElementById("app-wasm-loader") && !document.body.firstElementChild.__facade && ` + jsSel("embed-model")
	// typeWhileHeld types first into the facade, which starts the web app, then more while its
	// wasm is held: both before it starts.
	typeWhileHeld := func(t *testing.T, tb *tab, asked int, first, more string) {
		tb.do("typing into the facade", chromedp.SendKeys(chromedp.CSS(sel("prompt")), first))
		deadline := time.Now().Add(20 * time.Second)
		for e.wasmRequests() < asked {
			if time.Now().After(deadline) {
				t.Fatal("typing into the facade did not ask for the wasm within 20s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		tb.do("typing more while the wasm loads", chromedp.SendKeys(chromedp.CSS(sel("prompt")), more))
		if !eval[bool](tb, isFacade+` && document.body.firstElementChild.__facade`) {
			t.Fatal("the web app started while its wasm was held")
		}
		if v := eval[string](tb, jsSel("prompt")+`.value`); v != first+more {
			t.Fatalf("the facade's box holds %q, want %q", v, first+more)
		}
		if eval[bool](tb, `document.getElementById("app-wasm-loader").hidden`) {
			t.Error("the loader's note is still hidden while the web app loads")
		}
	}

	t.Run("Text", func(t *testing.T) {
		release := e.holdWasm(t)
		tb := open(t)
		if n := e.wasmRequests(); n != 0 {
			t.Fatalf("the facade asked for the wasm %d times before any interaction", n)
		}
		typeWhileHeld(t, tb, 1, "Tide pools ", "at dusk")
		saveScreenshot(t, tb, "embed-facade-loading.png")
		release()
		tb.waitJS("the widget to start", live+` && !`+jsSel("run")+`.disabled`, 40*time.Second)
		if v := eval[string](tb, jsSel("prompt")+`.value`); v != "Tide pools at dusk" {
			t.Errorf("the live widget's box holds %q, want what was typed before it started", v)
		}
		if got := eval[string](tb, `(a => a.getAttribute("data-testid") + " " + a.selectionStart + "-" + a.selectionEnd)(document.activeElement)`); got != "prompt 18-18" {
			t.Errorf("focus and caret in the live widget: %q; want the box, at the end of the text", got)
		}
		// It is the live widget's state, not only the box's: more typing goes on from there, and
		// Run sends it all.
		tb.do("typing on in the live widget", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "!"))
		tb.do("clicking Run", chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitRunDone(1, 20*time.Second)
		if user := eval[string](tb, `document.querySelector('[data-testid="message-user"]').innerText`); !strings.Contains(user, "Tide pools at dusk!") {
			t.Errorf("the message sent: %q", user)
		}
		tb.checkConsole()
	})

	t.Run("PendingRun", func(t *testing.T) {
		before := len(e.chatRequests())
		asked := e.wasmRequests()
		release := e.holdWasm(t)
		tb := open(t)
		typeWhileHeld(t, tb, asked+1, "Write about ", "crabs")
		tb.do("clicking Run before the widget started", chromedp.Click(chromedp.CSS(sel("run"))))
		if got := eval[string](tb, jsSel("run")+`.textContent`); got != "Starting…" {
			t.Errorf("the facade's Run says %q once clicked, want Starting…", got)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(e.chatRequests()) - before; n != 0 {
			t.Fatalf("%d chat requests before the widget started", n)
		}
		release()
		tb.waitJS("the widget to start", live, 40*time.Second)
		tb.waitRunDone(1, 30*time.Second)
		reqs := e.chatRequests()[before:]
		if len(reqs) != 1 {
			t.Fatalf("the pending Run made %d chat requests, want 1", len(reqs))
		}
		if !strings.Contains(string(reqs[0].Body), "Write about crabs") {
			t.Errorf("the run sent %s; want the text typed before the widget started", truncate(string(reqs[0].Body), 500))
		}
		time.Sleep(500 * time.Millisecond)
		if n := len(e.chatRequests()) - before; n != 1 {
			t.Errorf("%d chat requests after the pending Run, want it to run once", n)
		}
		if v := eval[string](tb, jsSel("prompt")+`.value`); v != "" {
			t.Errorf("after the run the box holds %q, want it emptied as after any run", v)
		}
		saveScreenshot(t, tb, "embed-facade-pending-run.png")
		tb.checkConsole()
	})
}
