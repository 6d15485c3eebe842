package ui

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/codegen"
	"playground/app/upload"
)

// ProviderInfo is what "View code" needs to know of a provider: its public API base and the
// environment variable its key is conventionally read from. The key itself never reaches the
// browser.
type ProviderInfo struct {
	Name    string `json:"name"`
	BaseURL string `json:"base_url"`
	KeyEnv  string `json:"key_env"`
}

// ProviderInfoer is implemented by a Backend that knows the providers' base URLs.
type ProviderInfoer interface {
	ProviderInfo(ctx context.Context) ([]ProviderInfo, error)
}

// ProviderInfo fetches the provider_info of GET {BaseURL}/models.
func (b HTTPBackend) ProviderInfo(ctx context.Context) ([]ProviderInfo, error) {
	var out struct {
		ProviderInfo []ProviderInfo `json:"provider_info"`
	}
	if err := b.get(ctx, "/models", &out); err != nil {
		return nil, fmt.Errorf("loading the providers: %w", err)
	}
	return out.ProviderInfo, nil
}

// providerInfos caches the provider list once fetched: it does not change while the page is open.
var providerInfos struct {
	sync.Mutex
	list []ProviderInfo
}

// defaultBaseURLs are the base URLs used before (or without) the server's list.
var defaultBaseURLs = map[string]string{"aimlapi": "https://api.aimlapi.com/v1"}

// codeView is the "View code" panel: the request body, and the same request as code in tabs.
type codeView struct {
	app.Compo

	Ibackend  Backend
	Iprovider string
	Ipath     string // the operation's path, e.g. /v1/chat/completions
	Ibody     []byte // the exact body Run sends; nil when Ierr is set
	Ipreview  string // the body pretty-printed
	Ierr      string
	Istream   bool
	Isdk      string        // the OpenAI SDK method (codegen.Request.SDK): "" for chat, "-" for none
	Iform     []upload.Part // the multipart upload Run sends instead of the JSON body, nil for JSON

	tab    string // "json" or a snippet id
	copied string // the tab whose code was just copied

	// The snippets of the last body drawn.
	snipBody   []byte
	snipStream bool
	snipBase   string
	snips      []codegen.Snippet
}

func (c *codeView) OnMount(ctx app.Context) {
	pi, ok := c.Ibackend.(ProviderInfoer)
	providerInfos.Lock()
	have := providerInfos.list != nil
	providerInfos.Unlock()
	if !ok || have {
		return
	}
	ctx.Async(func() {
		list, err := pi.ProviderInfo(context.Background())
		if err != nil || list == nil {
			return // the defaults stay
		}
		providerInfos.Lock()
		providerInfos.list = list
		providerInfos.Unlock()
		ctx.Dispatch(func(app.Context) {}) // redraw with the real base URL
	})
}

// provider returns the base URL and key variable of the current provider.
func (c *codeView) provider() (base, keyEnv string) {
	providerInfos.Lock()
	defer providerInfos.Unlock()
	for _, p := range providerInfos.list {
		if p.Name == c.Iprovider {
			return p.BaseURL, p.KeyEnv
		}
	}
	if b, ok := defaultBaseURLs[c.Iprovider]; ok {
		return b, strings.ToUpper(c.Iprovider) + "_API_KEY"
	}
	return "https://<" + strings.ToUpper(c.Iprovider) + "_BASE_URL>/v1", strings.ToUpper(c.Iprovider) + "_API_KEY"
}

// The key variable and placeholder of View code when the playground is run for a team.
const (
	teamKeyEnv         = "PLAYGROUND_TOKEN"
	teamKeyPlaceholder = "<YOUR_PLAYGROUND_TOKEN>"
)

// teamBase is the playground's own API base when it is run for a team (the server says so in
// PLAYGROUND_TEAM): its users call the models through it, with a personal API token, under their
// limits and budgets, and never hold the provider's key. "" otherwise.
func teamBase() string {
	if app.Getenv("PLAYGROUND_TEAM") == "" || !app.IsClient {
		return ""
	}
	return app.Window().Get("location").Get("origin").String() + "/api/v1"
}

// requestNote says where a request goes and where its code sends it: the provider directly, or,
// in a team's playground, this playground's own API with a personal token. multipart says it is
// an upload.
func requestNote(method, path, provider string, multipart bool) string {
	where := fmt.Sprintf("%s /api%s?provider=%s — the server forwards it to provider %s with its API key.", method, path, url.QueryEscape(provider), provider)
	if teamBase() != "" {
		where = strings.TrimSuffix(where, ".") + ", under your limits and budget."
		if multipart {
			return where + " It goes as a multipart/form-data upload (the JSON body shows its fields, files as data URLs); the code sends the same parts through this playground's API with your personal API token (make one under Account), reading the files from disk."
		}
		return where + " The code sends the same body through this playground's API with your personal API token (make one under Account)."
	}
	if multipart {
		return where + " It goes as a multipart/form-data upload (the JSON body shows its fields, files as data URLs); the code sends the same parts to the provider directly, reading the files from disk."
	}
	return where + " The code sends the same body to the provider directly."
}

func (c *codeView) snippets() []codegen.Snippet {
	base, keyEnv := c.provider()
	placeholder := codegen.Placeholder(c.Iprovider)
	if tb := teamBase(); tb != "" {
		base, keyEnv, placeholder = tb, teamKeyEnv, teamKeyPlaceholder
	}
	if c.snips != nil && c.snipBase == base && c.snipStream == c.Istream && bytes.Equal(c.snipBody, c.Ibody) {
		return c.snips
	}
	path, provBase := c.Ipath, base
	if b := strings.TrimRight(base, "/"); strings.HasSuffix(b, "/v1") {
		if rest, ok := strings.CutPrefix(path, "/v1/"); ok {
			path = "/" + rest // the base URL holds the version prefix
		} else {
			base = strings.TrimSuffix(b, "/v1") // a /v2 operation: below the API's root
		}
	}
	c.snips = codegen.Snippets(codegen.Request{BaseURL: base, Path: path, KeyPlaceholder: placeholder,
		KeyEnv: keyEnv, Body: c.Ibody, Stream: c.Istream, SDK: c.Isdk, Form: c.Iform})
	c.snipBody, c.snipStream, c.snipBase = c.Ibody, c.Istream, provBase
	return c.snips
}

func (c *codeView) Render() app.UI {
	type tabDef struct{ id, label string }
	tabs := []tabDef{{"json", "JSON body"}}
	var snips []codegen.Snippet
	if c.Ierr == "" {
		snips = c.snippets()
		for _, s := range snips {
			tabs = append(tabs, tabDef{s.ID, s.Label})
		}
	}
	cur := c.tab
	if cur == "" || c.Ierr != "" {
		cur = "json"
	}
	code := c.Ipreview
	if c.Ierr != "" {
		code = c.Ierr
	}
	for _, s := range snips {
		if s.ID == cur {
			code = s.Code
		}
	}
	var panel app.UI
	if cur == "json" {
		panel = app.Pre().Class("request-body").DataSet("testid", "request-body").Text(code)
	} else {
		panel = app.Pre().Class("request-body code").DataSet("testid", "code-"+cur).Text(code)
	}
	copyLabel := "Copy"
	if c.copied == cur {
		copyLabel = "Copied"
	}
	return app.Div().Class("codeview").Body(
		app.Div().Class("code-tabs").Role("tablist").Aria("label", "Request as code").Body(
			app.Range(tabs).Slice(func(i int) app.UI {
				t := tabs[i]
				return app.Button().Class("btn code-tab").Role("tab").ID("code-tab-"+t.id).DataSet("testid", "code-tab-"+t.id).
					Aria("selected", t.id == cur).Aria("controls", "code-panel").Text(t.label).
					OnClick(func(ctx app.Context, e app.Event) { c.tab, c.copied = t.id, "" })
			}),
			app.Button().Class("btn code-copy").DataSet("testid", "code-copy").Text(copyLabel).
				Title("Copy to the clipboard").Disabled(c.Ierr != "").
				OnClick(func(ctx app.Context, e app.Event) { c.copy(ctx, cur, code) }),
		),
		app.Div().ID("code-panel").Role("tabpanel").Aria("labelledby", "code-tab-"+cur).Body(panel),
	)
}

// copy puts text on the clipboard and says so on the button for two seconds.
func (c *codeView) copy(ctx app.Context, tab, text string) {
	if tab == "json" {
		text = string(c.Ibody) // the exact body, not the pretty-printed preview
	}
	if !copyText(text) {
		return
	}
	c.copied = tab
	ctx.After(2*time.Second, func(ctx app.Context) {
		if c.copied == tab {
			c.copied = ""
		}
	})
}
