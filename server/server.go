package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/catalog/embedded"
	"playground/app/embed"
	"playground/app/schema"
	"playground/app/ui"
	"playground/server/access"
	"playground/server/adminweb"
	"playground/server/admit"
	"playground/server/catalogapi"
	"playground/server/httperr"
	"playground/server/jobs"
	"playground/server/media"
	"playground/server/meter"
	"playground/server/metrics"
	"playground/server/quota"
	"playground/server/store"
	"playground/server/upstream"
)

// Server serves the playground. Create it with New; it is an http.Handler. Close stops its
// background work.
type Server struct {
	cfg       Config
	log       *slog.Logger
	upstreams map[string]*upstream.Upstream
	generic   map[string]*schema.Operation
	catalog   *catalogapi.Service
	assets    *assets
	handler   http.Handler
	limits    *admit.Limiter
	// store and access are an instance's for a team (-auth other than none), else nil.
	store  store.Store
	access *access.Access
	quota  *quota.Quota
	// closeLimiter closes the rate limits' Redis client; nil without one.
	closeLimiter func() error
	embed        *admit.Gate
	// recorder receives the usage record of every model call (cfg.Recorder, else a log line).
	recorder meter.Recorder
	// metrics counts the calls for Prometheus (see MetricsHandler).
	metrics *metrics.Metrics
	// media mints and serves the /api/media/ paths of the files providers' answers point to.
	media *media.Server
	// jobs binds the jobs clients start to them and paces their polls.
	jobs *jobs.Registry
	// shutdown is cancelled by EndStreams, ending every model call in flight.
	shutdown   context.Context
	endStreams context.CancelFunc
}

// New builds a Server from cfg: it loads each provider's static catalogue (embedded, schema
// directories), fetches the live model lists (waiting at most ten seconds; a provider that does not
// answer keeps its static catalogue, or none, until a later refresh succeeds), starts refreshing
// them in the background every cfg.Refresh, prepares the web assets and registers the web app's
// routes. Call Close to stop the refreshers.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, upstreams: map[string]*upstream.Upstream{}, limits: admit.NewLimiter(cfg.Limits), embed: admit.NewGate(cfg.Embed.rules(), cfg.Limits.TrustedProxies)}
	s.recorder = cfg.Recorder
	if s.recorder == nil {
		s.recorder = meter.Slog{Log: log}
	}
	s.metrics = metrics.New(s.limits.InFlight)
	s.recorder = metrics.Tee{s.recorder, s.metrics}
	if err := s.openStore(); err != nil {
		return nil, err
	}
	s.shutdown, s.endStreams = context.WithCancel(context.Background())
	jc := jobs.Config{Lifetime: cfg.JobLifetime, MaxOpen: cfg.MaxOpenJobs, Log: log}
	if s.store != nil {
		jc.Shared = sharedJobs{s.store} // the replicas share their jobs' bindings
	}
	s.jobs = jobs.New(jc)
	if s.store != nil {
		go s.sweep(s.shutdown)
	}
	var err error
	if s.generic, err = catalog.LoadGeneric(embedded.FS); err != nil {
		return nil, fmt.Errorf("loading generic schemas: %w", err)
	}
	sources := make([]media.Source, len(cfg.Providers))
	for i, p := range cfg.Providers {
		sources[i] = media.Source{Name: p.Name, BaseURL: p.BaseURL, Hosts: p.MediaHosts, AllowInsecure: p.MediaAllowInsecure}
	}
	if s.media, err = media.New(sources, media.Options{MaxBytes: cfg.MediaMaxBytes, MaxAVBytes: cfg.MediaMaxAVBytes, MaxBodyBytes: cfg.MaxBodyBytes, Shutdown: s.shutdown}, log); err != nil {
		return nil, err
	}
	if err := s.loadProviders(); err != nil {
		return nil, err
	}
	if err := s.catalog.Start(); err != nil {
		s.Close()
		return nil, err
	}
	if s.assets, err = loadAssets(cfg.WebDir, log); err != nil {
		s.Close()
		return nil, err
	}
	version := cfg.Version
	if version == "" {
		version = s.assets.version
	}
	ui.Register(ui.Deps{Backend: s.catalog.Backend(), EmbedBackend: s.catalog.EmbedBackend()})
	page := &app.Handler{
		Name:        "Playground",
		ShortName:   "Playground",
		Title:       "Playground",
		Description: "Try AI models: pick a model, set its parameters, run, and see the exact request.",
		Lang:        "en",
		Icon:        app.Icon{Default: "/web/icon-192.png", Large: "/web/icon-512.png", SVG: "/web/icon.svg", Maskable: "/web/icon-512.png"},
		Styles:      []string{"/web/app.css"},
		// theme.js applies the saved theme before the first paint; frame.js lets an embedded
		// widget tell the page that frames it its height (see web/embed.js).
		Scripts:         []string{"/web/theme.js", "/web/frame.js"},
		BackgroundColor: "#0f1115",
		ThemeColor:      "#0f1115",
		LoadingLabel:    "Loading Playground… {progress}%",
		Resources:       webResolver{},
		Version:         version,
		// Env is written into the public app.js: it must never hold a secret.
		Env:               pageEnv(cfg),
		WasmContentLength: s.assets.wasmLength(),
	}
	s.handler = s.routes(page)
	return s, nil
}

func (s *Server) routes(page http.Handler) http.Handler {
	mux := http.NewServeMux()
	if s.cfg.MetricsToken != "" {
		mux.Handle("GET /metrics", s.metrics.Handler(s.cfg.MetricsToken.Reveal()))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	if s.access != nil {
		s.access.Register(mux, s.crossOriginPage)
	}
	if s.store != nil {
		// The admin page, the usage dashboard and the account page, behind an identity.
		pages := adminweb.New(adminweb.Config{Store: s.store, Log: s.log})
		for _, p := range adminweb.Patterns {
			mux.Handle(p, pages)
		}
	}
	mux.HandleFunc("GET /api/models", s.catalog.ServeModels)
	mux.HandleFunc("GET /api/models/{id...}", s.catalog.ServeForm)
	// State-changing routes refuse cross-origin browser requests (CSRF); there is no CORS.
	// Every model operation of the catalogue, at the provider's own path under /api.
	mux.Handle("POST /api/v1/", s.crossOrigin(http.HandlerFunc(s.handleCall)))
	mux.Handle("POST /api/v2/", s.crossOrigin(http.HandlerFunc(s.handleCall)))
	mux.HandleFunc("GET /api/v1/", s.handlePoll)
	mux.HandleFunc("GET /api/v2/", s.handlePoll)
	// Files a provider's answer pointed to, fetched by the server under a signed token (media).
	mux.Handle("GET /api/media/{token}", s.media)
	mux.HandleFunc("GET /api/embed/config", s.catalog.ServeEmbedConfig)
	mux.HandleFunc("GET /api/embed/models", s.catalog.ServeEmbedModels)
	mux.HandleFunc("GET /api/embed/models/{id...}", s.catalog.ServeForm)
	// The widget's model calls, of every kind its policy allows, under the embed's limits.
	mux.Handle("POST /api/embed/v1/", s.crossOrigin(http.HandlerFunc(s.handleEmbedCall)))
	mux.Handle("POST /api/embed/v2/", s.crossOrigin(http.HandlerFunc(s.handleEmbedCall)))
	mux.HandleFunc("GET /api/embed/v1/", s.handleEmbedPoll)
	mux.HandleFunc("GET /api/embed/v2/", s.handleEmbedPoll)
	mux.HandleFunc("GET "+embed.ScriptPath, s.assets.serveEmbedScript)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, httperr.Errorf(httperr.ENotFound, "No API route %s %s.", r.Method, r.URL.Path))
	})
	mux.Handle("GET /web/", s.assets)
	// go-app would fetch these from http://<request Host>/web/… and cache the answer for everyone;
	// serve them here so no request can make the server fetch anything.
	mux.HandleFunc("GET /robots.txt", s.assets.serveRobots)
	mux.HandleFunc("GET /sitemap.xml", http.NotFound)
	mux.HandleFunc("GET /ads.txt", http.NotFound)
	mux.HandleFunc("GET /app.wasm", http.NotFound)
	// The widget's page is a facade: the web app loads on the first interaction (see facade.go).
	mux.Handle("GET "+embed.PagePath, facadePage(page, s.log))
	mux.HandleFunc("GET /goapp.wasm", http.NotFound)
	mux.Handle("/", onlyGet(page))
	return s.logRequests(securityHeaders(s.guardRequests(s.requireIdentity(mux)), s.cfg.FrameAncestors, s.cfg.Embed.Origins))
}

// crossOrigin wraps a handler in Go's CSRF protection, answering refusals in the JSON error shape.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, httperr.Errorf(httperr.ECrossOrigin,
			"Cross-origin requests to the playground's API are not allowed."))
	}))
	return cop.Handler(next)
}

// crossOriginPage is crossOrigin for a form post of a page (sign-in, sign-out): refused in text.
func (s *Server) crossOriginPage(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "403 cross-origin form posts are not allowed", http.StatusForbidden)
	}))
	return cop.Handler(next)
}

// EndStreams ends every model call in flight: event streams get a final error event saying the
// server is shutting down, and the upstream requests are cancelled. It also stops the live list
// refreshers. Register it with http.Server.RegisterOnShutdown so that Shutdown does not wait on
// streams that never go idle.
func (s *Server) EndStreams() {
	s.endStreams()
	s.catalog.Stop()
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// webResolver tells go-app that static resources live under /web/ on this origin; the server serves
// them itself (see assets).
type webResolver struct{}

func (webResolver) Resolve(location string) string {
	if location == "" {
		return "/"
	}
	return location
}

// onlyGet answers 405 to methods other than GET and HEAD, for routes that only serve pages.
func onlyGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httperr.Write(w, httperr.Errorf(httperr.EMethodNotAllowed, "Method %s is not allowed here.", r.Method))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the browser-side protections on every response. The embed page may be
// framed by the embed origins (and the playground itself), every other page by frameAncestors.
func securityHeaders(next http.Handler, frameAncestors, embedOrigins []string) http.Handler {
	policy := func(ancestors []string) string {
		a := strings.Join(ancestors, " ")
		if a == "" {
			a = "'none'"
		}
		return "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
			"img-src 'self' data: blob:; media-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; " +
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors " + a
	}
	csp := policy(frameAncestors)
	embedCSP := policy(append([]string{"'self'"}, embedOrigins...))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.URL.Path == embed.PagePath {
			h.Set("Content-Security-Policy", embedCSP)
		} else {
			h.Set("Content-Security-Policy", csp)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		// Speech to text records from the microphone on the page itself, never in a frame of another origin.
		h.Set("Permissions-Policy", "microphone=(self), camera=(), geolocation=()")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status for the access log; Unwrap keeps http.ResponseController working.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one access-log line per API request: method, path, status and duration. It
// never logs headers, query strings or bodies.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start).Round(time.Millisecond))
		}
	})
}

// MetricsHandler serves the metrics without a token, for a listen address of their own
// (-metrics-addr).
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler(""))
	return mux
}

// pageEnv is what the page is told of the server (app.Handler.Env: public, in app.js, so never a
// secret): its body limit, and whether it is run for a team (View code then shows the
// playground's own API with a personal token, see app/ui).
func pageEnv(cfg Config) map[string]string {
	env := map[string]string{"PLAYGROUND_MAX_BODY": strconv.FormatInt(cfg.MaxBodyBytes, 10)}
	if cfg.Auth.SignsIn() {
		env["PLAYGROUND_TEAM"] = "1"
	}
	return env
}
