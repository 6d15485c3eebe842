// Command playground runs the Playground server: the web app, its catalogue API and the proxy that
// adds the provider's API key on the server. `playground schema inspect` instead reports how the
// playground reads OpenAPI files: each operation's form fields, the fields it cannot represent and
// whether the example request (only the required fields filled) validates.
//
// Usage:
//
//	playground [-addr localhost:8080] [-web web] [-schemas DIR] [-config FILE] [-refresh 10m]
//	playground schema inspect [-json] PATH...
//	playground users|teams|tokens|budgets|usage|audit VERB … [-database FILE]  (see package admin)
//
// Environment: PLAYGROUND_ADDR, PLAYGROUND_WEB, PLAYGROUND_SCHEMAS, PLAYGROUND_CONFIG,
// PLAYGROUND_REFRESH (defaults for the flags). Without -config, the one provider is AI/ML API:
// AIMLAPI_API_KEY or AIMLAPI_API_KEY_FILE (the key), AIMLAPI_BASE_URL (default
// https://api.aimlapi.com/v1, any OpenAI-compatible base URL works). With -config FILE, the YAML file
// lists the providers, their keys' sources and their catalogues (see README.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"playground/app/schema/inspect"
	"playground/server"
	"playground/server/admin"
	"playground/server/store"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "schema" {
		if len(os.Args) < 3 || os.Args[2] != "inspect" {
			fmt.Fprintln(os.Stderr, "usage: playground schema inspect [-json] PATH...")
			os.Exit(2)
		}
		os.Exit(inspect.Run(os.Args[3:], os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && admin.IsGroup(os.Args[1]) {
		code := admin.Run(ctx, os.Args[1:], adminEnv(os.Getenv, os.Stdout, os.Stderr))
		stop()
		os.Exit(code)
	}
	if err := Main(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "playground:", err)
		}
		os.Exit(2)
	}
}

// adminEnv is what the admin commands run with: the SQLite store.
func adminEnv(getenv func(string) string, stdout, stderr io.Writer) admin.Env {
	return admin.Env{
		Open:   func(database string) (admin.Store, error) { return store.Open(context.Background(), database) },
		Getenv: getenv, Stdin: os.Stdin, Stdout: stdout, Stderr: stderr,
	}
}

// Main runs the server until ctx is done, then shuts it down within ten seconds.
func Main(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := server.ParseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second, // slow-header clients (slowloris) are dropped
		ReadTimeout:       60 * time.Second, // a body of up to 32 MiB arrives well within this
		WriteTimeout:      60 * time.Second, // model streams lift it for themselves
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	// Shutdown waits for handlers to return; streams never go idle, so end them first.
	hs.RegisterOnShutdown(srv.EndStreams)
	log.Info("playground is serving", "url", "http://"+ln.Addr().String(), "models", srv.Catalog().Len())
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			hs.Close()
			return fmt.Errorf("metrics-addr: listening on %s: %w", cfg.MetricsAddr, err)
		}
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		defer ms.Close()
		log.Info("metrics are served", "url", "http://"+mln.Addr().String()+"/metrics")
		go func() { errc <- ms.Serve(mln) }()
	}
	if cfg.PprofAddr != "" {
		pln, err := net.Listen("tcp", cfg.PprofAddr)
		if err != nil {
			hs.Close()
			return fmt.Errorf("pprof-addr: listening on %s: %w", cfg.PprofAddr, err)
		}
		ps := &http.Server{Handler: profiles(), ReadHeaderTimeout: 10 * time.Second}
		defer ps.Close()
		log.Info("profiles are served", "url", "http://"+pln.Addr().String()+"/debug/pprof/")
		go func() { errc <- ps.Serve(pln) }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
	}
	log.Info("playground stopped")
	return nil
}

// profiles serves Go's profiles (net/http/pprof) under /debug/pprof/ (-pprof-addr).
func profiles() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
