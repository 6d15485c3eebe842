package server

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"playground/app/embed"
	"playground/server/media"
	"playground/server/upstream"
)

// ConfigError is a mistake in the configuration file, located by line and field.
type ConfigError struct {
	// File is the configuration file's name.
	File string
	// Line is the 1-based line of the offending key or value, 0 when unknown.
	Line int
	// Field is the setting's path, e.g. "providers[1].base_url".
	Field string
	// Message says what is wrong and what to write instead. It never quotes a key.
	Message string
	// Err is the underlying cause, if any.
	Err error
}

// Error returns "FILE:LINE: FIELD: MESSAGE".
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Message)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// ReadConfigFile reads the providers from a YAML file (format in README.md, "Configuration file"):
//
//	providers:
//	  - name: aimlapi
//	    base_url: https://api.aimlapi.com/v1
//	    key_env: AIMLAPI_API_KEY
//	    catalog: {embedded: true, live: true, live_query: include=all}
//
// Unknown fields, missing or malformed values and inline keys are errors (*ConfigError) naming the
// file, the line and the field. Keys are read from the environment (through getenv, also trying
// NAME_FILE) or from a file; relative paths are relative to the configuration file's directory.
//
// It is ReadFileConfig without the file's other sections (which it checks all the same).
func ReadConfigFile(name string, getenv func(string) string) ([]Provider, error) {
	f, err := ReadFileConfig(name, getenv)
	return f.Providers, err
}

// FileConfig is what a configuration file sets.
type FileConfig struct {
	// Providers are the file's providers, in file order (at least one).
	Providers []Provider
	// Embed is the file's embed section: the embeddable widget's settings, with DefaultEmbed's
	// values for the keys it leaves out. It is nil when the file has no embed section.
	Embed *Embed
}

// ReadFileConfig reads a YAML configuration file (format in README.md, "Configuration file"): the
// providers, as ReadConfigFile describes, and an optional embed section:
//
//	embed:
//	  origins: [https://docs.example.com]
//	  models: ["gryphe/*", gpt-4o-mini]
//	  rate_per_minute: 6
//	  burst: 3
//	  streams_per_visitor: 2
//	  streams: 64
//	  max_tokens: 1024
//	  daily_tokens: 1000000
//
// Every embed key is optional; unknown keys, wrong types, negative numbers, invalid patterns and
// origins that are not CSP sources are errors (*ConfigError) naming the file, the line and the
// field (embed.KEY). ParseConfig lets the embed flags and environment variables that are set
// override the section (see mergeEmbed).
func ReadFileConfig(name string, getenv func(string) string) (FileConfig, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return FileConfig{}, fmt.Errorf("config file: %w", err)
	}
	r := &configReader{file: name, dir: filepath.Dir(name), getenv: getenv}
	return r.read(data)
}

type configReader struct {
	file, dir string
	getenv    func(string) string
}

func (r *configReader) errf(n *yaml.Node, field, format string, args ...any) *ConfigError {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ConfigError{File: r.file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (r *configReader) read(data []byte) (FileConfig, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return FileConfig{}, &ConfigError{File: r.file, Message: "the file is empty; it should list providers (see README.md, Configuration file)"}
		}
		var line int
		msg := err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			_, _ = fmt.Sscan(m[1], &line)
			msg = m[2]
		}
		return FileConfig{}, &ConfigError{File: r.file, Line: line, Message: "not valid YAML: " + msg}
	}
	if len(doc.Content) == 0 {
		return FileConfig{}, &ConfigError{File: r.file, Message: "the file is empty; it should list providers (see README.md, Configuration file)"}
	}
	top, err := r.mapping(doc.Content[0], "", "providers", "embed")
	if err != nil {
		return FileConfig{}, err
	}
	var f FileConfig
	if f.Providers, err = r.providers(doc.Content[0], top["providers"]); err != nil {
		return FileConfig{}, err
	}
	if n := top["embed"]; n != nil {
		e, err := r.embed(n, "embed")
		if err != nil {
			return FileConfig{}, err
		}
		f.Embed = &e
	}
	return f, nil
}

// providers reads the providers list (list, nil when missing) of the document top.
func (r *configReader) providers(top, list *yaml.Node) ([]Provider, error) {
	if list == nil {
		return nil, r.errf(top, "providers", "missing: the file must list at least one provider")
	}
	if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		return nil, r.errf(list, "providers", "must be a list of at least one provider (items start with \"- name: …\")")
	}
	var out []Provider
	names := map[string]bool{}
	for i, n := range list.Content {
		p, err := r.provider(n, fmt.Sprintf("providers[%d]", i))
		if err != nil {
			return nil, err
		}
		if names[p.Name] {
			return nil, r.errf(n, fmt.Sprintf("providers[%d].name", i), "%q is used by an earlier provider; names must be unique", p.Name)
		}
		names[p.Name] = true
		out = append(out, p)
	}
	return out, nil
}

// mapping checks that n is a mapping with only known keys, each once, and returns the values.
func (r *configReader) mapping(n *yaml.Node, field string, known ...string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		what := "the file"
		if field != "" {
			what = field
		}
		return nil, r.errf(n, field, "%s must be a mapping of \"name: value\" lines", what)
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := join(field, k.Value)
		switch {
		case field != "" && strings.HasSuffix(field, "]") && k.Value == "key":
			return nil, r.errf(k, f, "API keys are not accepted in the file; use key_env (the name of an environment variable holding the key) or key_file (a file holding it)")
		case !contains(known, k.Value):
			return nil, r.errf(k, f, "unknown field; known fields here are %s", strings.Join(known, ", "))
		case out[k.Value] != nil:
			return nil, r.errf(k, f, "set twice")
		}
		out[k.Value] = v
	}
	return out, nil
}

func join(field, name string) string {
	if field == "" {
		return name
	}
	return field + "." + name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// str reads a scalar as text.
func (r *configReader) str(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", r.errf(n, field, "must be a single value")
	}
	return strings.TrimSpace(n.Value), nil
}

func (r *configReader) boolean(n *yaml.Node, field string) (bool, error) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		return false, r.errf(n, field, "must be true or false, not %q", n.Value)
	}
	return b, nil
}

// strList reads a list of scalars; example shows one in the error message.
func (r *configReader) strList(n *yaml.Node, field, example string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, r.errf(n, field, "must be a list, e.g. %s", example)
	}
	var out []string
	for i, c := range n.Content {
		s, err := r.str(c, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// localPath makes a relative path relative to the configuration file's directory.
func (r *configReader) localPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.dir, p)
}

var providerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (r *configReader) provider(n *yaml.Node, field string) (Provider, error) {
	p := Provider{HeaderTimeout: 2 * time.Minute, Catalog: Sources{Live: true}}
	m, err := r.mapping(n, field, "name", "base_url", "key_env", "key_file", "header_timeout", "catalog", "models", "headers", "media_hosts", "media_allow_insecure")
	if err != nil {
		return p, err
	}
	if m["name"] == nil {
		return p, r.errf(n, field+".name", "missing: every provider needs a name (lower case letters, digits, '-', '_' or '.')")
	}
	if p.Name, err = r.str(m["name"], field+".name"); err != nil {
		return p, err
	}
	if !providerName.MatchString(p.Name) {
		return p, r.errf(m["name"], field+".name", "%q: use lower case letters, digits, '-', '_' or '.' (at most 64)", p.Name)
	}
	if m["base_url"] == nil {
		return p, r.errf(n, field+".base_url", "missing: the provider's OpenAI-compatible API base, e.g. https://api.aimlapi.com/v1")
	}
	if p.BaseURL, err = r.str(m["base_url"], field+".base_url"); err != nil {
		return p, err
	}
	if _, err := upstream.ParseBaseURL(p.BaseURL); err != nil {
		return p, &ConfigError{File: r.file, Line: m["base_url"].Line, Field: field + ".base_url", Message: "not a usable base URL", Err: err}
	}
	if err := r.key(&p, m, n, field); err != nil {
		return p, err
	}
	if v := m["header_timeout"]; v != nil {
		s, err := r.str(v, field+".header_timeout")
		if err != nil {
			return p, err
		}
		if p.HeaderTimeout, err = time.ParseDuration(s); err != nil || p.HeaderTimeout <= 0 {
			return p, r.errf(v, field+".header_timeout", "%q is not a positive duration such as 90s or 2m", s)
		}
	}
	if v := m["catalog"]; v != nil {
		if p.Catalog, err = r.sources(v, field+".catalog"); err != nil {
			return p, err
		}
	}
	if v := m["models"]; v != nil {
		if p.Models, err = r.strList(v, field+".models", `["meta-llama/*", "gryphe/mythomax-l2-13b"]`); err != nil {
			return p, err
		}
		for i, pat := range p.Models {
			if err := embed.CheckPattern(pat); err != nil {
				return p, r.errf(v.Content[i], fmt.Sprintf("%s.models[%d]", field, i), "%v", err)
			}
		}
	}
	if v := m["headers"]; v != nil {
		if v.Kind != yaml.MappingNode {
			return p, r.errf(v, field+".headers", "must be a mapping of header names to values")
		}
		p.Headers = map[string]string{}
		for i := 0; i+1 < len(v.Content); i += 2 {
			k := v.Content[i]
			val, err := r.str(v.Content[i+1], field+".headers."+k.Value)
			if err != nil {
				return p, err
			}
			if err := checkHeader(k.Value, val); err != nil {
				return p, r.errf(k, field+".headers."+k.Value, "%v", err)
			}
			p.Headers[textproto.CanonicalMIMEHeaderKey(k.Value)] = val
		}
	}
	if v := m["media_hosts"]; v != nil {
		if p.MediaHosts, err = r.strList(v, field+".media_hosts", `[cdn.example.com, "*.example.com"]`); err != nil {
			return p, err
		}
		if p.MediaHosts == nil {
			p.MediaHosts = []string{} // an empty list: no media host, not the default
		}
		for i, pat := range p.MediaHosts {
			if err := media.CheckHost(pat); err != nil {
				return p, r.errf(v.Content[i], fmt.Sprintf("%s.media_hosts[%d]", field, i), "%v", err)
			}
		}
	}
	if v := m["media_allow_insecure"]; v != nil {
		if p.MediaAllowInsecure, err = r.boolean(v, field+".media_allow_insecure"); err != nil {
			return p, err
		}
	}
	return p, nil
}

// key reads the provider's key from key_env or key_file (exactly one).
func (r *configReader) key(p *Provider, m map[string]*yaml.Node, n *yaml.Node, field string) error {
	envN, fileN := m["key_env"], m["key_file"]
	switch {
	case envN != nil && fileN != nil:
		return r.errf(fileN, field+".key_file", "set either key_env or key_file, not both")
	case envN == nil && fileN == nil:
		return r.errf(n, field+".key_env", "missing: set key_env (the name of an environment variable holding the key) or key_file (a file holding it)")
	case envN != nil:
		name, err := r.str(envN, field+".key_env")
		if err != nil {
			return err
		}
		if !envName.MatchString(name) {
			return r.errf(envN, field+".key_env", "must be the name of an environment variable (letters, digits and _), not the key itself")
		}
		p.KeyEnv = name
		if p.Key, err = readKey(r.getenv, name); err != nil {
			return &ConfigError{File: r.file, Line: envN.Line, Field: field + ".key_env", Message: "reading the key", Err: err}
		}
	default:
		name, err := r.str(fileN, field+".key_file")
		if err != nil {
			return err
		}
		p.KeyFile = r.localPath(name)
		b, err := os.ReadFile(p.KeyFile)
		if err != nil {
			// The error names the file, never its content.
			return &ConfigError{File: r.file, Line: fileN.Line, Field: field + ".key_file", Message: "reading the key file", Err: err}
		}
		if p.Key = Secret(strings.TrimSpace(string(b))); p.Key == "" {
			return r.errf(fileN, field+".key_file", "the key file %s is empty", p.KeyFile)
		}
	}
	return nil
}

func (r *configReader) sources(n *yaml.Node, field string) (Sources, error) {
	var s Sources
	m, err := r.mapping(n, field, "embedded", "schemas", "live", "live_query")
	if err != nil {
		return s, err
	}
	if v := m["embedded"]; v != nil {
		if s.Embedded, err = r.boolean(v, field+".embedded"); err != nil {
			return s, err
		}
	}
	if v := m["live"]; v != nil {
		if s.Live, err = r.boolean(v, field+".live"); err != nil {
			return s, err
		}
	}
	if v := m["schemas"]; v != nil {
		dir, err := r.str(v, field+".schemas")
		if err != nil {
			return s, err
		}
		s.SchemasDir = r.localPath(dir)
		if st, err := os.Stat(s.SchemasDir); err != nil || !st.IsDir() {
			return s, &ConfigError{File: r.file, Line: v.Line, Field: field + ".schemas", Message: "not a readable directory of OpenAPI files", Err: err}
		}
	}
	if v := m["live_query"]; v != nil {
		q, err := r.str(v, field+".live_query")
		if err != nil {
			return s, err
		}
		if _, err := url.ParseQuery(q); err != nil || strings.ContainsAny(q, "#\r\n ") {
			return s, r.errf(v, field+".live_query", "%q is not a query string such as include=all", q)
		}
		s.LiveQuery = q
	}
	if !s.Embedded && !s.Live && s.SchemasDir == "" {
		return s, r.errf(n, field, "no source of models: set embedded, schemas or live")
	}
	return s, nil
}

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

// shown is a value as an error message quotes it.
func shown(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Tag == "!!null":
		return "an empty value"
	}
	return strconv.Quote(n.Value)
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

// ownedHeaders are headers the proxy sets itself or that carry credentials or client identity; a
// provider's extra headers may not set them.
var ownedHeaders = []string{"Authorization", "Proxy-Authorization", "Host", "Cookie", "Content-Type", "Content-Length",
	"Accept-Encoding", "Transfer-Encoding", "Connection", "Keep-Alive", "Te", "Trailer", "Upgrade", "Forwarded",
	"X-Real-Ip", "Origin", "If-None-Match", "User-Agent"}

// checkHeader accepts an extra header that is a valid field and not one the proxy owns.
func checkHeader(name, value string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r)
	}) >= 0 {
		return fmt.Errorf("%q is not a header name", name)
	}
	canon := textproto.CanonicalMIMEHeaderKey(name)
	if contains(ownedHeaders, canon) || strings.HasPrefix(canon, "Proxy-") || strings.HasPrefix(canon, "X-Forwarded-") || strings.HasPrefix(canon, "Sec-") {
		return fmt.Errorf("%s is set by the playground itself and cannot be configured", canon)
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("the value of %s must be one line", canon)
	}
	return nil
}
