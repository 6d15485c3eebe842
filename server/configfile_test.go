package server

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeConfig writes a config file (and the files it names) into a temporary directory.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "deepinfra.key"), []byte("sk-from-key-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.key"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "schemas"), 0o755); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "playground.yaml")
	if err := os.WriteFile(name, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// checkConfigError checks that err is a *ConfigError whose message starts with want.
func checkConfigError(t *testing.T, err error, want string) {
	t.Helper()
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *ConfigError", err)
	}
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err  = %s\nwant = %s…", err, want)
	}
	if strings.Contains(err.Error(), "sk-secret-value") {
		t.Fatal("the error quotes the key")
	}
}

// TestReadConfigFileExample reads the example of README.md (testdata/providers.example.yaml).
func TestReadConfigFileExample(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("testdata", "providers.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	name := writeConfig(t, string(example))
	ps, err := ReadConfigFile(name, env(map[string]string{"AIMLAPI_API_KEY": "sk-env"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("%d providers", len(ps))
	}
	a, d := ps[0], ps[1]
	if a.Name != "aimlapi" || a.BaseURL != "https://api.aimlapi.com/v1" || a.Key.Reveal() != "sk-env" || a.KeyEnv != "AIMLAPI_API_KEY" ||
		a.HeaderTimeout != 2*time.Minute || !a.Catalog.Embedded || !a.Catalog.Live || a.Catalog.LiveQuery != "include=all" ||
		a.Catalog.SchemasDir != filepath.Join(filepath.Dir(name), "schemas") {
		t.Errorf("aimlapi = %+v", a)
	}
	if d.Name != "deepinfra" || d.Key.Reveal() != "sk-from-key-file" || d.KeyFile != filepath.Join(filepath.Dir(name), "deepinfra.key") ||
		d.Catalog.Embedded || !d.Catalog.Live || strings.Join(d.Models, ",") != "Gryphe/MythoMax-L2-13b,meta-llama/*" ||
		d.Headers["X-Title"] != "Playground" || d.HeaderTimeout != 2*time.Minute {
		t.Errorf("deepinfra = %+v", d)
	}
	f, err := ReadFileConfig(name, env(map[string]string{"AIMLAPI_API_KEY": "sk-env"}))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultEmbed()
	want.Origins, want.Models = []string{"https://docs.example.com"}, []string{"gryphe/*", "gpt-4o-mini"}
	if !reflect.DeepEqual(f.Providers, ps) || f.Embed == nil || !reflect.DeepEqual(*f.Embed, want) {
		t.Errorf("ReadFileConfig: embed %+v, want %+v", f.Embed, want)
	}
	cfg, err := ParseConfig([]string{"-config", name}, env(map[string]string{"AIMLAPI_API_KEY": "sk-env", "AIMLAPI_BASE_URL": "http://ignored.example/v1"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Providers) != 2 || cfg.Providers[0].BaseURL != "https://api.aimlapi.com/v1" || cfg.ConfigFile != name {
		t.Fatalf("ParseConfig -config: %+v", cfg.Providers)
	}
	if !reflect.DeepEqual(cfg.Embed, want) {
		t.Errorf("ParseConfig -config: embed %+v, want %+v", cfg.Embed, want)
	}
	// README.md shows the example as it is.
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(example)+"```\n") {
		t.Error("README.md, Configuration file: the example differs from testdata/providers.example.yaml")
	}
}

func TestReadConfigFileErrors(t *testing.T) {
	const ok = "providers:\n  - name: a\n    base_url: https://a.example/v1\n    key_env: A_KEY\n"
	tests := []struct {
		name, yaml string
		want       string // after "FILE:"
	}{
		{"empty file", "", " the file is empty"},
		{"not YAML", "providers: [\n", "1: not valid YAML"},
		{"not a mapping", "- a\n", "1: the file must be a mapping"},
		{"unknown top-level field", ok + "refresh_every: 5m\n", "5: refresh_every: unknown field; known fields here are providers"},
		{"no providers", "providers: []\n", "1: providers: must be a list of at least one provider"},
		{"missing providers", "other: 1\n", "1: other: unknown field"},
		{"inline key", "providers:\n  - name: a\n    base_url: https://a.example/v1\n    key: sk-secret-value\n", "4: providers[0].key: API keys are not accepted in the file; use key_env"},
		{"unknown provider field", ok + "    base_ulr: x\n", "5: providers[0].base_ulr: unknown field"},
		{"missing name", "providers:\n  - base_url: https://a.example/v1\n    key_env: A\n", "2: providers[0].name: missing"},
		{"bad name", "providers:\n  - name: Big Name\n    base_url: https://a.example/v1\n    key_env: A\n", `2: providers[0].name: "Big Name": use lower case`},
		{"duplicate name", ok + "  - name: a\n    base_url: https://b.example/v1\n    key_env: B\n", "5: providers[1].name: \"a\" is used by an earlier provider"},
		{"missing base URL", "providers:\n  - name: a\n    key_env: A\n", "2: providers[0].base_url: missing"},
		{"bad base URL", "providers:\n  - name: a\n    base_url: ftp://a.example\n    key_env: A\n", "3: providers[0].base_url: not a usable base URL: \"ftp://a.example\": scheme must be http or https"},
		{"no key source", "providers:\n  - name: a\n    base_url: https://a.example/v1\n", "2: providers[0].key_env: missing: set key_env"},
		{"both key sources", ok + "    key_file: deepinfra.key\n", "5: providers[0].key_file: set either key_env or key_file, not both"},
		{"key in key_env", "providers:\n  - name: a\n    base_url: https://a.example/v1\n    key_env: sk-abc-123\n", "4: providers[0].key_env: must be the name of an environment variable"},
		{"missing key file", "providers:\n  - name: a\n    base_url: https://a.example/v1\n    key_file: nope.key\n", "4: providers[0].key_file: reading the key file"},
		{"empty key file", "providers:\n  - name: a\n    base_url: https://a.example/v1\n    key_file: empty.key\n", "4: providers[0].key_file: the key file"},
		{"bad duration", ok + "    header_timeout: soon\n", `5: providers[0].header_timeout: "soon" is not a positive duration`},
		{"unknown catalog field", ok + "    catalog:\n      live: true\n      embeded: true\n", "7: providers[0].catalog.embeded: unknown field; known fields here are embedded, schemas, live, live_query"},
		{"catalog bool", ok + "    catalog:\n      live: maybe\n", `6: providers[0].catalog.live: must be true or false, not "maybe"`},
		{"no catalog source", ok + "    catalog:\n      live: false\n", "6: providers[0].catalog: no source of models"},
		{"missing schemas dir", ok + "    catalog:\n      schemas: nowhere\n", "6: providers[0].catalog.schemas: not a readable directory"},
		{"bad live query", ok + "    catalog:\n      live: true\n      live_query: \"a=%zz\"\n", "7: providers[0].catalog.live_query"},
		{"models not a list", ok + "    models: gpt-4o\n", "5: providers[0].models: must be a list"},
		{"bad pattern", ok + "    models: [\"[a-\"]\n", "5: providers[0].models[0]: \"[a-\" is not a valid pattern"},
		{"owned header", ok + "    headers:\n      authorization: Bearer x\n", "6: providers[0].headers.authorization: Authorization is set by the playground itself"},
		{"forwarded header", ok + "    headers:\n      X-Forwarded-For: 1.2.3.4\n", "6: providers[0].headers.X-Forwarded-For: X-Forwarded-For is set by the playground"},
		{"bad header name", ok + "    headers:\n      \"a b\": x\n", `6: providers[0].headers.a b: "a b" is not a header name`},
		{"duplicate field", ok + "    key_env: B_KEY\n", "5: providers[0].key_env: set twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := writeConfig(t, tt.yaml)
			_, err := ReadConfigFile(name, env(nil))
			checkConfigError(t, err, name+":"+tt.want)
		})
	}
	if _, err := ReadConfigFile(filepath.Join(t.TempDir(), "missing.yaml"), env(nil)); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestParseConfigProviders(t *testing.T) {
	cfg, err := ParseConfig(nil, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Providers[0]; len(cfg.Providers) != 1 || !p.Catalog.Embedded || !p.Catalog.Live || p.Catalog.LiveQuery != "include=all" || cfg.Refresh != DefaultRefresh {
		t.Fatalf("without a file: %+v, refresh %v", cfg.Providers, cfg.Refresh)
	}
	name := writeConfig(t, "providers:\n  - name: local\n    base_url: http://127.0.0.1:8000/v1\n    key_env: LOCAL_KEY\n")
	cfg, err = ParseConfig([]string{"-refresh", "90s"}, env(map[string]string{"PLAYGROUND_CONFIG": name, "LOCAL_KEY": "sk-local"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Providers[0]; len(cfg.Providers) != 1 || p.Name != "local" || p.Key.Reveal() != "sk-local" || !p.Catalog.Live || p.Catalog.Embedded || cfg.Refresh != 90*time.Second {
		t.Fatalf("PLAYGROUND_CONFIG: %+v, refresh %v", cfg.Providers, cfg.Refresh)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-refresh", "0s"}, `refresh: "0s" is not a duration of at least 1s`},
		{[]string{"-refresh", "often"}, `refresh: "often"`},
		{[]string{"-config", name + ".missing"}, "config file: open " + name + ".missing"},
	} {
		if _, err := ParseConfig(tt.args, env(nil), nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.want)
		}
	}
}

// okProviders is a valid providers section for the embed tests.
const okProviders = "providers:\n  - name: a\n    base_url: https://a.example/v1\n    key_env: A_KEY\n"

func TestReadFileConfigEmbed(t *testing.T) {
	def := DefaultEmbed()
	with := func(adjust func(*Embed)) *Embed {
		e := DefaultEmbed()
		adjust(&e)
		return &e
	}
	tests := []struct {
		name, yaml string
		want       *Embed // nil: no embed section
	}{
		{"no section", okProviders, nil},
		{"section first", "embed:\n  burst: 5\n" + okProviders, with(func(e *Embed) { e.Limits.Burst = 5 })},
		{"empty section", okProviders + "embed:\n", &def},
		{"empty mapping", okProviders + "embed: {}\n", &def},
		{"every key", okProviders + `embed:
  origins: [https://docs.example.com, "'self'", "https://*.example.org:8443"]
  models: ["gryphe/*", gpt-4o-mini]
  rate_per_minute: 2.5
  burst: 4
  streams_per_visitor: 1
  streams: 10
  max_tokens: 512
  daily_tokens: 9000000000
`, &Embed{Origins: []string{"https://docs.example.com", "'self'", "https://*.example.org:8443"}, Models: []string{"gryphe/*", "gpt-4o-mini"},
			Limits: Limits{RatePerMinute: 2.5, Burst: 4, StreamsPerClient: 1, Streams: 10}, MaxTokens: 512, DailyTokens: 9_000_000_000}},
		{"block lists", okProviders + "embed:\n  origins:\n    - https://a.example\n    - https://b.example\n  models:\n    - meta-llama/*\n",
			with(func(e *Embed) {
				e.Origins, e.Models = []string{"https://a.example", "https://b.example"}, []string{"meta-llama/*"}
			})},
		{"one key keeps the other defaults", okProviders + "embed:\n  max_tokens: 256\n", with(func(e *Embed) { e.MaxTokens = 256 })},
		{"zeros turn the limits off", okProviders + "embed:\n  rate_per_minute: 0\n  streams_per_visitor: 0\n  streams: 0\n  max_tokens: 0\n  daily_tokens: 0\n",
			with(func(e *Embed) {
				e.Limits.RatePerMinute, e.Limits.StreamsPerClient, e.Limits.Streams, e.MaxTokens, e.DailyTokens = 0, 0, 0, 0, 0
			})},
		{"whole rate, underscores", okProviders + "embed:\n  rate_per_minute: 30\n  daily_tokens: 2_000_000\n",
			with(func(e *Embed) { e.Limits.RatePerMinute, e.DailyTokens = 30, 2_000_000 })},
		{"empty lists", okProviders + "embed:\n  origins: []\n  models: []\n", &def},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ReadFileConfig(writeConfig(t, tt.yaml), env(map[string]string{"A_KEY": "sk-a"}))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Providers) != 1 || f.Providers[0].Name != "a" || f.Providers[0].Key.Reveal() != "sk-a" {
				t.Errorf("providers %+v", f.Providers)
			}
			if (f.Embed == nil) != (tt.want == nil) || f.Embed != nil && !reflect.DeepEqual(*f.Embed, *tt.want) {
				t.Fatalf("embed = %+v\nwant    %+v", f.Embed, tt.want)
			}
			if f.Embed != nil {
				if err := f.Embed.validate(); err != nil {
					t.Fatalf("the section read is invalid: %v", err)
				}
			}
		})
	}
}

func TestReadFileConfigEmbedErrors(t *testing.T) {
	tests := []struct {
		name, embed string // embed: the section's lines after "embed:", which is on line 5
		want        string // after "FILE:"
	}{
		{"not a mapping", " [a]", "5: embed: embed must be a mapping"},
		{"a value", " on", "5: embed: embed must be a mapping"},
		{"unknown key", "\n  rate: 5", "6: embed.rate: unknown field; known fields here are origins, models, rate_per_minute, burst, streams_per_visitor, streams, max_tokens, daily_tokens"},
		{"flag name as key", "\n  max-tokens: 5", "6: embed.max-tokens: unknown field"},
		{"set twice", "\n  burst: 2\n  burst: 3", "7: embed.burst: set twice"},
		{"origins not a list", "\n  origins: https://docs.example.com", "6: embed.origins: must be a list, e.g. [https://docs.example.com]"},
		{"origin not a value", "\n  origins: [[https://a.example]]", "6: embed.origins[0]: must be a single value"},
		{"origin with ;", "\n  origins: [\"https://docs.example; script-src *\"]", `6: embed.origins[0]: "https://docs.example; script-src *" holds a space`},
		{"origin with ; no space", "\n  origins:\n    - https://a.example\n    - https://docs.example;script-src", `8: embed.origins[1]: "https://docs.example;script-src" is not an origin`},
		{"origins with a comma", "\n  origins: [\"https://a.example,https://b.example\"]", `6: embed.origins[0]: "https://a.example,https://b.example" is not an origin`},
		{"two origins in one item", "\n  origins: [\"https://a.example https://b.example\"]", "6: embed.origins[0]: \"https://a.example https://b.example\" holds a space; write one origin per list item"},
		{"keyword origin", "\n  origins: [\"'unsafe-inline'\"]", `6: embed.origins[0]: "'unsafe-inline'" is not an origin`},
		{"empty origin", "\n  origins: [\"\"]", "6: embed.origins[0]: an empty origin"},
		{"null origin", "\n  origins: [~]", "6: embed.origins[0]: must be a single value"},
		{"non-ASCII origin", "\n  origins: [https://bücher.example]", `6: embed.origins[0]: "https://bücher.example" is not an origin`},
		{"models not a list", "\n  models: gryphe/*", "6: embed.models: must be a list, e.g. [\"gryphe/*\", gpt-4o-mini]"},
		{"bad pattern", "\n  models:\n    - gryphe/*\n    - \"[a-\"", "8: embed.models[1]: \"[a-\" is not a valid pattern"},
		{"empty pattern", "\n  models: [\"\"]", "6: embed.models[0]: an empty pattern matches nothing"},
		{"negative rate", "\n  rate_per_minute: -1", `6: embed.rate_per_minute: must be a number of runs per minute ≥ 0 (0 for no limit), not "-1"`},
		{"rate as text", "\n  rate_per_minute: six", `6: embed.rate_per_minute: must be a number of runs per minute ≥ 0 (0 for no limit), not "six"`},
		{"rate quoted", "\n  rate_per_minute: \"6\"", `6: embed.rate_per_minute: must be a number`},
		{"rate infinite", "\n  rate_per_minute: .inf", `6: embed.rate_per_minute: must be a number of runs per minute ≥ 0 (0 for no limit), not ".inf"`},
		{"rate NaN", "\n  rate_per_minute: .nan", `6: embed.rate_per_minute: must be a number of runs per minute ≥ 0 (0 for no limit), not ".nan"`},
		{"rate empty", "\n  rate_per_minute:", "6: embed.rate_per_minute: must be a number of runs per minute ≥ 0 (0 for no limit), not an empty value"},
		{"rate a list", "\n  rate_per_minute: [6]", "6: embed.rate_per_minute: must be a number of runs per minute ≥ 0 (0 for no limit), not a list"},
		{"burst zero", "\n  burst: 0", `6: embed.burst: must be a whole number ≥ 1, not "0"`},
		{"burst negative", "\n  burst: -3", `6: embed.burst: must be a whole number ≥ 1, not "-3"`},
		{"burst fraction", "\n  burst: 1.5", `6: embed.burst: must be a whole number ≥ 1, not "1.5"`},
		{"burst bool", "\n  burst: true", `6: embed.burst: must be a whole number ≥ 1, not "true"`},
		{"negative streams per visitor", "\n  streams_per_visitor: -1", `6: embed.streams_per_visitor: must be a whole number ≥ 0 (0 for no limit), not "-1"`},
		{"streams per visitor a mapping", "\n  streams_per_visitor: {a: 1}", `6: embed.streams_per_visitor: must be a whole number ≥ 0 (0 for no limit), not a mapping`},
		{"negative streams", "\n  streams: -64", `6: embed.streams: must be a whole number ≥ 0 (0 for no limit), not "-64"`},
		{"streams as text", "\n  streams: many", `6: embed.streams: must be a whole number ≥ 0 (0 for no limit), not "many"`},
		{"negative max tokens", "\n  max_tokens: -1", `6: embed.max_tokens: must be a whole number ≥ 0 (0 for no cap), not "-1"`},
		{"max tokens with a unit", "\n  max_tokens: 1k", `6: embed.max_tokens: must be a whole number ≥ 0 (0 for no cap), not "1k"`},
		{"max tokens too large", "\n  max_tokens: 99999999999999999999", `6: embed.max_tokens: must be a whole number ≥ 0 (0 for no cap), not "99999999999999999999"`},
		{"negative daily tokens", "\n  daily_tokens: -10", `6: embed.daily_tokens: must be a whole number ≥ 0 (0 for no budget), not "-10"`},
		{"daily tokens in e notation", "\n  daily_tokens: 1e6", `6: embed.daily_tokens: must be a whole number ≥ 0 (0 for no budget), not "1e6"`},
		{"daily tokens empty", "\n  daily_tokens: ~", "6: embed.daily_tokens: must be a whole number ≥ 0 (0 for no budget), not an empty value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := writeConfig(t, okProviders+"embed:"+tt.embed+"\n")
			_, err := ReadFileConfig(name, env(nil))
			checkConfigError(t, err, name+":"+tt.want)
			// ReadConfigFile, for the providers alone, checks the section too; so does ParseConfig.
			_, err = ReadConfigFile(name, env(nil))
			checkConfigError(t, err, name+":"+tt.want)
			_, err = ParseConfig([]string{"-config", name}, env(nil), nil)
			checkConfigError(t, err, name+":"+tt.want)
		})
	}
	// The providers are still required, and are read first.
	name := writeConfig(t, "embed:\n  burst: 2\n")
	_, err := ReadFileConfig(name, env(nil))
	checkConfigError(t, err, name+":1: providers: missing")
	name = writeConfig(t, "providers: []\nembed:\n  burst: 0\n")
	_, err = ReadFileConfig(name, env(nil))
	checkConfigError(t, err, name+":1: providers: must be a list")
}

// TestParseConfigEmbedFile checks the embed settings' precedence: a flag, then a non-empty
// environment variable, then the configuration file, then DefaultEmbed.
func TestParseConfigEmbedFile(t *testing.T) {
	file := writeConfig(t, okProviders+`embed:
  origins: [https://file.example]
  models: ["file/*"]
  rate_per_minute: 2
  burst: 4
  streams_per_visitor: 1
  streams: 8
  max_tokens: 100
  daily_tokens: 5000
`)
	partial := writeConfig(t, okProviders+"embed:\n  max_tokens: 100\n")
	none := writeConfig(t, okProviders)
	fromFile := Embed{Origins: []string{"https://file.example"}, Models: []string{"file/*"},
		Limits: Limits{RatePerMinute: 2, Burst: 4, StreamsPerClient: 1, Streams: 8}, MaxTokens: 100, DailyTokens: 5000}
	with := func(e Embed, adjust func(*Embed)) Embed {
		adjust(&e)
		return e
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want Embed
	}{
		{"file", []string{"-config", file}, nil, fromFile},
		{"file through PLAYGROUND_CONFIG", nil, map[string]string{"PLAYGROUND_CONFIG": file}, fromFile},
		{"missing keys are defaults", []string{"-config", partial}, nil, with(DefaultEmbed(), func(e *Embed) { e.MaxTokens = 100 })},
		{"no section: defaults", []string{"-config", none}, nil, DefaultEmbed()},
		{"no section: flags and env", []string{"-config", none, "-embed-rate", "1"}, map[string]string{"PLAYGROUND_EMBED_MAX_TOKENS": "50"},
			with(DefaultEmbed(), func(e *Embed) { e.Limits.RatePerMinute, e.MaxTokens = 1, 50 })},
		{"env beats file", []string{"-config", file}, map[string]string{
			"PLAYGROUND_EMBED_ORIGINS": "https://env.example https://env2.example", "PLAYGROUND_EMBED_MODELS": "env/*,env2/*", "PLAYGROUND_EMBED_RATE": "3",
			"PLAYGROUND_EMBED_BURST": "5", "PLAYGROUND_EMBED_MAX_TOKENS": "200", "PLAYGROUND_EMBED_DAILY_TOKENS": "6000"},
			Embed{Origins: []string{"https://env.example", "https://env2.example"}, Models: []string{"env/*", "env2/*"},
				Limits: Limits{RatePerMinute: 3, Burst: 5, StreamsPerClient: 1, Streams: 8}, MaxTokens: 200, DailyTokens: 6000}},
		{"flags beat file", []string{"-config", file, "-embed-origins", "https://flag.example", "-embed-models", "flag/*", "-embed-rate", "4",
			"-embed-burst", "6", "-embed-max-tokens", "300", "-embed-daily-tokens", "7000"}, nil,
			Embed{Origins: []string{"https://flag.example"}, Models: []string{"flag/*"},
				Limits: Limits{RatePerMinute: 4, Burst: 6, StreamsPerClient: 1, Streams: 8}, MaxTokens: 300, DailyTokens: 7000}},
		{"flag beats env beats file, per key", []string{"-config", file, "-embed-max-tokens", "300"},
			map[string]string{"PLAYGROUND_EMBED_MAX_TOKENS": "200", "PLAYGROUND_EMBED_BURST": "5"},
			with(fromFile, func(e *Embed) { e.MaxTokens, e.Limits.Burst = 300, 5 })},
		{"a flag set to the default still wins", []string{"-config", file, "-embed-rate", "6", "-embed-max-tokens", "1024"}, nil,
			with(fromFile, func(e *Embed) { e.Limits.RatePerMinute, e.MaxTokens = 6, 1024 })},
		{"an env set to the default still wins", []string{"-config", file}, map[string]string{"PLAYGROUND_EMBED_DAILY_TOKENS": "1000000"},
			with(fromFile, func(e *Embed) { e.DailyTokens = 1_000_000 })},
		{"empty flags clear the file's lists", []string{"-config", file, "-embed-origins", "", "-embed-models", ""}, nil,
			with(fromFile, func(e *Embed) { e.Origins, e.Models = nil, nil })},
		{"empty env is unset", []string{"-config", file}, map[string]string{"PLAYGROUND_EMBED_ORIGINS": "", "PLAYGROUND_EMBED_RATE": ""}, fromFile},
		{"flags of other settings leave the file's embed", []string{"-config", file, "-rate", "1", "-burst", "2"}, nil, fromFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"A_KEY": "sk-a"}
			for k, v := range tt.env {
				vars[k] = v
			}
			cfg, err := ParseConfig(tt.args, env(vars), nil)
			if err != nil {
				t.Fatal(err)
			}
			// The flags give empty lists where the file and DefaultEmbed give none: the same.
			for _, l := range []*[]string{&cfg.Embed.Origins, &cfg.Embed.Models} {
				if len(*l) == 0 {
					*l = nil
				}
			}
			if !reflect.DeepEqual(cfg.Embed, tt.want) {
				t.Fatalf("embed = %+v\nwant    %+v", cfg.Embed, tt.want)
			}
			if len(cfg.Providers) != 1 || cfg.Providers[0].Name != "a" {
				t.Errorf("providers %+v", cfg.Providers)
			}
		})
	}
	// A bad flag or variable is refused as before, whatever the file says.
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-config", file, "-embed-burst", "0"}, nil, `embed-burst: "0" is not a whole number ≥ 1`},
		{[]string{"-config", file}, map[string]string{"PLAYGROUND_EMBED_RATE": "NaN"}, `embed-rate: "NaN"`},
		{[]string{"-config", file, "-embed-models", "a["}, nil, `embed-models: "a[" is not a valid pattern`},
	} {
		if _, err := ParseConfig(tt.args, env(tt.env), nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: err = %v, want %q", tt.args, tt.env, err, tt.want)
		}
	}
}

// TestEmbedSettingsCoverFlags: mergeEmbed knows every embed flag of ParseConfig, by its name and
// variable, and each copies its own setting only.
func TestEmbedSettingsCoverFlags(t *testing.T) {
	var usage bytes.Buffer
	if _, err := ParseConfig([]string{"-h"}, env(nil), &usage); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	var flags, known []string
	for _, m := range regexp.MustCompile(`(?m)^\s+-(embed-\S+)`).FindAllStringSubmatch(usage.String(), -1) {
		flags = append(flags, m[1])
	}
	src := Embed{Origins: []string{"o"}, Models: []string{"m"}, Limits: Limits{RatePerMinute: 1.5, Burst: 7, StreamsPerClient: 8, Streams: 9}, MaxTokens: 10, DailyTokens: 11, DailyUSD: 12, DailyCredits: 13, Kinds: []string{"chat"}}
	leaves := func(e Embed) []string {
		var out []string
		for name, set := range map[string]bool{"Origins": e.Origins != nil, "Models": e.Models != nil, "RatePerMinute": e.Limits.RatePerMinute != 0,
			"Burst": e.Limits.Burst != 0, "StreamsPerClient": e.Limits.StreamsPerClient != 0, "Streams": e.Limits.Streams != 0,
			"TrustedProxies": e.Limits.TrustedProxies != nil, "MaxTokens": e.MaxTokens != 0, "DailyTokens": e.DailyTokens != 0,
			"DailyUSD": e.DailyUSD != 0, "DailyCredits": e.DailyCredits != 0, "Kinds": e.Kinds != nil} {
			if set {
				out = append(out, name)
			}
		}
		return out
	}
	copied := map[string]bool{}
	for _, s := range embedSettings {
		known = append(known, s.flag)
		if !strings.Contains(usage.String(), "(env "+s.env+")") {
			t.Errorf("-%s: its usage does not name %s", s.flag, s.env)
		}
		var dst Embed
		s.copy(&dst, src)
		l := leaves(dst)
		if len(l) != 1 || copied[l[0]] {
			t.Errorf("-%s copies %v", s.flag, l)
		}
		copied[strings.Join(l, ",")] = true
	}
	slices.Sort(flags)
	slices.Sort(known)
	if !slices.Equal(flags, known) || len(flags) != 9 {
		t.Errorf("embed flags %v, mergeEmbed knows %v", flags, known)
	}
}
