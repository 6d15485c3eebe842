package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"playground/app/catalog"
	"playground/app/catalog/embedded"
	"playground/app/embed"
	"playground/app/schema"
	"playground/server/admit"
	"playground/server/httperr"
	"playground/server/upstream"
)

// Live list fetching bounds.
const (
	initialFetchTimeout = 10 * time.Second // New waits at most this for the first live lists
	liveFetchTimeout    = upstream.ListTimeout
	maxLiveListBytes    = 64 << 20
	retryWithoutList    = time.Minute // retry period while a provider has never answered
	gzipMinBytes        = 1024
)

// provider is a configured provider's catalogue state: its static entries, and the last good live
// list with the ETag it came with.
type provider struct {
	cfg      Provider
	up       *upstream.Upstream
	static   *catalog.Catalog
	modelURL string // GET {base}/models[?query], "" without a live source

	mu   sync.Mutex
	live []catalog.LiveModel
	etag string
}

// catalogView is one immutable build of the merged catalogue and its encoded list; requests load
// it atomically, so they never see a half-built one.
type catalogView struct {
	cat    *catalog.Catalog
	list   []byte // GET /api/models body
	listGz []byte
	etag   string // weak ETag of list
}

// loadProviders builds each provider's static catalogue (embedded and schema directories) and
// upstream.
func (s *Server) loadProviders() error {
	for i, pc := range s.cfg.Providers {
		name := pc.Name
		up, err := upstream.New(upstream.Config{Name: pc.Name, BaseURL: pc.BaseURL, Key: pc.Key, KeyEnv: pc.KeyEnv,
			KeySource: pc.keySource(), Headers: pc.Headers, HeaderTimeout: pc.HeaderTimeout,
			// Images answers get the same-origin paths of the files they point to.
			OnResponse: func(op string, resp *http.Response) error { return s.relayMedia(name, op, resp) }}, s.log)
		if err != nil {
			return err
		}
		s.upstreams[pc.Name] = up
		p := &provider{cfg: pc, up: up, static: &catalog.Catalog{}}
		if pc.Catalog.Embedded {
			if p.static, err = catalog.LoadDefault(embedded.FS, pc.Name); err != nil {
				return fmt.Errorf("loading embedded catalogue: %w", err)
			}
		}
		dirs := []string{pc.Catalog.SchemasDir}
		if i == 0 {
			dirs = append(dirs, s.cfg.SchemasDir)
		}
		for _, dir := range dirs {
			if dir == "" {
				continue
			}
			rep, err := catalog.LoadDir(p.static, os.DirFS(dir), ".", pc.Name)
			if err != nil {
				return fmt.Errorf("provider %s: schemas %s: %w", pc.Name, dir, err)
			}
			s.log.Info("loaded schema directory", "provider", pc.Name, "dir", dir, "files", rep.Files, "models", rep.Models, "skipped", len(rep.Skipped))
			for _, sk := range rep.Skipped {
				s.log.Debug("schema file skipped", "reason", sk)
			}
		}
		if pc.Catalog.Live {
			p.modelURL = up.ListURL(pc.Catalog.LiveQuery)
		}
		if pc.Key == "" {
			s.log.Warn("provider has no API key: runs will answer with an error until it is set", "provider", pc.Name, "env", pc.KeyEnv)
		}
		s.providers = append(s.providers, p)
	}
	return nil
}

// startRefresh fetches every live list once (waiting at most initialFetchTimeout), builds the
// catalogue, and starts one background refresher per live provider.
func (s *Server) startRefresh() error {
	var live []*provider
	for _, p := range s.providers {
		if p.modelURL != "" {
			live = append(live, p)
		}
	}
	ctx, cancel := context.WithTimeout(s.refreshCtx, initialFetchTimeout)
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

// refreshLoop fetches p's live list every cfg.Refresh (every minute while it has none) until the
// server closes.
func (s *Server) refreshLoop(p *provider) {
	for {
		wait := s.cfg.Refresh
		p.mu.Lock()
		if p.live == nil && wait > retryWithoutList {
			wait = retryWithoutList
		}
		p.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-s.refreshCtx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s.refreshOne(s.refreshCtx, p)
	}
}

// refreshOne fetches p's live list once and rebuilds the catalogue if it changed.
func (s *Server) refreshOne(ctx context.Context, p *provider) {
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
func (s *Server) fetchLive(ctx context.Context, p *provider) (changed bool, err error) {
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
	req, err := p.up.ListRequest(ctx, p.cfg.Catalog.LiveQuery, etag)
	if err != nil {
		return false, err
	}
	resp, err := p.up.Client().Do(req)
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
func (s *Server) rebuild() error {
	s.rebuildMu.Lock()
	defer s.rebuildMu.Unlock()
	sources := make([]catalog.Source, len(s.providers))
	for i, p := range s.providers {
		p.mu.Lock()
		sources[i] = catalog.Source{Provider: p.cfg.Name, Static: p.static, Live: p.live, Allow: p.cfg.Models}
		p.mu.Unlock()
	}
	cat := catalog.Merge(s.generic, sources)
	// provider_info gives the browser's "View code" each provider's public base URL and key
	// variable (never the key; Validate rejects user info in base URLs).
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
	v := &catalogView{cat: cat, list: list, listGz: gzipBytes(list), etag: weakETag(list)}
	if old := s.view.Load(); old != nil && old.etag == v.etag {
		v.list, v.listGz = old.list, old.listGz // same list: keep the ETag clients hold valid
	}
	s.view.Store(v)
	s.log.Info("catalogue built", "entries", cat.Len(), "listed", len(cat.Models()), "list_bytes", len(list), "list_gzip_bytes", len(v.listGz))
	return nil
}

// Catalog returns the server's current model catalogue. It is read-only; a later refresh swaps in
// a new one rather than changing it.
func (s *Server) Catalog() *catalog.Catalog { return s.view.Load().cat }

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	v := s.view.Load()
	writeCacheable(w, r, v.list, v.listGz, v.etag)
}

// handleForm serves GET /api/models/{id}[?provider=NAME][&op=PATH] and, for the embed, GET
// /api/embed/models/{id}: a model's form, of its main operation or of the one on PATH (the embed's
// refuses models it may not run and caps the length parameters). The model is found as for a
// call (see lookup).
func (s *Server) handleForm(w http.ResponseWriter, r *http.Request) {
	id, q := r.PathValue("id"), r.URL.Query()
	forEmbed := strings.HasPrefix(r.URL.Path, embed.APIBase+"/")
	e, err := lookup(s.Catalog(), id, q.Get("provider"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	form, ok := e.FormOf(q.Get("op"))
	if !ok {
		s.writeError(w, r, noOperation(e, q.Get("op")))
		return
	}
	if forEmbed {
		if !s.embed.Allows(form.Model) {
			s.writeError(w, r, s.embed.Refusal(form.Model))
			return
		}
		s.embed.CapForm(&form)
	}
	b, err := json.Marshal(form)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encoding the form of %s: %w", id, err))
		return
	}
	var gz []byte
	if len(b) >= gzipMinBytes && acceptedEncoding(r.Header.Get("Accept-Encoding"))["gzip"] {
		gz = gzipBytes(b)
	}
	writeCacheable(w, r, b, gz, weakETag(b))
}

// writeCacheable answers a JSON body that clients may keep and revalidate: a weak ETag (the same
// for the plain and gzip forms), 304 on a matching If-None-Match, and gzip when the client accepts
// it and gz is not nil.
func writeCacheable(w http.ResponseWriter, r *http.Request, body, gz []byte, etag string) {
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	if gz != nil && acceptedEncoding(r.Header.Get("Accept-Encoding"))["gzip"] {
		h.Set("Content-Encoding", "gzip")
		body = gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// etagMatches applies If-None-Match's weak comparison.
func etagMatches(header, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

func weakETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `W/"` + hex.EncodeToString(sum[:8]) + `"`
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// checkBody validates a request body against the model's operation, except the model field: the
// catalogue lookup has checked it, and a schema's enum may name the model by another alias.
func checkBody(op *schema.Operation, body []byte) schema.Violations {
	o := *op
	o.Fields = make([]schema.Field, 0, len(op.Fields))
	for _, f := range op.Fields {
		if f.Control != schema.Model {
			o.Fields = append(o.Fields, f)
		}
	}
	return schema.CheckBody(&o, body)
}

// localBackend serves the web app's data from the in-process catalogue while the server prerenders
// pages; with embed set, only what the embed may run, like the /api/embed/ routes.
type localBackend struct {
	cat   func() *catalog.Catalog
	embed *admit.Gate
}

func (b localBackend) Models(context.Context) ([]catalog.Model, error) {
	if b.embed == nil {
		return b.cat().Models(), nil
	}
	return b.embed.Models(b.cat()), nil
}

func (b localBackend) Form(_ context.Context, id, provider, op string) (catalog.Form, error) {
	e, err := lookup(b.cat(), id, provider)
	if err != nil {
		return catalog.Form{}, err
	}
	f, ok := e.FormOf(op)
	if !ok {
		return catalog.Form{}, noOperation(e, op)
	}
	if b.embed != nil {
		if !b.embed.Allows(f.Model) {
			return catalog.Form{}, b.embed.Refusal(f.Model)
		}
		b.embed.CapForm(&f)
	}
	return f, nil
}

// Policy returns the embed's policy (for the embed backend only).
func (b localBackend) Policy(context.Context) (embed.Policy, error) {
	if b.embed == nil {
		return embed.Policy{}, nil
	}
	return b.embed.Policy(), nil
}

// Close stops the background refreshers of live model lists and waits for them. It does not end
// model calls in flight (see EndStreams).
func (s *Server) Close() error {
	s.stopRefresh()
	s.refreshers.Wait()
	return nil
}

// noOperation is the refusal of an operation the model has not.
func noOperation(e *catalog.Entry, op string) *httperr.Error {
	return httperr.Errorf(httperr.EOperationNotFound,
		"Model %s has no operation %s; it is called on %s.", e.Model.ID, op, strings.Join(operationPaths(e), " or "))
}
