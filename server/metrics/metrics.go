// Package metrics exposes the server's model calls to Prometheus: a meter.Recorder that counts
// each call's record (calls by status, latency, tokens and cost by provider and model) and the
// calls in flight, on a registry of its own with the Go and process collectors, served by Handler.
//
// Labels stay bounded: providers and models come from the catalogue (a call refused before its
// model was found is counted without one), kinds from package kind, statuses are HTTP codes; never
// a user, a client address or a request id.
package metrics

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"playground/server/meter"
	"playground/server/team"
)

// Metrics counts model calls; it is a meter.Recorder.
type Metrics struct {
	reg      *prometheus.Registry
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	tokens   *prometheus.CounterVec
	usd      *prometheus.CounterVec
	credits  *prometheus.CounterVec
	// The choke point of signed-in users' calls (see package quota).
	refusals *prometheus.CounterVec
	reserved prometheus.Counter
	charged  *prometheus.CounterVec
	settles  *prometheus.CounterVec
}

var _ meter.Recorder = (*Metrics)(nil)

// New makes the metrics; inFlight, when not nil, reports the model calls running now.
func New(inFlight func() int) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "playground_calls_total",
		Help: "Model calls by provider, model, endpoint kind, HTTP status and origin (page or embed)."},
		[]string{"provider", "model", "kind", "status", "embed"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "playground_call_duration_seconds",
		Help:    "How long model calls took, to the end of the answer, by provider and endpoint kind.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600}},
		[]string{"provider", "kind"})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "playground_tokens_total",
		Help: "Tokens the providers reported (or the server estimated), by provider, model and direction (in, out, total_estimated)."},
		[]string{"provider", "model", "direction"})
	m.usd = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "playground_cost_usd_total",
		Help: "What the providers reported the calls cost in US dollars, by provider and model."},
		[]string{"provider", "model"})
	m.credits = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "playground_cost_credits_total",
		Help: "What the providers reported the calls cost in their credits, by provider and model."},
		[]string{"provider", "model"})
	m.refusals = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "playground_refusals_total",
		Help: "Signed-in users' calls refused before they started, by reason (policy: a model not allowed, rate: a rate, token-rate or concurrency limit, budget)."},
		[]string{"reason"})
	m.reserved = prometheus.NewCounter(prometheus.CounterOpts{Name: "playground_reserved_usd_total",
		Help: "US dollars held against budgets by calls as they started (their largest possible cost)."})
	m.charged = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "playground_charged_usd_total",
		Help: "US dollars charged to budgets as calls were settled, by where the figure came from (provider, price, estimate, reservation)."},
		[]string{"source"})
	m.settles = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "playground_settles_total",
		Help: "Calls settled against their budgets, by result (ok, failed: left to be retried or charged in full when the reservation expires)."},
		[]string{"result"})
	m.reg.MustRegister(m.calls, m.duration, m.tokens, m.usd, m.credits, m.refusals, m.reserved, m.charged, m.settles,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if inFlight != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "playground_calls_in_flight",
			Help: "Model calls running now (streams open)."}, func() float64 { return float64(inFlight()) }))
	}
	return m
}

// Record counts one model call.
func (m *Metrics) Record(_ context.Context, r meter.Record) {
	kind := r.Kind
	if kind == "" {
		kind = "unknown"
	}
	m.calls.WithLabelValues(r.Provider, r.Model, kind, strconv.Itoa(r.Status), strconv.FormatBool(r.Embed)).Inc()
	if r.Model == "" {
		return // refused before its model was found: nothing ran
	}
	m.duration.WithLabelValues(r.Provider, kind).Observe(r.Duration.Seconds())
	if r.TokensIn > 0 {
		m.tokens.WithLabelValues(r.Provider, r.Model, "in").Add(float64(r.TokensIn))
	}
	if r.TokensOut > 0 {
		m.tokens.WithLabelValues(r.Provider, r.Model, "out").Add(float64(r.TokensOut))
	}
	if r.Estimated && r.Tokens > 0 {
		m.tokens.WithLabelValues(r.Provider, r.Model, "total_estimated").Add(float64(r.Tokens))
	}
	if r.USD > 0 {
		m.usd.WithLabelValues(r.Provider, r.Model).Add(r.USD)
	}
	if r.Credits > 0 {
		m.credits.WithLabelValues(r.Provider, r.Model).Add(r.Credits)
	}
}

// Refused counts a call the choke point refused (quota.Observer).
func (m *Metrics) Refused(reason string) { m.refusals.WithLabelValues(reason).Inc() }

// Reserved counts what a call held against its budgets (quota.Observer).
func (m *Metrics) Reserved(amount team.Money) { m.reserved.Add(amount.USD()) }

// Settled counts a settled call and what it was charged (quota.Observer).
func (m *Metrics) Settled(cost team.Money, source team.CostSource, failed bool) {
	if failed {
		m.settles.WithLabelValues("failed").Inc()
		return
	}
	m.settles.WithLabelValues("ok").Inc()
	m.charged.WithLabelValues(string(source)).Add(cost.USD())
}

// Handler serves the metrics in Prometheus's text format. With a token, only requests that
// carry it as "Authorization: Bearer TOKEN" are served (401 otherwise); without one, the handler
// is meant for a listen address of its own.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "401 metrics need the metrics token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Tee is a meter.Recorder that hands each record to every recorder in turn.
type Tee []meter.Recorder

// Record hands r on.
func (t Tee) Record(ctx context.Context, r meter.Record) {
	for _, rec := range t {
		if rec != nil {
			rec.Record(ctx, r)
		}
	}
}
