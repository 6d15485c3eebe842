package server

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"playground/app/embed"
)

// The embed section of the configuration file, and how it merges with the -embed-… flags.

// embed reads the embed section: DefaultEmbed with the keys it sets. An empty section ("embed:"
// alone) keeps every default.
func (r *configReader) embed(n *yaml.Node, field string) (Embed, error) {
	e := DefaultEmbed()
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return e, nil
	}
	m, err := r.mapping(n, field, "origins", "models", "rate_per_minute", "burst", "streams_per_visitor", "streams", "max_tokens", "daily_tokens", "daily_usd", "daily_credits", "kinds")
	if err != nil {
		return e, err
	}
	if v := m["origins"]; v != nil {
		if e.Origins, err = r.strList(v, field+".origins", "[https://docs.example.com]"); err != nil {
			return e, err
		}
		for i, o := range e.Origins {
			if err := checkOrigin(o); err != nil {
				return e, r.errf(v.Content[i], fmt.Sprintf("%s.origins[%d]", field, i), "%v", err)
			}
		}
	}
	if v := m["models"]; v != nil {
		if e.Models, err = r.strList(v, field+".models", `["gryphe/*", gpt-4o-mini]`); err != nil {
			return e, err
		}
		for i, pat := range e.Models {
			if err := embed.CheckPattern(pat); err != nil {
				return e, r.errf(v.Content[i], fmt.Sprintf("%s.models[%d]", field, i), "%v", err)
			}
		}
	}
	if v := m["kinds"]; v != nil {
		if e.Kinds, err = r.strList(v, field+".kinds", "[chat]"); err != nil {
			return e, err
		}
		for i, k := range e.Kinds {
			if err := checkEmbedKind(k); err != nil {
				return e, r.errf(v.Content[i], fmt.Sprintf("%s.kinds[%d]", field, i), "%v", err)
			}
		}
	}
	for _, w := range []struct {
		key string
		dst *float64
	}{{"daily_usd", &e.DailyUSD}, {"daily_credits", &e.DailyCredits}} {
		v := m[w.key]
		if v == nil {
			continue
		}
		var x float64
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") || v.Decode(&x) != nil || !(x >= 0) || math.IsInf(x, 1) {
			return e, r.errf(v, field+"."+w.key, "must be an amount ≥ 0 (0 for no budget), not %s", shown(v))
		}
		*w.dst = x
	}
	if v := m["rate_per_minute"]; v != nil {
		var rate float64
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") || v.Decode(&rate) != nil || !(rate >= 0) || math.IsInf(rate, 1) {
			// !(rate >= 0) also refuses .nan.
			return e, r.errf(v, field+".rate_per_minute", "must be a number of runs per minute ≥ 0 (0 for no limit), not %s", shown(v))
		}
		e.Limits.RatePerMinute = rate
	}
	for _, w := range []struct {
		key      string
		min, max int64
		hint     string
		set      func(int64)
	}{
		{"burst", 1, math.MaxInt, "", func(x int64) { e.Limits.Burst = int(x) }},
		{"streams_per_visitor", 0, math.MaxInt, " (0 for no limit)", func(x int64) { e.Limits.StreamsPerClient = int(x) }},
		{"streams", 0, math.MaxInt, " (0 for no limit)", func(x int64) { e.Limits.Streams = int(x) }},
		{"max_tokens", 0, math.MaxInt, " (0 for no cap)", func(x int64) { e.MaxTokens = int(x) }},
		{"daily_tokens", 0, math.MaxInt64, " (0 for no budget)", func(x int64) { e.DailyTokens = x }},
	} {
		v := m[w.key]
		if v == nil {
			continue
		}
		var x int64
		if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&x) != nil || x < w.min || x > w.max {
			return e, r.errf(v, field+"."+w.key, "must be a whole number ≥ %d%s, not %s", w.min, w.hint, shown(v))
		}
		w.set(x)
	}
	return e, nil
}

// checkOrigin accepts one source of a CSP frame-ancestors list, as Embed.validate does: an origin
// (https://docs.example.com), a host pattern (https://*.example.com) or 'self'.
func checkOrigin(o string) error {
	switch {
	case o == "":
		return errors.New("an empty origin; write one like https://docs.example.com")
	case o == "'self'":
		return nil
	case strings.ContainsFunc(o, unicode.IsSpace):
		return fmt.Errorf("%q holds a space; write one origin per list item", o)
	case strings.ContainsAny(o, ";,'") || strings.ContainsFunc(o, func(r rune) bool { return r < ' ' || r >= 0x7f }):
		return fmt.Errorf("%q is not an origin (like https://docs.example.com; write international host names in punycode)", o)
	}
	return nil
}

// embedSettings pairs each embed flag of ParseConfig with its environment variable and the Embed
// field it sets.
var embedSettings = []struct {
	flag, env string
	copy      func(dst *Embed, src Embed)
}{
	{"embed-origins", "PLAYGROUND_EMBED_ORIGINS", func(d *Embed, s Embed) { d.Origins = s.Origins }},
	{"embed-models", "PLAYGROUND_EMBED_MODELS", func(d *Embed, s Embed) { d.Models = s.Models }},
	{"embed-rate", "PLAYGROUND_EMBED_RATE", func(d *Embed, s Embed) { d.Limits.RatePerMinute = s.Limits.RatePerMinute }},
	{"embed-burst", "PLAYGROUND_EMBED_BURST", func(d *Embed, s Embed) { d.Limits.Burst = s.Limits.Burst }},
	{"embed-max-tokens", "PLAYGROUND_EMBED_MAX_TOKENS", func(d *Embed, s Embed) { d.MaxTokens = s.MaxTokens }},
	{"embed-daily-tokens", "PLAYGROUND_EMBED_DAILY_TOKENS", func(d *Embed, s Embed) { d.DailyTokens = s.DailyTokens }},
	{"embed-daily-usd", "PLAYGROUND_EMBED_DAILY_USD", func(d *Embed, s Embed) { d.DailyUSD = s.DailyUSD }},
	{"embed-daily-credits", "PLAYGROUND_EMBED_DAILY_CREDITS", func(d *Embed, s Embed) { d.DailyCredits = s.DailyCredits }},
	{"embed-kinds", "PLAYGROUND_EMBED_KINDS", func(d *Embed, s Embed) { d.Kinds = s.Kinds }},
}

// mergeEmbed gives the embed settings precedence: a flag given on the command line, then a
// non-empty environment variable, then the file, then DefaultEmbed. file is the file's embed
// section (defaults filled in), flags what ParseConfig read from fs (already parsed) and the
// environment; each setting whose flag fs saw or whose variable is set is taken from flags, the
// others from file.
func mergeEmbed(file, flags Embed, fs *flag.FlagSet, getenv func(string) string) Embed {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	out := file
	for _, s := range embedSettings {
		if given[s.flag] || getenv(s.env) != "" {
			s.copy(&out, flags)
		}
	}
	return out
}
