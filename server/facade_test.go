package server

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goappPage is a page the way go-app's server rendering writes one (see its Handler.servePage).
const goappPage = `<!doctype html>
<html lang="en">
  <head>
    <link href="/web/app.css" type="text/css" rel="stylesheet">
    <script defer src="/wasm_exec.js"></script>
    <script defer src="/app.js"></script>
    <script src="/web/theme.js"></script>
  </head>
  <body>
    <div class="pg pg-embed">
      <button disabled="false" class="btn" aria-expanded="false" data-testid="run">Run</button>
      <button disabled="true" data-testid="clear">Clear</button>
      <input type="checkbox" checked="false" data-testid="a"><input type="checkbox" checked data-testid="b">
      <textarea id="prompt" data-testid="prompt" value="a &lt;b&gt; &amp; &#34;c&#34;"></textarea>
      <textarea data-testid="nl" value="&#10;second line"></textarea>
      <select value="two"><option value="one">One</option><option value="two">Two</option></select>
    </div>
    <aside id="app-wasm-loader" class="goapp-app-info">
      <img id="app-wasm-loader-icon" class="goapp-logo goapp-spin" src="/web/icon-192.png">
      <p id="app-wasm-loader-label" class="goapp-label">Loading Playground… 0%</p>
    </aside>
  </body>
</html>`

func TestFacadeHTML(t *testing.T) {
	out, err := facadeHTML([]byte(goappPage))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		`<!doctype html>`,
		`<script defer src="/web/embed-start.js" data-load="/wasm_exec.js /app.js"></script>`,
		`<script src="/web/theme.js"></script>`,
		`<button aria-expanded="false" class="btn" data-testid="run">Run</button>`,
		`<button data-testid="clear" disabled="">Clear</button>`,
		`<input data-testid="a" type="checkbox"><input checked="" data-testid="b" type="checkbox">`,
		`<textarea data-testid="prompt" id="prompt">a &lt;b&gt; &amp; &#34;c&#34;</textarea>`,
		"<textarea data-testid=\"nl\">\n\nsecond line</textarea>",
		`<select><option value="one">One</option><option selected="" value="two">Two</option></select>`,
		`<aside class="goapp-app-info" hidden="" id="app-wasm-loader">`,
		`<img class="goapp-logo goapp-spin" data-src="/web/icon-192.png" id="app-wasm-loader-icon">`,
		`<p class="goapp-label" id="app-wasm-loader-label">Loading Playground… 0%</p>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the facade lacks %s\n%s", want, got)
		}
	}
	for _, bad := range []string{`src="/app.js"`, `src="/wasm_exec.js"`, `disabled="false"`, `checked="false"`, `<select value`, ` src="/web/icon-192.png"`} {
		if strings.Contains(got, bad) {
			t.Errorf("the facade still has %s\n%s", bad, got)
		}
	}
	if n := strings.Count(got, "embed-start.js"); n != 1 {
		t.Errorf("the facade loads embed-start.js %d times, want once", n)
	}

	if _, err := facadeHTML([]byte(`<!doctype html><html><head></head><body><div></div></body></html>`)); err == nil ||
		!strings.Contains(err.Error(), "/app.js") {
		t.Errorf("a page without go-app's scripts: %v; want an error naming them", err)
	}
}

// TestEmbedPageIsAFacade: the widget's page the server sends has the model's widget prerendered,
// ready to type into, and loads the facade's script instead of go-app's loader, under the same
// Content-Security-Policy: no inline script. The playground's own page still loads the web app.
func TestEmbedPageIsAFacade(t *testing.T) {
	e := runEmbed(t, func(c *Config) {
		web, err := filepath.Abs("../web")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"embed-start.js", "app.css"} {
			b, err := os.ReadFile(filepath.Join(web, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(c.WebDir, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
	path := "/embed?model=" + url.QueryEscape(embedAllowed) + "&prompt=" + url.QueryEscape(`Say "hi" <now>`)
	resp, body := e.do(t, "GET", path, "", nil)
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval';") {
		t.Errorf("the widget's CSP changed: %s", csp)
	}
	for _, want := range []string{
		`<script defer src="/web/embed-start.js" data-load="/wasm_exec.js /app.js"></script>`,
		`data-testid="embed-model"`,
		`<textarea data-testid="prompt" id="prompt" placeholder="Message the model — Ctrl+Enter (⌘+Enter) runs, Esc stops" rows="3">Say &#34;hi&#34; &lt;now&gt;</textarea>`,
		`data-testid="embed-notes"`,
		`<aside class="goapp-app-info" hidden="" id="app-wasm-loader">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the widget's page lacks %s\n%s", want, page)
		}
	}
	if run := regexp.MustCompile(`<button[^>]*data-testid="run"[^>]*>`).FindString(page); run == "" || strings.Contains(run, "disabled") {
		t.Errorf("the facade's Run button: %q; want one, enabled", run)
	}
	for _, bad := range []string{`src="/app.js"`, `src="/wasm_exec.js"`, "app.wasm"} {
		if strings.Contains(page, bad) {
			t.Errorf("the widget's page has %s", bad)
		}
	}
	if m := regexp.MustCompile(`\s(disabled|checked|selected|hidden|readonly|required|multiple|open)="false"`).FindString(page); m != "" {
		t.Errorf("the widget's page has a false boolean attribute, which a browser reads as set: %s", m)
	}
	// The CSP allows no inline script: every script is a file of this origin.
	for _, tag := range regexp.MustCompile(`(?s)<script[^>]*>.*?</script>`).FindAllString(page, -1) {
		if !regexp.MustCompile(`^<script[^>]* src="/[^/"][^"]*"[^>]*></script>$`).MatchString(tag) {
			t.Errorf("the widget's page has a script that is not a file of its origin: %s", tag)
		}
	}

	// Its own ETag: revalidated, not confused with go-app's page of the same version.
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"facade-`) {
		t.Errorf("ETag %q, want the facade's", etag)
	}
	if resp, _ := e.do(t, "GET", path, "", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating the widget's page: %d, want 304", resp.StatusCode)
	}
	if resp, body := e.do(t, "HEAD", path, "", nil); resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("ETag") != etag {
		t.Errorf("HEAD %s: %d, %d bytes, ETag %q", path, resp.StatusCode, len(body), resp.Header.Get("ETag"))
	}
	if resp, _ := e.do(t, "POST", path, "", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST %s: %d, want 405", path, resp.StatusCode)
	}

	resp, script := e.do(t, "GET", "/web/embed-start.js", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(string(script), "playgroundFacade") {
		t.Errorf("GET /web/embed-start.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if len(script) > 8<<10 {
		t.Errorf("embed-start.js is %d bytes; the facade's script should stay small", len(script))
	}
	if _, home := e.do(t, "GET", "/", "", nil); !strings.Contains(string(home), `src="/app.js"`) || strings.Contains(string(home), "embed-start.js") {
		t.Error("the playground's own page should load the web app at once, not the facade")
	}
}
