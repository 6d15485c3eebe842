package server

import (
	"errors"
	"os"
	"path/filepath"
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
	cfg, err := ParseConfig([]string{"-config", name}, env(map[string]string{"AIMLAPI_API_KEY": "sk-env", "AIMLAPI_BASE_URL": "http://ignored.example/v1"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Providers) != 2 || cfg.Providers[0].BaseURL != "https://api.aimlapi.com/v1" || cfg.ConfigFile != name {
		t.Fatalf("ParseConfig -config: %+v", cfg.Providers)
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
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			if want := name + ":" + tt.want; !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("err  = %s\nwant = %s…", err, want)
			}
			if strings.Contains(err.Error(), "sk-secret-value") {
				t.Fatal("the error quotes the key")
			}
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
