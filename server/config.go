// Package server is Playground's HTTP server: it serves the web app (the go-app page, its wasm and
// static assets), the catalogue API the browser reads, and the proxy that forwards model calls to the
// configured providers with the provider's API key added on the server, so that keys never reach the
// browser.
//
// The command in server/cmd/playground wires it up from flags and the environment; tests build a
// Server directly with New.
package server

import (
	"time"

	"playground/server/admit"
	"playground/server/auth"
	"playground/server/jobs"
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
	// MaxUploadBytes bounds API request bodies sent as multipart/form-data (image edits, audio
	// uploads); they stream through to the provider, not held in memory (see package formcall).
	MaxUploadBytes int64
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
	// MediaMaxAVBytes caps one video or sound file served by the media route; 0 means
	// media.DefaultMaxAVBytes (1 GiB). Such files are streamed, never held in memory.
	MediaMaxAVBytes int64
	// Auth is how the server knows who calls (-auth): none (the default: one user, no sign-in),
	// header, oidc or local; any other than none needs the store (Database).
	Auth auth.Mode
	// AuthHeader and AuthGroupsHeader are the header mode's identity and groups headers; a group
	// the groups header names that is a team's name makes the user a member of it.
	AuthHeader, AuthGroupsHeader string
	// AuthNewUsers is what the header and oidc modes do with an address no user has
	// (-auth-new-users): refuse it (the default) or create its user.
	AuthNewUsers auth.NewUsers
	// OIDC is the oidc mode's provider and client (-oidc-…).
	OIDC OIDCConfig
	// Database is the store of users, tokens, sessions, budgets and usage: an SQLite file (see
	// server/sqlite), created on first use.
	Database string
	// DefaultMaxTokens is the answer length (max_tokens, or the model's own length parameter) a
	// signed-in user's call is sent with when it sets none, so that what it may cost is bounded
	// and reserved before it starts (-default-max-tokens).
	DefaultMaxTokens int64
	// MeterDrain is how long the server keeps reading a signed-in user's answer after its client
	// stopped it or went away, to meter it from the provider's own count (-meter-drain); a call
	// not read to its end in that time is charged its reservation. 0 stops reading at once.
	MeterDrain time.Duration
	// UsageRetention is how long the usage log keeps each call's record (-usage-retention); 0
	// keeps them for ever. Once an hour the older ones are deleted, never those of the budget
	// periods running (see team.PruneLimit); the daily sums the usage dashboard reads stay.
	UsageRetention time.Duration
	// MetricsAddr, when set, is a listen address of its own for GET /metrics (Prometheus).
	MetricsAddr string
	// PprofAddr, when set, is a listen address of its own for Go's profiles (net/http/pprof under
	// /debug/pprof/), for finding where a server's time and memory go; keep it on loopback.
	PprofAddr string
	// MetricsToken, when set, serves GET /metrics on the main address to requests that carry it
	// as a bearer token (from PLAYGROUND_METRICS_TOKEN or the file PLAYGROUND_METRICS_TOKEN_FILE).
	MetricsToken Secret
	// JobLifetime is how long after its creation the server relays a job's polls (video,
	// music, speech to text); 0 means jobs.DefaultLifetime (30 minutes).
	JobLifetime time.Duration
	// MaxOpenJobs is how many jobs one client may have running; 0 means jobs.DefaultMaxOpen.
	MaxOpenJobs int
	// Redis, when set, is the URL of the Redis that holds the per-user and per-team rate,
	// token-rate and concurrency limits of all replicas (redis://[user:password@]host:port/db or
	// rediss://; see server/redis); empty keeps them in memory, for one replica (see package
	// ratelimit). It may hold a password, so it is a Secret and never prints.
	Redis Secret
	// LimitsFailOpen lets calls through, unlimited (and logged), while the limit store is
	// unreachable; false, the default, refuses them (see ratelimit.WithFailPolicy).
	LimitsFailOpen bool
	// UsageContent keeps a signed-in user's prompt (the request body the provider got) and answer
	// (as it came, when it is text or JSON), each up to team.MaxUsageContent bytes, with the call's
	// usage record, for the usage export. Off by default: the usage log holds no prompt or answer.
	UsageContent bool
}

// OIDCConfig is how -auth oidc signs users in with an OpenID Connect provider (see server/oidc).
type OIDCConfig struct {
	// Issuer is the provider's issuer URL (-oidc-issuer), discovered at start-up.
	Issuer string
	// ClientID is the client registered with the provider (-oidc-client-id).
	ClientID string
	// ClientSecret is the client's secret: from PLAYGROUND_OIDC_CLIENT_SECRET or the file
	// -oidc-client-secret-file names, never a flag's value.
	ClientSecret Secret
	// ClientSecretFile names the file the secret was read from, for messages.
	ClientSecretFile string
	// RedirectURL is the full URL of the callback route (-oidc-redirect-url), e.g.
	// https://playground.example.com/auth/callback, as registered with the provider.
	RedirectURL string
	// GroupsClaim is the ID token claim of the user's groups (-oidc-groups-claim, default groups).
	GroupsClaim string
	// Scopes are the scopes asked for (-oidc-scopes, default openid email profile).
	Scopes []string
	// StateKey seals the sign-in's state cookie (PLAYGROUND_OIDC_STATE_KEY or _FILE): the same
	// on every replica, so that a sign-in begun on one can finish on another; empty is a random
	// key per process.
	StateKey Secret
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
	// DefaultMaxTokens is the default DefaultMaxTokens.
	DefaultMaxTokens = 4096
	// DefaultMeterDrain is the default MeterDrain.
	DefaultMeterDrain = 2 * time.Minute
	// DefaultMaxUploadBytes is the default MaxUploadBytes: 128 MiB, room for an image edit's
	// images at their cap.
	DefaultMaxUploadBytes = 128 << 20
	DefaultRefresh        = 10 * time.Minute
	// DefaultMediaMaxBytes is the default cap on one media file (Config.MediaMaxBytes).
	DefaultMediaMaxBytes = media.DefaultMaxBytes
)

// DefaultConfig returns the base configuration: the AI/ML API provider without a key and with the
// embedded catalogue only (ParseConfig adds its live list), listening on localhost:8080 and serving
// ./web.
func DefaultConfig() Config {
	return Config{
		Addr:             DefaultAddr,
		WebDir:           "web",
		MaxBodyBytes:     DefaultMaxBodyBytes,
		MaxUploadBytes:   DefaultMaxUploadBytes,
		MediaMaxBytes:    DefaultMediaMaxBytes,
		JobLifetime:      jobs.DefaultLifetime,
		DefaultMaxTokens: DefaultMaxTokens,
		MeterDrain:       DefaultMeterDrain,
		MaxOpenJobs:      jobs.DefaultMaxOpen,
		Refresh:          DefaultRefresh,
		Limits:           DefaultLimits(),
		FrameAncestors:   []string{"'self'"},
		KeepAlive:        15 * time.Second,
		Embed:            DefaultEmbed(),
		Providers: []Provider{{
			Name:          "aimlapi",
			BaseURL:       DefaultAIMLAPIURL,
			KeyEnv:        "AIMLAPI_API_KEY",
			HeaderTimeout: 2 * time.Minute,
			Catalog:       Sources{Embedded: true},
		}},
	}
}

// Secret is a string that never prints: formatting, JSON and slog all show "[redacted]" (see
// upstream.Secret, which it is).
type Secret = upstream.Secret
