// Package meter measures model calls: a Writer reads each answer as it passes to the browser,
// through the endpoint kind's own decoder (app/kind's Meter, the code the browser's kinds share),
// and every call ends in one usage Record handed to a Recorder — a log line today, a database
// later.
package meter

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"playground/app/kind"
)

// Record is the usage record of one model call, emitted when the call ends, whether it was
// answered by the provider or refused on the way.
type Record struct {
	// Time is when the call arrived.
	Time time.Time
	// Provider and Model are the provider and the model id the call went to; empty when the call
	// was refused before its model was found.
	Provider, Model string
	// Operation is the operation's canonical path, e.g. "/v1/images/generations".
	Operation string
	// Kind is the endpoint kind's name, e.g. "chat" or "images".
	Kind string
	// Status is the HTTP status the browser got.
	Status int
	// TokensIn and TokensOut are the prompt and answer tokens the provider reported.
	TokensIn, TokensOut int64
	// Tokens is the total the provider reported, or else an estimate (see Estimated).
	Tokens int64
	// Estimated says that Tokens is the server's estimate: the provider reported no count.
	Estimated bool
	// Credits and USD are what the provider reported the call cost (AI/ML API's credits, US
	// dollars); 0 when it did not say.
	Credits, USD float64
	// Duration is how long the call took, to the end of the answer.
	Duration time.Duration
	// Client identifies the caller as the rate limits do (its address).
	Client string
	// Embed says the call came from the embeddable widget.
	Embed bool
}

// SetUsage fills the record's counts from what the provider reported; estimate is the tokens to
// record when it reported none.
func (r *Record) SetUsage(u kind.Usage, estimate int64) {
	r.TokensIn, r.TokensOut, r.Credits, r.USD = u.PromptTokens, u.CompletionTokens, u.Credits, u.USD
	r.Tokens = u.Tokens()
	if r.Tokens == 0 && u.Credits == 0 && u.USD == 0 {
		r.Tokens, r.Estimated = estimate, estimate > 0
	}
}

// Recorder receives the usage record of every model call. Record must be safe for concurrent use
// and must not block the call for long.
type Recorder interface {
	Record(ctx context.Context, r Record)
}

// Slog is a Recorder writing each record as one log line ("model call") at info level.
type Slog struct {
	// Log is the logger; nil discards the records.
	Log *slog.Logger
}

var _ Recorder = Slog{}

// Record logs r.
func (s Slog) Record(ctx context.Context, r Record) {
	if s.Log == nil {
		return
	}
	s.Log.LogAttrs(ctx, slog.LevelInfo, "model call",
		slog.Time("time", r.Time), slog.String("provider", r.Provider), slog.String("model", r.Model),
		slog.String("operation", r.Operation), slog.String("kind", r.Kind), slog.Int("status", r.Status),
		slog.Int64("tokens_in", r.TokensIn), slog.Int64("tokens_out", r.TokensOut), slog.Int64("tokens", r.Tokens),
		slog.Bool("estimated", r.Estimated), slog.Float64("credits", r.Credits), slog.Float64("usd", r.USD),
		slog.Duration("duration", r.Duration.Round(time.Millisecond)), slog.String("client", r.Client), slog.Bool("embed", r.Embed))
}

// Func is a Recorder calling a function.
type Func func(ctx context.Context, r Record)

// Record calls f.
func (f Func) Record(ctx context.Context, r Record) { f(ctx, r) }

// Writer sits between the upstream proxy and the writer toward the browser for one call: it
// passes the answer on unchanged and meters it as it goes; with CutRunes set, it calls Cut once
// when the answer's text passes that many characters.
type Writer struct {
	w    http.ResponseWriter
	kind kind.Kind
	m    *Reader

	// CutRunes, when positive, is the longest answer text let through before Cut is called.
	CutRunes int64
	// Cut ends an answer that ran past CutRunes; it is called at most once.
	Cut func()
	// Keep, when positive, is how many bytes of a textual answer (text/*, JSON) are kept for
	// Kept; a binary answer (audio, images as bytes) is never kept.
	Keep int

	status   int
	cut      bool
	textual  bool
	kept     []byte
	keptMore bool // the answer went on past Keep
}

// NewWriter returns a Writer metering an answer of kind k (nil: chat completions) into w.
func NewWriter(w http.ResponseWriter, k kind.Kind) *Writer {
	return &Writer{w: w, kind: k}
}

// Header is the response's header.
func (w *Writer) Header() http.Header { return w.w.Header() }

// WriteHeader starts metering the answer as what its Content-Type says.
func (w *Writer) WriteHeader(code int) {
	if w.m == nil {
		ct := w.w.Header().Get("Content-Type")
		w.m = NewReader(w.kind, ct)
		w.status = code
		w.textual = Textual(ct)
	}
	w.w.WriteHeader(code)
}

// Write passes b on and meters what was written.
func (w *Writer) Write(b []byte) (int, error) {
	if w.m == nil {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.w.Write(b)
	_, _ = w.m.Write(b[:n])
	if w.Keep > 0 && w.textual && !w.keptMore {
		room := w.Keep - len(w.kept)
		if n > room {
			w.keptMore = true
		}
		w.kept = append(w.kept, b[:min(n, room)]...)
	}
	if w.CutRunes > 0 && w.m.OutputRunes() > w.CutRunes && !w.cut && w.Cut != nil {
		w.cut = true
		w.Cut()
	}
	return n, err
}

// Flush sends what was written so far.
func (w *Writer) Flush() { _ = http.NewResponseController(w.w).Flush() }

// Unwrap lets http.ResponseController reach the connection.
func (w *Writer) Unwrap() http.ResponseWriter { return w.w }

// Kept is the start of the answer as it was sent, at most Keep bytes, when it is textual; nil
// for a binary answer or when Keep is not set.
func (w *Writer) Kept() []byte { return w.kept }

// Textual reports whether an answer of the Content-Type ct is text a person could read: text/*,
// JSON (application/json, …+json), or an event stream.
func Textual(ct string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(ct)), ";")
	mt = strings.TrimSpace(mt)
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// Status is the status the answer was sent with; 0 before it started.
func (w *Writer) Status() int { return w.status }

// Meter is the answer's meter; nil before the answer started.
func (w *Writer) Meter() *Reader { return w.m }

// Usage is what the provider reported the call used (call it once the answer is complete).
func (w *Writer) Usage() kind.Usage {
	if w.m == nil {
		return kind.Usage{}
	}
	return w.m.Usage()
}

// Tokens is the tokens the call used: the provider's count, else the estimate for a request of
// requestBytes (see Reader.Tokens).
func (w *Writer) Tokens(requestBytes int) int64 {
	if w.m == nil {
		return int64(max(requestBytes, 0)+3) / 4
	}
	return w.m.Tokens(requestBytes)
}
