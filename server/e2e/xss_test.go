package e2e

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// xssExtra adds payloads to the markdown package's XSS case file, aimed at what only a browser
// shows: entity decoding in attributes, event handlers that fire without a click, and tricks split
// across the chunks of a stream.
var xssExtra = []string{
	`[entity colon](javascript&colon;alert(1))`,
	`[tab in scheme](java	script:alert(1))`,
	`<a href="javascript:alert(1)">raw anchor</a>`,
	`<details open ontoggle=alert(1)>x</details>`,
	`<iframe srcdoc="<script>parent.alert(1)</script>"></iframe>`,
	`<object data="data:text/html,<script>alert(1)</script>"></object>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`![img](x" onerror="alert(1))`,
	`<input autofocus onfocus=alert(1)>`,
	`<body onload=alert(1)>`,
	"```\n</code></pre><img src=x onerror=alert(1)>\n```",
	`<scr` + "\n\n" + `ipt>alert(1)</scr` + "\n\n" + `ipt>`,
	`[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`<form action="javascript:alert(1)"><button>go</button></form>`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
}

// xssCorpus reads the inputs of app/markdown's XSS case file and adds xssExtra.
func xssCorpus(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../app/markdown/testdata/xss.txt")
	if err != nil {
		t.Fatalf("reading the XSS corpus: %v", err)
	}
	var inputs []string
	for _, c := range strings.Split(string(data), "//= = = = = = = = = = = = = = = = = = = = = = = =//") {
		parts := strings.Split(c, "//- - - - - - - - -//\n")
		if len(parts) == 3 {
			inputs = append(inputs, strings.TrimSuffix(parts[1], "\n"))
		}
	}
	if len(inputs) < 25 {
		t.Fatalf("the XSS case file gave %d inputs, want at least 25", len(inputs))
	}
	return strings.Join(append(inputs, xssExtra...), "\n\n---\n\n")
}

// TestHostileModelOutput streams a corpus of XSS payloads from the fake upstream into the real page
// and checks that nothing runs: alert is trapped, every element gets the events handlers hide in,
// and the DOM of the answer holds no script, frame, handler attribute or unsafe URL. A script that
// did run, or was blocked by the Content-Security-Policy, shows up in the console checks too.
func TestHostileModelOutput(t *testing.T) {
	corpus := xssCorpus(t)
	e := newEnv(t, true, withKindSchemas(t))
	e.Fake.ChunkDelay = time.Millisecond
	e.Fake.Scripted = map[string]string{"xss": corpus}
	b := startBrowser(t)
	t.Run("Chat", func(t *testing.T) {
		tb := b.newTab(t)
		tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
		runHostileAnswer(t, tb)
	})
	t.Run("Responses", func(t *testing.T) {
		tb := b.newTab(t)
		tb.openPlayground(e.URL, "/?model=gpt-4o&op=/v1/responses", "gpt-4o")
		runHostileAnswer(t, tb)
	})
	t.Run("ImageCaption", func(t *testing.T) {
		// The fake gives the prompt back as each image's revised_prompt, drawn as its caption and
		// alt text: the payloads (as many as fit the prompt's 4,000 characters) are the prompt.
		prompt := corpus
		if r := []rune(prompt); len(r) > 4000 {
			prompt = string(r[:4000])
		}
		tb := b.newTab(t)
		openKind(tb, e.URL, "flux/schnell", "run")
		trapScript(tb)
		tb.do("typing the payloads as the prompt", chromedp.SetValue(chromedp.CSS(sel("prompt")), prompt),
			chromedp.SendKeys(chromedp.CSS(sel("prompt")), " "), chromedp.Click(chromedp.CSS(sel("run"))))
		waitKindRun(tb, 1)
		if !eval[bool](tb, jsSel("image-result")+` !== null`) {
			t.Fatalf("no image came back:\n%s", tb.bodyText())
		}
		checkNoScript(t, tb, jsSel("transcript"), true)
		tb.checkConsole()
	})
}

// trapScript makes the page count the ways a payload shows that it ran, and keeps clicks from
// navigating away.
func trapScript(tb *tab) {
	eval[bool](tb, `window.__xss = 0;
		for (const f of ["alert", "confirm", "prompt", "print"]) window[f] = () => { window.__xss++; };
		document.addEventListener("click", (e) => e.preventDefault(), true);
		true`)
}

// runHostileAnswer asks the open conversation for the hostile answer and checks it runs nothing.
func runHostileAnswer(t *testing.T, tb *tab) {
	t.Helper()
	trapScript(tb)
	tb.do("asking for the hostile answer",
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:scripted xss"),
		chromedp.Click(chromedp.CSS(sel("run"))),
	)
	tb.waitRunDone(1, 60*time.Second)
	if eval[bool](tb, `!!`+lastAssistant+`.querySelector('[data-testid="error"]')`) {
		t.Fatalf("the run failed: %s", eval[string](tb, lastAssistant+`.innerText`))
	}
	// Checked before checkNoScript, whose synthetic clicks reach the message's own buttons (Edit
	// turns the answer into a text box once the page redraws).
	if !eval[bool](tb, lastAssistant+`.querySelector(".markdown") !== null`) {
		t.Fatal("the answer was not rendered as markdown at all")
	}
	checkNoScript(t, tb, lastAssistant, false)
	tb.checkConsole()
}

// checkNoScript fires what inline handlers wait for on every element under root, then checks
// that nothing ran and that no unsafe element or attribute is there: only http, https and mailto
// URLs (and, with imageData, base64 PNG, JPEG, WebP and GIF data URLs: the images a run returned).
func checkNoScript(t *testing.T, tb *tab, root string, imageData bool) {
	t.Helper()
	eval[bool](tb, `(() => {
		const root = `+root+`;
		for (const el of root.querySelectorAll("*")) {
			for (const type of ["mouseover", "focus", "click", "toggle", "load", "error", "animationstart"]) {
				el.dispatchEvent(new Event(type, {bubbles: true}));
			}
		}
		return true;
	})()`)
	time.Sleep(300 * time.Millisecond) // let anything scheduled run
	if n := eval[int](tb, `window.__xss`); n != 0 {
		t.Fatalf("model output ran script %d time(s)", n)
	}
	bad := eval[[]string](tb, `(() => {
		const out = [];
		const root = `+root+`;
		for (const el of root.querySelectorAll("script, iframe, frame, object, embed, form, input:not([type=checkbox][disabled]), meta, link, style, svg:not(.spark), math, base")) {
			out.push("element <" + el.tagName.toLowerCase() + ">");
		}
		for (const el of root.querySelectorAll("*")) {
			for (const a of el.attributes) {
				if (a.name.startsWith("on")) out.push(el.tagName + " has " + a.name);
				if (["href", "src", "action", "formaction", "srcdoc", "xlink:href"].includes(a.name)) {
					const v = a.value.trim().toLowerCase();
					const scheme = /^([a-z][a-z0-9+.-]*):/.exec(v);
					const image = `+strconv.FormatBool(imageData)+` && /^data:image\/(png|jpeg|webp|gif);base64,/.test(v);
					if (a.name === "srcdoc" || (scheme && !image && !["http", "https", "mailto"].includes(scheme[1]))) {
						out.push(el.tagName + " " + a.name + "=" + a.value);
					}
				}
			}
		}
		return out;
	})()`)
	if len(bad) > 0 {
		t.Fatalf("the rendered output holds unsafe markup: %q", bad)
	}
}
