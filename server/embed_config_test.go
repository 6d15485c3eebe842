package server

import (
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultConfigHasDefaultEmbed(t *testing.T) {
	d := DefaultEmbed()
	if got := DefaultConfig().Embed; !reflect.DeepEqual(got, d) {
		t.Fatalf("DefaultConfig().Embed = %+v, want DefaultEmbed() %+v", got, d)
	}
	// A public docs site: framed by nobody until origins are set, every model, limited.
	if len(d.Origins) != 0 || len(d.Models) != 0 || d.MaxTokens != 1024 || d.DailyTokens != 1_000_000 ||
		d.Limits.RatePerMinute != 6 || d.Limits.Burst < 1 || d.Limits.StreamsPerClient < 1 || d.Limits.Streams < 1 || len(d.Limits.TrustedProxies) != 0 {
		t.Fatalf("DefaultEmbed() = %+v", d)
	}
	if err := d.validate(); err != nil {
		t.Fatalf("DefaultEmbed() is invalid: %v", err)
	}
	// The defaults survive ParseConfig without embed flags.
	cfg, err := ParseConfig(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Embed.Origins) != 0 || len(cfg.Embed.Models) != 0 {
		t.Errorf("no flags: origins %#v models %#v, want none", cfg.Embed.Origins, cfg.Embed.Models)
	}
	cfg.Embed.Origins, cfg.Embed.Models = nil, nil
	if !reflect.DeepEqual(cfg.Embed, d) {
		t.Fatalf("ParseConfig without embed flags: %+v, want %+v", cfg.Embed, d)
	}
}

func TestParseConfigEmbed(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		origins []string
		models  []string
		rate    float64
		burst   int
		max     int
		daily   int64
	}{
		{name: "defaults", rate: 6, burst: 3, max: 1024, daily: 1_000_000},
		{name: "flags", args: []string{"-embed-origins", "https://docs.example https://blog.example:8443", "-embed-models", "openai/*,gryphe/mythomax-l2-13b",
			"-embed-rate", "2.5", "-embed-burst", "4", "-embed-max-tokens", "512", "-embed-daily-tokens", "5000"},
			origins: []string{"https://docs.example", "https://blog.example:8443"}, models: []string{"openai/*", "gryphe/mythomax-l2-13b"},
			rate: 2.5, burst: 4, max: 512, daily: 5000},
		{name: "env", env: map[string]string{"PLAYGROUND_EMBED_ORIGINS": "https://docs.example", "PLAYGROUND_EMBED_MODELS": "meta-llama/* Qwen/*",
			"PLAYGROUND_EMBED_RATE": "0.5", "PLAYGROUND_EMBED_BURST": "2", "PLAYGROUND_EMBED_MAX_TOKENS": "256", "PLAYGROUND_EMBED_DAILY_TOKENS": "9000000000"},
			origins: []string{"https://docs.example"}, models: []string{"meta-llama/*", "Qwen/*"}, rate: 0.5, burst: 2, max: 256, daily: 9_000_000_000},
		{name: "flags beat env", args: []string{"-embed-models", "a/*", "-embed-max-tokens", "100", "-embed-origins", "https://flag.example"},
			env:     map[string]string{"PLAYGROUND_EMBED_MODELS": "b/*", "PLAYGROUND_EMBED_MAX_TOKENS": "200", "PLAYGROUND_EMBED_ORIGINS": "https://env.example", "PLAYGROUND_EMBED_BURST": "7"},
			origins: []string{"https://flag.example"}, models: []string{"a/*"}, rate: 6, burst: 7, max: 100, daily: 1_000_000},
		{name: "zeros turn the limits off", args: []string{"-embed-rate", "0", "-embed-max-tokens", "0", "-embed-daily-tokens", "0"}, rate: 0, burst: 3, max: 0, daily: 0},
		{name: "commas, spaces and blanks in models", args: []string{"-embed-models", " a/*, b/c ,,d "}, models: []string{"a/*", "b/c", "d"},
			rate: 6, burst: 3, max: 1024, daily: 1_000_000},
		{name: "'self' as an origin", args: []string{"-embed-origins", "'self'  https://docs.example\t"}, origins: []string{"'self'", "https://docs.example"},
			rate: 6, burst: 3, max: 1024, daily: 1_000_000},
		{name: "wildcard origin", env: map[string]string{"PLAYGROUND_EMBED_ORIGINS": "https://*.docs.example"}, origins: []string{"https://*.docs.example"},
			rate: 6, burst: 3, max: 1024, daily: 1_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig(tt.args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			e := cfg.Embed
			if strings.Join(e.Origins, " ") != strings.Join(tt.origins, " ") || len(e.Origins) != len(tt.origins) {
				t.Errorf("origins %q, want %q", e.Origins, tt.origins)
			}
			if strings.Join(e.Models, " ") != strings.Join(tt.models, " ") || len(e.Models) != len(tt.models) {
				t.Errorf("models %q, want %q", e.Models, tt.models)
			}
			if e.Limits.RatePerMinute != tt.rate || e.Limits.Burst != tt.burst || e.MaxTokens != tt.max || e.DailyTokens != tt.daily {
				t.Errorf("rate %v burst %d max tokens %d daily %d, want %v %d %d %d",
					e.Limits.RatePerMinute, e.Limits.Burst, e.MaxTokens, e.DailyTokens, tt.rate, tt.burst, tt.max, tt.daily)
			}
			// The embed's other limits stay the defaults; its trusted proxies come from the server's.
			d := DefaultEmbed().Limits
			if e.Limits.StreamsPerClient != d.StreamsPerClient || e.Limits.Streams != d.Streams || e.Limits.TrustedProxies != nil {
				t.Errorf("limits %+v", e.Limits)
			}
			// The main limits are not touched by the embed's flags.
			if cfg.Limits.RatePerMinute != DefaultLimits().RatePerMinute || cfg.Limits.Burst != DefaultLimits().Burst {
				t.Errorf("main limits changed: %+v", cfg.Limits)
			}
		})
	}
}

func TestParseConfigEmbedErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"negative rate", []string{"-embed-rate", "-1"}, nil, `embed-rate: "-1"`},
		{"rate not a number", []string{"-embed-rate", "fast"}, nil, `embed-rate: "fast"`},
		{"rate NaN", []string{"-embed-rate", "NaN"}, nil, `embed-rate: "NaN"`},
		{"rate infinite", []string{"-embed-rate", "+Inf"}, nil, `embed-rate: "+Inf"`},
		{"rate from env", nil, map[string]string{"PLAYGROUND_EMBED_RATE": "six"}, `embed-rate: "six"`},
		{"burst zero", []string{"-embed-burst", "0"}, nil, `embed-burst: "0" is not a whole number ≥ 1`},
		{"burst negative", []string{"-embed-burst", "-3"}, nil, `embed-burst: "-3"`},
		{"burst fraction", []string{"-embed-burst", "1.5"}, nil, `embed-burst: "1.5"`},
		{"burst from env", nil, map[string]string{"PLAYGROUND_EMBED_BURST": "x"}, `embed-burst: "x"`},
		{"negative max tokens", []string{"-embed-max-tokens", "-1"}, nil, `embed-max-tokens: "-1" is not a whole number ≥ 0`},
		{"max tokens not a number", []string{"-embed-max-tokens", "1k"}, nil, `embed-max-tokens: "1k"`},
		{"max tokens from env", nil, map[string]string{"PLAYGROUND_EMBED_MAX_TOKENS": "-5"}, `embed-max-tokens: "-5"`},
		{"negative daily tokens", []string{"-embed-daily-tokens", "-10"}, nil, `embed-daily-tokens: "-10" is not a whole number ≥ 0`},
		{"daily tokens not a number", []string{"-embed-daily-tokens", "1e6"}, nil, `embed-daily-tokens: "1e6"`},
		{"daily tokens from env", nil, map[string]string{"PLAYGROUND_EMBED_DAILY_TOKENS": "lots"}, `embed-daily-tokens: "lots"`},
		{"bad model pattern", []string{"-embed-models", "openai/*,a["}, nil, `embed-models: "a[" is not a valid pattern`},
		{"bad model pattern from env", nil, map[string]string{"PLAYGROUND_EMBED_MODELS": "[z-a"}, `embed-models:`},
		{"origin with ;", []string{"-embed-origins", "https://docs.example;script-src"}, nil, `embed-origins: "https://docs.example;script-src" is not an origin`},
		{"origin with a comma", []string{"-embed-origins", "https://a.example,https://b.example"}, nil, `embed-origins:`},
		{"origin as a keyword", []string{"-embed-origins", "'unsafe-inline'"}, nil, `embed-origins: "'unsafe-inline'"`},
		{"origin from env", nil, map[string]string{"PLAYGROUND_EMBED_ORIGINS": "https://x.example; frame-ancestors *"}, `embed-origins: "https://x.example;"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(tt.args, env(tt.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEmbedValidate(t *testing.T) {
	ok := DefaultEmbed()
	tests := []struct {
		name   string
		adjust func(*Embed)
		want   string // "" for valid
	}{
		{"default", func(*Embed) {}, ""},
		{"zero value", func(e *Embed) { *e = Embed{} }, ""},
		{"origins and patterns", func(e *Embed) {
			e.Origins = []string{"'self'", "https://docs.example", "https://*.example.com"}
			e.Models = []string{"openai/*", "gryphe/mythomax-l2-13b", "meta-llama/Llama-3.?-*"}
		}, ""},
		{"no rate, no burst", func(e *Embed) { e.Limits.RatePerMinute, e.Limits.Burst = 0, 0 }, ""},
		{"origin with ;", func(e *Embed) { e.Origins = []string{"https://a.example;"} }, "embed-origins:"},
		{"origin with a newline", func(e *Embed) { e.Origins = []string{"https://a.example\nX-Injected: 1"} }, "embed-origins:"},
		{"origin with a quote", func(e *Embed) { e.Origins = []string{"'none'"} }, "embed-origins:"},
		{"empty pattern", func(e *Embed) { e.Models = []string{""} }, "embed-models: an empty pattern"},
		{"bad pattern", func(e *Embed) { e.Models = []string{"a["} }, `embed-models: "a["`},
		{"negative max tokens", func(e *Embed) { e.MaxTokens = -1 }, "embed-max-tokens: must not be negative"},
		{"negative daily tokens", func(e *Embed) { e.DailyTokens = -1 }, "embed-daily-tokens: must not be negative"},
		{"negative rate", func(e *Embed) { e.Limits.RatePerMinute = -0.5 }, "embed-rate: must not be negative"},
		{"rate without burst", func(e *Embed) { e.Limits.Burst = 0 }, "embed-burst: must be at least 1"},
		{"NaN rate", func(e *Embed) { e.Limits.RatePerMinute = math.NaN() }, "embed-rate: must be a finite number"},
		{"infinite rate", func(e *Embed) { e.Limits.RatePerMinute = math.Inf(1) }, "embed-rate: must be a finite number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			e.Limits = ok.Limits
			tt.adjust(&e)
			err := e.validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("valid settings refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			// Config.Validate, and so New, refuse them too.
			cfg := DefaultConfig()
			cfg.Embed = e
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Config.Validate: err = %v, want it to contain %q", err, tt.want)
			}
			cfg.WebDir = t.TempDir()
			if _, err := New(cfg, nil); err == nil {
				t.Fatal("New accepted the invalid embed settings")
			}
		})
	}
}
