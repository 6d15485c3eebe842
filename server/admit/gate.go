package admit

import (
	"net/netip"
	"strings"

	"playground/app/catalog"
	"playground/app/embed"
	"playground/app/kind"
	"playground/app/schema"
	"playground/server/httperr"
)

// Rules are what the embed gate enforces: the embed's part of the server's configuration.
type Rules struct {
	// Models are path.Match patterns of the model ids (or aliases) an embed may run; empty
	// means every model.
	Models []string
	// Kinds are the endpoint kinds (app/kind names) an embed may run; empty means every kind.
	Kinds []string
	// Limits bound what one visitor and all visitors together make embeds spend.
	Limits Limits
	// MaxTokens caps the length of an answer (see CapTokens); 0 means no cap.
	MaxTokens int
	// DailyTokens, DailyUSD and DailyCredits are the shared daily budgets (see Budget); 0
	// means none.
	DailyTokens            int64
	DailyUSD, DailyCredits float64
}

// Gate enforces the embed's policy on the /api/embed/ routes: the models it may run, its
// per-visitor limits, the cap on answer length and the daily budget.
type Gate struct {
	rules  Rules
	limits *Limiter
	budget *Budget
}

// NewGate returns the gate of rules; trusted are the reverse proxies whose X-Forwarded-For is
// believed (the server's, whatever rules.Limits says).
func NewGate(rules Rules, trusted []netip.Prefix) *Gate {
	l := rules.Limits
	l.TrustedProxies = trusted
	g := &Gate{rules: rules, limits: NewLimiter(l), budget: NewBudget(rules.DailyTokens, rules.DailyUSD, rules.DailyCredits)}
	g.limits.rateMessage = "This widget allows " + embed.Rate(l.RatePerMinute) + " per visitor. Wait a moment and run again, or open the full playground."
	return g
}

// Limiter returns the embed's per-visitor limiter.
func (g *Gate) Limiter() *Limiter { return g.limits }

// Budget returns the embeds' shared daily budget.
func (g *Gate) Budget() *Budget { return g.budget }

// Policy is the embed's policy as the widget shows it, with what is left of today's budget.
func (g *Gate) Policy() embed.Policy {
	usdLeft, creditsLeft := g.budget.LeftMoney()
	return embed.Policy{Models: g.rules.Models, MaxTokens: g.rules.MaxTokens, RatePerMinute: g.rules.Limits.RatePerMinute,
		Burst: g.rules.Limits.Burst, DailyTokens: g.rules.DailyTokens, DailyLeft: g.budget.Left(),
		DailyUSD: g.rules.DailyUSD, DailyUSDLeft: usdLeft, DailyCredits: g.rules.DailyCredits, DailyCreditsLeft: creditsLeft,
		Kinds: g.rules.Kinds}
}

// Allows reports whether an embed may run the model: its id or an alias is allowed, and so is
// its kind.
func (g *Gate) Allows(m catalog.Model) bool {
	p := embed.Policy{Models: g.rules.Models, Kinds: g.rules.Kinds}
	return p.Allows(m.ID, m.Aliases...) && p.AllowsKind(m.Kind)
}

// Refusal is the error for a model the embed may not run: its kind, or the model itself.
func (g *Gate) Refusal(m catalog.Model) *httperr.Error {
	if !(embed.Policy{Kinds: g.rules.Kinds}).AllowsKind(m.Kind) {
		return g.kindLockedError(m.Kind, m.ID)
	}
	return g.lockedError(m.ID)
}

// kindLockedError is the refusal of a call of a kind the embed may not run.
func (g *Gate) kindLockedError(kindName, model string) *httperr.Error {
	label := kindName
	if k := kind.ByName(kindName); k != nil {
		label = k.Label() + " (" + kindName + ")"
	}
	return httperr.Errorf(httperr.EEmbedKindLocked,
		"This widget may not run %s models such as %s: the playground's operator allows only %s in embeds. Open the full playground to try it.",
		label, model, strings.Join(g.rules.Kinds, ", "))
}

// lockedError is the refusal of a model the embed may not run.
func (g *Gate) lockedError(id string) *httperr.Error {
	return httperr.Errorf(httperr.EEmbedModelLocked,
		"This widget may not run model %s: the playground's operator allows only %v in embeds. Open the full playground to try it.", id, g.rules.Models)
}

// Models are the catalogue's models an embed may run.
func (g *Gate) Models(cat *catalog.Catalog) []catalog.Model {
	models := []catalog.Model{}
	for _, m := range cat.Models() {
		if g.Allows(m) {
			models = append(models, m)
		}
	}
	return models
}

// CapForm adjusts a model's form for the embed: the length parameters top out at the cap.
func (g *Gate) CapForm(f *catalog.Form) {
	limit := float64(g.rules.MaxTokens)
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
