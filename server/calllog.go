package server

import (
	"context"
	"net/http"
	"time"

	"playground/app/kind"
	"playground/server/admit"
	"playground/server/meter"
)

// callLog is what a call's usage record is made of while the call runs — a model call or a
// job's poll: when it began, the client's limiter, the status the browser got, and the meter that
// reads the answer.
type callLog struct {
	start time.Time
	lim   *admit.Limiter
	sw    *statusWriter
	rec   meter.Record
	mw    *meter.Writer
	// estimate is the call's tokens when the provider reported none; nil: what it reported.
	estimate func() int64
}

// newCallLog starts the log of a call of operation from r, under the embed's gate g (nil for
// the page); the call writes its answer to the log's sw.
func (s *Server) newCallLog(w http.ResponseWriter, r *http.Request, g *admit.Gate, operation string) *callLog {
	l := &callLog{start: time.Now(), lim: s.limits, sw: &statusWriter{ResponseWriter: w}}
	if g != nil {
		l.lim = g.Limiter()
	}
	l.rec = meter.Record{Time: l.start, Operation: operation, Client: s.clientKey(l.lim, r), Embed: g != nil}
	return l
}

// tokens is what the call used in tokens, as the budget counts it.
func (l *callLog) tokens() int64 {
	if l.estimate != nil {
		return l.estimate()
	}
	if l.mw != nil {
		return l.mw.Usage().Tokens()
	}
	return 0
}

// usage is what the provider reported the call used, so far.
func (l *callLog) usage() kind.Usage {
	if l.mw == nil {
		return kind.Usage{}
	}
	return l.mw.Usage()
}

// spend is what the call used, for the embed's budget.
func (l *callLog) spend() admit.Spend {
	u := l.usage()
	return admit.Spend{Tokens: l.tokens(), USD: u.USD, Credits: u.Credits}
}

// record hands the call's record to the server's Recorder. It is deferred: the proxy ends a run
// that breaks off mid-answer (the visitor stops it, the provider drops it, a cut cancels it) with
// panic(http.ErrAbortHandler), and the call is recorded all the same — also one refused on the way.
func (s *Server) record(ctx context.Context, l *callLog) {
	l.rec.Duration, l.rec.Status = time.Since(l.start), l.sw.status
	if l.mw != nil {
		l.rec.SetUsage(l.mw.Usage(), l.tokens())
	}
	s.recorder.Record(ctx, l.rec)
}
