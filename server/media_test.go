package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"playground/app/kind"
	"playground/server/internal/syncbuf"
)

// mediaEnv is a server whose one provider (aimlapi's embedded catalogue) is a test upstream whose
// images answers point at a loopback file host.
type mediaEnv struct {
	srv    *httptest.Server
	s      *Server
	files  *httptest.Server
	log    *syncbuf.Buffer
	answer []byte // what the upstream answers POST /v1/images/generations with
	png    []byte

	mu      sync.Mutex
	hits    map[string]int         // file host requests by path
	headers map[string]http.Header // the last request's headers by path
}

// testPNG encodes a small PNG.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range 16 {
		img.Set(i, i, color.RGBA{R: 255, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mediaFiles are the file host's paths the upstream's answer points to.
var mediaFiles = []string{"/img.png", "/redirect", "/html", "/svg", "/big", "/stream", "/mesh.glb", "/missing", "/error", "/untyped"}

func runMedia(t *testing.T) *mediaEnv {
	t.Helper()
	e := &mediaEnv{png: testPNG(t), hits: map[string]int{}, headers: map[string]http.Header{}, log: &syncbuf.Buffer{}}
	const cap = 1 << 20
	e.files = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.hits[r.URL.Path]++
		e.headers[r.URL.Path] = r.Header.Clone()
		e.mu.Unlock()
		h := w.Header()
		switch r.URL.Path {
		case "/img.png", "/user.png":
			h.Set("Content-Type", "image/png")
			h.Set("ETag", `"png-1"`)
			http.ServeContent(w, r, "", time.Unix(1_700_000_000, 0), bytes.NewReader(e.png))
		case "/redirect":
			http.Redirect(w, r, "/img.png", http.StatusFound)
		case "/html":
			h.Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, "<script>alert(1)</script>")
		case "/svg":
			h.Set("Content-Type", "image/svg+xml")
			_, _ = io.WriteString(w, `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)
		case "/big":
			h.Set("Content-Type", "image/png")
			h.Set("Content-Length", fmt.Sprint(2*cap))
			_, _ = w.Write(make([]byte, 2*cap))
		case "/stream":
			h.Set("Content-Type", "video/mp4")
			chunk := make([]byte, 64<<10)
			for range 2 * cap / len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		case "/mesh.glb":
			h.Set("Content-Type", "model/gltf-binary")
			_, _ = io.WriteString(w, "glTF....")
		case "/error":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "/untyped":
			h["Content-Type"] = nil // no Content-Type, and no sniffing by the file host
			_, _ = io.WriteString(w, "raw bytes")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(e.files.Close)
	var data []string
	for _, p := range mediaFiles {
		data = append(data, `{"url":`+jsonString(e.files.URL+p)+`}`)
	}
	data = append(data, `{"url":"https://evil.example/x.png"}`, `{"url":"ftp://127.0.0.1/x.png"}`, `{"b64_json":"iVBORw0KGgo="}`,
		`{"url":`+jsonString(e.files.URL+"/img.png")+`}`) // a duplicate
	e.answer = []byte(`{"created":1700000000,"data":[` + strings.Join(data, ",") + `],"images":[{"url":` + jsonString(e.files.URL+"/mesh.glb") +
		`}],"meta":{"usage":{"credits_used":42}}}` + "\n")
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/images/generations" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(e.answer)
	}))
	t.Cleanup(up.Close)
	cfg := DefaultConfig()
	cfg.WebDir = t.TempDir()
	cfg.Limits.RatePerMinute = 0
	cfg.Limits.StreamsPerClient = 0
	cfg.MediaMaxBytes, cfg.MediaMaxAVBytes = cap, cap
	p := &cfg.Providers[0]
	p.BaseURL, p.Key = up.URL+"/v1", canary
	p.MediaHosts, p.MediaAllowInsecure = []string{"127.0.0.1:*"}, true
	s, err := New(cfg, slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e.s = s
	e.srv = httptest.NewServer(s)
	t.Cleanup(e.srv.Close)
	t.Cleanup(func() {
		if strings.Contains(e.log.String(), canary) {
			t.Error("the key is in the log")
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		for path, h := range e.headers {
			if strings.Contains(headerString(h), canary) {
				t.Errorf("the file host got the key on %s", path)
			}
		}
	})
	return e
}

// get sends a GET (or another method) to the playground; the body is what could be read, err the
// read error of a cut transfer.
func (e *mediaEnv) get(t *testing.T, method, path string, header map[string]string) (resp *http.Response, body []byte, err error) {
	t.Helper()
	req, rerr := http.NewRequest(method, e.srv.URL+path, nil)
	if rerr != nil {
		t.Fatal(rerr)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, rerr = e.srv.Client().Do(req)
	if rerr != nil {
		t.Fatal(rerr)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp, body, err
}

func (e *mediaEnv) hitCount(path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hits[path]
}

// TestMediaEndToEnd: an images answer relayed from the upstream carries playground_media, whose
// paths serve the files through the server's checks; nothing else is ever fetched.
func TestMediaEndToEnd(t *testing.T) {
	e := runMedia(t)
	if log := e.log.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, "for tests only") || !strings.Contains(log, "provider=aimlapi") {
		t.Fatalf("no loud warning about media_allow_insecure in the log:\n%s", log)
	}
	userURL := e.files.URL + "/user.png"
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/images/generations",
		strings.NewReader(`{"model":"flux/schnell","prompt":"a fox like the one at `+userURL+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("images call: %d %v %s", resp.StatusCode, err, body)
	}
	if resp.ContentLength != int64(len(body)) || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("Content-Length %d for %d bytes; Content-Type %q", resp.ContentLength, len(body), resp.Header.Get("Content-Type"))
	}
	// The provider's bytes are kept: the member goes in before the final '}'.
	last := bytes.LastIndexByte(e.answer, '}')
	if !bytes.HasPrefix(body, e.answer[:last]) || !bytes.HasSuffix(body, []byte("}\n")) ||
		!bytes.HasPrefix(body[last:], []byte(`,"`+kind.MediaMember+`":{`)) {
		t.Fatalf("the answer was not kept with the member appended:\n got %s\nsent %s", body, e.answer)
	}
	var doc struct {
		Media map[string]string `json:"playground_media"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Media) != len(mediaFiles) {
		t.Errorf("%d media paths, want %d (one per file host URL): %v", len(doc.Media), len(mediaFiles), doc.Media)
	}
	for _, p := range mediaFiles {
		if !strings.HasPrefix(doc.Media[e.files.URL+p], "/api/media/") {
			t.Errorf("no media path for %s", p)
		}
	}
	for u := range doc.Media {
		if !strings.HasPrefix(u, e.files.URL+"/") {
			t.Errorf("a media path for %s, a URL off the provider's media hosts", u)
		}
	}
	res, err := kind.ParseImages(body)
	if err != nil || len(res.Images) != 15 || res.Images[0].Display() != doc.Media[e.files.URL+"/img.png"] || res.Images[len(mediaFiles)].Display() != "" {
		t.Fatalf("ParseImages: %v; %+v", err, res.Images)
	}
	e.mu.Lock()
	if len(e.hits) != 0 {
		t.Errorf("the file host was reached before any media request: %v", e.hits)
	}
	e.mu.Unlock()
	media := func(p string) string { return doc.Media[e.files.URL+p] }
	browser := map[string]string{"Authorization": "Bearer browser-token", "Cookie": "session=1", "X-Forwarded-For": "10.1.2.3",
		"Origin": "https://evil.example", "Referer": "https://evil.example/", "Accept-Language": "fr", "X-Api-Key": canary}

	t.Run("png", func(t *testing.T) {
		resp, got, err := e.get(t, "GET", media("/img.png"), browser)
		if err != nil || resp.StatusCode != 200 || !bytes.Equal(got, e.png) {
			t.Fatalf("%d %v, %d bytes", resp.StatusCode, err, len(got))
		}
		want := map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff",
			"Content-Security-Policy": "default-src 'none'; sandbox", "Cross-Origin-Resource-Policy": "same-origin",
			"Cache-Control": "private, max-age=3600", "Etag": `"png-1"`, "Accept-Ranges": "bytes",
			"Content-Length": fmt.Sprint(len(e.png)), "Content-Disposition": ""}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		e.mu.Lock()
		h := e.headers["/img.png"]
		e.mu.Unlock()
		for name := range h {
			if name != "User-Agent" && name != "Accept-Encoding" {
				t.Errorf("the file host got the header %s: %q", name, h.Get(name))
			}
		}
	})
	t.Run("range", func(t *testing.T) {
		resp, got, err := e.get(t, "GET", media("/img.png"), map[string]string{"Range": "bytes=0-9"})
		if err != nil || resp.StatusCode != http.StatusPartialContent || len(got) != 10 ||
			resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-9/%d", len(e.png)) || !bytes.Equal(got, e.png[:10]) {
			t.Fatalf("%d %v %q, %d bytes", resp.StatusCode, err, resp.Header.Get("Content-Range"), len(got))
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Error("no nosniff on the partial answer")
		}
	})
	t.Run("revalidation", func(t *testing.T) {
		resp, got, _ := e.get(t, "GET", media("/img.png"), map[string]string{"If-None-Match": `"png-1"`})
		if resp.StatusCode != http.StatusNotModified || len(got) != 0 {
			t.Fatalf("%d, %d bytes; want 304", resp.StatusCode, len(got))
		}
	})
	t.Run("head", func(t *testing.T) {
		resp, got, _ := e.get(t, "HEAD", media("/img.png"), nil)
		if resp.StatusCode != 200 || len(got) != 0 || resp.ContentLength != int64(len(e.png)) || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("%d, %d bytes, length %d", resp.StatusCode, len(got), resp.ContentLength)
		}
	})
	t.Run("mesh is a download", func(t *testing.T) {
		resp, got, _ := e.get(t, "GET", media("/mesh.glb"), nil)
		if resp.StatusCode != 200 || string(got) != "glTF...." || resp.Header.Get("Content-Disposition") != "attachment" || resp.Header.Get("Content-Type") != "model/gltf-binary" {
			t.Fatalf("%d %q %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), got)
		}
	})
	t.Run("no content type is a download", func(t *testing.T) {
		resp, got, _ := e.get(t, "GET", media("/untyped"), nil)
		if resp.StatusCode != 200 || string(got) != "raw bytes" || resp.Header.Get("Content-Type") != "application/octet-stream" || resp.Header.Get("Content-Disposition") != "attachment" {
			t.Fatalf("%d %q %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), got)
		}
	})
	t.Run("cut at the cap without Content-Length", func(t *testing.T) {
		resp, got, err := e.get(t, "GET", media("/stream"), nil)
		if resp.StatusCode != 200 || err == nil || int64(len(got)) > e.s.media.MaxBytes() {
			t.Fatalf("%d, %d bytes, read error %v; want a transfer cut at %d", resp.StatusCode, len(got), err, e.s.media.MaxBytes())
		}
	})
	refusals := []struct {
		name, path string
		status     int
		code       string
	}{
		{"redirect", media("/redirect"), 502, "media_redirect"},
		{"text/html", media("/html"), 502, "media_type_refused"},
		{"svg", media("/svg"), 502, "media_type_refused"},
		{"too large", media("/big"), 502, "media_too_large"},
		{"not found", media("/missing"), 404, "media_not_found"},
		{"host error", media("/error"), 502, "media_upstream_error"},
		{"random token", "/api/media/" + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{1}, 64)), 403, "media_token_invalid"},
		{"garbage token", "/api/media/not-a-token", 403, "media_token_invalid"},
		{"tampered token", media("/img.png")[:len(media("/img.png"))-3] + "AAA", 403, "media_token_invalid"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, got, err := e.get(t, "GET", tt.path, nil)
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("%d %v %s, want %d", resp.StatusCode, err, got, tt.status)
			}
			if _, code := errorMessage(t, got); code != tt.code {
				t.Fatalf("code %s, want %s: %s", code, tt.code, got)
			}
			if resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("refusal headers %v", resp.Header)
			}
		})
	}
	if n := e.hitCount("/img.png"); n != 4 {
		t.Errorf("the file host served /img.png %d times, want 4, one per fetch above (the redirect must not be followed, bad tokens never fetch)", n)
	}
	if n := e.hitCount("/user.png"); n != 0 {
		t.Errorf("the URL in the user's request was fetched %d times", n)
	}
}

// TestMediaConfigFile: media_hosts and media_allow_insecure are read from a provider's entry, and
// mistakes are errors naming the file, line and field.
func TestMediaConfigFile(t *testing.T) {
	const head = "providers:\n  - name: a\n    base_url: https://a.example/v1\n    key_env: A_KEY\n"
	name := writeConfig(t, head+"    media_hosts: [files.example.com, \"*.cdn.example.net\", \"127.0.0.1:*\"]\n    media_allow_insecure: true\n")
	ps, err := ReadConfigFile(name, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ps[0].MediaHosts, " "); got != "files.example.com *.cdn.example.net 127.0.0.1:*" || !ps[0].MediaAllowInsecure {
		t.Fatalf("media_hosts %q, media_allow_insecure %v", got, ps[0].MediaAllowInsecure)
	}
	name = writeConfig(t, head)
	if ps, err = ReadConfigFile(name, env(nil)); err != nil || ps[0].MediaHosts != nil || ps[0].MediaAllowInsecure {
		t.Fatalf("defaults: %v %+v", err, ps)
	}
	name = writeConfig(t, head+"    media_hosts: []\n")
	if ps, err = ReadConfigFile(name, env(nil)); err != nil || ps[0].MediaHosts == nil || len(ps[0].MediaHosts) != 0 {
		t.Fatalf("media_hosts: []: %v %#v", err, ps[0].MediaHosts)
	}
	tests := []struct{ name, yaml, want string }{
		{"bad pattern", head + "    media_hosts: [ok.example.com, \"[\"]\n", `5: providers[0].media_hosts[1]: "[" is not a valid pattern`},
		{"URL, not a host", head + "    media_hosts:\n      - https://cdn.example.com\n", `6: providers[0].media_hosts[0]: "https://cdn.example.com" is not a host pattern`},
		{"empty pattern", head + "    media_hosts: [\"\"]\n", `5: providers[0].media_hosts[0]: an empty pattern`},
		{"not a list", head + "    media_hosts: cdn.example.com\n", `5: providers[0].media_hosts: must be a list`},
		{"not a bool", head + "    media_allow_insecure: sometimes\n", `5: providers[0].media_allow_insecure: must be true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := writeConfig(t, tt.yaml)
			_, err := ReadConfigFile(name, env(nil))
			checkConfigError(t, err, name+":"+tt.want)
		})
	}
	// Validate checks the patterns of a Config built in code too.
	cfg := DefaultConfig()
	cfg.Providers[0].MediaHosts = []string{"cdn.example.com/x"}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "provider aimlapi: media hosts") {
		t.Fatalf("Validate: %v", err)
	}
	cfg = DefaultConfig()
	cfg.MediaMaxBytes = -1
	if err := cfg.Validate(); err == nil {
		t.Fatal("Validate accepted a negative media cap")
	}
}
