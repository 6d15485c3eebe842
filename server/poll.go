package server

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"

	"playground/app/embed"
	"playground/app/kind"
	"playground/server/admit"
	"playground/server/httperr"
	"playground/server/jobs"
	"playground/server/meter"
	"playground/server/upstream"
)

// jobAnswerMax is the most of a job's answer the server reads to bind or end the job; creation
// and status answers are small, a finished transcript may be large (it then passes unread, and
// the job ends with its lifetime).
const jobAnswerMax = 8 << 20

// jobClient is who a job is bound to: the client, and whether it came through the embed (a job
// started in a widget is polled through the widget's routes, under its budget).
func jobClient(client string, g *admit.Gate) string {
	if g != nil {
		return "embed|" + client
	}
	return client
}

// handlePoll serves GET /api/{poll path}: a poll of a job (video, music, speech to text) this
// client started (see servePoll).
func (s *Server) handlePoll(w http.ResponseWriter, r *http.Request) {
	s.servePoll(w, r, strings.TrimPrefix(r.URL.Path, "/api"), nil)
}

// handleEmbedPoll serves GET /api/embed/{poll path}: a poll of a job a widget started.
func (s *Server) handleEmbedPoll(w http.ResponseWriter, r *http.Request) {
	s.servePoll(w, r, strings.TrimPrefix(r.URL.Path, embed.APIBase), s.embed)
}

// servePoll relays a poll of a job to its provider. Only the kinds' poll operations are routed
// (anything else is 404); the generation id must be bound to this client on this path (see
// jobs.Registry.Poll), and the poll is paced rather than counted against the per-minute call
// limit. The outbound request carries only the generation id; what the provider answers goes
// through the media relay (a finished video's URL becomes a same-origin /api/media/ path) and
// its usage is recorded — and, for the embed, settled against its budget.
func (s *Server) servePoll(w http.ResponseWriter, r *http.Request, path string, g *admit.Gate) {
	l := s.newCallLog(w, r, g, "GET "+path)
	sw, rec := l.sw, &l.rec
	defer s.record(r.Context(), l)
	k := kind.PollKind(path)
	if k == nil {
		s.writeError(sw, r, httperr.Errorf(httperr.ENotFound, "No API route %s %s.", r.Method, r.URL.Path))
		return
	}
	rec.Kind = k.Name()
	id := kind.JobID(path, r.URL.Query())
	if id == "" {
		s.writeError(sw, r, httperr.Errorf(httperr.EJobNotFound,
			"generation_id: is required, and is letters, digits and -_.: only."))
		return
	}
	poll, err := s.jobs.Poll(r.Context(), jobClient(rec.Client, g), path, id)
	if err != nil {
		if r.Context().Err() != nil {
			return // the browser went away while the poll waited for its turn
		}
		s.writeError(sw, r, err)
		return
	}
	rec.Provider = poll.Provider
	up := s.upstreams[poll.Provider]
	if up == nil {
		s.writeError(sw, r, httperr.Errorf(httperr.EJobNotFound, "Generation %s belongs to a provider this server no longer has.", id))
		return
	}
	if err := up.CheckKey(k.Name()); err != nil {
		s.writeError(sw, r, err)
		return
	}
	var settle func(admit.Spend)
	if g != nil {
		var berr *httperr.Error // Reserve's own type: never a typed nil in an error
		if settle, berr = g.Budget().Reserve(0); berr != nil {
			s.writeError(sw, r, berr)
			return
		}
		defer func() { settle(l.spend()) }()
	}
	ctx := upstream.WithOperation(r.Context(), path)
	if q := r.URL.Query(); q.Has("generation_id") {
		ctx = upstream.WithQuery(ctx, url.Values{"generation_id": {id}}.Encode())
	}
	ctx = jobs.WithPoll(ctx, poll)
	s.proxy(sw, r.WithContext(ctx), up, nil, func(stream *upstream.Stream, _ func()) http.ResponseWriter {
		l.mw = meter.NewWriter(stream, k)
		return l.mw
	})
}

// onResponse is every provider's response hook: it binds the job a creation's answer names to
// its client and ends the job a poll's answer says has ended (see jobs), then relays the
// answer's media URLs (see media.Server.Relay).
func (s *Server) onResponse(provider, op string, resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 && resp.Request != nil {
		ctx := resp.Request.Context()
		if t, p := jobs.TicketFrom(ctx), jobs.PollFrom(ctx); t != nil || p != nil {
			s.readJob(provider, op, resp, t, p)
		}
	}
	return s.media.Relay(provider, op, resp)
}

// readJob reads a job kind's answer (up to jobAnswerMax, passing the rest on unread): the
// ticket t, when not nil, binds the id a creation's answer names; the poll p, when not nil,
// ends when its answer says the job has ended.
func (s *Server) readJob(provider, op string, resp *http.Response, t *jobs.Ticket, p *jobs.Poll) {
	k, _ := kind.For(op).(kind.Poller)
	if p != nil {
		k = kind.PollKind(op)
	}
	if k == nil {
		return
	}
	orig := resp.Body
	body, err := io.ReadAll(io.LimitReader(orig, jobAnswerMax+1))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), orig), orig}
	if err != nil || len(body) > jobAnswerMax {
		return
	}
	job := k.Job(body)
	if t != nil {
		if poll := k.PollPath(op, job.ID); poll != "" {
			path, _, _ := strings.Cut(poll, "?")
			if !t.Bind(provider, k.Name(), path, job.ID) {
				s.log.Warn("a job id was answered to two clients; the second cannot poll it", "provider", provider, "kind", k.Name())
			}
		}
	}
	if p != nil && job.Done() {
		p.End()
	}
}
