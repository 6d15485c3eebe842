package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"playground/server/catalogapi"
	"playground/server/httperr"
)

// assets serves the static files under /web/ from a directory. The web app's wasm is served from
// memory, precompressed: brotli (app.wasm.br, written by `make build`) or gzip (app.wasm.gz, or
// compressed at start-up when missing), chosen by Accept-Encoding.
type assets struct {
	dir     string
	files   http.Handler
	wasm    []byte
	wasmBr  []byte
	wasmGz  []byte
	etag    string
	version string
}

func loadAssets(dir string, log *slog.Logger) (*assets, error) {
	a := &assets{dir: dir, files: http.FileServer(noDirFS{http.Dir(dir)})}
	wasmPath := filepath.Join(dir, "app.wasm")
	wasm, err := os.ReadFile(wasmPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		log.Warn("web app not built: the page will not load until it is (run `make build`)", "missing", wasmPath)
		a.version = "unbuilt"
		return a, nil
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", wasmPath, err)
	}
	sum := sha256.Sum256(wasm)
	a.wasm = wasm
	a.version = hex.EncodeToString(sum[:8])
	a.etag = `"` + a.version + `"`
	a.wasmBr = readFresh(wasmPath+".br", wasmPath)
	a.wasmGz = readFresh(wasmPath+".gz", wasmPath)
	if a.wasmGz == nil {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(wasm)
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("compressing %s: %w", wasmPath, err)
		}
		a.wasmGz = buf.Bytes()
	}
	log.Info("web app loaded", "wasm_bytes", len(a.wasm), "brotli_bytes", len(a.wasmBr), "gzip_bytes", len(a.wasmGz), "version", a.version)
	return a, nil
}

// readFresh reads a precompressed variant if it exists and is not older than its source.
func readFresh(name, source string) []byte {
	ci, err := os.Stat(name)
	if err != nil {
		return nil
	}
	si, err := os.Stat(source)
	if err != nil || ci.ModTime().Before(si.ModTime()) {
		return nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	return b
}

// wasmLength is the uncompressed wasm size, which go-app's loader needs for its progress bar because
// the compressed response's Content-Length is smaller than what it counts.
func (a *assets) wasmLength() string {
	if a.wasm == nil {
		return ""
	}
	return strconv.Itoa(len(a.wasm))
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/web")
	if name == "/app.wasm" {
		a.serveWasm(w, r)
		return
	}
	if strings.HasPrefix(path.Base(name), "app.wasm") {
		http.NotFound(w, r) // the compressed variants are served through content negotiation only
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	r2 := r.Clone(r.Context())
	r2.URL.Path = name
	a.files.ServeHTTP(w, r2)
}

func (a *assets) serveWasm(w http.ResponseWriter, r *http.Request) {
	if a.wasm == nil {
		httperr.Write(w, httperr.Errorf(httperr.EWasmNotBuilt, "app.wasm is not built: run `make build` and restart the server."))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	h.Set("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.wasm
	switch enc := catalogapi.AcceptedEncoding(r.Header.Get("Accept-Encoding")); {
	case enc["br"] && a.wasmBr != nil:
		h.Set("Content-Encoding", "br")
		body = a.wasmBr
	case enc["gzip"] && a.wasmGz != nil:
		h.Set("Content-Encoding", "gzip")
		body = a.wasmGz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func (a *assets) serveRobots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte("User-agent: *\nDisallow: /api/\n"))
}

// noDirFS hides directory listings.
type noDirFS struct{ fs http.FileSystem }

func (n noDirFS) Open(name string) (http.File, error) {
	f, err := n.fs.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fs.ErrNotExist
	}
	return f, nil
}

// serveEmbedScript serves web/embed.js at /embed.js, the address docs pages load it from. Pages of
// any origin may load it (it is a script, not data), also under Cross-Origin-Embedder-Policy.
func (a *assets) serveEmbedScript(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	http.ServeFile(w, r, filepath.Join(a.dir, "embed.js"))
}
