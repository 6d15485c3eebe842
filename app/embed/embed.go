// Package embed describes the embeddable "Try in Playground" widget: the public-use policy the
// server enforces on embeds (which models they may run, how long an answer may be, how often a
// visitor may run, how many tokens all embeds may use a day), said in words a visitor reads, and
// the HTML snippets a docs author pastes into a page.
//
// It imports nothing from go-app or the server, so it is tested on the host and under GOOS=js.
package embed

import (
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// Routes and messages shared by the server, the widget and web/embed.js.
const (
	// PagePath is the widget's page.
	PagePath = "/embed"
	// ScriptPath is the script a docs page loads to embed the widget.
	ScriptPath = "/embed.js"
	// APIBase is the root of the API the widget calls: the server's /api routes, restricted to
	// the models the embed may run and under its limits.
	APIBase = "/api/embed"
)

// Policy is what an embed may do, as the server enforces it. The zero Policy allows everything.
type Policy struct {
	// Models are path.Match patterns of the model ids (or aliases) an embed may run; empty
	// allows every model.
	Models []string `json:"models,omitempty"`
	// MaxTokens is the longest answer, in tokens; 0 means no cap.
	MaxTokens int `json:"max_tokens,omitempty"`
	// RatePerMinute is how many runs one visitor may start a minute; 0 means no limit.
	RatePerMinute float64 `json:"rate_per_minute,omitempty"`
	// Burst is how many runs a visitor may start at once before the rate applies.
	Burst int `json:"burst,omitempty"`
	// DailyTokens is how many tokens all visitors of every embed may use per UTC day; 0 means
	// no budget.
	DailyTokens int64 `json:"daily_tokens,omitempty"`
	// DailyLeft is what is left of DailyTokens today, when the policy was read.
	DailyLeft int64 `json:"daily_left,omitempty"`
	// DailyUSD is how many US dollars all embeds may spend per UTC day, as the providers report
	// it; 0 means no budget. DailyUSDLeft is what is left of it today.
	DailyUSD     float64 `json:"daily_usd,omitempty"`
	DailyUSDLeft float64 `json:"daily_usd_left,omitempty"`
	// DailyCredits is how many AI/ML API credits all embeds may spend per UTC day; 0 means no
	// budget. DailyCreditsLeft is what is left of it today.
	DailyCredits     float64 `json:"daily_credits,omitempty"`
	DailyCreditsLeft float64 `json:"daily_credits_left,omitempty"`
	// Kinds are the endpoint kinds (app/kind names: "chat", "responses", "messages", "images",
	// "embeddings") an embed may run; empty allows every kind the playground runs.
	Kinds []string `json:"kinds,omitempty"`
}

// AllowsKind reports whether an embed may run models of the kind with this name.
func (p Policy) AllowsKind(name string) bool {
	if len(p.Kinds) == 0 {
		return true
	}
	for _, k := range p.Kinds {
		if k == name {
			return true
		}
	}
	return false
}

// Allows reports whether an embed may run the model with this id (or one of these aliases).
func (p Policy) Allows(id string, aliases ...string) bool {
	return MatchModel(p.Models, id, aliases...)
}

// MatchModel reports whether a model with id (or one of aliases) matches one of patterns
// (path.Match syntax, see CheckPattern); no patterns match every model.
func MatchModel(patterns []string, id string, aliases ...string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, pat := range patterns {
		for _, name := range append([]string{id}, aliases...) {
			if ok, _ := path.Match(pat, name); ok {
				return true
			}
		}
	}
	return false
}

// CheckPattern reports whether p is a usable model pattern (path.Match syntax).
func CheckPattern(p string) error {
	if p == "" {
		return fmt.Errorf("an empty pattern matches nothing")
	}
	if _, err := path.Match(p, ""); err != nil {
		return fmt.Errorf("%q is not a valid pattern (path.Match syntax: * ? [a-z]): %w", p, err)
	}
	return nil
}

// Notes say the policy to a visitor, one short sentence each; none for a policy without limits.
func (p Policy) Notes() []string {
	var out []string
	if p.MaxTokens > 0 {
		out = append(out, "Answers stop at "+Count(int64(p.MaxTokens))+" tokens.")
	}
	if p.RatePerMinute > 0 {
		out = append(out, Rate(p.RatePerMinute)+" per visitor.")
	}
	if p.DailyTokens > 0 {
		out = append(out, fmt.Sprintf("Shared daily budget: %s of %s tokens left (resets at 00:00 UTC).", Count(p.DailyLeft), Count(p.DailyTokens)))
	}
	if p.DailyUSD > 0 {
		out = append(out, fmt.Sprintf("Shared daily budget: %s of %s left (resets at 00:00 UTC).", USD(p.DailyUSDLeft), USD(p.DailyUSD)))
	}
	if p.DailyCredits > 0 {
		out = append(out, fmt.Sprintf("Shared daily budget: %s of %s credits left (resets at 00:00 UTC).", Count(int64(p.DailyCreditsLeft)), Count(int64(p.DailyCredits))))
	}
	if len(p.Kinds) > 0 {
		out = append(out, "This widget runs "+strings.Join(p.Kinds, ", ")+" models only.")
	}
	return out
}

// Rate says a number of runs per minute: "6 runs a minute", "1 run every 2 minutes".
func Rate(perMinute float64) string {
	switch {
	case perMinute >= 1:
		n := strconv.FormatFloat(perMinute, 'f', -1, 64)
		if perMinute == 1 {
			return "1 run a minute"
		}
		return n + " runs a minute"
	case perMinute > 0:
		every := time.Duration(float64(time.Minute) / perMinute).Round(time.Second)
		return "1 run every " + every.String()
	default:
		return "no limit on runs"
	}
}

// USD writes an amount of US dollars: "$1.50", "$0.0021" (amounts under a cent in full).
func USD(v float64) string {
	if v >= 0.01 || v == 0 {
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	}
	return "$" + strconv.FormatFloat(v, 'f', -1, 64)
}

// Count writes n with thousands separators: 1,000,000.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Themes a docs author can ask for: "" follows the visitor's system, "host" follows the host
// page's own light or dark theme (embed.js watches it), "light" and "dark" are fixed.
var Themes = []string{"", "host", "light", "dark"}

// Options are what a snippet embeds.
type Options struct {
	// Base is the playground's origin (scheme, host and port), e.g. "https://playground.example".
	Base string
	// Model is the model id.
	Model string
	// Provider names the provider, for a model several providers serve; "" for the first.
	Provider string
	// Theme is one of Themes.
	Theme string
	// Prompt is put in the message box, not sent.
	Prompt string
	// Setup is a share link's payload (the value of its "s" parameter): the system prompt,
	// parameters and messages the widget opens with.
	Setup string
}

// Snippet is one way to embed the widget.
type Snippet struct {
	// ID names it for tests and anchors: "script", "div" or "iframe".
	ID string
	// Label says what it is.
	Label string
	// Code is the HTML to paste.
	Code string
}

// Snippets returns the three ways to embed the widget for o: one script tag, a placeholder div
// plus the script (for pages that place the script once), and a plain iframe (no script; it does
// not resize itself).
func Snippets(o Options) []Snippet {
	base := strings.TrimRight(o.Base, "/")
	attrs := func(prefix string) string {
		var b strings.Builder
		b.WriteString(" data-" + prefix + "model=\"" + attr(o.Model) + "\"")
		if o.Provider != "" {
			b.WriteString(" data-provider=\"" + attr(o.Provider) + "\"")
		}
		if o.Theme != "" {
			b.WriteString(" data-theme=\"" + attr(o.Theme) + "\"")
		}
		if o.Prompt != "" {
			b.WriteString(" data-prompt=\"" + attr(o.Prompt) + "\"")
		}
		if o.Setup != "" {
			b.WriteString(" data-setup=\"" + attr(o.Setup) + "\"")
		}
		return b.String()
	}
	script := "<script src=\"" + attr(base+ScriptPath) + "\""
	return []Snippet{
		{ID: "script", Label: "One script tag (the widget appears where the tag is)",
			Code: script + attrs("") + "></script>"},
		{ID: "div", Label: "A placeholder and the script (load the script once per page)",
			Code: "<div" + strings.Replace(attrs(""), " data-model=", " data-playground-model=", 1) + "></div>\n" + script + " async></script>"},
		{ID: "iframe", Label: "A plain iframe (no script; it keeps the height you give it)",
			Code: "<iframe src=\"" + attr(FrameURL(o, "")) + "\" title=\"" + attr("Try "+o.Model+" in Playground") +
				"\" allow=\"clipboard-write\" loading=\"lazy\" style=\"width:100%;height:520px;border:0\"></iframe>"},
	}
}

// FrameURL is the widget page's address for o; host, when not empty, is the origin of the page
// that frames it (the widget talks to no other).
func FrameURL(o Options, host string) string {
	q := url.Values{}
	q.Set("model", o.Model)
	if o.Provider != "" {
		q.Set("provider", o.Provider)
	}
	if o.Theme == "light" || o.Theme == "dark" {
		q.Set("theme", o.Theme)
	}
	if o.Prompt != "" {
		q.Set("prompt", o.Prompt)
	}
	if o.Setup != "" {
		q.Set("s", o.Setup)
	}
	if host != "" {
		q.Set("origin", host)
	}
	return strings.TrimRight(o.Base, "/") + PagePath + "?" + q.Encode()
}

// attr escapes s for a double-quoted HTML attribute.
func attr(s string) string {
	return strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;").Replace(s)
}
