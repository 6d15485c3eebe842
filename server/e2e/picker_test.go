package e2e

import (
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"playground/server"
	"playground/server/fakeupstream"
)

// secondCatalogue is the live list of the picker test's second provider: MythoMax again (the id
// the first provider serves from the embedded catalogue), two models of a developer of its own
// with known context windows, and an image model the playground cannot run.
func secondCatalogue() []fakeupstream.LiveModel {
	chat := "openai/chat-completions"
	text := &fakeupstream.Modalities{Input: []string{"text"}, Output: []string{"text"}}
	return []fakeupstream.LiveModel{
		{ID: mythomax, Type: chat, Info: fakeupstream.LiveInfo{Name: "MythoMax L2 (13B)", Developer: "Gryphe", ContextLength: 4096},
			Modalities: text, Capabilities: []string{"streaming"}, Pricing: fakeupstream.TokenPricing(0.08, 0.09)},
		{ID: "zeta-labs/short-8b", Type: chat, Info: fakeupstream.LiveInfo{Name: "Zeta Short 8B", Developer: "Zeta Labs", ContextLength: 8000},
			Modalities: text, Capabilities: []string{"streaming", "tools"}, Pricing: fakeupstream.TokenPricing(0.2, 0.2)},
		{ID: "zeta-labs/long-70b", Type: chat, Info: fakeupstream.LiveInfo{Name: "Zeta Long 70B", Developer: "Zeta Labs", ContextLength: 1000000},
			Modalities: text, Capabilities: []string{"streaming", "tools"}, Pricing: fakeupstream.TokenPricing(0.9, 0.9)},
		{ID: "flux/schnell", Type: "bfl/image-generation", Info: fakeupstream.LiveInfo{Name: "FLUX.1 [schnell]", Developer: "Black Forest Labs"},
			Modalities: &fakeupstream.Modalities{Input: []string{"text"}, Output: []string{"image"}}},
	}
}

// TestPicker drives the model picker over two providers that both serve MythoMax: a search with a
// typo, filters, sorting, the keyboard, picking the second provider's MythoMax and running it
// (the second upstream must get the call), and a deep link to that provider's entry.
func TestPicker(t *testing.T) {
	start := time.Now()
	second := fakeupstream.New()
	second.Key = fmt.Sprintf("sk-second-%d-%x", os.Getpid(), time.Now().UnixNano())
	second.ChunkDelay = 10 * time.Millisecond
	second.SetCatalogue(secondCatalogue())
	up := httptest.NewServer(second)
	t.Cleanup(up.Close)
	e := newEnv(t, true, func(c *server.Config) {
		c.Providers = append(c.Providers, server.Provider{Name: "deepinfra", BaseURL: up.URL + "/v1", Key: server.Secret(second.Key),
			KeyEnv: "DEEPINFRA_API_KEY", HeaderTimeout: time.Minute, Catalog: server.Sources{Live: true, LiveQuery: "include=all"}})
	})
	secondChats := func() int {
		n := 0
		for _, r := range second.Requests() {
			if r.Path == "/v1/chat/completions" {
				n++
			}
		}
		return n
	}
	const (
		atFirst  = "aimlapi:" + mythomax // option values of an id two providers serve
		atSecond = "deepinfra:" + mythomax
	)
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.openPlayground(e.URL, "/?model="+mythomax, atFirst)
	for _, f := range []string{"model-filter-provider", "model-filter-developer", "model-filter-kind", "model-filter-capability", "model-sort"} {
		if !eval[bool](tb, `!!`+jsSel(f)) {
			t.Errorf("the picker has no %s", f)
		}
	}
	options := func() []string {
		return eval[[]string](tb, `[...`+jsSel("model-picker")+`.options].map(o => o.value)`)
	}
	optionTexts := func() []string {
		return eval[[]string](tb, `[...`+jsSel("model-picker")+`.options].map(o => o.text)`)
	}
	search := func(text string) {
		tb.t.Helper()
		eval[bool](tb, `(() => { const el = `+jsSel("model-search")+`; el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`)
		if text != "" {
			tb.do("typing "+text+" into the search", chromedp.SendKeys(chromedp.CSS(sel("model-search")), text))
		}
	}

	t.Run("TypoSearch", func(t *testing.T) {
		tb.on(t)
		search("mythmax")
		tb.waitJS("the search for mythmax to narrow the list", jsSel("model-picker")+`.options.length === 2`, 5*time.Second)
		if got := strings.Join(options(), " "); got != atFirst+" "+atSecond {
			t.Errorf("mythmax finds %s, want both MythoMax entries", got)
		}
		texts := optionTexts()
		if len(texts) != 2 || !strings.Contains(texts[0], "aimlapi") || !strings.Contains(texts[1], "deepinfra · 4k ctx · $0.08/$0.09 per 1M") {
			t.Errorf("the options do not show the provider, context and price: %q", texts)
		}
		if c := eval[string](tb, jsSel("model-count")+`.innerText`); !strings.HasPrefix(c, "2 of ") {
			t.Errorf("the count says %q, want 2 of the models", c)
		}
		saveScreenshot(t, tb, "picker-shot.png")
	})

	t.Run("FilterAndSort", func(t *testing.T) {
		tb.on(t)
		search("")
		pick(tb, "model-filter-developer", "Zeta Labs")
		tb.waitJS("the developer filter", `[...`+jsSel("model-picker")+`.options].length === 3`, 5*time.Second)
		// The selected model stays first, though filtered out; the matches follow in list order.
		if got, want := strings.Join(options(), " "), atFirst+" zeta-labs/long-70b zeta-labs/short-8b"; got != want {
			t.Errorf("filtered by developer: options %s, want %s", got, want)
		}
		pick(tb, "model-sort", "Context length")
		tb.waitJS("sorting by context", jsSel("model-picker")+`.options[1].value === "zeta-labs/long-70b"`, 5*time.Second)
		pick(tb, "model-sort", "Name")
		tb.waitJS("sorting by name", jsSel("model-picker")+`.options[1].value === "zeta-labs/long-70b"`, 5*time.Second)
		pick(tb, "model-sort", "Input price")
		tb.waitJS("sorting by input price", jsSel("model-picker")+`.options[1].value === "zeta-labs/short-8b"`, 5*time.Second)
		pick(tb, "model-filter-developer", "All developers")
		// The kind filter says how many models each kind has; image models run.
		images := eval[string](tb, `[...`+jsSel("model-filter-kind")+`.options].map(o => o.text).find(t => t.startsWith("Images (")) || ""`)
		var count int
		if _, err := fmt.Sscanf(images, "Images (%d)", &count); err != nil || count < 1 {
			t.Fatalf("the kind filter offers %q, want Images (N)", images)
		}
		pick(tb, "model-filter-kind", images)
		tb.waitJS("the kind filter", `[...`+jsSel("model-picker")+`.options].some(o => o.value.endsWith("flux/schnell"))`, 5*time.Second)
		// The selected model stays first; the image models follow, as many as the filter said.
		if texts := optionTexts(); len(texts) != count+1 || strings.Contains(strings.Join(texts[1:], " "), "can't run") {
			t.Errorf("image models: options %q, want %d, runnable", texts, count)
		}
		pick(tb, "model-filter-kind", "All kinds")
		pick(tb, "model-sort", "Best match")
	})

	t.Run("Keyboard", func(t *testing.T) {
		tb.on(t)
		search("magnum")
		tb.do("pressing Enter in the search", chromedp.SendKeys(chromedp.CSS(sel("model-search")), kb.Enter))
		tb.waitJS("Enter to pick Magnum", jsSel("model-picker")+`.value === `+jsString(magnum)+` && `+jsSel("param-top_a"), 10*time.Second)
		tb.do("pressing the down arrow in the search", chromedp.SendKeys(chromedp.CSS(sel("model-search")), kb.ArrowDown))
		tb.waitJS("the down arrow to move to the list", `document.activeElement === `+jsSel("model-picker"), 5*time.Second)
	})

	t.Run("SecondProvider", func(t *testing.T) {
		tb.on(t)
		search("mythomax")
		tb.waitJS("both MythoMax entries", `[...`+jsSel("model-picker")+`.options].some(o => o.value === `+jsString(atSecond)+`)`, 5*time.Second)
		eval[bool](tb, `(() => { const el = `+jsSel("model-picker")+`; el.value = `+jsString(atSecond)+`;
			el.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
		tb.waitJS("the second provider's MythoMax to open", jsSel("model-meta")+`.innerText.includes("via deepinfra") && `+
			jsSel("model-picker")+`.value === `+jsString(atSecond), 10*time.Second)
		if got := eval[string](tb, `location.search`); !strings.Contains(got, "provider=deepinfra") {
			t.Errorf("the address is %q, want it to name the provider", got)
		}
		tb.do("typing the prompt", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "Hello from the second provider."))
		tb.do("clicking Run", chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitRunDone(1, 20*time.Second)
		if n := secondChats(); n != 1 {
			t.Errorf("the second upstream got %d chat requests, want 1", n)
		}
		if n := len(e.chatRequests()); n != 0 {
			t.Errorf("the first upstream got %d chat requests, want none", n)
		}
		if text := eval[string](tb, lastAssistant+`.innerText`); !strings.Contains(text, "Fake answer") {
			t.Errorf("the run did not show the fake answer: %q", text)
		}
	})

	t.Run("DeepLink", func(t *testing.T) {
		tb.on(t)
		tb.openPlayground(e.URL, "/?model="+mythomax+"&provider=deepinfra", atSecond)
		if meta := eval[string](tb, jsSel("model-meta")+`.innerText`); !strings.Contains(meta, "via deepinfra") || !strings.Contains(meta, "4k context") {
			t.Errorf("a link to the second provider's MythoMax shows %q", meta)
		}
	})
	tb.checkConsole()
	t.Logf("picker test took %v", time.Since(start).Round(time.Millisecond))
}
