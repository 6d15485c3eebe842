// Package media is the server's media route: files (images, videos, sounds, meshes) that a
// provider's answer names by URL on its own hosts are served to the page through the server, at
// GET /api/media/{token}, so that the page's content security policy (img-src 'self' data: blob:)
// never has to list third-party hosts. A token is minted only for a URL the server itself relayed
// from an upstream answer (see Server.Relay) and only when the URL's host is on the provider's
// media host allow-list; it is signed with a key made at start and expires after an hour. A URL
// a user sends in a request is never fetched. The client that fetches files follows no redirect,
// uses no proxy, and dials no loopback, private, link-local or special-purpose address.
//
// It does not import the root server package.
package media

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"playground/app/kind"
	"playground/server/httperr"
)

const (
	// tokenLifetime is how long a minted media path stays valid.
	tokenLifetime = time.Hour
	// DefaultMaxBytes is the default cap on one media file (Config.MediaMaxBytes).
	DefaultMaxBytes = 64 << 20
	// DefaultMaxAVBytes is the default cap on one video or sound file (Options.MaxAVBytes):
	// videos run to hundreds of megabytes, and they are streamed, never held.
	DefaultMaxAVBytes = 1 << 30
	// maxURL is the longest file URL a token is minted for (signed CDN URLs run to a few KiB;
	// the token must fit the server's header limit).
	maxURL = 8 << 10
	// headerTimeout is how long a file host may take to start answering.
	headerTimeout = 60 * time.Second
	// idleTimeout is how long a file transfer may stall, on either side, before it is cut.
	idleTimeout = 60 * time.Second
	// writeTimeout bounds the whole transfer of one file to the browser.
	writeTimeout = 15 * time.Minute
	// relayMax is the most of an images answer Relay reads to add the media member; a
	// larger answer is passed on unchanged.
	relayMax = 96 << 20
)

// Source is one provider's media settings.
type Source struct {
	// Name is the provider's name (tokens carry it).
	Name string
	// BaseURL is the provider's API base URL; it picks the default hosts.
	BaseURL string
	// Hosts are the provider's media host patterns (see CheckHost); nil means the default for
	// its base URL (AI/ML API's hosts for api.aimlapi.com, none for others), empty means none.
	Hosts []string
	// AllowInsecure lets the provider's media come over plain http and from loopback addresses
	// (tests only).
	AllowInsecure bool
}

// Options bound the media route.
type Options struct {
	// MaxBytes caps one media file; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxAVBytes caps one video or sound file (video/…, audio/…); 0 means
	// DefaultMaxAVBytes.
	MaxAVBytes int64
	// MaxBodyBytes is the server's request body limit: Relay reads images answers up to twice
	// that (at most 96 MiB).
	MaxBodyBytes int64
	// Shutdown, when done, ends every media transfer in flight; nil means never.
	Shutdown context.Context
}

// Server mints the same-origin paths of the files providers' answers point to (Relay, Mint)
// and serves them (ServeHTTP). It is safe for concurrent use.
type Server struct {
	log      *slog.Logger
	signer   *signer
	sources  map[string]*source
	max      int64
	maxAV    int64
	maxBody  int64
	shutdown context.Context
}

// New makes the media signing key and each provider's media policy, and warns loudly on log
// about providers whose media may come over plain http and from loopback.
func New(sources []Source, opts Options, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{log: log, max: opts.MaxBytes, maxAV: opts.MaxAVBytes, maxBody: opts.MaxBodyBytes, shutdown: opts.Shutdown, sources: map[string]*source{}}
	if s.shutdown == nil {
		s.shutdown = context.Background()
	}
	var err error
	if s.signer, err = newSigner(); err != nil {
		return nil, err
	}
	if s.max <= 0 {
		s.max = DefaultMaxBytes
	}
	if s.maxAV <= 0 {
		s.maxAV = DefaultMaxAVBytes
	}
	for _, p := range sources {
		s.sources[p.Name] = newSource(p)
		if p.AllowInsecure {
			s.log.Warn("media_allow_insecure: provider serves media over plain http and from loopback: for tests only",
				"provider", p.Name, "media_hosts", strings.Join(hostsFor(p), " "))
		}
	}
	return s, nil
}

// MaxBytes is the cap on one media file.
func (s *Server) MaxBytes() int64 { return s.max }

// writeError answers err in the JSON envelope and logs it (see httperr.Respond).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httperr.Respond(w, r, s.log, err)
}

// Mint returns the same-origin path (/api/media/<token>) the page may load provider's file
// at rawURL from, and true; false when the URL is not one the server fetches for that provider
// (another scheme than https — or http with media_allow_insecure —, user info, a host off the
// provider's media_hosts, a URL longer than maxURL).
func (s *Server) Mint(provider, rawURL string) (string, bool) {
	src := s.sources[provider]
	if src == nil || s.signer == nil || len(rawURL) > maxURL {
		return "", false
	}
	u, err := url.Parse(rawURL)
	if err != nil || !src.allows(u) {
		return "", false
	}
	tok, ok := s.signer.mint(provider, rawURL)
	if !ok {
		return "", false
	}
	return "/api/media/" + tok, true
}

// mediaTypes are the content types the media route serves, by media type: true for those served
// as a download (Content-Disposition: attachment) rather than inline. Anything else — HTML, SVG,
// scripts, text — is refused.
var mediaTypes = map[string]bool{
	"image/png": false, "image/jpeg": false, "image/webp": false, "image/gif": false, "image/avif": false,
	"video/mp4": false, "video/webm": false,
	"audio/mpeg": false, "audio/wav": false, "audio/x-wav": false, "audio/ogg": false, "audio/flac": false,
	"model/gltf-binary": true, "model/gltf+json": true, "application/octet-stream": true,
}

// mediaRequestHeaders are the only browser headers sent to a file host: those that let players
// seek and caches revalidate.
var mediaRequestHeaders = []string{"Range", "If-None-Match", "If-Modified-Since"}

// mediaResponseHeaders are the file host's headers passed to the browser (Content-Type and
// Content-Length are set by the handler itself).
var mediaResponseHeaders = []string{"ETag", "Last-Modified", "Accept-Ranges", "Content-Range"}

// ServeHTTP serves GET (and HEAD) /api/media/{token} (register it on a pattern with the {token}
// wildcard): it checks the token (403
// media_token_invalid, 410 media_token_expired), fetches the file from the provider's host —
// without the provider's key or the browser's headers other than Range and the conditional ones,
// without following redirects (502 media_redirect), through the dial guard — and streams it back
// if its type is on the allow-list (else 502 media_type_refused) and it is not larger than the
// cap (502 media_too_large when Content-Length says so, else the transfer is cut). The answer
// carries nosniff, a sandboxing CSP, same-origin CORP and private caching for an hour.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	provider, rawURL, err := s.signer.open(r.PathValue("token"))
	if errors.Is(err, errMediaTokenExpired) {
		s.writeError(w, r, httperr.Errorf(httperr.EMediaTokenExpired,
			"This media link has expired (links last an hour). Run the model again to get a fresh one."))
		return
	}
	src := s.sources[provider]
	var u *url.URL
	if err == nil && src != nil {
		u, err = url.Parse(rawURL)
	}
	if err != nil || src == nil || !src.allows(u) {
		s.writeError(w, r, httperr.Errorf(httperr.EMediaTokenInvalid,
			"This media link is not one the playground made. Media is only served for files a model's answer pointed to."))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.shutdown, cancel)
	defer stop()
	method := http.MethodGet
	if r.Method == http.MethodHead {
		method = http.MethodHead
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req.Header = http.Header{}
	for _, name := range mediaRequestHeaders {
		if v := r.Header.Get(name); v != "" {
			req.Header.Set(name, v)
		}
	}
	req.Header.Set("User-Agent", "playground")
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := src.client.Do(req)
	if err != nil {
		var ne net.Error
		switch {
		case r.Context().Err() != nil:
			return // the browser went away
		case errors.Is(err, errMediaAddress):
			s.writeError(w, r, &httperr.Error{Code: httperr.EMediaAddressRefused,
				Message: fmt.Sprintf("The file's host (%s) resolves to an address the playground does not connect to.", u.Hostname()), Err: err})
		case errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded):
			s.writeError(w, r, &httperr.Error{Code: httperr.EMediaTimeout,
				Message: fmt.Sprintf("The file's host (%s) did not answer in time. Try again.", u.Hostname()), Err: err})
		default:
			s.writeError(w, r, &httperr.Error{Code: httperr.EMediaUnreachable,
				Message: fmt.Sprintf("Could not fetch the file from %s. Try again.", u.Hostname()), Err: err})
		}
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	switch st := resp.StatusCode; {
	case st == http.StatusOK || st == http.StatusPartialContent:
	case st == http.StatusNotModified:
		s.copyMediaHeaders(h, resp.Header)
		w.WriteHeader(http.StatusNotModified)
		return
	case st == http.StatusRequestedRangeNotSatisfiable:
		s.copyMediaHeaders(h, resp.Header)
		w.WriteHeader(st)
		return
	case st >= 300 && st < 400:
		s.writeError(w, r, httperr.Errorf(httperr.EMediaRedirect,
			"The file's host answered with a redirect (%d), which the playground does not follow.", st))
		return
	case st == http.StatusNotFound || st == http.StatusGone:
		s.writeError(w, r, httperr.Errorf(httperr.EMediaNotFound,
			"The provider no longer serves this file (%d). Run the model again.", st))
		return
	default:
		s.writeError(w, r, httperr.Errorf(httperr.EMediaUpstreamError,
			"The file's host answered %d.", st))
		return
	}
	ct := "application/octet-stream"
	if v := resp.Header.Get("Content-Type"); v != "" {
		mt, _, err := mime.ParseMediaType(v)
		if err != nil {
			mt = v
		}
		ct = strings.ToLower(mt)
	}
	attachment, ok := mediaTypes[ct]
	if !ok {
		s.writeError(w, r, httperr.Errorf(httperr.EMediaTypeRefused,
			"The file's host sent content of type %q, which the playground does not serve.", truncate(ct, 80)))
		return
	}
	limit := s.max
	if strings.HasPrefix(ct, "video/") || strings.HasPrefix(ct, "audio/") {
		limit = s.maxAV
	}
	if resp.ContentLength > limit {
		s.writeError(w, r, httperr.Errorf(httperr.EMediaTooLarge,
			"The file is %d bytes, more than the playground's limit of %d bytes.", resp.ContentLength, limit))
		return
	}
	s.copyMediaHeaders(h, resp.Header)
	h.Set("Content-Type", ct)
	if attachment {
		h.Set("Content-Disposition", "attachment")
	}
	if resp.ContentLength >= 0 {
		h.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeTimeout))
	w.WriteHeader(resp.StatusCode)
	if method == http.MethodHead {
		return
	}
	idle := time.AfterFunc(idleTimeout, cancel)
	defer idle.Stop()
	body := &idleReader{r: resp.Body, timer: idle}
	if _, err := io.Copy(w, io.LimitReader(body, limit)); err != nil {
		return // the browser or the host went away; the transfer is short
	}
	if n, _ := body.Read(make([]byte, 1)); n > 0 {
		s.log.Warn("media transfer cut at the size cap", "provider", provider, "host", u.Hostname(), "limit", limit)
		panic(http.ErrAbortHandler) // the browser must see a broken transfer, not a complete file
	}
}

// copyMediaHeaders sets the media route's own headers on h and copies the file host's
// mediaResponseHeaders from up.
func (s *Server) copyMediaHeaders(h, up http.Header) {
	for _, name := range mediaResponseHeaders {
		if v := up.Get(name); v != "" {
			h.Set(name, v)
		}
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// idleReader resets timer after every read, so a transfer that stalls for the timer's duration
// is cancelled.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
}

// Read reads from the underlying reader and resets the idle timer.
func (i *idleReader) Read(p []byte) (int, error) {
	n, err := i.r.Read(p)
	i.timer.Reset(idleTimeout)
	return n, err
}

// truncate shortens s to at most n bytes for a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Relay is the proxy's response hook for media: on a successful JSON answer of a kind whose
// answers point to files (images; the video and music jobs' polls; text to speech's JSON answer —
// see kind.MediaURLs), for the call's canonical operation path callPath (which the upstream
// passes on), it adds the top-level member kind.MediaMember ("playground_media"), an object
// mapping each http(s) URL of the answer that Mint accepts to its /api/media/… path. The
// provider's bytes are kept: the member is inserted before the object's final '}', and
// Content-Length is fixed. Answers that are larger than the server reads (MaxBodyBytes*2, at
// most 96 MiB), not a JSON object, already hold the member, or hold no such URL pass through
// unchanged.
func (s *Server) Relay(provider, callPath string, resp *http.Response) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil
	}
	k := relayKind(callPath)
	if k == nil {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil
	}
	limit := s.maxBody * 2
	if limit <= 0 || limit > relayMax {
		limit = relayMax
	}
	orig := resp.Body
	body, err := io.ReadAll(io.LimitReader(orig, limit+1))
	if err != nil || int64(len(body)) > limit {
		// Pass on what was read, then the rest (or the read error) as it comes.
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), orig), orig}
		return nil
	}
	orig.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	out, ok := s.addMediaMember(provider, k, body)
	if !ok {
		return nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	return nil
}

// relayKind is the kind of the call (or poll) on callPath when its answers point to files, or
// nil.
func relayKind(callPath string) kind.Kind {
	if callPath == "" {
		return nil
	}
	k := kind.For(callPath)
	if p := kind.PollKind(callPath); p != nil && (k == nil || k == kind.Kind(p)) {
		k = p
	}
	switch {
	case k == nil:
		return nil
	case k == kind.Images, k == kind.Video, k == kind.Music, k.Name() == "tts":
		return k
	}
	return nil
}

// addMediaMember returns body with the media member added (see Relay), and true; false when
// there is nothing to add or body is not a JSON object.
func (s *Server) addMediaMember(provider string, k kind.Kind, body []byte) ([]byte, bool) {
	var doc struct {
		Media json.RawMessage `json:"playground_media"`
	}
	trimmed := bytes.TrimRight(body, " \t\r\n")
	if !bytes.HasPrefix(bytes.TrimLeft(trimmed, " \t\r\n"), []byte("{")) || !bytes.HasSuffix(trimmed, []byte("}")) ||
		json.Unmarshal(body, &doc) != nil || doc.Media != nil {
		return nil, false
	}
	media := map[string]string{}
	for _, u := range kind.MediaURLs(k, body) {
		if media[u] != "" {
			continue
		}
		if p, ok := s.Mint(provider, u); ok {
			media[u] = p
		}
	}
	if len(media) == 0 {
		return nil, false
	}
	member, err := json.Marshal(media)
	if err != nil {
		return nil, false
	}
	// The answer held a URL, so the object has members: the new one follows a comma.
	out := make([]byte, 0, len(body)+len(member)+len(kind.MediaMember)+4)
	out = append(out, trimmed[:len(trimmed)-1]...)
	out = append(out, `,"`+kind.MediaMember+`":`...)
	out = append(out, member...)
	out = append(out, '}')
	out = append(out, body[len(trimmed):]...)
	return out, true
}
