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

	"playground/server/admin"
	"playground/server/auth"
	"playground/server/oidc"
)

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
//	-auth, -auth-header, -auth-groups-header, -auth-new-users, -database: who may call (env PLAYGROUND_AUTH and so on)
//	-oidc-issuer, -oidc-client-id, -oidc-client-secret-file, -oidc-redirect-url, -oidc-groups-claim,
//	-oidc-scopes: the oidc mode (env PLAYGROUND_OIDC_ISSUER and so on; see OIDCConfig)
//	-redis     Redis URL of the limits   (env PLAYGROUND_REDIS, default none: in memory)
//	-limits-fail-open  allow calls while the limit store is unreachable (env PLAYGROUND_LIMITS_FAIL_OPEN, default false: refuse)
//	-usage-content  keep prompts and answers with the usage records (env PLAYGROUND_USAGE_CONTENT, default false)
//
// The Redis URL may hold a password: a value in PLAYGROUND_REDIS is not shown as the flag's
// default in -h, and Config keeps it as a Secret.
// With -config, the providers are read from the file (ReadFileConfig), and so are the embed
// settings that no -embed-… flag or PLAYGROUND_EMBED_… variable sets. Without it, the one
// provider is AI/ML API with the embedded catalogue and its live list; it reads AIMLAPI_BASE_URL
// and its key from AIMLAPI_API_KEY, or from the file named by AIMLAPI_API_KEY_FILE. Keys are never
// accepted as flags, which would show them in process listings; neither are the OIDC client
// secret (PLAYGROUND_OIDC_CLIENT_SECRET, or the file -oidc-client-secret-file names) and the OIDC
// state key (PLAYGROUND_OIDC_STATE_KEY, or the file PLAYGROUND_OIDC_STATE_KEY_FILE names).
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
	maxUpload := fs.String("max-upload", envOr("PLAYGROUND_MAX_UPLOAD", strconv.FormatInt(cfg.MaxUploadBytes, 10)), "largest API request body sent as multipart/form-data (uploads, spooled to temporary files), in bytes (env PLAYGROUND_MAX_UPLOAD)")
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
	embedKinds := fs.String("embed-kinds", envOr("PLAYGROUND_EMBED_KINDS", ""), "endpoint kinds the embed may run (chat, responses, messages, images, embeddings, video, tts, music, stt, ocr): comma- or space-separated, empty for all (env PLAYGROUND_EMBED_KINDS)")
	embedUSD := fs.String("embed-daily-usd", envOr("PLAYGROUND_EMBED_DAILY_USD", strconv.FormatFloat(cfg.Embed.DailyUSD, 'g', -1, 64)), "US dollars all embeds may spend per UTC day as providers report it, 0 for no budget (env PLAYGROUND_EMBED_DAILY_USD)")
	embedCredits := fs.String("embed-daily-credits", envOr("PLAYGROUND_EMBED_DAILY_CREDITS", strconv.FormatFloat(cfg.Embed.DailyCredits, 'g', -1, 64)), "AI/ML API credits all embeds may spend per UTC day, 0 for no budget (env PLAYGROUND_EMBED_DAILY_CREDITS)")
	embedRate := fs.String("embed-rate", envOr("PLAYGROUND_EMBED_RATE", strconv.FormatFloat(cfg.Embed.Limits.RatePerMinute, 'g', -1, 64)), "embed runs per minute per visitor, 0 for no limit (env PLAYGROUND_EMBED_RATE)")
	embedBurst := fs.String("embed-burst", envOr("PLAYGROUND_EMBED_BURST", strconv.Itoa(cfg.Embed.Limits.Burst)), "embed runs a visitor may start at once (env PLAYGROUND_EMBED_BURST)")
	embedMax := fs.String("embed-max-tokens", envOr("PLAYGROUND_EMBED_MAX_TOKENS", strconv.Itoa(cfg.Embed.MaxTokens)), "longest embed answer in tokens, 0 for no cap (env PLAYGROUND_EMBED_MAX_TOKENS)")
	embedDaily := fs.String("embed-daily-tokens", envOr("PLAYGROUND_EMBED_DAILY_TOKENS", strconv.FormatInt(cfg.Embed.DailyTokens, 10)), "tokens all embeds may use per UTC day, 0 for no budget (env PLAYGROUND_EMBED_DAILY_TOKENS)")
	authMode := fs.String("auth", envOr("PLAYGROUND_AUTH", "none"), "who may call: none, header, oidc or local (env PLAYGROUND_AUTH)")
	fs.StringVar(&cfg.AuthHeader, "auth-header", envOr("PLAYGROUND_AUTH_HEADER", auth.DefaultHeader), "the header mode's identity header, believed from -trusted-proxies only (env PLAYGROUND_AUTH_HEADER)")
	fs.StringVar(&cfg.AuthGroupsHeader, "auth-groups-header", envOr("PLAYGROUND_AUTH_GROUPS_HEADER", ""), "the header mode's groups header, comma-separated names: a group named like a team makes the user a member (env PLAYGROUND_AUTH_GROUPS_HEADER)")
	newUsers := fs.String("auth-new-users", envOr("PLAYGROUND_AUTH_NEW_USERS", string(auth.Refuse)), "what -auth header and oidc do with an address no user has: refuse, or create its user on first sign-in (env PLAYGROUND_AUTH_NEW_USERS)")
	fs.StringVar(&cfg.OIDC.Issuer, "oidc-issuer", envOr("PLAYGROUND_OIDC_ISSUER", ""), "-auth oidc: the provider's issuer URL, discovered at start-up (env PLAYGROUND_OIDC_ISSUER)")
	fs.StringVar(&cfg.OIDC.ClientID, "oidc-client-id", envOr("PLAYGROUND_OIDC_CLIENT_ID", ""), "-auth oidc: the client id registered with the provider (env PLAYGROUND_OIDC_CLIENT_ID)")
	fs.StringVar(&cfg.OIDC.ClientSecretFile, "oidc-client-secret-file", envOr("PLAYGROUND_OIDC_CLIENT_SECRET_FILE", ""), "-auth oidc: a file holding the client secret, when PLAYGROUND_OIDC_CLIENT_SECRET is not set (env PLAYGROUND_OIDC_CLIENT_SECRET_FILE)")
	fs.StringVar(&cfg.OIDC.RedirectURL, "oidc-redirect-url", envOr("PLAYGROUND_OIDC_REDIRECT_URL", ""), "-auth oidc: the full callback URL registered with the provider, e.g. https://playground.example.com/auth/callback (env PLAYGROUND_OIDC_REDIRECT_URL)")
	fs.StringVar(&cfg.OIDC.GroupsClaim, "oidc-groups-claim", envOr("PLAYGROUND_OIDC_GROUPS_CLAIM", oidc.DefaultGroupsClaim), "-auth oidc: the ID token claim of the user's groups (env PLAYGROUND_OIDC_GROUPS_CLAIM)")
	oidcScopes := fs.String("oidc-scopes", envOr("PLAYGROUND_OIDC_SCOPES", oidc.DefaultScopes), "-auth oidc: the scopes asked for, space- or comma-separated (env PLAYGROUND_OIDC_SCOPES)")
	fs.StringVar(&cfg.Database, "database", envOr("PLAYGROUND_DATABASE", admin.DefaultDatabase), "the store of users, tokens, budgets and usage: an SQLite file (env PLAYGROUND_DATABASE)")
	retention := fs.String("usage-retention", envOr("PLAYGROUND_USAGE_RETENTION", "0"), "how long each call's usage record is kept, e.g. 2160h; 0 keeps them for ever (the daily sums always stay) (env PLAYGROUND_USAGE_RETENTION)")
	fs.StringVar(&cfg.PprofAddr, "pprof-addr", envOr("PLAYGROUND_PPROF_ADDR", ""), "a listen address of its own for Go's profiles under /debug/pprof/ (keep it on loopback) (env PLAYGROUND_PPROF_ADDR)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", envOr("PLAYGROUND_METRICS_ADDR", ""), "a listen address of its own for GET /metrics (Prometheus); the token PLAYGROUND_METRICS_TOKEN (or _FILE) serves it on -addr instead (env PLAYGROUND_METRICS_ADDR)")
	defaultMaxTokens := fs.String("default-max-tokens", envOr("PLAYGROUND_DEFAULT_MAX_TOKENS", strconv.FormatInt(cfg.DefaultMaxTokens, 10)), "the answer length a signed-in user's call is sent with when it sets none, which bounds what it is reserved for (env PLAYGROUND_DEFAULT_MAX_TOKENS)")
	meterDrain := fs.String("meter-drain", envOr("PLAYGROUND_METER_DRAIN", cfg.MeterDrain.String()), "how long a signed-in user's answer is still read after its client stopped it, to meter it; 0 stops at once (env PLAYGROUND_METER_DRAIN)")
	jobLifetime := fs.String("job-lifetime", envOr("PLAYGROUND_JOB_LIFETIME", cfg.JobLifetime.String()), "how long after its start a video, music or speech-to-text job is followed (env PLAYGROUND_JOB_LIFETIME)")
	maxJobs := fs.String("max-open-jobs", envOr("PLAYGROUND_MAX_OPEN_JOBS", strconv.Itoa(cfg.MaxOpenJobs)), "jobs (video, music, speech to text) one client may have running (env PLAYGROUND_MAX_OPEN_JOBS)")
	// The variable is not the flag's default, which -h would print, password and all.
	redisURL := fs.String("redis", "", "URL of the Redis that holds the rate limits of all replicas, redis://[user:password@]host:port/db or rediss://; empty keeps them in memory (env PLAYGROUND_REDIS)")
	failOpen, perr := envBool(getenv, "PLAYGROUND_LIMITS_FAIL_OPEN")
	if perr != nil {
		return cfg, perr
	}
	fs.BoolVar(&cfg.LimitsFailOpen, "limits-fail-open", failOpen, "allow calls, without limits, while the limit store (-redis) is unreachable; the default refuses them (env PLAYGROUND_LIMITS_FAIL_OPEN)")
	keepContent, perr := envBool(getenv, "PLAYGROUND_USAGE_CONTENT")
	if perr != nil {
		return cfg, perr
	}
	fs.BoolVar(&cfg.UsageContent, "usage-content", keepContent, "keep each signed-in user's prompt and answer (up to 64 KiB each) with their usage record, for the usage export; off by default (env PLAYGROUND_USAGE_CONTENT)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.Redis = Secret(*redisURL)
	if cfg.Redis == "" {
		cfg.Redis = Secret(getenv("PLAYGROUND_REDIS"))
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
	if cfg.MaxUploadBytes, err = parsePositive("max-upload", *maxUpload); err != nil {
		return cfg, err
	}
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
	if cfg.DefaultMaxTokens, err = parsePositive("default-max-tokens", *defaultMaxTokens); err != nil {
		return cfg, err
	}
	if cfg.MeterDrain, err = time.ParseDuration(*meterDrain); err != nil || cfg.MeterDrain < 0 {
		return cfg, fmt.Errorf("meter-drain: %q is not a duration of 0 or more (e.g. 2m)", *meterDrain)
	}
	if cfg.JobLifetime, err = time.ParseDuration(*jobLifetime); err != nil || cfg.JobLifetime < time.Minute {
		return cfg, fmt.Errorf("job-lifetime: %q is not a duration of at least 1m (e.g. 30m)", *jobLifetime)
	}
	if cfg.UsageRetention, err = time.ParseDuration(*retention); err != nil || cfg.UsageRetention < 0 {
		return cfg, fmt.Errorf("usage-retention: %q is not a duration ≥ 0 (e.g. 2160h for 90 days; 0 keeps the usage log for ever)", *retention)
	}
	if cfg.MaxOpenJobs, perr = strconv.Atoi(*maxJobs); perr != nil || cfg.MaxOpenJobs < 1 {
		return cfg, fmt.Errorf("max-open-jobs: %q is not a whole number ≥ 1", *maxJobs)
	}
	if cfg.Refresh, err = time.ParseDuration(*refresh); err != nil || cfg.Refresh < time.Second {
		return cfg, fmt.Errorf("refresh: %q is not a duration of at least 1s (e.g. 10m)", *refresh)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (flags are -addr, -web, -schemas, -config…; -h lists them)", fs.Arg(0))
	}
	// Who may call is the same with or without -config.
	if cfg.Auth, err = auth.ParseMode(*authMode); err != nil {
		return cfg, err
	}
	if cfg.AuthNewUsers, err = auth.ParseNewUsers(*newUsers); err != nil {
		return cfg, err
	}
	if cfg.Auth == auth.OIDC {
		if err = readOIDC(&cfg.OIDC, *oidcScopes, getenv); err != nil {
			return cfg, err
		}
	}
	if cfg.MetricsToken, err = readKey(getenv, "PLAYGROUND_METRICS_TOKEN"); err != nil {
		return cfg, err
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

// readOIDC reads the oidc mode's scopes and its secrets: the client secret from
// PLAYGROUND_OIDC_CLIENT_SECRET or the file -oidc-client-secret-file names (not both), the state
// key from PLAYGROUND_OIDC_STATE_KEY or the file PLAYGROUND_OIDC_STATE_KEY_FILE names.
func readOIDC(o *OIDCConfig, scopes string, getenv func(string) string) error {
	o.Scopes = strings.FieldsFunc(scopes, func(r rune) bool { return r == ',' || r == ' ' })
	secret := strings.TrimSpace(getenv("PLAYGROUND_OIDC_CLIENT_SECRET"))
	switch {
	case secret != "" && o.ClientSecretFile != "":
		return errors.New("oidc-client-secret-file: PLAYGROUND_OIDC_CLIENT_SECRET is set too; give the client secret one way")
	case secret != "":
		o.ClientSecret = Secret(secret)
	case o.ClientSecretFile != "":
		b, err := os.ReadFile(o.ClientSecretFile)
		if err != nil {
			// The error names the file, never its content.
			return fmt.Errorf("oidc-client-secret-file: reading the client secret: %w", err)
		}
		if o.ClientSecret = Secret(strings.TrimSpace(string(b))); o.ClientSecret == "" {
			return fmt.Errorf("oidc-client-secret-file: %s is empty", o.ClientSecretFile)
		}
	}
	var err error
	o.StateKey, err = readKey(getenv, "PLAYGROUND_OIDC_STATE_KEY")
	return err
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

// envBool reads the variable name as true or false; unset is false.
func envBool(getenv func(string) string, name string) (bool, error) {
	v := getenv(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s: %q is not true or false", name, v)
	}
	return b, nil
}
