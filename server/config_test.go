package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfig(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("sk-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		addr    string
		baseURL string
		key     string
		schemas string
	}{
		{"defaults", nil, nil, "localhost:8080", "https://api.aimlapi.com/v1", "", ""},
		{"env", nil, map[string]string{"PLAYGROUND_ADDR": ":9000", "AIMLAPI_API_KEY": "sk-env", "AIMLAPI_BASE_URL": "http://127.0.0.1:1/v1/", "PLAYGROUND_SCHEMAS": "/s"},
			":9000", "http://127.0.0.1:1/v1/", "sk-env", "/s"},
		{"flags beat env", []string{"-addr", ":7000", "-schemas", "/f"}, map[string]string{"PLAYGROUND_ADDR": ":9000", "PLAYGROUND_SCHEMAS": "/s"}, ":7000", "https://api.aimlapi.com/v1", "", "/f"},
		{"key file", nil, map[string]string{"AIMLAPI_API_KEY_FILE": keyFile}, "localhost:8080", "https://api.aimlapi.com/v1", "sk-from-file", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig(tt.args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			p := cfg.Providers[0]
			if cfg.Addr != tt.addr || p.BaseURL != tt.baseURL || p.Key.Reveal() != tt.key || cfg.SchemasDir != tt.schemas {
				t.Fatalf("got addr %q base %q key %q schemas %q", cfg.Addr, p.BaseURL, p.Key.Reveal(), cfg.SchemasDir)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"base URL without scheme", nil, map[string]string{"AIMLAPI_BASE_URL": "api.example.com/v1"}, "provider aimlapi: base URL"},
		{"base URL with a query", nil, map[string]string{"AIMLAPI_BASE_URL": "https://x.example/v1?a=1"}, "must not carry user info, a query or a fragment"},
		{"missing key file", nil, map[string]string{"AIMLAPI_API_KEY_FILE": "/nonexistent/key"}, "AIMLAPI_API_KEY_FILE: reading key file"},
		{"unknown flag", []string{"-key", "sk"}, nil, "flag provided but not defined: -key"},
		{"stray argument", []string{"serve"}, nil, `unexpected argument "serve"`},
		{"negative usage retention", []string{"-usage-retention", "-1h"}, nil, `usage-retention: "-1h" is not a duration ≥ 0`},
		{"usage retention in days", nil, map[string]string{"PLAYGROUND_USAGE_RETENTION": "90d"}, `usage-retention: "90d"`},
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

// TestParseUsageRetention: -usage-retention, else PLAYGROUND_USAGE_RETENTION, else 0 (for ever).
func TestParseUsageRetention(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want time.Duration
	}{
		{nil, nil, 0},
		{nil, map[string]string{"PLAYGROUND_USAGE_RETENTION": "2160h"}, 2160 * time.Hour},
		{[]string{"-usage-retention", "720h"}, map[string]string{"PLAYGROUND_USAGE_RETENTION": "2160h"}, 720 * time.Hour},
	}
	for _, tt := range tests {
		cfg, err := ParseConfig(tt.args, env(tt.env), io.Discard)
		if err != nil || cfg.UsageRetention != tt.want {
			t.Errorf("%v %v: %s, %v; want %s", tt.args, tt.env, cfg.UsageRetention, err, tt.want)
		}
	}
}

// TestSecretNeverPrints checks every way a key could reach a log line or a response.
func TestSecretNeverPrints(t *testing.T) {
	const canary = "sk-canary-0123456789"
	s := Secret(canary)
	p := Provider{Name: "x", Key: s}
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("cfg", "key", s, "provider", p)
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("cfg", "key", s)
	j, _ := json.Marshal(p)
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%s %v %q %x %#v %+v", s, s, s, s, s, p), fmt.Sprintf("%#v", p), string(j), logBuf.String(),
	}
	for _, out := range outs {
		if strings.Contains(out, canary) || strings.Contains(out, fmt.Sprintf("%x", canary)) {
			t.Fatalf("the key leaked: %s", out)
		}
	}
	if s.Reveal() != canary {
		t.Fatal("Reveal must return the key")
	}
	if Secret("").String() != "" {
		t.Fatal("an empty secret prints as empty, so 'no key' stays visible in config dumps")
	}
}

func TestParseConfigLimits(t *testing.T) {
	cfg, err := ParseConfig([]string{"-rate", "30", "-burst", "5", "-streams-per-client", "0", "-trusted-proxies", "10.0.0.0/8, 192.0.2.1",
		"-frame-ancestors", "'self' https://docs.example.com"}, env(map[string]string{"PLAYGROUND_MAX_BODY": "1048576", "PLAYGROUND_STREAMS": "10"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Limits
	if l.RatePerMinute != 30 || l.Burst != 5 || l.StreamsPerClient != 0 || l.Streams != 10 || cfg.MaxBodyBytes != 1<<20 {
		t.Fatalf("limits %+v, max body %d", l, cfg.MaxBodyBytes)
	}
	if len(l.TrustedProxies) != 2 || l.TrustedProxies[1].String() != "192.0.2.1/32" {
		t.Fatalf("trusted proxies %v", l.TrustedProxies)
	}
	if got := strings.Join(cfg.FrameAncestors, " "); got != "'self' https://docs.example.com" {
		t.Fatalf("frame ancestors %q", got)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-rate", "fast"}, `rate: "fast" is not a number`},
		{[]string{"-rate", "NaN"}, `rate: "NaN" is not a number`},
		{[]string{"-rate", "+Inf"}, `rate: "+Inf" is not a number`},
		{[]string{"-burst", "-1"}, `burst: "-1" is not a whole number`},
		{[]string{"-max-body", "0"}, `max-body: "0" is not a positive whole number`},
		{[]string{"-trusted-proxies", "10.0.0/8"}, `trusted-proxies: "10.0.0/8"`},
		{[]string{"-frame-ancestors", "'self'; script-src *"}, "frame-ancestors:"},
		{[]string{"-default-max-tokens", "lots"}, `default-max-tokens: "lots" is not a positive whole number`},
		{[]string{"-default-max-tokens", "0"}, `default-max-tokens: "0" is not a positive whole number`},
		{[]string{"-meter-drain", "-1s"}, `meter-drain: "-1s" is not a duration of 0 or more`},
		{[]string{"-meter-drain", "soon"}, `meter-drain: "soon" is not a duration`},
	} {
		if _, err := ParseConfig(tt.args, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.want)
		}
	}
}

func TestParseConfigRedis(t *testing.T) {
	const pw = "s3cret-canary"
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		redis    string
		failOpen bool
		err      string // "" for none
	}{
		{"defaults: in memory, refusing", nil, nil, "", false, ""},
		{"env", nil, map[string]string{"PLAYGROUND_REDIS": "redis://:" + pw + "@10.0.0.5:6379/2", "PLAYGROUND_LIMITS_FAIL_OPEN": "true"}, "redis://:" + pw + "@10.0.0.5:6379/2", true, ""},
		{"flags beat env", []string{"-redis", "rediss://redis.example.com:6380/0", "-limits-fail-open=false"},
			map[string]string{"PLAYGROUND_REDIS": "redis://other:6379", "PLAYGROUND_LIMITS_FAIL_OPEN": "1"}, "rediss://redis.example.com:6380/0", false, ""},
		{"fail open flag", []string{"-limits-fail-open"}, nil, "", true, ""},
		{"not redis", []string{"-redis", "http://user:" + pw + "@cache:6379"}, nil, "", false, "redis: the Redis URL http://user:xxxxx@cache:6379 is not a redis:// or rediss:// URL"},
		{"not redis in the env", nil, map[string]string{"PLAYGROUND_REDIS": "cache:6379"}, "", false, "redis: the Redis URL cache:6379 is not a redis:// or rediss:// URL"},
		{"not a URL", []string{"-redis", "redis://:" + pw + "@cache:6379/%zz"}, nil, "", false, "redis: the Redis URL does not parse as a URL"},
		{"no host", []string{"-redis", "redis:///0"}, nil, "", false, "redis: the Redis URL redis:///0 names no host"},
		{"bad database", []string{"-redis", "redis://cache/x"}, nil, "", false, `redis: the Redis URL redis://cache/x: redis: invalid database number: "x"`},
		{"fail open not a bool", nil, map[string]string{"PLAYGROUND_LIMITS_FAIL_OPEN": "maybe"}, "", false, `PLAYGROUND_LIMITS_FAIL_OPEN: "maybe" is not true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig(tt.args, env(tt.env), io.Discard)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				if strings.Contains(err.Error(), pw) {
					t.Fatalf("the password leaked: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Redis.Reveal() != tt.redis || cfg.LimitsFailOpen != tt.failOpen {
				t.Fatalf("redis %q fail open %v, want %q %v", cfg.Redis.Reveal(), cfg.LimitsFailOpen, tt.redis, tt.failOpen)
			}
			if s := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg); strings.Contains(s, pw) {
				t.Fatalf("the password prints with the config: %s", s)
			}
		})
	}
	// -h shows no variable's URL as the flag's default.
	var help bytes.Buffer
	ParseConfig([]string{"-h"}, env(map[string]string{"PLAYGROUND_REDIS": "redis://:" + pw + "@cache:6379"}), &help)
	if !strings.Contains(help.String(), "-redis") || strings.Contains(help.String(), pw) {
		t.Fatalf("-h:\n%s", help.String())
	}
}
