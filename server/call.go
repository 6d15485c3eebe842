package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"playground/app/catalog"
	"playground/app/embed"
	"playground/app/kind"
	"playground/app/schema"
	"playground/server/admit"
	"playground/server/catalogapi"
	"playground/server/formcall"
	"playground/server/httperr"
	"playground/server/jobs"
	"playground/server/meter"
	"playground/server/team"
	"playground/server/upstream"
)

// call is one model call on its way through the server: the entry and operation it reaches, its
// endpoint kind, the path it is called on and its checked body.
type call struct {
	entry *catalog.Entry
	op    *schema.Operation
	kind  kind.Kind
	path  string // the operation's canonical path, e.g. "/v1/images/generations"
	body  []byte
	// form is the upload an image edit or a speech-to-text call sent as multipart/form-data (body
	// is then its JSON view, for the checks); nil for a JSON call.
	form *formcall.Form
	// ticket is the client's reserved place for the job the call makes (job kinds only).
	ticket *jobs.Ticket
	// drain, when positive, is how long the answer is still read after the client is gone, to
	// meter it (a signed-in user's call, see reserveCall); cut is set when it was not read whole
	// in that time.
	drain time.Duration
	cut   atomic.Bool
}

// handleCall serves POST /api/{operation path}[?provider=NAME] for every model operation in the
// catalogue (/api/v1/chat/completions, /api/v1/images/generations, /api/v1/embeddings…) under
// the server's limits (see serveCall).
func (s *Server) handleCall(w http.ResponseWriter, r *http.Request) {
	s.serveCall(w, r, strings.TrimPrefix(r.URL.Path, "/api"), nil)
}

// handleEmbedCall serves POST /api/embed/{operation path}: a model call from the widget, under
// the embed's policy (see serveCall).
func (s *Server) handleEmbedCall(w http.ResponseWriter, r *http.Request) {
	s.serveCall(w, r, strings.TrimPrefix(r.URL.Path, embed.APIBase), s.embed)
}

// serveCall is the one path of every model call, whatever its kind:
//
//  1. admit it under the client's limits (rate, calls in flight), then read and validate it:
//     a bounded JSON body, no field that could redirect the key, the model found by the one
//     lookup, the operation the model has, the body checked against its schema;
//  2. for the embed (g not nil), apply its policy: the models and kinds it may run, the cap on
//     answer length and the daily budget's reservation;
//  3. forward it upstream (see forward) through a meter.Writer, which reads the answer with the
//     kind's own decoder (app/kind) as it streams to the browser;
//  4. settle the embed's budget with what the provider reported, and hand one usage record to
//     the server's Recorder — also for calls refused on the way.
//
// The admission comes before the body is read, so that a client over its limits costs the server
// nothing more.
func (s *Server) serveCall(w http.ResponseWriter, r *http.Request, path string, g *admit.Gate) {
	l := s.newCallLog(w, r, g, kind.Canonical(path))
	sw := l.sw
	if k := kind.For(path); k != nil {
		l.rec.Kind = k.Name()
	}
	defer s.record(r.Context(), l)
	release, c, ok := s.admitCall(sw, r, l.lim, path)
	if !ok {
		return
	}
	defer release()
	if c.form != nil {
		defer c.form.Remove()
	}
	l.rec.Provider, l.rec.Model, l.rec.Operation, l.rec.Kind = c.entry.Model.Provider, c.entry.Model.ID, c.path, c.kind.Name()
	reqBytes := len(c.body)
	l.estimate = func() int64 { return estimateTokens(c.kind, l.mw, reqBytes) }
	var cutRunes, longest int64
	if g != nil {
		if m := c.entry.Model; !g.Allows(catalog.Model{ID: m.ID, Aliases: m.Aliases, Kind: c.kind.Name()}) {
			s.writeError(sw, r, g.Refusal(catalog.Model{ID: m.ID, Aliases: m.Aliases, Kind: c.kind.Name()}))
			return
		}
		reserve := int64(len(c.body)+3) / 4
		if c.kind.Mode() == kind.Stream {
			body, max, mustCut, err := g.CapTokens(c.op, c.body)
			if err != nil {
				s.writeError(sw, r, err)
				return
			}
			c.body, longest, reqBytes = body, max, len(body)
			reserve = int64(len(body)+3)/4 + longest
			if mustCut {
				cutRunes = 4 * longest
			}
		} else if c.kind != kind.Embeddings {
			reserve = 0 // images: what they cost is only known from the answer (credits, USD)
		}
		settle, berr := g.Budget().Reserve(reserve)
		if berr != nil {
			s.writeError(sw, r, berr)
			return
		}
		// Settled in a defer, for the same reason as the record.
		defer func() { settle(l.spend()) }()
	}
	// A known user's call: its largest possible cost held against their budgets (see teams.go).
	settle, err := s.reserveCall(r, c, l)
	if err != nil {
		s.writeError(sw, r, err)
		return
	}
	if settle != nil {
		defer settle()
	}
	if p, ok := c.kind.(kind.Poller); ok && p.PollPath(c.path, "x") != "" {
		t, err := s.jobs.Reserve(jobClient(l.rec.Client, g))
		if err != nil {
			s.writeError(sw, r, err)
			return
		}
		defer t.Release()
		c.ticket = t
	}
	s.forward(sw, r, c, func(stream *upstream.Stream, cancel func()) http.ResponseWriter {
		mw := meter.NewWriter(stream, c.kind)
		l.mw = mw
		if settle != nil && s.cfg.UsageContent {
			mw.Keep = team.MaxUsageContent
		}
		if cutRunes > 0 {
			mw.CutRunes = cutRunes
			mw.Cut = func() {
				stream.End(httperr.Errorf(httperr.EEmbedMaxTokens, "This widget stops answers at about %s tokens (a limit for public use). Open the full playground for longer answers.", embed.Count(longest)))
				cancel()
			}
		}
		return mw
	})
}

// estimateTokens is what a call used in tokens, as the budget counts it: the provider's count, or
// an estimate from the request's size and the answer's length for the chat-like kinds and from
// the request's size for embeddings; for the other kinds (images), only what the provider counts.
func estimateTokens(k kind.Kind, mw *meter.Writer, requestBytes int) int64 {
	switch {
	case mw != nil && mw.Usage().Tokens() > 0:
		return mw.Usage().Tokens()
	case k.Mode() == kind.Stream && mw == nil:
		return int64(requestBytes+3) / 4
	case k.Mode() == kind.Stream:
		return mw.Tokens(requestBytes)
	case k == kind.Embeddings:
		return int64(requestBytes+3) / 4
	}
	return 0
}

// admitCall admits a call of the operation on path under lim and reads its checked body, or answers
// the refusal and reports false. On success, release must be called when the call ends.
func (s *Server) admitCall(w http.ResponseWriter, r *http.Request, lim *admit.Limiter, path string) (release func(), c *call, ok bool) {
	if kind.For(path) == nil {
		s.writeError(w, r, httperr.Errorf(httperr.ENotFound, "No API route %s %s.", r.Method, r.URL.Path))
		return nil, nil, false
	}
	release, lerr := lim.Acquire(s.clientKey(lim, r))
	if lerr != nil {
		s.writeError(w, r, lerr)
		return nil, nil, false
	}
	c, err := s.readModelRequest(w, r, path)
	if err != nil {
		release()
		s.writeError(w, r, err)
		return nil, nil, false
	}
	return release, c, true
}

// forward sends a checked call to the provider that serves its model and streams the answer
// back. wrap, when not nil, puts a writer between the proxy and the stream (see meter.Writer);
// it gets the stream writer and the function that cancels the upstream call.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, c *call, wrap func(sw *upstream.Stream, cancel func()) http.ResponseWriter) {
	entry := c.entry
	up := s.upstreams[entry.Model.Provider]
	if up == nil {
		s.writeError(w, r, catalogapi.UnknownProvider(entry.Model.Provider, s.Catalog().Providers()))
		return
	}
	if err := up.CheckKey(entry.Model.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	base := r.Context()
	if c.drain > 0 {
		var stop func()
		base, stop = drainContext(r.Context(), c.drain, func() { c.cut.Store(true) })
		defer stop()
	}
	ctx := upstream.WithOperation(base, c.path)
	if c.ticket != nil {
		ctx = jobs.WithTicket(ctx, c.ticket)
	}
	if c.form != nil {
		s.proxyForm(w, r.WithContext(ctx), up, c, wrap)
		return
	}
	s.proxy(w, r.WithContext(ctx), up, c.body, wrap)
}

// proxyForm is proxy for an upload: the provider gets the form's new multipart body as the
// client's arrives (see formcall.Form.Stream). A file or field refused on the way cuts that body
// and is what the call answers (upstream's error handler answers a body error as it is).
func (s *Server) proxyForm(w http.ResponseWriter, r *http.Request, up *upstream.Upstream, c *call, wrap func(sw *upstream.Stream, cancel func()) http.ResponseWriter) {
	pr, pw := io.Pipe()
	ct, run := c.form.Stream(pw, c.kind.Name(), c.op.Fields, finalUploadCheck(c.op))
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(run()) // nil: the body ends
	}()
	// The client's body must not be read after the handler returns: stop and wait for the pump.
	defer func() {
		pr.CloseWithError(errors.New("the call ended"))
		<-done
	}()
	r2 := r.Clone(r.Context())
	r2.Header.Set("Content-Type", ct)
	r2.Body, r2.ContentLength = pr, -1
	s.proxyBody(w, r2, up, wrap)
}

// proxy sends r (its context carrying the operation, see upstream.WithOperation) with body to
// the provider up and streams the answer back, through wrap when it is not nil (see forward).
func (s *Server) proxy(w http.ResponseWriter, r *http.Request, up *upstream.Upstream, body []byte, wrap func(sw *upstream.Stream, cancel func()) http.ResponseWriter) {
	r2 := r.Clone(r.Context())
	r2.Body = http.NoBody
	r2.ContentLength = 0
	if body != nil {
		r2.Body = io.NopCloser(bytes.NewReader(body))
		r2.ContentLength = int64(len(body))
	}
	s.proxyBody(w, r2, up, wrap)
}

// proxyBody is proxy of a request that carries its own body (see proxyForm). The call ends with
// the server's shutdown.
func (s *Server) proxyBody(w http.ResponseWriter, r *http.Request, up *upstream.Upstream, wrap func(sw *upstream.Stream, cancel func()) http.ResponseWriter) {
	// A stream lasts as long as the model writes: lift the server's write deadline for it.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	sw := upstream.NewStream(w, s.cfg.KeepAlive)
	sw.KeepReading = draining(r.Context())
	defer sw.Done()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.shutdown, func() {
		sw.End(httperr.Errorf(httperr.EServerShutdown, "The playground server is shutting down, so this answer was cut short. Run it again in a moment."))
		cancel()
	})
	defer stop()
	var out http.ResponseWriter = sw
	if wrap != nil {
		out = wrap(sw, cancel)
	}
	up.ServeHTTP(out, r.WithContext(ctx))
}

// drainKey marks a call's context as one that outlives its client (see drainContext).
type drainKey struct{}

// drainContext is the context of a call whose answer is read to its end even after its client
// (whose context is client) stopped it or went away, so that it is metered from the provider's
// own count: it ends d after the client's does — then cut is called — or when stop is called.
func drainContext(client context.Context, d time.Duration, cut func()) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.WithValue(context.WithoutCancel(client), drainKey{}, true))
	var mu sync.Mutex
	var timer *time.Timer
	stopAfter := context.AfterFunc(client, func() {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() == nil {
			timer = time.AfterFunc(d, func() {
				cut()
				cancel()
			})
		}
	})
	return ctx, func() {
		stopAfter()
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel()
	}
}

// draining reports whether ctx is a drainContext.
func draining(ctx context.Context) bool { return ctx.Value(drainKey{}) != nil }
