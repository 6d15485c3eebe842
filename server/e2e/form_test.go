package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"playground/server"
)

// compoundModel is served from a schema file written by the test, with one parameter of each
// compound kind.
const compoundModel = "acme/compound-1"

const compoundSchema = `{"openapi":"3.0.0","info":{"title":"Acme","version":"1"},"paths":{"/v1/chat/completions":{"post":{
"requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object","required":["model","messages"],"properties":{
	"model":{"type":"string","enum":["acme/compound-1"]},
	"messages":{"type":"array","items":{"type":"object","properties":{"role":{"type":"string"},"content":{"type":"string"}}}},
	"stream":{"type":"boolean"},
	"temperature":{"type":"number","minimum":0,"maximum":2},
	"stream_options":{"type":"object","description":"Options for streaming.","properties":{"include_usage":{"type":"boolean","description":"Send a usage chunk at the end."}}},
	"response_format":{"description":"The format of the answer.","oneOf":[
		{"type":"object","properties":{"type":{"type":"string","enum":["text"]}},"required":["type"]},
		{"type":"object","properties":{"type":{"type":"string","enum":["json_object"]}},"required":["type"]},
		{"type":"object","properties":{"type":{"type":"string","enum":["json_schema"]},
			"json_schema":{"type":"object","properties":{"name":{"type":"string","maxLength":64},"schema":{"type":"object"}},"required":["name"]}},
			"required":["type","json_schema"]}]},
	"tools":{"type":"array","maxItems":4,"description":"Functions the model may call.","items":{"type":"object","required":["type","function"],"properties":{
		"type":{"type":"string","enum":["function"]},
		"function":{"type":"object","required":["name"],"properties":{
			"name":{"type":"string"},"description":{"type":"string"},"parameters":{"type":"object"}}}}}},
	"modalities":{"type":"array","items":{"type":"string","enum":["text","audio"]}},
	"logit_bias":{"type":"object","nullable":true,"additionalProperties":{"type":"integer"}},
	"image_url":{"type":"string","format":"uri","description":"An image: a URL or a base64 data URI."},
	"audio_file":{"type":"object","format":"binary","description":"An audio file.","properties":{
		"buffer":{"type":"object","properties":{"type":{"type":"string","enum":["Buffer"]},"data":{"type":"array","items":{"type":"number"}}},"required":["type","data"]},
		"mimetype":{"type":"string"},"size":{"type":"integer"},"originalname":{"type":"string"},"encoding":{"type":"string"},"fieldname":{"type":"string"}},
		"required":["mimetype","originalname","encoding","fieldname"]}
}}}}},"responses":{"200":{"description":"OK"}}}}}}`

// withCompoundSchema serves compoundModel from a schema directory written for the test.
func withCompoundSchema(t *testing.T) func(*server.Config) {
	t.Helper()
	dir := t.TempDir()
	schemaFile := filepath.Join(dir, "text-models-llm", "Acme", "compound.json")
	if err := os.MkdirAll(filepath.Dir(schemaFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(schemaFile, []byte(compoundSchema), 0o644); err != nil {
		t.Fatal(err)
	}
	return func(c *server.Config) { c.SchemasDir = dir }
}

// TestForm drives the compound controls of the parameter form in headless Chromium: an object, a
// union, a list of objects, a multi-select, JSON editors, a URL with an attached file and a file
// object, and checks what reaches the provider.
func TestForm(t *testing.T) {
	start := time.Now()
	e := newEnv(t, true, withCompoundSchema(t))
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.openPlayground(e.URL, "/?model="+compoundModel, compoundModel)
	tb.waitJS("the compound parameters", jsSel("param-tools-add"), 10*time.Second)

	// An object: setting a sub-field sends the object.
	if got := eval[string](tb, jsSel("param-state-stream_options")+`.textContent`); got != "not sent" {
		t.Errorf("stream_options starts %q, want not sent", got)
	}
	tb.do("checking stream_options.include_usage", chromedp.Click(chromedp.CSS(sel("param-stream_options.include_usage"))))
	tb.waitJS("stream_options to be set", jsSel("param-state-stream_options")+`.textContent === "set"`, 5*time.Second)

	// A union: pick json_schema and fill its name and schema.
	pick(tb, "param-response_format", "json_schema")
	tb.waitJS("the json_schema name box", jsSel("param-response_format.json_schema.name"), 5*time.Second)
	tb.do("filling the json_schema name and schema",
		chromedp.SendKeys(chromedp.CSS(sel("param-response_format.json_schema.name")), "answer"),
		chromedp.SendKeys(chromedp.CSS(sel("param-response_format.json_schema.schema")), `{"type": "object"}`),
	)
	// Switching away and back restores what was typed.
	pick(tb, "param-response_format", "text")
	tb.waitJS("the json_schema sub-form to go", `!`+jsSel("param-response_format.json_schema.name"), 5*time.Second)
	pick(tb, "param-response_format", "json_schema")
	tb.waitJS("the json_schema name to come back",
		jsSel("param-response_format.json_schema.name")+`?.value === "answer"`, 5*time.Second)

	// A list: add two tools, move the second up, remove it again.
	tb.do("adding a tool", chromedp.Click(chromedp.CSS(sel("param-tools-add"))))
	tb.waitJS("the first tool's name box", jsSel("param-tools.0.function.name"), 5*time.Second)
	tb.do("naming the tool", chromedp.SendKeys(chromedp.CSS(sel("param-tools.0.function.name")), "get_weather"))
	tb.do("adding a second tool", chromedp.Click(chromedp.CSS(sel("param-tools-add"))))
	tb.waitJS("the second tool's name box", jsSel("param-tools.1.function.name"), 5*time.Second)
	tb.do("naming the second tool", chromedp.SendKeys(chromedp.CSS(sel("param-tools.1.function.name")), "second"))
	tb.do("moving the second tool up", chromedp.Click(chromedp.CSS(sel("param-tools.1-up"))))
	tb.waitJS("the tools to swap", jsSel("param-tools.0.function.name")+`.value === "second" && `+
		jsSel("param-tools.1.function.name")+`.value === "get_weather"`, 5*time.Second)
	tb.do("removing the moved tool", chromedp.Click(chromedp.CSS(sel("param-tools.0-remove"))))
	tb.waitJS("one tool left", `!`+jsSel("param-tools.1.function.name")+` && `+
		jsSel("param-tools.0.function.name")+`.value === "get_weather"`, 5*time.Second)

	// A JSON editor: invalid text shows where it breaks and blocks Run; fixing it unblocks.
	const params = "param-tools.0.function.parameters"
	tb.do("typing invalid JSON", chromedp.SendKeys(chromedp.CSS(sel(params)), "{\"type\": \"object\",\n  \"properties\": {},\n}"))
	errSel := `document.querySelector('[data-param="tools.0.function.parameters"] [data-testid="error"]')`
	tb.waitJS("an inline JSON error with its position", errSel+`?.innerText.includes("line 3, column 1")`, 5*time.Second)
	saveFullScreenshot(t, tb, "form-invalid.png")
	tb.do("typing a prompt and clicking Run",
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:echo"),
		chromedp.Click(chromedp.CSS(sel("run"))),
	)
	tb.waitJS("Run to be refused because of the JSON",
		`[...document.querySelectorAll('[data-testid="error"]')].some(e => !e.closest("[data-param]") && e.innerText.includes("tools.0.function.parameters"))`, 5*time.Second)
	if n := len(e.chatRequests()); n != 0 {
		t.Fatalf("an invalid form sent %d request(s) upstream", n)
	}
	tb.do("fixing the JSON", chromedp.SendKeys(chromedp.CSS(sel(params)), "\b\b\b}"))
	tb.waitJS("the JSON error to go", `!`+errSel, 5*time.Second)
	tb.do("formatting the JSON", chromedp.Click(chromedp.CSS(sel(params+"-format"))))
	tb.waitJS("the JSON to be formatted", jsSel(params)+`.value === "{\n  \"type\": \"object\",\n  \"properties\": {}\n}"`, 5*time.Second)

	// A multi-select, a free-form JSON object, a URL with an attached file, a file object.
	tb.do("checking both modalities",
		chromedp.Click(chromedp.CSS(sel("param-modalities-text"))),
		chromedp.Click(chromedp.CSS(sel("param-modalities-audio"))),
	)
	tb.do("typing the logit bias", chromedp.SendKeys(chromedp.CSS(sel("param-logit_bias")), `{"50256": -100}`))
	png := []byte("\x89PNG\r\n\x1a\nfake")
	setFile(tb, "param-image_url-file", filepath.Join(t.TempDir(), "dot.png"), png)
	tb.waitJS("the attached image", jsSel("param-image_url-info")+`?.innerText.includes("dot.png")`, 5*time.Second)
	setFile(tb, "param-audio_file", filepath.Join(t.TempDir(), "hello.txt"), []byte("hi!"))
	tb.waitJS("the picked file", jsSel("param-audio_file-info")+`?.innerText.includes("hello.txt")`, 5*time.Second)
	if n := eval[int](tb, `document.querySelectorAll('[data-param] [data-testid="error"]').length`); n != 0 {
		t.Errorf("the filled form shows %d error(s): %s", n, tb.bodyText())
	}
	saveFullScreenshot(t, tb, "form-compound.png")

	runStart := time.Now()
	tb.do("clicking Run", chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitRunDone(1, 30*time.Second)
	t.Logf("the streamed echo took %v", time.Since(runStart).Round(time.Millisecond))
	reqs := e.chatRequests()
	if len(reqs) != 1 {
		t.Fatalf("the fake upstream got %d chat requests, want 1", len(reqs))
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatalf("the upstream body is not a JSON object: %v\n%s", err, reqs[0].Body)
	}
	want := map[string]string{
		"stream_options":  `{"include_usage":true}`,
		"response_format": `{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"}}}`,
		"tools":           `[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{}}}}]`,
		"modalities":      `["text","audio"]`,
		"logit_bias":      `{"50256":-100}`,
		"image_url":       `"data:image/png;base64,` + base64.StdEncoding.EncodeToString(png) + `"`,
		"audio_file":      `"data:text/plain;name=hello.txt;base64,aGkh"`, // a chat request is JSON: the file as its named data URL
	}
	for name, w := range want {
		if got := string(body[name]); got != w {
			t.Errorf("upstream %s = %s\nwant %s", name, got, w)
		}
	}
	for name := range body {
		switch name {
		case "model", "messages", "stream":
		default:
			if _, ok := want[name]; !ok {
				t.Errorf("upstream body has %s, which was never set: %s", name, body[name])
			}
		}
	}

	// Reset the union: it leaves the request.
	tb.do("resetting response_format", chromedp.Click(chromedp.CSS(sel("param-reset-response_format"))))
	tb.waitJS("response_format to be not sent", jsSel("param-state-response_format")+`.textContent === "not sent"`, 5*time.Second)
	tb.do("opening View request", chromedp.Click(chromedp.CSS(sel("view-request"))))
	tb.waitJS("the request preview", jsSel("request-body"), 5*time.Second)
	preview := eval[string](tb, jsSel("request-body")+`.innerText`)
	var shown map[string]json.RawMessage
	if err := json.Unmarshal([]byte(preview), &shown); err != nil {
		t.Fatalf("the request preview is not a JSON object: %v\n%s", err, truncate(preview, 2000))
	}
	if _, ok := shown["response_format"]; ok {
		t.Errorf("the request preview still has response_format after reset:\n%s", truncate(preview, 2000))
	}
	for _, name := range []string{"stream_options", "tools", "modalities", "logit_bias", "image_url", "audio_file"} {
		if got, want := string(compactJSON(shown[name])), want[name]; got != want {
			t.Errorf("after the reset the preview shows %s = %s, want %s", name, got, want)
		}
	}
	tb.checkConsole()
	t.Logf("form test took %v", time.Since(start).Round(time.Millisecond))
}

// pick chooses the option with the given text in a select, as a user does.
func pick(tb *tab, testid, option string) {
	tb.t.Helper()
	ok := eval[bool](tb, `(() => {
		const el = `+jsSel(testid)+`;
		const o = el && [...el.options].find(o => o.text === `+jsString(option)+`);
		if (!o) return false;
		el.value = o.value;
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`)
	if !ok {
		tb.t.Fatalf("no option %q in %s\npage shows:\n%s", option, testid, tb.bodyText())
	}
}

// setFile writes data to path and picks it in a file input.
func setFile(tb *tab, testid, path string, data []byte) {
	tb.t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.do("picking "+filepath.Base(path)+" in "+testid, chromedp.SetUploadFiles(chromedp.CSS(sel(testid)), []string{path}))
}

// saveFullScreenshot writes a PNG of the whole page, the parameter panel unrolled, to
// $PLAYGROUND_SCREENSHOT_DIR, when set.
func saveFullScreenshot(t *testing.T, tb *tab, name string) {
	t.Helper()
	dir := os.Getenv("PLAYGROUND_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	unroll := func(on bool) {
		eval[bool](tb, `(() => { const p = document.querySelector(".params");
			p.style.maxHeight = `+map[bool]string{true: `"none"`, false: `""`}[on]+`; p.style.position = `+map[bool]string{true: `"static"`, false: `""`}[on]+`; return true; })()`)
	}
	unroll(true)
	defer unroll(false)
	h := eval[int](tb, `Math.ceil(document.documentElement.scrollHeight)`)
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		if _, err := chromedp.EmulateViewport(1280, int64(h))(ctx, tg); err != nil {
			return nil, err
		}
		b, err := chromedp.CaptureScreenshot()(ctx, tg)
		_, err2 := chromedp.EmulateViewport(1280, 900)(ctx, tg)
		if err == nil {
			err = err2
		}
		return b, err
	})
	writeScreenshot(t, dir, name, png, err)
}

func compactJSON(v []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return v
	}
	return b.Bytes()
}
