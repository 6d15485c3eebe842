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
	} {
		if _, err := ParseConfig(tt.args, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.want)
		}
	}
}
