// Package ui is the playground's view: go-app components that draw the model picker, the parameter
// form derived from each model's schema, the conversation and the request preview. The logic they
// call (schemas, validation, request building, streaming, markdown) lives in pure packages; the
// components only keep state and draw.
//
// Both the wasm main (wasm/) and the server (for prerendering) call Register with their own Deps.
package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/chat"
	"playground/app/embed"
	"playground/app/fetch"
)

// Backend gives the web app its data: the model list and one model's form.
type Backend interface {
	// Models returns the catalogue's models in display order.
	Models(ctx context.Context) ([]catalog.Model, error)
	// Form returns the form of the model id at the named provider, or with provider "" at the
	// first provider that serves it, of its operation on path op ("" for its main one); it fails
	// when the id is unknown there or has no such operation.
	Form(ctx context.Context, id, provider, op string) (catalog.Form, error)
}

// Deps are what the components need from outside.
type Deps struct {
	// Backend serves the model list and forms.
	Backend Backend
	// Chat runs completions; nil on the server, where nothing runs.
	Chat *chat.Client
	// EmbedBackend and EmbedChat serve the embeddable widget (/embed): the server's /api/embed/
	// routes, which offer only the models an embed may run, under its limits. EmbedBackend may
	// also implement PolicySource.
	EmbedBackend Backend
	EmbedChat    *chat.Client
}

// PolicySource is a Backend that can say the embed's policy, for the widget to explain it.
type PolicySource interface {
	Policy(ctx context.Context) (embed.Policy, error)
}

// Register registers the web app's routes with go-app: the playground at / and the embeddable
// widget at /embed. The wasm main and the server must both call it, or the server answers 404 for
// the app's pages.
func Register(d Deps) {
	app.Route("/", func() app.Composer { return newPlayground(d) })
	app.Route(embed.PagePath, func() app.Composer { return newWidget(Deps{Backend: d.EmbedBackend, Chat: d.EmbedChat}) })
}

// HTTPBackend reads the model list and forms from the playground server's API.
type HTTPBackend struct {
	// BaseURL is the API root, "/api" in the browser.
	BaseURL string
	// HTTP sends the requests; nil means [fetch.Client]: the browser's fetch in the web app,
	// http.DefaultClient elsewhere.
	HTTP chat.Doer
}

// Models fetches GET {BaseURL}/models. The same answer lists the providers; they are kept for View
// code, so its snippets name the real base URL from the first draw on, without a second request.
func (b HTTPBackend) Models(ctx context.Context) ([]catalog.Model, error) {
	var out struct {
		Models       []catalog.Model `json:"models"`
		ProviderInfo []ProviderInfo  `json:"provider_info"`
	}
	if err := b.get(ctx, "/models", &out); err != nil {
		return nil, fmt.Errorf("loading the model list: %w", err)
	}
	if out.ProviderInfo != nil {
		providerInfos.Lock()
		providerInfos.list = out.ProviderInfo
		providerInfos.Unlock()
	}
	return out.Models, nil
}

// Form fetches GET {BaseURL}/models/{id}, with ?provider={provider} and &op={op} when given.
func (b HTTPBackend) Form(ctx context.Context, id, provider, op string) (catalog.Form, error) {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	path := "/models/" + strings.Join(parts, "/")
	q := url.Values{}
	if provider != "" {
		q.Set("provider", provider)
	}
	if op != "" {
		q.Set("op", op)
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var f catalog.Form
	if err := b.get(ctx, path, &f); err != nil {
		if provider != "" {
			return f, fmt.Errorf("loading the parameters of %s at %s: %w", id, provider, err)
		}
		return f, fmt.Errorf("loading the parameters of %s: %w", id, err)
	}
	return f, nil
}

// Policy fetches GET {BaseURL}/config: the embed's policy (BaseURL is then "/api/embed").
func (b HTTPBackend) Policy(ctx context.Context) (embed.Policy, error) {
	var p embed.Policy
	if err := b.get(ctx, "/config", &p); err != nil {
		return p, fmt.Errorf("loading the widget's limits: %w", err)
	}
	return p, nil
}

func (b HTTPBackend) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.BaseURL+path, nil)
	if err != nil {
		return err
	}
	var hc chat.Doer = fetch.Client{}
	if b.HTTP != nil {
		hc = b.HTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("the server did not answer: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return chat.ParseError(resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding the answer: %w", err)
	}
	return nil
}
