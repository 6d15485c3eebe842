package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"playground/app/catalog"
	"playground/app/chat"
	"playground/app/kind"
	"playground/server/httperr"
)

// upstream is a configured provider ready to forward requests.
type upstream struct {
	name      string
	base      *url.URL
	key       Secret
	keyEnv    string
	keySource string
	headers   map[string]string
	proxy     *httputil.ReverseProxy
	// client fetches the provider's live model list; it never follows redirects.
	client *http.Client
}

// copyBuffers lends the proxy the buffers it copies responses through. Model answers arrive as
// small events, so 8 KiB (rather than ReverseProxy's default 32 KiB per stream) loses no speed and
// saves memory with thousands of streams open (see TestLoad2000Streams).
var copyBuffers = &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 8<<10); return &b }}}

type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() []byte  { return *p.pool.Get().(*[]byte) }
func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }

// forbiddenFields are request body fields that would let a browser choose where the server sends
// its key, or supply credentials; they are refused, not ignored.
var forbiddenFields = []string{"api_base", "base_url", "api_key", "api_version", "organization", "custom_llm_provider"}

// proxyContextKey carries the call's canonical operation path (call.path) through the proxy's
// Rewrite and ModifyResponse (relayMedia).
type proxyContextKey struct{}

func newUpstream(p Provider, s *Server) (*upstream, error) {
	base, err := parseBaseURL(p.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("provider %s: base URL: %w", p.Name, err)
	}
	u := &upstream{name: p.Name, base: base, key: p.Key, keyEnv: p.KeyEnv, keySource: p.keySource(), headers: p.Headers}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: p.HeaderTimeout, // slow reasoning models take long to start
	}
	u.client = &http.Client{
		Transport:     transport,
		Timeout:       liveFetchTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	u.proxy = &httputil.ReverseProxy{
		Transport:  transport,
		BufferPool: copyBuffers,
		Rewrite:    u.rewrite,
		ModifyResponse: func(resp *http.Response) error {
			if err := u.modifyResponse(resp); err != nil {
				return err
			}
			// Images answers get the same-origin paths of the files they point to.
			return s.relayMedia(u.name, resp)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
				return // the browser went away (Stop); nothing to answer
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
				s.writeError(w, r, &httperr.Error{Code: httperr.EUpstreamTimeout,
					Message: fmt.Sprintf("Provider %s did not start answering in time. The model may be overloaded or still loading: try again in a moment, or pick another model.", u.name),
					Err:     err})
				return
			}
			s.writeError(w, r, &httperr.Error{Code: httperr.EUpstreamUnreachable,
				Message: fmt.Sprintf("Could not reach provider %s (%s). Check the server's network and the provider's base URL, then try again.", u.name, u.base.Redacted()),
				Err:     err})
		},
	}
	return u, nil
}

// rewrite builds the outbound request: the URL from server configuration only, headers from an
// allow-list, and the provider key.
func (u *upstream) rewrite(pr *httputil.ProxyRequest) {
	endpoint, _ := pr.In.Context().Value(proxyContextKey{}).(string)
	out := pr.Out
	out.URL = &url.URL{Scheme: u.base.Scheme, Host: u.base.Host, Path: outboundPath(u.base.Path, endpoint)}
	out.Host = u.base.Host
	in := pr.In.Header
	out.Header = http.Header{}
	for _, name := range []string{"Content-Type", "Accept"} {
		if v := in.Get(name); v != "" {
			out.Header.Set(name, v)
		}
	}
	for name, v := range u.headers { // checked at start-up: never a header set below
		out.Header.Set(name, v)
	}
	out.Header.Set("Content-Type", "application/json")
	out.Header.Set("Accept-Encoding", "identity") // never let compression buffer a stream
	out.Header.Set("User-Agent", "playground")
	out.Header.Set("Authorization", "Bearer "+u.key.Reveal())
}

// outboundPath is the upstream path of an operation for a provider whose base URL has basePath:
// an operation under /v1 goes below the base (which holds the API version: "/v1",
// "/v1/openai"), any other (/v2/…) below the base's root, the base without its trailing "/v1".
func outboundPath(basePath, endpoint string) string {
	if rest, ok := strings.CutPrefix(endpoint, "/v1/"); ok {
		return basePath + "/" + rest
	}
	return strings.TrimSuffix(basePath, "/v1") + endpoint
}

// responseHeaders are the upstream response headers passed back to the browser.
var responseHeaders = []string{"Content-Type", "Content-Length", "Retry-After", "X-Request-Id", "Openai-Processing-Ms"}

func (u *upstream) modifyResponse(resp *http.Response) error {
	kept := http.Header{}
	for _, name := range responseHeaders {
		if v := resp.Header.Values(name); len(v) > 0 {
			kept[http.CanonicalHeaderKey(name)] = v
		}
	}
	resp.Header = kept
	resp.Header.Set("Cache-Control", "no-store")
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Header.Set("X-Accel-Buffering", "no")
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Never follow, nor pass on, a redirect: it could send the browser, or the key, elsewhere.
		resp.Body.Close()
		return u.replaceWithError(resp, &httperr.Error{Code: httperr.EUpstreamRedirect,
			Message: fmt.Sprintf("Provider %s answered with a redirect (%d), which the playground does not follow. The operator should check the provider's base URL.", u.name, resp.StatusCode)})
	}
	if resp.StatusCode < 400 {
		return nil
	}
	// Turn upstream errors into our envelope with a message that says what to do.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	e := u.upstreamError(resp.StatusCode, body)
	if resp.StatusCode == http.StatusTooManyRequests {
		// Pass the provider's Retry-After on; AI/ML API sends none, so suggest one.
		e.RetryAfter = 5
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && ra > 0 && ra < 3600 {
			e.RetryAfter = ra
		}
	}
	return u.replaceWithError(resp, e)
}

// replaceWithError turns an upstream response into one of our JSON errors.
func (u *upstream) replaceWithError(resp *http.Response, e *httperr.Error) error {
	resp.Header.Del("Retry-After")
	if e.RetryAfter > 0 {
		resp.Header.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	b := httperr.Body(e)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	resp.StatusCode = e.Status()
	return nil
}

// upstreamError maps an upstream failure to the status and message the browser gets. Bodies of
// authentication failures are never echoed: they may carry hints about the key.
func (u *upstream) upstreamError(status int, body []byte) *httperr.Error {
	detail := chat.ParseError(status, body).Message
	switch {
	case status == http.StatusUnauthorized:
		return &httperr.Error{Code: httperr.EUpstreamUnauthorized,
			Message: fmt.Sprintf("Provider %s rejected the server's API key (401). The operator should check %s.", u.name, u.keySource)}
	case status == http.StatusForbidden:
		return &httperr.Error{Code: httperr.EUpstreamForbidden,
			Message: fmt.Sprintf("Provider %s refused the request (403): the account behind the server's key may be out of credits or not allowed to use this model.", u.name)}
	case status == http.StatusTooManyRequests:
		return &httperr.Error{Code: httperr.EUpstreamRateLimited,
			Message: fmt.Sprintf("Provider %s is rate-limiting requests (429): wait a little and run again. Provider said: %s", u.name, detail)}
	case status >= 500:
		return &httperr.Error{Code: httperr.UpstreamCode(status),
			Message: fmt.Sprintf("Provider %s failed (%d): %s. Try again, or pick another model.", u.name, status, detail)}
	default:
		return &httperr.Error{Code: httperr.UpstreamCode(status),
			Message: fmt.Sprintf("Provider %s refused the request (%d): %s", u.name, status, detail)}
	}
}

// readModelRequest reads a bounded JSON body, refuses fields that could redirect the key, finds the
// model in the catalogue and its operation on path, and validates the body against its schema.
func (s *Server) readModelRequest(w http.ResponseWriter, r *http.Request, path string) (*call, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, httperr.Errorf(httperr.EContentType,
			"Content-Type must be application/json, not %q.", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, httperr.Errorf(httperr.EBodyTooLarge,
				"The request body is larger than the server's limit of %d bytes.", tooBig.Limit)
		}
		return nil, httperr.Errorf(httperr.EBodyUnreadable, "Reading the request body failed: %v", err)
	}
	var head map[string]json.RawMessage
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, httperr.Errorf(httperr.EInvalidJSON, "The request body must be a JSON object: %v", err)
	}
	for _, f := range forbiddenFields {
		if _, ok := head[f]; ok {
			return nil, httperr.Errorf(httperr.EForbiddenField,
				"%s: not allowed; the server chooses the provider and its credentials.", f)
		}
	}
	var model string
	if raw, ok := head["model"]; !ok || json.Unmarshal(raw, &model) != nil || model == "" {
		return nil, httperr.Errorf(httperr.EModelRequired, "model: is required and must be a model id string.")
	}
	entry, err := lookup(s.Catalog(), model, r.URL.Query().Get("provider"))
	if err != nil {
		return nil, err
	}
	path = kind.Canonical(path)
	op := entry.Find(path)
	switch {
	case op == nil && entry.Operation == nil || op != nil && !entry.RunnableOn(path):
		what := entry.Model.Endpoint
		if k := kind.For(what); k != nil {
			what = k.Label() + " (" + what + ")"
		}
		return nil, httperr.Errorf(httperr.EModelNotRunnable,
			"Model %s is served as %s, which the playground cannot run yet.", model, what)
	case op == nil:
		return nil, httperr.Errorf(httperr.EWrongEndpoint,
			"Model %s is called on %s, not on %s.", model, strings.Join(operationPaths(entry), " or "), path)
	}
	if vs := checkBody(op, body); len(vs) > 0 {
		return nil, &httperr.Error{Code: httperr.EInvalidParameters,
			Message: "The request does not match the model's schema: " + vs.Error(), Violations: vs}
	}
	if model != entry.Model.ID {
		// An alias: send the id the provider lists.
		head["model"], _ = json.Marshal(entry.Model.ID)
		if body, err = json.Marshal(head); err != nil {
			return nil, fmt.Errorf("re-encoding the request for %s: %w", entry.Model.ID, err)
		}
	}
	return &call{entry: entry, op: op, kind: kind.For(path), path: path, body: body}, nil
}

// operationPaths lists the paths the entry's model is called on.
func operationPaths(e *catalog.Entry) []string {
	var out []string
	if e.Operation != nil {
		out = append(out, e.Operation.Path)
	}
	for _, op := range e.Others {
		out = append(out, op.Path)
	}
	return out
}

// lookup is the one model lookup of every route (model calls, forms, the embed's routes and the
// prerendered pages): the catalogue entry that serves model at the named provider, or at the first
// provider (in configuration order) that offers it or an alias of it. An unknown provider is 404
// unknown_provider naming it, wherever it is asked for.
func lookup(cat *catalog.Catalog, model, provider string) (*catalog.Entry, error) {
	if provider != "" && !cat.HasProvider(provider) {
		return nil, unknownProvider(provider, cat.Providers())
	}
	entry, ok := cat.Lookup(model, provider)
	switch {
	case ok:
		return entry, nil
	case provider != "":
		return nil, httperr.Errorf(httperr.EModelNotAtProvider,
			"Provider %s does not offer model %q. Pick another provider for it, or leave the provider out to use the first one that offers it.", provider, model)
	default:
		return nil, httperr.Errorf(httperr.EModelNotFound,
			"Model %q is not offered by any configured provider.", model)
	}
}

// unknownProvider is the refusal of a provider name no provider has.
func unknownProvider(name string, providers []string) *httperr.Error {
	return httperr.Errorf(httperr.EUnknownProvider,
		"Unknown provider %q: no provider of that name is configured; the providers are %s.", name, strings.Join(providers, ", "))
}
