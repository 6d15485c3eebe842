// Package catalogapi keeps the server's model catalogue and serves it to the browser: it merges
// each provider's static catalogue with its live model list (fetched at start and refreshed in
// the background, keeping the last good copy), swaps in each new build atomically, and answers
// GET /api/models (the compact list, with a weak ETag and gzip), the model forms
// (/api/models/{id}, /api/embed/models/{id}), the embed's policy and model list, and the
// in-process Backend the server prerenders pages with. Lookup is the one model lookup of every
// route.
//
// It does not import the root server package.
package catalogapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"playground/app/catalog"
	"playground/app/schema"
	"playground/server/admit"
	"playground/server/upstream"
)

// Live list fetching bounds.
const (
	initialFetchTimeout = 10 * time.Second // Start waits at most this for the first live lists
	liveFetchTimeout    = upstream.ListTimeout
	maxLiveListBytes    = 64 << 20
	retryWithoutList    = time.Minute // retry period while a provider has never answered
	gzipMinBytes        = 1024
)

// Provider is one configured provider's catalogue sources.
type Provider struct {
	// Name identifies the provider.
	Name string
	// BaseURL and KeyEnv are the provider's public base URL and key variable, listed for the
	// browser's "View code" (never the key).
	BaseURL, KeyEnv string
	// Static is the provider's static catalogue (embedded, schema directories); nil means none.
	Static *catalog.Catalog
	// Allow, when not empty, are path.Match patterns of the only models offered.
	Allow []string
	// Upstream fetches the live list when Live is set.
	Upstream *upstream.Upstream
	// Live fetches GET {base URL}/models[?LiveQuery] through Upstream.
	Live bool
	// LiveQuery is the query string sent with the live request.
	LiveQuery string
}

// provider is a provider's catalogue state: its static entries, and the last good live list
// with the ETag it came with.
type provider struct {
	cfg      Provider
	static   *catalog.Catalog
	modelURL string // GET {base}/models[?query], "" without a live source

	mu   sync.Mutex
	live []catalog.LiveModel
	etag string
}

// view is one immutable build of the merged catalogue and its encoded list; requests load it
// atomically, so they never see a half-built one.
type view struct {
	cat    *catalog.Catalog
	list   []byte // GET /api/models body
	listGz []byte
	etag   string // weak ETag of list
}

// Service is the server's model catalogue and its API. Create it with New, then Start it; Close
// stops its refreshers.
type Service struct {
	log       *slog.Logger
	generic   map[string]*schema.Operation
	providers []*provider
	refresh   time.Duration
	gate      *admit.Gate
	view      atomic.Pointer[view]
	rebuildMu sync.Mutex

	ctx        context.Context
	stop       context.CancelFunc
	refreshers sync.WaitGroup
}

// New returns the catalogue of providers (in configuration order) on top of the generic
// operations; live lists are fetched again every refresh, and the embed's routes answer under
// gate. Nothing is fetched until Start.
func New(generic map[string]*schema.Operation, providers []Provider, refresh time.Duration, gate *admit.Gate, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{log: log, generic: generic, refresh: refresh, gate: gate}
	s.ctx, s.stop = context.WithCancel(context.Background())
	for _, pc := range providers {
		p := &provider{cfg: pc, static: pc.Static}
		if p.static == nil {
			p.static = &catalog.Catalog{}
		}
		if pc.Live && pc.Upstream != nil {
			p.modelURL = pc.Upstream.ListURL(pc.LiveQuery)
		}
		s.providers = append(s.providers, p)
	}
	return s
}

// Start fetches every live list once (waiting at most ten seconds; a provider that does not
// answer keeps its static catalogue, or none, until a later refresh succeeds), builds the
// catalogue, and starts one background refresher per live provider.
func (s *Service) Start() error {
	var live []*provider
	for _, p := range s.providers {
		if p.modelURL != "" {
			live = append(live, p)
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, initialFetchTimeout)
	var wg sync.WaitGroup
	for _, p := range live {
		wg.Go(func() { _, _ = s.fetchLive(ctx, p) })
	}
	wg.Wait()
	cancel()
	if err := s.rebuild(); err != nil {
		return err
	}
	for _, p := range live {
		s.refreshers.Go(func() { s.refreshLoop(p) })
	}
	return nil
}

// Stop stops the refreshers without waiting for them.
func (s *Service) Stop() { s.stop() }

// Close stops the refreshers and waits for them.
func (s *Service) Close() {
	s.stop()
	s.refreshers.Wait()
}

// refreshLoop fetches p's live list every refresh period (every minute while it has none) until
// the service stops.
func (s *Service) refreshLoop(p *provider) {
	for {
		wait := s.refresh
		p.mu.Lock()
		if p.live == nil && wait > retryWithoutList {
			wait = retryWithoutList
		}
		p.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s.refreshOne(s.ctx, p)
	}
}

// Refresh fetches the live list of the named provider once, now, and rebuilds the catalogue if
// it changed; it does nothing for a provider without a live list. A failure keeps the last good
// copy and is logged.
func (s *Service) Refresh(ctx context.Context, name string) {
	for _, p := range s.providers {
		if p.cfg.Name == name && p.modelURL != "" {
			s.refreshOne(ctx, p)
		}
	}
}

// LiveETag returns the ETag of the named provider's last good live list (the one the next
// refresh revalidates with), or "".
func (s *Service) LiveETag(name string) string {
	for _, p := range s.providers {
		if p.cfg.Name == name {
			p.mu.Lock()
			defer p.mu.Unlock()
			return p.etag
		}
	}
	return ""
}

// refreshOne fetches p's live list once and rebuilds the catalogue if it changed.
func (s *Service) refreshOne(ctx context.Context, p *provider) {
	changed, err := s.fetchLive(ctx, p)
	if err != nil || !changed {
		return
	}
	if err := s.rebuild(); err != nil {
		s.log.Error("rebuilding the catalogue", "err", err)
	}
}

// fetchLive asks p for its model list, revalidating with the ETag of the copy it has. It reports
// whether the list changed. On failure it keeps the last good copy and logs a warning (the error
// names the provider and URL from configuration, never the key).
func (s *Service) fetchLive(ctx context.Context, p *provider) (changed bool, err error) {
	parent := ctx
	defer func() {
		if err != nil && parent.Err() == nil { // not when the server is closing
			p.mu.Lock()
			kept := len(p.live)
			p.mu.Unlock()
			s.log.Warn("live model list unavailable; keeping the last good copy", "provider", p.cfg.Name, "models_kept", kept, "err", err)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, liveFetchTimeout)
	defer cancel()
	p.mu.Lock()
	etag := p.etag
	if p.live == nil {
		etag = ""
	}
	p.mu.Unlock()
	req, err := p.cfg.Upstream.ListRequest(ctx, p.cfg.LiveQuery, etag)
	if err != nil {
		return false, err
	}
	resp, err := p.cfg.Upstream.Client().Do(req)
	if err != nil {
		return false, fmt.Errorf("fetching the model list: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		s.log.Debug("live model list unchanged", "provider", p.cfg.Name)
		return false, nil
	case resp.StatusCode != http.StatusOK:
		// The body is not logged: error bodies may echo hints about the key.
		return false, fmt.Errorf("GET %s answered %s", p.modelURL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxLiveListBytes+1))
	if err != nil {
		return false, fmt.Errorf("reading the model list: %w", err)
	}
	if len(body) > maxLiveListBytes {
		return false, fmt.Errorf("the model list is larger than %d bytes", maxLiveListBytes)
	}
	list, err := catalog.ParseLiveList(body)
	if err != nil {
		return false, fmt.Errorf("reading the model list from %s: %w", p.modelURL, err)
	}
	if len(list) == 0 {
		return false, fmt.Errorf("the model list from %s is empty", p.modelURL)
	}
	p.mu.Lock()
	p.live, p.etag = list, resp.Header.Get("ETag")
	p.mu.Unlock()
	s.log.Info("live model list fetched", "provider", p.cfg.Name, "models", len(list))
	return true, nil
}

// rebuild merges every provider's sources and swaps the new catalogue in.
func (s *Service) rebuild() error {
	s.rebuildMu.Lock()
	defer s.rebuildMu.Unlock()
	sources := make([]catalog.Source, len(s.providers))
	for i, p := range s.providers {
		p.mu.Lock()
		sources[i] = catalog.Source{Provider: p.cfg.Name, Static: p.static, Live: p.live, Allow: p.cfg.Allow}
		p.mu.Unlock()
	}
	cat := catalog.Merge(s.generic, sources)
	// provider_info gives the browser's "View code" each provider's public base URL and key
	// variable (never the key; the configuration refuses user info in base URLs).
	type providerInfo struct {
		Name    string `json:"name"`
		BaseURL string `json:"base_url"`
		KeyEnv  string `json:"key_env,omitempty"`
	}
	infos := make([]providerInfo, len(s.providers))
	for i, p := range s.providers {
		infos[i] = providerInfo{Name: p.cfg.Name, BaseURL: p.cfg.BaseURL, KeyEnv: p.cfg.KeyEnv}
	}
	list, err := json.Marshal(struct {
		Providers    []string        `json:"providers"`
		ProviderInfo []providerInfo  `json:"provider_info"`
		Models       []catalog.Model `json:"models"`
	}{cat.Providers(), infos, cat.Models()})
	if err != nil {
		return fmt.Errorf("encoding model list: %w", err)
	}
	v := &view{cat: cat, list: list, listGz: gzipBytes(list), etag: weakETag(list)}
	if old := s.view.Load(); old != nil && old.etag == v.etag {
		v.list, v.listGz = old.list, old.listGz // same list: keep the ETag clients hold valid
	}
	s.view.Store(v)
	s.log.Info("catalogue built", "entries", cat.Len(), "listed", len(cat.Models()), "list_bytes", len(list), "list_gzip_bytes", len(v.listGz))
	return nil
}

// Catalog returns the current model catalogue. It is read-only; a later refresh swaps in a new
// one rather than changing it.
func (s *Service) Catalog() *catalog.Catalog { return s.view.Load().cat }
