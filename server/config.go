// Package server is Playground's HTTP server: it serves the web app (the go-app page, its wasm and
// static assets), the catalogue API the browser reads, and the proxy that forwards model calls to the
// configured providers with the provider's API key added on the server, so that keys never reach the
// browser.
//
// The command in server/cmd/playground wires it up from flags and the environment; tests build a
// Server directly with New.
package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"playground/app/embed"
	"playground/app/kind"
	"playground/server/admit"
	"playground/server/media"
	"playground/server/meter"
	"playground/server/upstream"
)

// Config is everything the server needs to run. Build one with DefaultConfig and adjust it, or read
// it from flags and the environment with ParseConfig.
type Config struct {
	// Addr is the listen address, e.g. "localhost:8080".
	Addr string
	// WebDir is the directory of static assets served under /web/ (it holds the built app.wasm).
	WebDir string
	// ConfigFile, if set, is the YAML file the providers were read from (see ReadConfigFile).
	ConfigFile string
	// SchemasDir, if set, is a directory of OpenAPI files (one per model, AI/ML API docs format)
	// loaded on top of the first provider's other static sources.
	SchemasDir string
	// Refresh is how often providers' live model lists are fetched again.
	Refresh time.Duration
	// Version identifies the web app build; empty means "derive it from app.wasm's content".
	Version string
	// MaxBodyBytes bounds API request bodies (large enough for base64 images).
	MaxBodyBytes int64
	// Providers are the upstream APIs, in the order requests that name no provider try them.
	Providers []Provider
	// Limits bound the model calls clients can make.
	Limits Limits
	// FrameAncestors are the origins allowed to show the playground in a frame, in CSP syntax
	// ("'self'", "https://docs.example.com").
	FrameAncestors []string
	// KeepAlive is how long an event stream may stay silent before the server sends a comment
	// line to keep proxies between it and the browser from closing it; 0 disables the pings.
	KeepAlive time.Duration
	// Embed configures the embeddable widget (/embed, /embed.js and the /api/embed/ routes).
	Embed Embed
	// Recorder receives the usage record of every model call; nil logs each as a "model call"
	// line (meter.Slog) on the server's logger.
	Recorder meter.Recorder
	// MediaMaxBytes caps one file served by the media route (/api/media/…); 0 means
	// DefaultMediaMaxBytes (64 MiB).
	MediaMaxBytes int64
}

// Limits bound what one client, and all clients together, can make the server spend on model
// calls (see admit.Limits, which it is).
type Limits = admit.Limits

// DefaultLimits suit one team's self-hosted playground.
func DefaultLimits() Limits { return admit.DefaultLimits() }

// Embed configures the embeddable "Try in Playground" widget. An embed on a public docs page
// spends the operator's key for anonymous visitors, so it has its own origins, models and
// limits; its API lives under /api/embed/ so that a login in front of the playground can leave
// /embed, /embed.js, /web/ and /api/embed/ open and guard the rest.
type Embed struct {
	// Origins are the origins (CSP sources) whose pages may frame the widget; empty means only
	// the playground's own pages ('self').
	Origins []string
	// Models are path.Match patterns of the model ids (or aliases) an embed may run; empty means
	// every model the playground offers.
	Models []string
	// Limits bound what one visitor (rate, burst, calls in flight) and all visitors together
	// (Streams) make embeds spend. TrustedProxies is taken from the server's Limits.
	Limits Limits
	// MaxTokens caps the length of an answer: a request asking for more is refused, and one that
	// does not say gets this value (or, for a model without such a parameter, its stream is cut
	// at about this many tokens). 0 means no cap.
	MaxTokens int
	// DailyTokens is how many tokens (prompt and answer) all embeds together may use per UTC
	// day; 0 means no budget.
	DailyTokens int64
	// DailyUSD is how many US dollars all embeds together may spend per UTC day, as the provider
	// reports it (usage.cost, meta.usage.usd_spent); 0 means no budget.
	DailyUSD float64
	// DailyCredits is how many AI/ML API credits (meta.usage.credits_used) all embeds together
	// may spend per UTC day; 0 means no budget.
	DailyCredits float64
	// Kinds are the endpoint kinds (app/kind names: chat, responses, messages, images,
	// embeddings) an embed may run; empty means every kind the playground runs.
	Kinds []string
}

// DefaultEmbed suits a public docs site: framed by nobody until origins are set, every model, 6
// runs a minute per visitor, answers of at most 1,024 tokens and 1,000,000 tokens a day.
func DefaultEmbed() Embed {
	return Embed{Limits: Limits{RatePerMinute: 6, Burst: 3, StreamsPerClient: 2, Streams: 64}, MaxTokens: 1024, DailyTokens: 1_000_000}
}

// Provider is one OpenAI-compatible upstream API.
type Provider struct {
	// Name identifies the provider, e.g. "aimlapi".
	Name string
	// BaseURL is the API base including its version prefix, e.g. "https://api.aimlapi.com/v1".
	BaseURL string
	// Key is the API key added to every forwarded request. Empty means the server has none, and runs
	// answer with an error that says how to set it.
	Key Secret
	// KeyEnv names the environment variable the key is read from, for error messages.
	KeyEnv string
	// KeyFile names the file the key was read from, for error messages.
	KeyFile string
	// HeaderTimeout is how long the provider may take to start answering (its response headers).
	HeaderTimeout time.Duration
	// Catalog says where the provider's models and their request schemas come from.
	Catalog Sources
	// Models, when not empty, are the only models offered: path.Match patterns matched against
	// each model's id and aliases ("meta-llama/*").
	Models []string
	// Headers are extra headers sent with every request to the provider (never Authorization,
	// Host, Cookie or other headers the proxy owns; see Validate).
	Headers map[string]string
	// MediaHosts are the hosts whose files (image, video, audio and mesh URLs in the provider's
	// images answers) the server fetches and serves same-origin at /api/media/…: path.Match
	// patterns of a host ("cdn.example.com", "*.example.com", matching the scheme's default port
	// only) or of host:port ("127.0.0.1:*"). Nil means the default: AI/ML API's CDN and storage
	// hosts for a base URL on api.aimlapi.com, none for other providers; an empty list means none.
	MediaHosts []string
	// MediaAllowInsecure lets the provider's media come over plain http and from loopback
	// addresses (never from private, link-local or metadata ones). It is for tests against a
	// local file host only, and is logged as a warning at start.
	MediaAllowInsecure bool
}

// Sources are a provider's catalogue sources. With a live list, it decides which models the
// provider offers; the static sources (embedded, schemas) then only give schemas and metadata.
type Sources struct {
	// Embedded uses the default catalogue compiled into the server (AI/ML API's text models).
	Embedded bool
	// SchemasDir is a directory of per-model OpenAPI files (AI/ML API documentation layout).
	SchemasDir string
	// Live fetches GET {base URL}/models in the background, keeping the last good copy.
	Live bool
	// LiveQuery is the query string sent with the live request, e.g. "include=all".
	LiveQuery string
}

// keySource says where the provider's key comes from, for messages to the operator.
func (p Provider) keySource() string {
	if p.KeyFile != "" {
		return "the key file " + p.KeyFile
	}
	return p.KeyEnv
}

// Default values.
const (
	DefaultAddr         = "localhost:8080"
	DefaultAIMLAPIURL   = "https://api.aimlapi.com/v1"
	DefaultMaxBodyBytes = 32 << 20
	DefaultRefresh      = 10 * time.Minute
	// DefaultMediaMaxBytes is the default cap on one media file (Config.MediaMaxBytes).
	DefaultMediaMaxBytes = media.DefaultMaxBytes
)

// DefaultConfig returns the base configuration: the AI/ML API provider without a key and with the
// embedded catalogue only (ParseConfig adds its live list), listening on localhost:8080 and serving
// ./web.
func DefaultConfig() Config {
	return Config{
		Addr:           DefaultAddr,
		WebDir:         "web",
		MaxBodyBytes:   DefaultMaxBodyBytes,
		MediaMaxBytes:  DefaultMediaMaxBytes,
		Refresh:        DefaultRefresh,
		Limits:         DefaultLimits(),
		FrameAncestors: []string{"'self'"},
		KeepAlive:      15 * time.Second,
		Embed:          DefaultEmbed(),
		Providers: []Provider{{
			Name:          "aimlapi",
			BaseURL:       DefaultAIMLAPIURL,
			KeyEnv:        "AIMLAPI_API_KEY",
			HeaderTimeout: 2 * time.Minute,
			Catalog:       Sources{Embedded: true},
		}},
	}
}

// ParseConfig reads the configuration from command-line flags, falling back on environment
// variables (read through getenv) and then on DefaultConfig. Flags:
//
//	-addr      listen address            (env PLAYGROUND_ADDR, default localhost:8080)
//	-web       static assets directory   (env PLAYGROUND_WEB, default web)
//	-schemas   OpenAPI schema directory  (env PLAYGROUND_SCHEMAS)
//	-config    providers file (YAML)     (env PLAYGROUND_CONFIG)
//	-refresh   live list refresh period  (env PLAYGROUND_REFRESH, default 10m)
//	-embed-origins, -embed-models, -embed-kinds, -embed-rate, -embed-burst, -embed-max-tokens,
//	-embed-daily-tokens, -embed-daily-usd, -embed-daily-credits: the embeddable widget (env PLAYGROUND_EMBED_ORIGINS and so on; see Embed)
//
// With -config, the providers are read from the file (ReadFileConfig), and so are the embed
// settings that no -embed-… flag or PLAYGROUND_EMBED_… variable sets. Without it, the one
// provider is AI/ML API with the embedded catalogue and its live list; it reads AIMLAPI_BASE_URL
// and its key from AIMLAPI_API_KEY, or from the file named by AIMLAPI_API_KEY_FILE. Keys are never
// accepted as flags, which would show them in process listings.
func ParseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	cfg := DefaultConfig()
	var perr error
	envOr := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("playground", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", envOr("PLAYGROUND_ADDR", cfg.Addr), "listen address (env PLAYGROUND_ADDR)")
	fs.StringVar(&cfg.WebDir, "web", envOr("PLAYGROUND_WEB", cfg.WebDir), "directory of static assets served under /web/ (env PLAYGROUND_WEB)")
	fs.StringVar(&cfg.SchemasDir, "schemas", envOr("PLAYGROUND_SCHEMAS", ""), "directory of per-model OpenAPI files loaded on top of the embedded catalogue (env PLAYGROUND_SCHEMAS)")
	maxBody := fs.String("max-body", envOr("PLAYGROUND_MAX_BODY", strconv.FormatInt(cfg.MaxBodyBytes, 10)), "largest API request body in bytes (env PLAYGROUND_MAX_BODY)")
	ratePerMin := fs.String("rate", envOr("PLAYGROUND_RATE", strconv.FormatFloat(cfg.Limits.RatePerMinute, 'g', -1, 64)), "model calls per minute per client, 0 for no limit (env PLAYGROUND_RATE)")
	burst := fs.String("burst", envOr("PLAYGROUND_BURST", strconv.Itoa(cfg.Limits.Burst)), "model calls a client may start at once (env PLAYGROUND_BURST)")
	perClient := fs.String("streams-per-client", envOr("PLAYGROUND_STREAMS_PER_CLIENT", strconv.Itoa(cfg.Limits.StreamsPerClient)), "model calls one client may have running, 0 for no limit (env PLAYGROUND_STREAMS_PER_CLIENT)")
	streams := fs.String("streams", envOr("PLAYGROUND_STREAMS", strconv.Itoa(cfg.Limits.Streams)), "model calls running for all clients together, 0 for no limit (env PLAYGROUND_STREAMS)")
	proxies := fs.String("trusted-proxies", envOr("PLAYGROUND_TRUSTED_PROXIES", ""), "comma-separated networks of reverse proxies whose X-Forwarded-For is believed (env PLAYGROUND_TRUSTED_PROXIES)")
	fs.StringVar(&cfg.ConfigFile, "config", envOr("PLAYGROUND_CONFIG", ""), "YAML file listing the providers (env PLAYGROUND_CONFIG)")
	refresh := fs.String("refresh", envOr("PLAYGROUND_REFRESH", cfg.Refresh.String()), "how often live model lists are fetched again (env PLAYGROUND_REFRESH)")
	ancestors := fs.String("frame-ancestors", envOr("PLAYGROUND_FRAME_ANCESTORS", strings.Join(cfg.FrameAncestors, " ")), "origins that may show the playground in a frame, CSP syntax (env PLAYGROUND_FRAME_ANCESTORS)")
	embedOrigins := fs.String("embed-origins", envOr("PLAYGROUND_EMBED_ORIGINS", ""), "origins whose pages may embed the widget, space-separated CSP sources (env PLAYGROUND_EMBED_ORIGINS)")
	embedModels := fs.String("embed-models", envOr("PLAYGROUND_EMBED_MODELS", ""), "models the embed may run: comma- or space-separated patterns, empty for all (env PLAYGROUND_EMBED_MODELS)")
	embedKinds := fs.String("embed-kinds", envOr("PLAYGROUND_EMBED_KINDS", ""), "endpoint kinds the embed may run (chat, responses, messages, images, embeddings): comma- or space-separated, empty for all (env PLAYGROUND_EMBED_KINDS)")
	embedUSD := fs.String("embed-daily-usd", envOr("PLAYGROUND_EMBED_DAILY_USD", strconv.FormatFloat(cfg.Embed.DailyUSD, 'g', -1, 64)), "US dollars all embeds may spend per UTC day as providers report it, 0 for no budget (env PLAYGROUND_EMBED_DAILY_USD)")
	embedCredits := fs.String("embed-daily-credits", envOr("PLAYGROUND_EMBED_DAILY_CREDITS", strconv.FormatFloat(cfg.Embed.DailyCredits, 'g', -1, 64)), "AI/ML API credits all embeds may spend per UTC day, 0 for no budget (env PLAYGROUND_EMBED_DAILY_CREDITS)")
	embedRate := fs.String("embed-rate", envOr("PLAYGROUND_EMBED_RATE", strconv.FormatFloat(cfg.Embed.Limits.RatePerMinute, 'g', -1, 64)), "embed runs per minute per visitor, 0 for no limit (env PLAYGROUND_EMBED_RATE)")
	embedBurst := fs.String("embed-burst", envOr("PLAYGROUND_EMBED_BURST", strconv.Itoa(cfg.Embed.Limits.Burst)), "embed runs a visitor may start at once (env PLAYGROUND_EMBED_BURST)")
	embedMax := fs.String("embed-max-tokens", envOr("PLAYGROUND_EMBED_MAX_TOKENS", strconv.Itoa(cfg.Embed.MaxTokens)), "longest embed answer in tokens, 0 for no cap (env PLAYGROUND_EMBED_MAX_TOKENS)")
	embedDaily := fs.String("embed-daily-tokens", envOr("PLAYGROUND_EMBED_DAILY_TOKENS", strconv.FormatInt(cfg.Embed.DailyTokens, 10)), "tokens all embeds may use per UTC day, 0 for no budget (env PLAYGROUND_EMBED_DAILY_TOKENS)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.Embed.Origins = strings.Fields(*embedOrigins)
	cfg.Embed.Models = strings.FieldsFunc(*embedModels, func(r rune) bool { return r == ',' || r == ' ' })
	if kinds := strings.FieldsFunc(*embedKinds, func(r rune) bool { return r == ',' || r == ' ' }); len(kinds) > 0 {
		cfg.Embed.Kinds = kinds
	}
	for _, m := range []struct {
		name, value string
		dst         *float64
	}{{"embed-daily-usd", *embedUSD, &cfg.Embed.DailyUSD}, {"embed-daily-credits", *embedCredits, &cfg.Embed.DailyCredits}} {
		v, err := strconv.ParseFloat(m.value, 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 1) {
			return cfg, fmt.Errorf("%s: %q is not an amount ≥ 0", m.name, m.value)
		}
		*m.dst = v
	}
	// !(rate >= 0) also refuses NaN; ParseFloat accepts "NaN" and "Inf", which are no rates.
	embedRatePerMinute, perr := strconv.ParseFloat(*embedRate, 64)
	if perr != nil || !(embedRatePerMinute >= 0) || math.IsInf(embedRatePerMinute, 1) {
		return cfg, fmt.Errorf("embed-rate: %q is not a number of runs per minute ≥ 0", *embedRate)
	}
	cfg.Embed.Limits.RatePerMinute = embedRatePerMinute
	if cfg.Embed.Limits.Burst, perr = strconv.Atoi(*embedBurst); perr != nil || cfg.Embed.Limits.Burst < 1 {
		return cfg, fmt.Errorf("embed-burst: %q is not a whole number ≥ 1", *embedBurst)
	}
	if cfg.Embed.MaxTokens, perr = strconv.Atoi(*embedMax); perr != nil || cfg.Embed.MaxTokens < 0 {
		return cfg, fmt.Errorf("embed-max-tokens: %q is not a whole number ≥ 0", *embedMax)
	}
	if cfg.Embed.DailyTokens, perr = strconv.ParseInt(*embedDaily, 10, 64); perr != nil || cfg.Embed.DailyTokens < 0 {
		return cfg, fmt.Errorf("embed-daily-tokens: %q is not a whole number ≥ 0", *embedDaily)
	}
	var err error
	if cfg.MaxBodyBytes, err = parsePositive("max-body", *maxBody); err != nil {
		return cfg, err
	}
	if cfg.Limits.RatePerMinute, err = strconv.ParseFloat(*ratePerMin, 64); err != nil || !(cfg.Limits.RatePerMinute >= 0) || math.IsInf(cfg.Limits.RatePerMinute, 1) {
		return cfg, fmt.Errorf("rate: %q is not a number of calls per minute ≥ 0", *ratePerMin)
	}
	for _, n := range []struct {
		name, value string
		dst         *int
	}{{"burst", *burst, &cfg.Limits.Burst}, {"streams-per-client", *perClient, &cfg.Limits.StreamsPerClient}, {"streams", *streams, &cfg.Limits.Streams}} {
		v, err := strconv.Atoi(n.value)
		if err != nil || v < 0 {
			return cfg, fmt.Errorf("%s: %q is not a whole number ≥ 0", n.name, n.value)
		}
		*n.dst = v
	}
	if cfg.Limits.TrustedProxies, err = parsePrefixes(*proxies); err != nil {
		return cfg, err
	}
	cfg.FrameAncestors = strings.Fields(*ancestors)
	if cfg.Refresh, err = time.ParseDuration(*refresh); err != nil || cfg.Refresh < time.Second {
		return cfg, fmt.Errorf("refresh: %q is not a duration of at least 1s (e.g. 10m)", *refresh)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (flags are -addr, -web, -schemas, -config…; -h lists them)", fs.Arg(0))
	}
	if cfg.ConfigFile != "" {
		var file FileConfig
		if file, err = ReadFileConfig(cfg.ConfigFile, getenv); err != nil {
			return cfg, err
		}
		cfg.Providers = file.Providers
		if file.Embed != nil {
			// The embed flags and variables that are set override the file's embed section.
			cfg.Embed = mergeEmbed(*file.Embed, cfg.Embed, fs, getenv)
		}
		return cfg, cfg.Validate()
	}
	p := &cfg.Providers[0]
	p.BaseURL = envOr("AIMLAPI_BASE_URL", p.BaseURL)
	p.Catalog.Live, p.Catalog.LiveQuery = true, "include=all"
	key, err := readKey(getenv, "AIMLAPI_API_KEY")
	if err != nil {
		return cfg, err
	}
	p.Key = key
	return cfg, cfg.Validate()
}

func parsePositive(name, s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive whole number", name, s)
	}
	return v, nil
}

// parsePrefixes reads a comma-separated list of networks ("10.0.0.0/8") or single addresses.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted-proxies: %q is neither a network (10.0.0.0/8) nor an address", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// readKey reads a key from the variable name, or from the file named by name_FILE.
func readKey(getenv func(string) string, name string) (Secret, error) {
	if v := strings.TrimSpace(getenv(name)); v != "" {
		return Secret(v), nil
	}
	file := getenv(name + "_FILE")
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		// The error names the file, never its content.
		return "", fmt.Errorf("%s_FILE: reading key file: %w", name, err)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("%s_FILE: key file %s is empty", name, file)
	}
	return Secret(key), nil
}

// Validate checks the configuration and says which setting is wrong and why.
func (c Config) Validate() error {
	if c.Addr == "" {
		return errors.New("addr: must not be empty")
	}
	if c.MaxBodyBytes <= 0 {
		return errors.New("max body bytes: must be positive")
	}
	if c.MediaMaxBytes < 0 {
		return errors.New("media max bytes: must not be negative (0 means the default)")
	}
	for _, a := range c.FrameAncestors {
		if strings.ContainsAny(a, ";,\r\n") {
			return fmt.Errorf("frame-ancestors: %q is not a CSP source", a)
		}
	}
	if err := c.Embed.validate(); err != nil {
		return err
	}
	if len(c.Providers) == 0 {
		return errors.New("providers: at least one provider is needed")
	}
	seen := map[string]bool{}
	for i, p := range c.Providers {
		if p.Name == "" {
			return fmt.Errorf("providers[%d]: name must not be empty", i)
		}
		if seen[p.Name] {
			return fmt.Errorf("providers[%d]: name %q is used twice", i, p.Name)
		}
		seen[p.Name] = true
		if p.HeaderTimeout <= 0 {
			return fmt.Errorf("provider %s: header timeout must be positive", p.Name)
		}
		if _, err := upstream.ParseBaseURL(p.BaseURL); err != nil {
			return fmt.Errorf("provider %s: base URL: %w", p.Name, err)
		}
		if !p.Catalog.Embedded && !p.Catalog.Live && p.Catalog.SchemasDir == "" && (i > 0 || c.SchemasDir == "") {
			return fmt.Errorf("provider %s: catalog: no source of models (embedded, schemas or live)", p.Name)
		}
		for _, pat := range p.Models {
			if err := embed.CheckPattern(pat); err != nil {
				return fmt.Errorf("provider %s: models: %w", p.Name, err)
			}
		}
		for name, v := range p.Headers {
			if err := checkHeader(name, v); err != nil {
				return fmt.Errorf("provider %s: headers: %w", p.Name, err)
			}
		}
		for _, pat := range p.MediaHosts {
			if err := media.CheckHost(pat); err != nil {
				return fmt.Errorf("provider %s: media hosts: %w", p.Name, err)
			}
		}
	}
	if c.Refresh <= 0 {
		return errors.New("refresh: must be positive")
	}
	return nil
}

// rules are the embed settings the admission gate enforces.
func (e Embed) rules() admit.Rules {
	return admit.Rules{Models: e.Models, Kinds: e.Kinds, Limits: e.Limits, MaxTokens: e.MaxTokens,
		DailyTokens: e.DailyTokens, DailyUSD: e.DailyUSD, DailyCredits: e.DailyCredits}
}

// validate checks the embed settings.
func (e Embed) validate() error {
	for _, a := range e.Origins {
		if strings.ContainsAny(a, ";,\r\n'") && a != "'self'" {
			return fmt.Errorf("embed-origins: %q is not an origin (like https://docs.example.com)", a)
		}
	}
	for _, p := range e.Models {
		if err := embed.CheckPattern(p); err != nil {
			return fmt.Errorf("embed-models: %w", err)
		}
	}
	for _, k := range e.Kinds {
		if err := checkEmbedKind(k); err != nil {
			return fmt.Errorf("embed-kinds: %w", err)
		}
	}
	switch {
	case e.MaxTokens < 0:
		return errors.New("embed-max-tokens: must not be negative")
	case e.DailyTokens < 0:
		return errors.New("embed-daily-tokens: must not be negative")
	case !(e.DailyUSD >= 0) || math.IsInf(e.DailyUSD, 0):
		return errors.New("embed-daily-usd: must be an amount ≥ 0 (0 for no budget)")
	case !(e.DailyCredits >= 0) || math.IsInf(e.DailyCredits, 0):
		return errors.New("embed-daily-credits: must be an amount ≥ 0 (0 for no budget)")
	case e.Limits.RatePerMinute < 0:
		return errors.New("embed-rate: must not be negative")
	case math.IsNaN(e.Limits.RatePerMinute) || math.IsInf(e.Limits.RatePerMinute, 0):
		return errors.New("embed-rate: must be a finite number of runs per minute (0 for no limit)")
	case e.Limits.RatePerMinute > 0 && e.Limits.Burst < 1:
		return errors.New("embed-burst: must be at least 1 when embed runs are rate-limited")
	}
	return nil
}

// checkEmbedKind accepts the name of a kind the playground runs.
func checkEmbedKind(name string) error {
	if k := kind.ByName(name); k != nil && k.Runs() {
		return nil
	}
	return fmt.Errorf("%q is not a kind the playground runs; the kinds are %s", name, strings.Join(runnableKinds(), ", "))
}

// runnableKinds are the names of the kinds the playground runs, in the registry's order.
func runnableKinds() []string {
	var out []string
	for _, k := range kind.All() {
		if k.Runs() {
			out = append(out, k.Name())
		}
	}
	return out
}

// Secret is a string that never prints: formatting, JSON and slog all show "[redacted]" (see
// upstream.Secret, which it is).
type Secret = upstream.Secret
