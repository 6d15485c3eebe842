package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"playground/app/catalog"
	"playground/app/embed"
	"playground/app/kind"
	"playground/app/schema"
	"playground/server/httperr"
)

// embedGate enforces the embed's policy (Config.Embed) on the /api/embed/ routes: the models it
// may run, its per-visitor limits, the cap on answer length and the daily token budget.
type embedGate struct {
	cfg    Embed
	limits *limiter
	budget *budget
}

func newEmbedGate(cfg Embed, trusted Limits) *embedGate {
	l := cfg.Limits
	l.TrustedProxies = trusted.TrustedProxies
	g := &embedGate{cfg: cfg, limits: newLimiter(l), budget: &budget{limit: cfg.DailyTokens, usd: cfg.DailyUSD, credits: cfg.DailyCredits, now: time.Now}}
	g.limits.rateMessage = "This widget allows " + embed.Rate(l.RatePerMinute) + " per visitor. Wait a moment and run again, or open the full playground."
	return g
}

// policy is the embed's policy as the widget shows it, with what is left of today's budget.
func (g *embedGate) policy() embed.Policy {
	usdLeft, creditsLeft := g.budget.leftMoney()
	return embed.Policy{Models: g.cfg.Models, MaxTokens: g.cfg.MaxTokens, RatePerMinute: g.cfg.Limits.RatePerMinute,
		Burst: g.cfg.Limits.Burst, DailyTokens: g.cfg.DailyTokens, DailyLeft: g.budget.left(),
		DailyUSD: g.cfg.DailyUSD, DailyUSDLeft: usdLeft, DailyCredits: g.cfg.DailyCredits, DailyCreditsLeft: creditsLeft,
		Kinds: g.cfg.Kinds}
}

// allows reports whether an embed may run the model: its id or an alias is allowed, and so is
// its kind.
func (g *embedGate) allows(m catalog.Model) bool {
	p := embed.Policy{Models: g.cfg.Models, Kinds: g.cfg.Kinds}
	return p.Allows(m.ID, m.Aliases...) && p.AllowsKind(m.Kind)
}

// refusal is the error for a model the embed may not run: its kind, or the model itself.
func (g *embedGate) refusal(m catalog.Model) *httperr.Error {
	if !(embed.Policy{Kinds: g.cfg.Kinds}).AllowsKind(m.Kind) {
		return g.kindLockedError(m.Kind, m.ID)
	}
	return g.lockedError(m.ID)
}

// kindLockedError is the refusal of a call of a kind the embed may not run.
func (g *embedGate) kindLockedError(kindName, model string) *httperr.Error {
	label := kindName
	if k := kind.ByName(kindName); k != nil {
		label = k.Label() + " (" + kindName + ")"
	}
	return httperr.Errorf(httperr.EEmbedKindLocked,
		"This widget may not run %s models such as %s: the playground's operator allows only %s in embeds. Open the full playground to try it.",
		label, model, strings.Join(g.cfg.Kinds, ", "))
}

// lockedError is the refusal of a model the embed may not run.
func (g *embedGate) lockedError(id string) *httperr.Error {
	return httperr.Errorf(httperr.EEmbedModelLocked,
		"This widget may not run model %s: the playground's operator allows only %v in embeds. Open the full playground to try it.", id, g.cfg.Models)
}

// maxTokenFields are the parameters that bound an answer's length, in the order one is added to a
// request that sets none.
var maxTokenFields = []string{"max_tokens", "max_completion_tokens", "max_output_tokens", "max_new_tokens"}

// capTokens applies MaxTokens to a request body: a length parameter above the cap is refused; when
// none is set, the first of maxTokenFields the model's schema has is set to the cap (or to the
// schema's own maximum, when lower). It returns the body, the longest answer the request allows, and whether
// the answer must be cut while streaming (the schema has no length parameter).
func (g *embedGate) capTokens(op *schema.Operation, body []byte) ([]byte, int64, bool, error) {
	limit := int64(g.cfg.MaxTokens)
	if limit <= 0 {
		return body, 0, false, nil
	}
	var head map[string]json.RawMessage
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, 0, false, httperr.Errorf(httperr.EInvalidJSON, "The request body must be a JSON object: %v", err)
	}
	longest, set := int64(0), false
	for _, name := range maxTokenFields {
		raw, ok := head[name]
		if !ok || string(raw) == "null" {
			continue
		}
		var n float64
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, 0, false, httperr.Errorf(httperr.EInvalidParameters, "%s: must be a number.", name)
		}
		if n > float64(limit) {
			return nil, 0, false, httperr.Errorf(httperr.EEmbedMaxTokens,
				"%s: this widget allows at most %s tokens per answer (a limit for public use); lower it and run again, or open the full playground.", name, embed.Count(limit))
		}
		set, longest = true, max(longest, int64(n))
	}
	if set {
		return body, longest, false, nil
	}
	for _, name := range maxTokenFields {
		for _, f := range op.Fields {
			if f.Name != name {
				continue
			}
			v := limit
			if f.Max != nil && *f.Max >= 1 && int64(*f.Max) < v {
				v = int64(*f.Max)
			}
			if _, ok := head[name]; ok {
				// The field is there as null: set it, rather than add a second key after which
				// the upstream may read the null (no cap).
				head[name] = strconv.AppendInt(nil, v, 10)
				out, err := json.Marshal(head)
				if err != nil {
					return nil, 0, false, fmt.Errorf("re-encoding the request with %s: %w", name, err)
				}
				return out, v, false, nil
			}
			// Insert the field rather than re-encode: the rest of the body goes out as it came.
			i := bytes.IndexByte(body, '{')
			out := make([]byte, 0, len(body)+len(name)+24)
			out = append(out, body[:i+1]...)
			out = strconv.AppendQuote(out, name)
			out = append(out, ':')
			out = strconv.AppendInt(out, v, 10)
			if len(head) > 0 {
				out = append(out, ',')
			}
			out = append(out, body[i+1:]...)
			return out, v, false, nil
		}
	}
	return body, limit, true, nil
}

// Spend is what one run used, as the budget counts it.
type Spend struct {
	// Tokens are the tokens the provider reported (or the server's estimate for chat-likes).
	Tokens int64
	// USD and Credits are what the provider reported the run cost.
	USD, Credits float64
}

// budget is the embeds' daily budget, in tokens, US dollars and AI/ML API credits (each 0: none).
// A run reserves the tokens it may use at most before it starts and settles what it used when it
// ends, so runs in flight together cannot overspend the token budget. What a run costs in money
// is known only from the provider's answer: a run is refused once the money budget is spent, and
// runs in flight together may go over it by what they cost.
type budget struct {
	limit   int64   // tokens
	usd     float64 // US dollars
	credits float64
	now     func() time.Time

	mu             sync.Mutex
	day            string // the UTC date the counts are for
	used, reserved int64
	usedUSD        float64
	usedCredits    float64
}

func (b *budget) rollLocked() {
	if day := b.now().UTC().Format(time.DateOnly); day != b.day {
		b.day, b.used, b.usedUSD, b.usedCredits = day, 0, 0, 0
	}
}

// left is what is left of today's token budget; 0 without a budget.
func (b *budget) left() int64 {
	if b.limit <= 0 {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	return max(b.limit-b.used-b.reserved, 0)
}

// leftMoney is what is left of today's dollar and credit budgets (0 for a budget not set).
func (b *budget) leftMoney() (usd, credits float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	if b.usd > 0 {
		usd = max(b.usd-b.usedUSD, 0)
	}
	if b.credits > 0 {
		credits = max(b.credits-b.usedCredits, 0)
	}
	return usd, credits
}

// reserve sets n tokens aside for a run, or returns the refusal to answer with (the token budget
// cannot hold n, or a money budget is spent). settle must be called with what the run used once
// it ends.
func (b *budget) reserve(n int64) (settle func(Spend), _ *httperr.Error) {
	if b.limit <= 0 && b.usd <= 0 && b.credits <= 0 {
		return func(Spend) {}, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	now := b.now().UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	wait := midnight.Sub(now)
	refuse := func(msg string) *httperr.Error {
		return &httperr.Error{Code: httperr.EEmbedBudgetSpent, RetryAfter: int(wait.Seconds()) + 1, Message: msg}
	}
	switch {
	case b.usd > 0 && b.usedUSD >= b.usd:
		return nil, refuse(fmt.Sprintf("This widget's shared daily budget of %s is used up; it resets at 00:00 UTC (in %s). Open the full playground to go on.",
			embed.USD(b.usd), wait.Round(time.Minute)))
	case b.credits > 0 && b.usedCredits >= b.credits:
		return nil, refuse(fmt.Sprintf("This widget's shared daily budget of %s credits is used up; it resets at 00:00 UTC (in %s). Open the full playground to go on.",
			embed.Count(int64(b.credits)), wait.Round(time.Minute)))
	}
	if b.limit > 0 {
		left := b.limit - b.used - b.reserved
		if n > left || left <= 0 {
			msg := fmt.Sprintf("This widget's shared daily budget of %s tokens is used up; it resets at 00:00 UTC (in %s). Open the full playground to go on.",
				embed.Count(b.limit), wait.Round(time.Minute))
			if left > 0 {
				msg = fmt.Sprintf("This run could use up to %s tokens, and %s are left of this widget's shared daily budget. Lower max_tokens or shorten the conversation, or come back after 00:00 UTC (in %s).",
					embed.Count(n), embed.Count(left), wait.Round(time.Minute))
			}
			return nil, refuse(msg)
		}
		b.reserved += n
	} else {
		n = 0
	}
	day := b.day
	var once sync.Once
	return func(used Spend) {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.reserved -= n
			b.rollLocked()
			if b.day == day {
				b.used += used.Tokens
				b.usedUSD += used.USD
				b.usedCredits += used.Credits
			}
		})
	}, nil
}

// handleEmbedConfig serves GET /api/embed/config: the policy the widget explains to visitors.
func (s *Server) handleEmbedConfig(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, "no-store", s.embed.policy())
}

// handleEmbedModels serves GET /api/embed/models: the models an embed may run.
func (s *Server) handleEmbedModels(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, "no-cache", struct {
		Models []catalog.Model `json:"models"`
	}{s.embed.models(s.Catalog())})
}

// writeJSON answers v as JSON with the given Cache-Control.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, cacheControl string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encoding the answer to %s: %w", r.URL.Path, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", cacheControl)
	_, _ = w.Write(b)
}

// models are the catalogue's models an embed may run.
func (g *embedGate) models(cat *catalog.Catalog) []catalog.Model {
	models := []catalog.Model{}
	for _, m := range cat.Models() {
		if g.allows(m) {
			models = append(models, m)
		}
	}
	return models
}

// capForm adjusts a model's form for the embed: the length parameters top out at the cap.
func (g *embedGate) capForm(f *catalog.Form) {
	limit := float64(g.cfg.MaxTokens)
	if limit <= 0 {
		return
	}
	fields := append([]schema.Field(nil), f.Fields...)
	for i := range fields {
		for _, name := range maxTokenFields {
			if fields[i].Name == name && (fields[i].Max == nil || *fields[i].Max > limit) {
				fields[i].Max, fields[i].ExclusiveMax = &limit, false
				fields[i].Help = strings.TrimSpace(fields[i].Help + "\n\nIn this widget: at most " + embed.Count(int64(limit)) +
					" (a limit the playground's operator sets for public use).")
			}
		}
	}
	f.Fields = fields
}
