package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"playground/server"
	"playground/server/fakeupstream"
)

// withKindSchemas serves the embedded catalogue without a live list (so its image, embedding and
// video models are offered) plus the real Responses and Messages schemas of two models from the
// shared corpus, copied into a temporary directory.
func withKindSchemas(t *testing.T) func(*server.Config) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"text-models-llm/OpenAI/gpt-4o-RESPONSES.json", "text-models-llm/OpenAI/gpt-4o.json", "text-models-llm/Anthropic/claude-3-haiku-MESSAGES.json"} {
		b, err := os.ReadFile(filepath.Join(corpusDir(t), f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return func(c *server.Config) {
		c.Providers[0].Catalog.Live = false
		c.SchemasDir = dir
	}
}

// corpusDir is the shared schema corpus beside the project; the test fails without it under CI
// and is skipped, loudly, elsewhere.
func corpusDir(t *testing.T) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "..", "shared", "aimlapi-schemas")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the shared schema corpus is missing at %s: %v", dir, err)
		}
		t.Skipf("SKIPPED: the shared schema corpus is not at %s", dir)
	}
	return dir
}

// requestsTo returns the requests the fake upstream received on path.
func requestsTo(e *env, path string) []fakeupstream.Request {
	var out []fakeupstream.Request
	for _, r := range e.Fake.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// waitKindRun waits until a kind's run area has finished n runs.
func waitKindRun(tb *tab, n int) {
	tb.t.Helper()
	tb.waitJS("run "+itoa(n)+" to finish", jsSel("transcript")+` && `+jsSel("transcript")+`.dataset.runs === "`+itoa(n)+`" && `+jsSel("run"), 20*time.Second)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// openKind opens a model's page and waits for its run area (Run, or the not-runnable note).
func openKind(tb *tab, base, model, ready string) {
	tb.t.Helper()
	tb.navigate(base + "/?model=" + model)
	tb.waitJS("the page of "+model, `!document.getElementById("app-wasm-loader") && `+jsSel("model-picker")+`.value === `+jsString(model)+` && `+jsSel(ready), 30*time.Second)
}

// TestKinds runs a model of each synchronous kind from its /?model= link and checks what the
// page shows and what reached the provider.
func TestKinds(t *testing.T) {
	e := newEnv(t, true, withKindSchemas(t))
	b := startBrowser(t)

	t.Run("Images", func(t *testing.T) {
		tb := b.newTab(t)
		openKind(tb, e.URL, "flux/schnell", "run")
		if eval[bool](tb, jsSel("param-prompt")+` !== null`) {
			t.Error("the prompt is drawn in the parameter form too; the run area owns it")
		}
		// An empty prompt is refused before anything is sent.
		tb.do("clicking Run with no prompt", chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitJS("the empty prompt refused", jsSel("error")+` && `+jsSel("error")+`.innerText.includes("prompt")`, 5*time.Second)
		// n above the schema's maximum is refused naming n, and the prompt is kept.
		tb.do("typing n = 9 and a prompt", chromedp.SendKeys(chromedp.CSS(sel("param-n-number")), "9"),
			chromedp.SendKeys(chromedp.CSS(sel("prompt")), "a red fox"), chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitJS("n refused", jsSel("error")+` && `+jsSel("error")+`.innerText.includes("n")`, 5*time.Second)
		if n := len(requestsTo(e, "/v1/images/generations")); n != 0 {
			t.Fatalf("%d image request(s) reached the provider before the form was valid", n)
		}
		if got := eval[string](tb, jsSel("prompt")+`.value`); got != "a red fox" {
			t.Errorf("the prompt box holds %q after the refused run", got)
		}
		tb.do("setting n = 2 and base64 images", chromedp.SetValue(chromedp.CSS(sel("param-n-number")), ""),
			chromedp.SendKeys(chromedp.CSS(sel("param-n-number")), "2"))
		pick(tb, "param-response_format", "b64_json")
		tb.do("clicking Run", chromedp.Click(chromedp.CSS(sel("run"))))
		waitKindRun(tb, 1)
		srcs := eval[[]string](tb, `[...document.querySelectorAll('[data-testid="image"]')].map(i => i.src)`)
		if len(srcs) != 2 || !strings.HasPrefix(srcs[0], "data:image/png;base64,") {
			t.Fatalf("images shown: %d %q…\npage shows:\n%s", len(srcs), truncate(strings.Join(srcs, " "), 200), tb.bodyText())
		}
		tb.waitJS("both images to load", `[...document.querySelectorAll('[data-testid="image"]')].every(i => i.complete && i.naturalWidth === 64)`, 10*time.Second)
		reqs := requestsTo(e, "/v1/images/generations")
		if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer "+e.Canary {
			t.Fatalf("upstream got %d image request(s), key %q", len(reqs), reqs[0].Header.Get("Authorization"))
		}
		var sent map[string]any
		_ = json.Unmarshal(reqs[0].Body, &sent)
		if sent["model"] != "flux/schnell" || sent["prompt"] != "a red fox" || sent["n"] != 2.0 || sent["response_format"] != "b64_json" {
			t.Errorf("upstream got %s", reqs[0].Body)
		}
		if facts := eval[string](tb, jsSel("run-facts")+`.innerText`); !strings.Contains(facts, "2 images") || !strings.Contains(facts, "credits") {
			t.Errorf("run facts %q, want the count and the credits", facts)
		}
		tb.do("opening an image full size", chromedp.Click(chromedp.CSS(sel("image"))))
		tb.waitJS("the full view", jsSel("lightbox"), 5*time.Second)
		saveScreenshot(t, tb, "kind-images.png")
		tb.do("closing it", chromedp.Click(chromedp.CSS(sel("lightbox-close"))))
		tb.waitJS("the full view closed", jsSel("lightbox")+` === null`, 5*time.Second)
		tb.do("opening View code", chromedp.Click(chromedp.CSS(sel("view-request"))))
		tb.do("the Python SDK tab", chromedp.Click(chromedp.CSS(sel("code-tab-python-openai"))))
		tb.waitJS("the images SDK call", jsSel("code-python-openai")+`.textContent.includes("client.images.generate(")`, 5*time.Second)
		tb.checkConsole()
	})

	t.Run("Embeddings", func(t *testing.T) {
		tb := b.newTab(t)
		openKind(tb, e.URL, "text-embedding-3-small", "run")
		tb.do("clicking Run with no text", chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitJS("no text refused", jsSel("error")+` && `+jsSel("error")+`.innerText.includes("input")`, 5*time.Second)
		tb.do("typing two texts, three more dimensions and Run",
			chromedp.SendKeys(chromedp.CSS(sel("embed-input-0")), "a cat"),
			chromedp.SendKeys(chromedp.CSS(sel("embed-input-1")), "a kitten"),
			chromedp.Click(chromedp.CSS(sel("embed-add"))))
		tb.waitJS("a third box", jsSel("embed-input-2"), 5*time.Second)
		tb.do("typing the third and 16 dimensions", chromedp.SendKeys(chromedp.CSS(sel("embed-input-2")), "a truck"),
			chromedp.SendKeys(chromedp.CSS(sel("param-dimensions-number")), "16"), chromedp.Click(chromedp.CSS(sel("run"))))
		waitKindRun(tb, 1)
		dims := eval[[]string](tb, `[...document.querySelectorAll('[data-testid="vector-dim"]')].map(d => d.innerText)`)
		if strings.Join(dims, ",") != "16,16,16" {
			t.Fatalf("vector dimensions %q, want three of 16\npage shows:\n%s", dims, tb.bodyText())
		}
		for _, cell := range []string{"sim-0-0", "sim-0-1", "sim-1-2"} {
			v := eval[string](tb, jsSel(cell)+`.innerText`)
			var x float64
			if err := json.Unmarshal([]byte(v), &x); err != nil || x < -1 || x > 1 {
				t.Errorf("%s = %q, want a cosine in [-1, 1]", cell, v)
			}
		}
		if got := eval[string](tb, jsSel("sim-0-0")+`.innerText`); got != "1.000" {
			t.Errorf("a text's similarity with itself is %s", got)
		}
		reqs := requestsTo(e, "/v1/embeddings")
		if len(reqs) != 1 {
			t.Fatalf("%d embeddings requests upstream", len(reqs))
		}
		if want := `{"model":"text-embedding-3-small","input":["a cat","a kitten","a truck"],"dimensions":16}`; string(reqs[0].Body) != want {
			t.Errorf("upstream got %s, want %s", reqs[0].Body, want)
		}
		saveScreenshot(t, tb, "kind-embeddings.png")
		tb.checkConsole()
	})

	t.Run("Responses", func(t *testing.T) {
		tb := b.newTab(t)
		// gpt-4o is called on chat completions and on the Responses API: the link picks the latter.
		tb.openPlayground(e.URL, "/?model=gpt-4o&op=/v1/responses", "gpt-4o")
		tb.waitJS("the API choice", jsSel("operation")+` && `+jsSel("operation")+`.value === "/v1/responses"`, 10*time.Second)
		tb.do("a system prompt, a message and Run", chromedp.SendKeys(chromedp.CSS(sel("system-prompt")), "Be brief."),
			chromedp.SendKeys(chromedp.CSS(sel("prompt")), "Hello"), chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitRunDone(1, 20*time.Second)
		if text := eval[string](tb, lastAssistant+`.innerText`); !strings.Contains(text, "Fake answer") {
			t.Fatalf("the answer shows %q", text)
		}
		reqs := requestsTo(e, "/v1/responses")
		if len(reqs) != 1 {
			t.Fatalf("%d Responses requests upstream", len(reqs))
		}
		var sent map[string]json.RawMessage
		_ = json.Unmarshal(reqs[0].Body, &sent)
		if string(sent["input"]) != `[{"content":"Hello","role":"user"}]` || string(sent["instructions"]) != `"Be brief."` || sent["messages"] != nil {
			t.Errorf("upstream got %s", reqs[0].Body)
		}
		// A follow-up resends the conversation; an error event mid-stream keeps what arrived.
		tb.do("a follow-up that fails mid-stream", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:midstream"), chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitRunDone(2, 20*time.Second)
		if text := eval[string](tb, lastAssistant+`.innerText`); !strings.Contains(text, "failed in the middle") || !strings.Contains(text, "Fake") {
			t.Errorf("the failed answer shows %q", text)
		}
		reqs = requestsTo(e, "/v1/responses")
		if n := len(reqs); n != 2 || !strings.Contains(string(reqs[1].Body), `{"content":"Hello","role":"user"},{"content":"## Fake answer`) {
			t.Errorf("the follow-up did not resend the conversation: %s", reqs[len(reqs)-1].Body)
		}
		// Back to chat completions: the conversation stays, the next run goes there.
		pick(tb, "operation", "Chat — POST /v1/chat/completions")
		tb.waitJS("the chat form", jsSel("operation")+`.value === "/v1/chat/completions"`, 10*time.Second)
		tb.do("running on chat", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "Hello again"), chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitRunDone(3, 20*time.Second)
		if n := len(e.chatRequests()); n != 1 {
			t.Errorf("%d chat requests after switching the API, want 1", n)
		}
		saveScreenshot(t, tb, "kind-responses.png")
		tb.checkConsole()
	})

	t.Run("Messages", func(t *testing.T) {
		tb := b.newTab(t)
		// The embedded catalogue lists it as claude-3-haiku-20240307 with this alias; the shared
		// file gives it the Messages operation beside its chat one.
		tb.openPlayground(e.URL, "/?model=anthropic/claude-3-haiku&op=/v1/messages", "claude-3-haiku-20240307")
		tb.waitJS("the API choice", jsSel("operation")+` && `+jsSel("operation")+`.value === "/v1/messages"`, 10*time.Second)
		tb.do("a system prompt, a message and Run", chromedp.SendKeys(chromedp.CSS(sel("system-prompt")), "Be brief."),
			chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:reasoning"), chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitRunDone(1, 20*time.Second)
		text := eval[string](tb, lastAssistant+`.innerText`)
		if !strings.Contains(text, "The answer is 42.") || !strings.Contains(text, "Reasoning") {
			t.Fatalf("the answer shows %q", text)
		}
		reqs := requestsTo(e, "/v1/messages")
		if len(reqs) != 1 {
			t.Fatalf("%d Messages requests upstream", len(reqs))
		}
		var sent map[string]json.RawMessage
		_ = json.Unmarshal(reqs[0].Body, &sent)
		if string(sent["system"]) != `"Be brief."` || string(sent["messages"]) != `[{"role":"user","content":"fake:reasoning"}]` {
			t.Errorf("upstream got %s", reqs[0].Body)
		}
		tb.do("a follow-up that fails mid-stream", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:midstream"), chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitRunDone(2, 20*time.Second)
		if text := eval[string](tb, lastAssistant+`.innerText`); !strings.Contains(text, "overloaded") {
			t.Errorf("the failed answer shows %q", text)
		}
		tb.checkConsole()
	})

}
