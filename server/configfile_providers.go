package server

import (
	"fmt"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"playground/app/embed"
	"playground/server/media"
	"playground/server/upstream"
)

// The providers section of the configuration file: each provider's entry, its key, catalogue
// sources and extra headers.

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
