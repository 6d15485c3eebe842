package server

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"playground/app/embed"
	"playground/app/kind"
	"playground/server/access"
	"playground/server/admit"
	"playground/server/auth"
	"playground/server/media"
	"playground/server/oidc"
	"playground/server/redis"
	"playground/server/upstream"
)

// Validate checks the configuration and says which setting is wrong and why.
func (c Config) Validate() error {
	if c.Addr == "" {
		return errors.New("addr: must not be empty")
	}
	if c.MaxBodyBytes <= 0 {
		return errors.New("max body bytes: must be positive")
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		return errors.New("metrics-addr: must not be the server's own -addr (set PLAYGROUND_METRICS_TOKEN to serve /metrics there)")
	}
	if c.PprofAddr != "" && !strings.HasSuffix(c.PprofAddr, ":0") && (c.PprofAddr == c.Addr || c.PprofAddr == c.MetricsAddr) {
		return errors.New("pprof-addr: must be an address of its own, not -addr's or -metrics-addr's")
	}
	switch {
	case c.Auth == auth.Header && len(c.Limits.TrustedProxies) == 0:
		return errors.New("auth: header needs -trusted-proxies, the networks of the proxy that sets " + c.AuthHeader + " (anyone else's header is ignored)")
	case c.Auth.SignsIn() && c.Database == "":
		return errors.New("database: is required with -auth " + string(c.Auth))
	}
	switch c.AuthNewUsers {
	case "", auth.Refuse, auth.Create:
	default:
		return fmt.Errorf("auth-new-users: %q is neither refuse nor create", c.AuthNewUsers)
	}
	if c.Auth == auth.OIDC {
		if err := c.OIDC.validate(); err != nil {
			return err
		}
	}
	if c.MaxUploadBytes <= 0 {
		return errors.New("max upload bytes: must be positive")
	}
	if c.MediaMaxBytes < 0 || c.MediaMaxAVBytes < 0 {
		return errors.New("media max bytes: must not be negative (0 means the default)")
	}
	if c.Redis != "" {
		// The error names the URL without its password.
		if err := redis.CheckURL(c.Redis.Reveal()); err != nil {
			return fmt.Errorf("redis: %w", err)
		}
	}
	if c.UsageRetention < 0 {
		return errors.New("usage retention: must not be negative (0 keeps the usage log for ever)")
	}
	if c.JobLifetime < 0 || c.MaxOpenJobs < 0 {
		return errors.New("job lifetime and max open jobs: must not be negative (0 means the default)")
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

// validate checks the oidc mode's settings, naming the flag (or the variable) that is wrong.
func (o OIDCConfig) validate() error {
	if o.Issuer == "" {
		return errors.New("oidc-issuer: is required with -auth oidc: the provider's issuer URL, e.g. https://accounts.example.com")
	}
	if err := checkOIDCURL(o.Issuer); err != nil {
		return fmt.Errorf("oidc-issuer: %w", err)
	}
	if strings.TrimSpace(o.ClientID) == "" {
		return errors.New("oidc-client-id: is required with -auth oidc: the client id registered with the provider")
	}
	if o.ClientSecret == "" {
		return errors.New("oidc-client-secret-file: no client secret; set PLAYGROUND_OIDC_CLIENT_SECRET or give -oidc-client-secret-file (never a flag's value)")
	}
	if o.RedirectURL == "" {
		return errors.New("oidc-redirect-url: is required with -auth oidc: the full callback URL registered with the provider, e.g. https://playground.example.com" + access.CallbackPath)
	}
	if err := checkOIDCURL(o.RedirectURL); err != nil {
		return fmt.Errorf("oidc-redirect-url: %w", err)
	}
	if u, _ := url.Parse(o.RedirectURL); u.Path != access.CallbackPath {
		return fmt.Errorf("oidc-redirect-url: %q ends in %q; its path must be %s, the route that finishes the sign-in", o.RedirectURL, u.Path, access.CallbackPath)
	}
	if len(o.Scopes) > 0 && !slices.Contains(o.Scopes, "openid") {
		return fmt.Errorf("oidc-scopes: %q does not include openid", strings.Join(o.Scopes, " "))
	}
	if n := len(o.StateKey.Reveal()); n > 0 && n < oidc.MinStateKeyLen {
		return fmt.Errorf("PLAYGROUND_OIDC_STATE_KEY: is %d bytes; it needs at least %d (e.g. openssl rand -hex 32)", n, oidc.MinStateKeyLen)
	}
	return nil
}

// checkOIDCURL accepts an absolute https:// URL without user info, a query or a fragment; http://
// only for a loopback host (a provider or a playground on this machine, in development).
func checkOIDCURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute https:// URL", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "#") {
		return fmt.Errorf("%q must not carry user info, a query or a fragment", s)
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return fmt.Errorf("%q is plain http; use https (http is taken for a loopback host only)", s)
	}
	return nil
}

// loopbackHost reports whether host is localhost or a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
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
