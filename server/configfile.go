package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
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
