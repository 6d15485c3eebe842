package server

import (
	"errors"
	"fmt"
	"net/http"
	"os"

	"playground/app/catalog"
	"playground/app/catalog/embedded"
	"playground/server/catalogapi"
	"playground/server/upstream"
)

// loadProviders builds each provider's upstream and static catalogue (embedded and schema
// directories), and the catalogue service over them (see catalogapi); Start fetches the live
// lists.
func (s *Server) loadProviders() error {
	var sources []catalogapi.Provider
	for i, pc := range s.cfg.Providers {
		name := pc.Name
		up, err := upstream.New(upstream.Config{Name: pc.Name, BaseURL: pc.BaseURL, Key: pc.Key, KeyEnv: pc.KeyEnv,
			KeySource: pc.keySource(), Headers: pc.Headers, HeaderTimeout: pc.HeaderTimeout,
			// Jobs are bound to their clients; answers get the same-origin paths of their files.
			OnResponse: func(op string, resp *http.Response) error { return s.onResponse(name, op, resp) }}, s.log)
		if err != nil {
			return err
		}
		s.upstreams[pc.Name] = up
		static := &catalog.Catalog{}
		if pc.Catalog.Embedded {
			if static, err = catalog.LoadDefault(embedded.FS, pc.Name); err != nil {
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
			rep, err := catalog.LoadDir(static, os.DirFS(dir), ".", pc.Name)
			if err != nil {
				return fmt.Errorf("provider %s: schemas %s: %w", pc.Name, dir, err)
			}
			s.log.Info("loaded schema directory", "provider", pc.Name, "dir", dir, "files", rep.Files, "models", rep.Models, "skipped", len(rep.Skipped))
			for _, sk := range rep.Skipped {
				s.log.Debug("schema file skipped", "reason", sk)
			}
		}
		if pc.Key == "" {
			s.log.Warn("provider has no API key: runs will answer with an error until it is set", "provider", pc.Name, "env", pc.KeyEnv)
		}
		sources = append(sources, catalogapi.Provider{Name: pc.Name, BaseURL: pc.BaseURL, KeyEnv: pc.KeyEnv, Static: static,
			Allow: pc.Models, Upstream: up, Live: pc.Catalog.Live, LiveQuery: pc.Catalog.LiveQuery})
	}
	s.catalog = catalogapi.New(s.generic, sources, s.cfg.Refresh, s.embed, s.log)
	return nil
}

// Catalog returns the server's current model catalogue. It is read-only; a later refresh swaps in
// a new one rather than changing it.
func (s *Server) Catalog() *catalog.Catalog { return s.catalog.Catalog() }

// Close stops the background refreshers of live model lists and waits for them. It does not end
// model calls in flight (see EndStreams).
func (s *Server) Close() error {
	if s.endStreams != nil {
		s.endStreams() // the sweeper too: nothing uses the store after this
	}
	if s.catalog != nil {
		s.catalog.Close()
	}
	var err error
	if s.closeLimiter != nil {
		err = s.closeLimiter()
	}
	if s.store != nil {
		err = errors.Join(err, s.store.Close())
	}
	return err
}
