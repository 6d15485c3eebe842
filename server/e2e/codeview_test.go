package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"playground/server"
)

// TestViewCode opens View code, switches to the curl tab and checks that the snippet targets the
// provider's real base URL with the key placeholder, and embeds exactly the body the JSON tab shows.
func TestViewCode(t *testing.T) {
	var base string // the fake upstream's base URL, as the server is configured with it
	e := newEnv(t, true, func(c *server.Config) { base = c.Providers[0].BaseURL })
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.openPlayground(e.URL, "/", "")
	tb.do("typing a message with awkward characters",
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), `it's "quoted" \ ${x} `+"`tick` EOF"))
	tb.do("opening View code", chromedp.Click(chromedp.CSS(sel("view-request"))))
	tb.waitJS("the request body tab", jsSel("request-body")+` && `+jsSel("code-tab-curl"), 5*time.Second)
	if label := eval[string](tb, jsSel("view-request")+`.textContent`); label != "Hide code" {
		t.Errorf("the toggle says %q, want Hide code", label)
	}
	preview := eval[string](tb, jsSel("request-body")+`.innerText`)
	body := string(compactJSON([]byte(preview)))
	if !strings.Contains(body, `it's \"quoted\" \\ ${x} `+"`tick` EOF") {
		t.Fatalf("the JSON body does not hold the typed message:\n%s", preview)
	}
	tb.do("clicking the curl tab", chromedp.Click(chromedp.CSS(sel("code-tab-curl"))))
	tb.waitJS("the curl snippet", jsSel("code-curl"), 5*time.Second)
	// The provider list comes with the model list, which the picker has loaded before the first
	// keystroke: the snippet names the configured base URL at once, never the default first.
	if !eval[bool](tb, jsSel("code-tab-curl")+`.getAttribute("aria-selected") === "true" && `+
		jsSel("code-tab-curl")+`.getAttribute("role") === "tab"`) {
		t.Error("the curl tab is not marked selected")
	}
	code := eval[string](tb, jsSel("code-curl")+`.textContent`)
	for _, want := range []string{base + "/chat/completions", "<YOUR_AIMLAPI_KEY>", "\n" + body + "\n"} {
		if !strings.Contains(code, want) {
			t.Errorf("the curl snippet lacks %q:\n%s", want, code)
		}
	}
	if strings.Contains(code, e.Canary) {
		t.Error("the curl snippet holds the key")
	}
	for _, id := range []string{"python-requests", "python-openai", "js-fetch", "js-openai", "go"} {
		tb.do("clicking the "+id+" tab", chromedp.Click(chromedp.CSS(sel("code-tab-"+id))))
		tb.waitJS("the "+id+" snippet", jsSel("code-"+id)+` && `+jsSel("code-"+id)+`.textContent.includes("AIMLAPI_API_KEY")`, 5*time.Second)
	}
	tb.checkConsole()
}
