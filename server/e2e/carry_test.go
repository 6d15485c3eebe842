package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// selectModel picks a model in the picker by its option value (the id when one provider serves it),
// as a user does, and waits for its form.
func selectModel(tb *tab, id, waitParam string) {
	tb.t.Helper()
	ok := eval[bool](tb, `(() => {
		const el = `+jsSel("model-picker")+`;
		if (![...el.options].some(o => o.value === `+jsString(id)+`)) return false;
		el.value = `+jsString(id)+`;
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`)
	if !ok {
		tb.t.Fatalf("the picker does not offer %s", id)
	}
	tb.waitJS("the form of "+id, jsSel("model-picker")+`.value === `+jsString(id)+` && `+jsSel(waitParam), 10*time.Second)
}

// TestModelSwitchKeepsValues: switching model keeps the values the new model accepts, keeps the
// others aside with a note (not sent), and brings them back when a model that takes them returns.
func TestModelSwitchKeepsValues(t *testing.T) {
	e := newEnv(t, true)
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	tb.do("typing temperature 0.4 and top_k 40",
		chromedp.SendKeys(chromedp.CSS(sel("param-temperature-number")), "0.4"),
		chromedp.SendKeys(chromedp.CSS(sel("param-top_k")), "40"),
	)
	// go-app redraws at the next frame: a redraw carrying an earlier keystroke's text must not
	// overwrite what was typed since (it turned "0.4" into "40" one run in three).
	tb.waitJS("both values set", jsSel("param-state-temperature")+`.innerText === "set" && `+jsSel("param-state-top_k")+`.innerText === "set"`, 5*time.Second)
	if got := eval[string](tb, jsSel("param-temperature-number")+`.value + " | " + `+jsSel("param-top_k")+`.value`); got != "0.4 | 40" {
		t.Errorf("after typing, the boxes show %q, want 0.4 | 40", got)
	}
	// gpt-4o-mini uses the generic chat schema: it has temperature but no top_k.
	const generic = "gpt-4o-mini"
	selectModel(tb, generic, "param-n") // n: only the generic form has it
	if got := eval[string](tb, jsSel("param-temperature-number")+`.value`); got != "0.4" {
		t.Errorf("temperature after the switch shows %q, want 0.4 kept", got)
	}
	tb.waitJS("the note about values kept aside", jsSel("params-aside"), 5*time.Second)
	if note := eval[string](tb, jsSel("params-aside")+`.innerText`); !strings.Contains(note, "top_k") {
		t.Errorf("the kept-aside note %q does not name top_k", note)
	}
	tb.do("showing the request", chromedp.Click(chromedp.CSS(sel("view-request"))))
	tb.waitJS("the request preview", jsSel("request-body"), 5*time.Second)
	preview := eval[string](tb, jsSel("request-body")+`.innerText`)
	if !strings.Contains(preview, `"temperature": 0.4`) || strings.Contains(preview, "top_k") {
		t.Errorf("the request for %s should send temperature and not top_k:\n%s", generic, preview)
	}
	selectModel(tb, mythomax, "param-top_k")
	if got := eval[string](tb, jsSel("param-top_k")+`.value`); got != "40" {
		t.Errorf("top_k after switching back shows %q, want 40 restored", got)
	}
	// A range input drawn anew rounds its value to the step it has when the value is set, and go-app
	// sets attributes in any order: the knob must still sit at 0.4, not 0 or 1.
	tb.waitJS("the temperature slider at 0.4", jsSel("param-temperature")+`.value === "0.4"`, 5*time.Second)
	if eval[bool](tb, `!!`+jsSel("params-aside")) {
		t.Errorf("the kept-aside note is still shown: %s", eval[string](tb, jsSel("params-aside")+`.innerText`))
	}
	tb.checkConsole()
}

// TestTypedBoxesFollowTheState: a box the user typed into still shows what the page holds once the
// value changes from elsewhere (a textarea's text content is only its initial value), and a slider
// drawn anew sits where its value says.
func TestTypedBoxesFollowTheState(t *testing.T) {
	e := newEnv(t, true)
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	tb.do("typing two stop sequences", chromedp.SendKeys(chromedp.CSS(sel("param-stop")), "END\nSTOP"))
	tb.waitJS("stop set", jsSel("param-state-stop")+`.innerText === "set"`, 5*time.Second)
	tb.do("resetting stop", chromedp.Click(chromedp.CSS(sel("param-reset-stop"))))
	// The click blurs the box and resets it in the same frame: go-app still believes the box shows
	// what it drew before the typing (empty), so it would not write the empty value itself.
	tb.waitJS("the stop box to empty", jsSel("param-state-stop")+`.innerText === "not sent" && `+jsSel("param-stop")+`.value === ""`, 5*time.Second)

	// A box go-app drew a value into (not typed into) empties on reset too: go-app clears a value by
	// removing the value attribute, which does not change what the box shows.
	eval[bool](tb, `(() => {
		const el = `+jsSel("param-temperature")+`;
		el.value = "0.3";
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("blur"));
		return true;
	})()`)
	tb.waitJS("the temperature box to follow the slider", jsSel("param-temperature-number")+`.value === "0.3"`, 5*time.Second)
	tb.do("resetting temperature", chromedp.Click(chromedp.CSS(sel("param-reset-temperature"))))
	tb.waitJS("the temperature box to empty", jsSel("param-state-temperature")+`.innerText === "not sent" && `+jsSel("param-temperature-number")+`.value === ""`, 5*time.Second)

	tb.do("typing min_p 0.123", chromedp.SendKeys(chromedp.CSS(sel("param-min_p-number")), "0.123"))
	tb.waitJS("the min_p slider to follow the box", jsSel("param-min_p")+`.value === "0.123"`, 5*time.Second)
	tb.do("resetting everything", chromedp.Click(chromedp.CSS(`.params-head button`)))
	tb.waitJS("the min_p box to empty", jsSel("param-min_p-number")+`.value === "" && `+jsSel("param-state-min_p")+`.innerText === "not sent"`, 5*time.Second)
	tb.checkConsole()
}
