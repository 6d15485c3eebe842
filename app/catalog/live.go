package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// LiveModel is one model of a provider's live list (GET /models), as ParseLiveList reads it. Plain
// OpenAI-compatible lists carry only the id; AI/ML API's carries the rest.
type LiveModel struct {
	// ID is the provider's id of the model.
	ID string
	// Aliases are other ids the provider accepts for it.
	Aliases []string
	// Type is the endpoint type, e.g. "openai/chat-completions"; empty in plain lists.
	Type string
	// Name, Developer and Description are the model's identity, where listed.
	Name, Developer, Description string
	// ContextLength is the context window in tokens, 0 when not listed.
	ContextLength int
	// InputModalities, OutputModalities and Capabilities are listed with ?include=all.
	InputModalities, OutputModalities, Capabilities []string
	// Tags are free-form tags such as "playground:chat".
	Tags []string
	// Price is the token price, nil unless the list quotes a fixed per-token price.
	Price *Price
	// Unavailable is set when the list marks the model deprecated or unavailable.
	Unavailable bool
}

// ErrNotModelList is returned by ParseLiveList for bodies that are not a model list at all.
var ErrNotModelList = errors.New("not a model list: want a JSON object with a \"data\" array")

// maxIDLen bounds model ids: they travel in URLs and the picker shows them.
const maxIDLen = 256

// ParseLiveList reads the body of a provider's GET /models answer, in either shape:
//
//   - OpenAI's: {"object":"list","data":[{"id":"…","object":"model","owned_by":"…"}]}
//   - AI/ML API's: the same, each item also carrying aliases, type, info {name, developer,
//     description, contextLength}, tags and, with ?include=all, modalities, capabilities and pricing.
//
// It is lenient: items without a usable id (missing, not a string, empty, too long, with spaces or
// control characters) are skipped, fields of an unexpected type are ignored, and a later item with
// an id already seen is dropped. It fails only when the body is not a JSON object with a data array
// (a bare array of items is accepted too).
func ParseLiveList(body []byte) ([]LiveModel, error) {
	var items []json.RawMessage
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotModelList, err)
		}
	} else {
		var top struct {
			Data *[]json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(trimmed, &top); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotModelList, err)
		}
		if top.Data == nil {
			return nil, ErrNotModelList
		}
		items = *top.Data
	}
	out := make([]LiveModel, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, raw := range items {
		m, ok := parseLiveItem(raw)
		if !ok || seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		out = append(out, m)
	}
	return out, nil
}

// fields is a JSON object read one member at a time, so that a member of the wrong type spoils only
// itself.
type fields map[string]json.RawMessage

func objectOf(raw json.RawMessage) fields {
	var f fields
	if json.Unmarshal(raw, &f) != nil {
		return nil
	}
	return f
}

func (f fields) str(name string) string {
	var s string
	if json.Unmarshal(f[name], &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

func (f fields) strs(name string) []string {
	var raw []json.RawMessage
	if json.Unmarshal(f[name], &raw) != nil {
		return nil
	}
	var out []string
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil && strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

func (f fields) num(name string) (float64, bool) {
	raw, ok := f[name]
	if !ok {
		return 0, false
	}
	var x float64
	if json.Unmarshal(raw, &x) == nil {
		return x, !math.IsInf(x, 0) && !math.IsNaN(x)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if x, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "$")), 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
			return x, true
		}
	}
	return 0, false
}

func (f fields) flag(name string) bool {
	var b bool
	return json.Unmarshal(f[name], &b) == nil && b
}

func parseLiveItem(raw json.RawMessage) (LiveModel, bool) {
	item := objectOf(raw)
	m := LiveModel{ID: item.str("id")}
	if !validID(m.ID) {
		return LiveModel{}, false
	}
	for _, a := range item.strs("aliases") {
		if validID(a) && a != m.ID && !contains(m.Aliases, a) {
			m.Aliases = append(m.Aliases, a)
		}
	}
	m.Type = item.str("type")
	info := objectOf(item["info"])
	meta := objectOf(item["metadata"]) // some OpenAI-compatible lists put details here
	m.Name = firstNonEmpty(info.str("name"), item.str("name"))
	m.Developer = firstNonEmpty(info.str("developer"), item.str("developer"))
	m.Description = firstNonEmpty(info.str("description"), item.str("description"), meta.str("description"))
	for _, src := range []struct {
		f    fields
		name string
	}{{info, "contextLength"}, {info, "context_length"}, {item, "context_length"}, {meta, "context_length"}} {
		if n, ok := src.f.num(src.name); ok && n > 0 && n < 1<<31 {
			m.ContextLength = int(n)
			break
		}
	}
	m.Tags = append(item.strs("tags"), item.strs("features")...) // "features" in older lists
	mod := objectOf(item["modalities"])
	m.InputModalities, m.OutputModalities = mod.strs("input"), mod.strs("output")
	m.Capabilities = item.strs("capabilities")
	m.Price = parsePricing(objectOf(item["pricing"]))
	m.Unavailable = item.flag("deprecated") || info.flag("deprecated") || unavailableStatus(item.str("status")) || unavailableStatus(info.str("status"))
	for _, t := range m.Tags {
		if unavailableStatus(strings.TrimPrefix(strings.ToLower(t), "status:")) {
			m.Unavailable = true
		}
	}
	return m, true
}

// validID accepts ids the playground can put in URLs and show: non-empty, bounded, printable, no
// spaces.
func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for _, r := range id {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

func unavailableStatus(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "deprecated", "unavailable", "disabled", "retired", "inactive", "removed":
		return true
	}
	return false
}

// parsePricing reads a "fixed" price (one rate per unit) and keeps the input and output token
// rates, converted to dollars per million tokens. Each unit is read leniently: its name from
// "unit", "name", "type" or "key" ("input_tokens", "prompt", "output", "completion"…), its rate
// from "price" (a number or a decimal string), and what the rate is for from "per" (a number of
// tokens, or text such as "1M tokens", "1K tokens", "token"). Units that are not plain input or
// output tokens (cached, audio, image…) and rates that cannot be converted are ignored.
func parsePricing(p fields) *Price {
	if p == nil || (p.str("kind") != "" && p.str("kind") != "fixed") {
		return nil
	}
	if c := p.str("currency"); c != "" && !strings.EqualFold(c, "USD") {
		return nil
	}
	var raw []json.RawMessage
	if json.Unmarshal(p["units"], &raw) != nil {
		return nil
	}
	var out Price
	for _, r := range raw {
		u := objectOf(r)
		name := strings.ToLower(firstNonEmpty(u.str("unit"), u.str("name"), u.str("type"), u.str("key")))
		if strings.Contains(name, "cache") || strings.Contains(name, "audio") || strings.Contains(name, "image") {
			continue
		}
		rate, ok := u.num("price")
		if !ok || rate < 0 {
			continue
		}
		tokens, ok := perTokens(u)
		if !ok {
			continue
		}
		perMillion := math.Round(rate*1e6/tokens*1e9) / 1e9
		if math.IsInf(perMillion, 0) || math.IsNaN(perMillion) || perMillion > 1e9 {
			continue
		}
		switch {
		case strings.Contains(name, "input") || strings.Contains(name, "prompt"):
			if out.Input == nil {
				out.Input = &perMillion
			}
		case strings.Contains(name, "output") || strings.Contains(name, "completion"):
			if out.Output == nil {
				out.Output = &perMillion
			}
		}
	}
	if out.Input == nil && out.Output == nil {
		return nil
	}
	return &out
}

// perTokens reads how many tokens a unit's rate is for.
func perTokens(u fields) (float64, bool) {
	if n, ok := u.num("per"); ok {
		return n, n > 0
	}
	s := strings.ToLower(strings.TrimSpace(u.str("per")))
	if s == "" || !strings.Contains(s, "token") {
		return 0, false
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "tokens"), "token"))
	mult := 1.0
	switch {
	case s == "":
		return 1, true
	case strings.HasSuffix(s, "million"):
		mult, s = 1e6, strings.TrimSuffix(s, "million")
	case strings.HasSuffix(s, "m"):
		mult, s = 1e6, strings.TrimSuffix(s, "m")
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, strings.TrimSuffix(s, "k")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return mult, true
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) {
		return 0, false
	}
	return n * mult, true
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func contains[T comparable](list []T, s T) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
