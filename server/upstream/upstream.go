// Package upstream forwards model calls to one configured provider: the outbound URL built from
// server configuration only, an httputil.ReverseProxy with Rewrite that sends an allow-list of
// headers and the provider's key, the transport settings, and the mapping of upstream failures
// (redirects, 4xx, 5xx, timeouts) to the server's JSON errors. It also holds Secret, the key type
// that never prints, and Stream, the writer between the proxy and the browser (keep-alive pings,
// a final error event when the server ends a stream).
//
// It does not import the root server package; the server builds one Upstream per provider and
// picks it from the catalogue, never from anything the client sends.
package upstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"playground/server/httperr"
)

// ListTimeout bounds one request of the upstream's Client (the live model list).
const ListTimeout = 30 * time.Second

// Config is one provider as the proxy sees it.
type Config struct {
	// Name identifies the provider in messages, e.g. "aimlapi".
	Name string
	// BaseURL is the API base including its version prefix (see ParseBaseURL).
	BaseURL string
	// Key is added to every forwarded request; empty means the server has none.
	Key Secret
	// KeyEnv names the environment variable the key is read from, for messages.
	KeyEnv string
	// KeySource says where the key comes from (the variable or the key file), for messages.
	KeySource string
	// Headers are extra headers sent with every request (checked by the configuration: never
	// one the proxy sets itself).
	Headers map[string]string
	// HeaderTimeout is how long the provider may take to start answering.
	HeaderTimeout time.Duration
	// OnResponse, when not nil, sees every successful upstream response after the headers are
	// filtered, with the canonical operation path of the call (see WithOperation); the server
	// uses it to relay media URLs. An error it returns goes to the proxy's error handler.
	OnResponse func(operation string, resp *http.Response) error
}

// Upstream is a configured provider ready to forward requests. It is an http.Handler: ServeHTTP
// proxies a request whose context carries its operation (WithOperation) and whose body is the
// checked request body.
type Upstream struct {
	name       string
	base       *url.URL
	key        Secret
	keyEnv     string
	keySource  string
	headers    map[string]string
	onResponse func(string, *http.Response) error
	proxy      *httputil.ReverseProxy
	// client fetches the provider's live model list; it never follows redirects.
	client *http.Client
}

// copyBuffers lends the proxy the buffers it copies responses through. Model answers arrive as
// small events, so 8 KiB (rather than ReverseProxy's default 32 KiB per stream) loses no speed and
// saves memory with thousands of streams open (see TestLoad2000Streams).
var copyBuffers = &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 8<<10); return &b }}}

type bufferPool struct{ pool sync.Pool }

// Get lends a buffer.
func (p *bufferPool) Get() []byte { return *p.pool.Get().(*[]byte) }

// Put takes a buffer back.
func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }

// operationKey carries the call's canonical operation path through the proxy's Rewrite and
// ModifyResponse.
type operationKey struct{}

// WithOperation returns ctx carrying the canonical operation path of a call (e.g.
// "/v1/chat/completions"): the path ServeHTTP forwards to, below the provider's base URL.
func WithOperation(ctx context.Context, operation string) context.Context {
	return context.WithValue(ctx, operationKey{}, operation)
}

// Operation returns the operation path WithOperation put in ctx, or "".
func Operation(ctx context.Context) string {
	op, _ := ctx.Value(operationKey{}).(string)
	return op
}

// queryKey carries the query of a poll (see WithQuery).
type queryKey struct{}

// WithQuery returns ctx carrying the encoded query the forwarded request gets (the server
// builds it; nothing of the browser's query is passed on).
func WithQuery(ctx context.Context, query string) context.Context {
	return context.WithValue(ctx, queryKey{}, query)
}

// New builds the upstream of cfg; log receives the errors its proxy answers with. It fails when
// the base URL is not one ParseBaseURL accepts.
func New(cfg Config, log *slog.Logger) (*Upstream, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("provider %s: base URL: %w", cfg.Name, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u := &Upstream{name: cfg.Name, base: base, key: cfg.Key, keyEnv: cfg.KeyEnv, keySource: cfg.KeySource,
		headers: cfg.Headers, onResponse: cfg.OnResponse}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.HeaderTimeout, // slow reasoning models take long to start
	}
	u.client = &http.Client{
		Transport:     transport,
		Timeout:       ListTimeout,
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
			if u.onResponse == nil || resp.Request == nil {
				return nil
			}
			return u.onResponse(Operation(resp.Request.Context()), resp)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
				return // the browser went away (Stop); nothing to answer
			}
			httperr.Respond(w, r, log, u.transportError(err))
		},
	}
	return u, nil
}

// Name returns the provider's name.
func (u *Upstream) Name() string { return u.name }

// Base returns a copy of the provider's parsed base URL.
func (u *Upstream) Base() *url.URL { b := *u.base; return &b }

// CheckKey returns nil when the server has a key for the provider, else the no_api_key error
// that says, for a call of model, how to set it.
func (u *Upstream) CheckKey(model string) error {
	if u.key != "" {
		return nil
	}
	return httperr.Errorf(httperr.ENoAPIKey,
		"The server has no API key for provider %s, so it cannot run %s. Set %s (or %s_FILE) in the server's environment and restart it.",
		u.name, model, u.keyEnv, u.keyEnv)
}

// ServeHTTP forwards r to the provider, at the operation its context carries (WithOperation),
// and writes the answer, or the JSON error an upstream failure maps to, to w.
func (u *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) { u.proxy.ServeHTTP(w, r) }

// ListRequest builds the request for the provider's live model list, GET {base}/models[?query],
// with the provider's extra headers and key; etag, when not empty, is sent as If-None-Match.
func (u *Upstream) ListRequest(ctx context.Context, query, etag string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.ListURL(query), nil)
	if err != nil {
		return nil, fmt.Errorf("building the models request: %w", err)
	}
	for k, v := range u.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "playground")
	if u.key != "" {
		req.Header.Set("Authorization", "Bearer "+u.key.Reveal())
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	return req, nil
}

// ListURL is the URL of the provider's live model list with query (it never holds the key).
func (u *Upstream) ListURL(query string) string {
	l := *u.base
	l.Path += "/models"
	l.RawQuery = query
	return l.String()
}

// Client is the HTTP client for ListRequest: the proxy's transport, ListTimeout, and no
// redirects followed.
func (u *Upstream) Client() *http.Client { return u.client }

// rewrite builds the outbound request: the URL from server configuration only, headers from an
// allow-list, and the provider key.
func (u *Upstream) rewrite(pr *httputil.ProxyRequest) {
	endpoint := Operation(pr.In.Context())
	out := pr.Out
	out.URL = &url.URL{Scheme: u.base.Scheme, Host: u.base.Host, Path: OutboundPath(u.base.Path, endpoint)}
	out.URL.RawQuery, _ = pr.In.Context().Value(queryKey{}).(string)
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
	switch {
	case pr.In.Method == http.MethodGet:
		out.Header.Del("Content-Type") // a poll has no body
	case strings.HasPrefix(in.Get("Content-Type"), "multipart/form-data; boundary="):
		// an upload: the server's own multipart body (see package formcall), with its boundary
	default:
		out.Header.Set("Content-Type", "application/json")
	}
	out.Header.Set("Accept-Encoding", "identity") // never let compression buffer a stream
	out.Header.Set("User-Agent", "playground")
	out.Header.Set("Authorization", "Bearer "+u.key.Reveal())
}

// OutboundPath is the upstream path of an operation for a provider whose base URL has basePath:
// an operation under /v1 goes below the base (which holds the API version: "/v1",
// "/v1/openai"), any other (/v2/…) below the base's root, the base without its trailing "/v1".
func OutboundPath(basePath, endpoint string) string {
	if rest, ok := strings.CutPrefix(endpoint, "/v1/"); ok {
		return basePath + "/" + rest
	}
	return strings.TrimSuffix(basePath, "/v1") + endpoint
}

// ParseBaseURL accepts only absolute http(s) URLs without query, fragment or user info, and
// returns the URL without its trailing slashes.
func ParseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: scheme must be http or https", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q: host is missing", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q: must not carry user info, a query or a fragment", s)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}
