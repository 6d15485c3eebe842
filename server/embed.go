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
	"unicode/utf8"

	"playground/app/catalog"
	"playground/app/embed"
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
	g := &embedGate{cfg: cfg, limits: newLimiter(l), budget: &budget{limit: cfg.DailyTokens, now: time.Now}}
	g.limits.rateMessage = "This widget allows " + embed.Rate(l.RatePerMinute) + " per visitor. Wait a moment and run again, or open the full playground."
	return g
}

// policy is the embed's policy as the widget shows it, with what is left of today's budget.
func (g *embedGate) policy() embed.Policy {
	return embed.Policy{Models: g.cfg.Models, MaxTokens: g.cfg.MaxTokens, RatePerMinute: g.cfg.Limits.RatePerMinute,
		Burst: g.cfg.Limits.Burst, DailyTokens: g.cfg.DailyTokens, DailyLeft: g.budget.left()}
}

// allows reports whether an embed may run the model of e.
func (g *embedGate) allows(m catalog.Model) bool {
	return g.policy().Allows(m.ID, m.Aliases...)
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

// budget is the embeds' daily token budget: a run reserves what it may use at most before it
// starts and settles what it used when it ends, so runs in flight together cannot overspend it.
type budget struct {
	limit int64
	now   func() time.Time

	mu             sync.Mutex
	day            string // the UTC date the counts are for
	used, reserved int64
}

func (b *budget) rollLocked() {
	if day := b.now().UTC().Format(time.DateOnly); day != b.day {
		b.day, b.used = day, 0
	}
}

// left is what is left of today's budget; 0 without a budget.
func (b *budget) left() int64 {
	if b.limit <= 0 {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	return max(b.limit-b.used-b.reserved, 0)
}

// reserve sets n tokens aside for a run, or returns the refusal to answer with. settle must be
// called with the tokens the run used once it ends.
func (b *budget) reserve(n int64) (settle func(used int64), _ *httperr.Error) {
	if b.limit <= 0 {
		return func(int64) {}, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	left := b.limit - b.used - b.reserved
	if n > left {
		now := b.now().UTC()
		midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
		wait := midnight.Sub(now)
		msg := fmt.Sprintf("This widget's shared daily budget of %s tokens is used up; it resets at 00:00 UTC (in %s). Open the full playground to go on.",
			embed.Count(b.limit), wait.Round(time.Minute))
		if left > 0 {
			msg = fmt.Sprintf("This run could use up to %s tokens, and %s are left of this widget's shared daily budget. Lower max_tokens or shorten the conversation, or come back after 00:00 UTC (in %s).",
				embed.Count(n), embed.Count(left), wait.Round(time.Minute))
		}
		return nil, &httperr.Error{Code: httperr.EEmbedBudgetSpent,
			RetryAfter: int(wait.Seconds()) + 1, Message: msg}
	}
	b.reserved += n
	day := b.day
	var once sync.Once
	return func(used int64) {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.reserved -= n
			b.rollLocked()
			if b.day == day {
				b.used += used
			}
		})
	}, nil
}

// meter sits between the proxy and the stream writer of an embed run: it reads the answer as it
// passes to count its length and the usage the provider reports, and cuts a stream that runs past
// cutRunes characters (for models whose schema has no length parameter).
type meter struct {
	sw       *streamWriter
	cutRunes int64
	cut      func()

	sse        bool
	line       []byte // the event-stream line being read
	overlong   bool   // the line passed maxMeterLine: it is skipped
	body       []byte // a JSON answer (not a stream), bounded
	outRunes   int64
	usage      int64
	cutAlready bool
}

// maxMeterLine bounds the line a meter keeps to parse; longer ones are counted as output only.
const maxMeterLine = 1 << 20

func (m *meter) Header() http.Header { return m.sw.Header() }

func (m *meter) WriteHeader(code int) {
	m.sse = bytes.HasPrefix([]byte(m.sw.Header().Get("Content-Type")), []byte("text/event-stream"))
	m.sw.WriteHeader(code)
}

func (m *meter) Write(b []byte) (int, error) {
	n, err := m.sw.Write(b)
	if m.sse {
		m.scan(b[:n])
	} else if len(m.body)+n <= maxMeterLine {
		m.body = append(m.body, b[:n]...)
	}
	if m.cutRunes > 0 && m.outRunes > m.cutRunes && !m.cutAlready {
		m.cutAlready = true
		m.cut()
	}
	return n, err
}

// Flush sends what was written so far.
func (m *meter) Flush() { m.sw.Flush() }

// Unwrap lets http.ResponseController reach the connection.
func (m *meter) Unwrap() http.ResponseWriter { return m.sw }

func (m *meter) scan(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		part := b
		if i >= 0 {
			part = b[:i]
		}
		switch {
		case m.overlong:
			m.outRunes += int64(utf8.RuneCount(part))
		case len(m.line)+len(part) > maxMeterLine:
			// Count the whole over-long line as output (what was kept of it and what follows),
			// so that a cut still sees it.
			m.outRunes += int64(utf8.RuneCount(m.line) + utf8.RuneCount(part))
			m.overlong, m.line = true, m.line[:0]
		default:
			m.line = append(m.line, part...)
		}
		if i < 0 {
			return
		}
		if !m.overlong {
			m.event(bytes.TrimSpace(m.line))
		}
		m.line, m.overlong = m.line[:0], false
		b = b[i+1:]
	}
}

// meteredChunk is what a meter reads from an event or a JSON answer.
type meteredChunk struct {
	Choices []struct {
		Delta   meteredText `json:"delta"`
		Message meteredText `json:"message"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int64 `json:"prompt_tokens"`
		CompletionTokens int64 `json:"completion_tokens"`
		TotalTokens      int64 `json:"total_tokens"`
	} `json:"usage"`
}

type meteredText struct {
	Content          string `json:"content"`
	ReasoningContent string `json:"reasoning_content"`
	Reasoning        string `json:"reasoning"`
}

func (m *meter) event(line []byte) {
	data, ok := bytes.CutPrefix(line, []byte("data:"))
	if !ok {
		return
	}
	m.chunk(bytes.TrimSpace(data))
}

func (m *meter) chunk(data []byte) {
	var c meteredChunk
	if len(data) == 0 || data[0] != '{' || json.Unmarshal(data, &c) != nil {
		return
	}
	for _, ch := range c.Choices {
		for _, t := range []meteredText{ch.Delta, ch.Message} {
			m.outRunes += int64(utf8.RuneCountInString(t.Content) + utf8.RuneCountInString(t.ReasoningContent) + utf8.RuneCountInString(t.Reasoning))
		}
	}
	if u := c.Usage; u != nil {
		if total := max(u.TotalTokens, u.PromptTokens+u.CompletionTokens); total > 0 {
			m.usage = total
		}
	}
}

// tokens is what the run used: the provider's count when it gave one, else an estimate of four
// bytes of request and four characters of answer per token.
func (m *meter) tokens(requestBytes int) int64 {
	if !m.sse && len(m.body) > 0 {
		m.chunk(m.body)
		m.body = nil
	}
	if m.usage > 0 {
		return m.usage
	}
	return int64(requestBytes+3)/4 + (m.outRunes+3)/4
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

// handleEmbedChat serves POST /api/embed/v1/chat/completions: a model call from the widget, under
// the embed's policy.
func (s *Server) handleEmbedChat(w http.ResponseWriter, r *http.Request) {
	g := s.embed
	release, c, ok := s.admit(w, r, g.limits, catalog.ChatCompletions)
	if !ok {
		return
	}
	defer release()
	entry := c.entry
	if !g.allows(entry.Model) {
		s.writeError(w, r, g.lockedError(entry.Model.ID))
		return
	}
	body, longest, mustCut, err := g.capTokens(c.op, c.body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	settle, berr := g.budget.reserve(int64(len(body)+3)/4 + longest)
	if berr != nil {
		s.writeError(w, r, berr)
		return
	}
	var m *meter
	// Settle in a defer: the proxy ends a run that breaks off mid-answer (the visitor stops it, the
	// provider drops it, the cut below cancels it) with a panic(http.ErrAbortHandler), and the
	// reservation must not outlive the run.
	defer func() {
		used := int64(len(body)+3) / 4
		if m != nil {
			used = m.tokens(len(body))
		}
		settle(used)
	}()
	c.body = body
	s.forward(w, r, c, func(sw *streamWriter, cancel func()) http.ResponseWriter {
		m = &meter{sw: sw}
		if mustCut {
			m.cutRunes = 4 * longest
			m.cut = func() {
				sw.end(httperr.Errorf(httperr.EEmbedMaxTokens, "This widget stops answers at about %s tokens (a limit for public use). Open the full playground for longer answers.", embed.Count(longest)))
				cancel()
			}
		}
		return m
	})
}
