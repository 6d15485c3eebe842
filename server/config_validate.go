package server

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"playground/app/embed"
	"playground/app/kind"
	"playground/server/admit"
	"playground/server/auth"
	"playground/server/media"
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
	switch {
	case c.Auth == auth.Header && len(c.Limits.TrustedProxies) == 0:
		return errors.New("auth: header needs -trusted-proxies, the networks of the proxy that sets " + c.AuthHeader + " (anyone else's header is ignored)")
	case c.Auth == auth.OIDC:
		return errors.New("auth: oidc is not built yet; use local or header")
	case c.Auth.SignsIn() && c.Database == "":
		return errors.New("database: is required with -auth " + string(c.Auth))
	}
	if c.MaxUploadBytes <= 0 {
		return errors.New("max upload bytes: must be positive")
	}
	if c.MediaMaxBytes < 0 || c.MediaMaxAVBytes < 0 {
		return errors.New("media max bytes: must not be negative (0 means the default)")
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
