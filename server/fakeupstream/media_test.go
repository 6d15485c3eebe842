package fakeupstream

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"playground/app/kind"
)

// imagesAnswer is an images response as the fake sends it.
type imagesAnswer struct {
	Created int64 `json:"created"`
	Data    []struct {
		URL           string `json:"url"`
		B64JSON       string `json:"b64_json"`
		RevisedPrompt string `json:"revised_prompt"`
	} `json:"data"`
	Meta struct {
		Usage struct {
			CreditsUsed float64 `json:"credits_used"`
			USDSpent    float64 `json:"usd_spent"`
		} `json:"usage"`
	} `json:"meta"`
}

func TestImages(t *testing.T) {
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantURLs         int    // data[].url
		wantB64          int    // data[].b64_json, each a 64×64 PNG
		wantSuffix       string // of every URL's path
		wantInBody       string // for refusals
	}{
		{name: "default", path: "/v1/images/generations", body: `{"model":"m","prompt":"a red fox"}`, wantStatus: 200, wantURLs: 1, wantSuffix: ".png"},
		{name: "n urls", path: "/v1/images/generations", body: `{"model":"m","prompt":"a red fox","n":3,"response_format":"url"}`, wantStatus: 200, wantURLs: 3, wantSuffix: ".png"},
		{name: "n b64", path: "/v1/images/generations", body: `{"model":"m","prompt":"a red fox","n":2,"response_format":"b64_json"}`, wantStatus: 200, wantB64: 2},
		{name: "with-url", path: "/v1/images/generations/with-url", body: `{"model":"m","prompt":"a red fox"}`, wantStatus: 200, wantURLs: 1, wantSuffix: ".png"},
		{name: "edits", path: "/v1/images/edits", body: `{"model":"m","prompt":"a red fox","image":"https://example.com/x.png"}`, wantStatus: 200, wantURLs: 1, wantSuffix: ".png"},
		{name: "3d", path: "/v1/images/generations", body: `{"model":"m","prompt":"fake:3d"}`, wantStatus: 200, wantURLs: 1, wantSuffix: "/files/model.glb"},
		{name: "error 429", path: "/v1/images/generations", body: `{"model":"m","prompt":"fake:error 429"}`, wantStatus: 429, wantInBody: "rate_limit_exceeded"},
		{name: "error 403", path: "/v1/images/edits", body: `{"model":"m","prompt":"fake:error 403"}`, wantStatus: 403, wantInBody: `"statusCode":403`},
		{name: "error default", path: "/v1/images/generations", body: `{"model":"m","prompt":"fake:error"}`, wantStatus: 500, wantInBody: "server_error"},
		{name: "bad error code", path: "/v1/images/generations", body: `{"model":"m","prompt":"fake:error 99"}`, wantStatus: 400, wantInBody: "between 400 and 599"},
		{name: "unknown scenario", path: "/v1/images/generations", body: `{"model":"m","prompt":"fake:nope"}`, wantStatus: 400, wantInBody: `scenario \"nope\"`},
		{name: "n zero", path: "/v1/images/generations", body: `{"model":"m","prompt":"x","n":0}`, wantStatus: 400, wantInBody: "n: must be"},
		{name: "n too many", path: "/v1/images/generations", body: `{"model":"m","prompt":"x","n":11}`, wantStatus: 400, wantInBody: "n: must be"},
		{name: "n not whole", path: "/v1/images/generations", body: `{"model":"m","prompt":"x","n":1.5}`, wantStatus: 400, wantInBody: "n: must be"},
		{name: "bad format", path: "/v1/images/generations", body: `{"model":"m","prompt":"x","response_format":"png"}`, wantStatus: 400, wantInBody: "response_format"},
		{name: "no model", path: "/v1/images/generations", body: `{"prompt":"x"}`, wantStatus: 400, wantInBody: "model parameter"},
		{name: "bad json", path: "/v1/images/generations", body: `{`, wantStatus: 400, wantInBody: "could not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base, _ := setup(t)
			resp, body := do(t, "POST", base+tt.path, "", []byte(tt.body))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus != 200 {
				if !strings.Contains(string(body), tt.wantInBody) {
					t.Fatalf("body %s does not contain %s", body, tt.wantInBody)
				}
				return
			}
			var a imagesAnswer
			if err := json.Unmarshal(body, &a); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if a.Created == 0 || len(a.Data) != tt.wantURLs+tt.wantB64 || a.Meta.Usage.CreditsUsed <= 0 || a.Meta.Usage.USDSpent <= 0 {
				t.Fatalf("answer %s: want %d images, created and meta.usage", body, tt.wantURLs+tt.wantB64)
			}
			seen := map[string]bool{}
			host := strings.TrimPrefix(base, "http://")
			for i, d := range a.Data {
				switch {
				case tt.wantURLs > 0:
					u, err := url.Parse(d.URL)
					if err != nil || u.Scheme != "http" || u.Host != host || !strings.HasPrefix(u.Path, "/files/") || !strings.HasSuffix(u.Path, tt.wantSuffix) || d.B64JSON != "" {
						t.Fatalf("data[%d] = %+v, want an absolute URL on %s ending %s", i, d, host, tt.wantSuffix)
					}
					if seen[d.URL] {
						t.Fatalf("data[%d]: URL %s repeated", i, d.URL)
					}
					seen[d.URL] = true
				default:
					raw, err := base64.StdEncoding.DecodeString(d.B64JSON)
					if err != nil || d.URL != "" {
						t.Fatalf("data[%d]: not base64 only: %v", i, err)
					}
					img, err := png.Decode(bytes.NewReader(raw))
					if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 64 {
						t.Fatalf("data[%d]: not a 64×64 PNG: %v", i, err)
					}
				}
				if tt.name != "3d" && d.RevisedPrompt != "a red fox" {
					t.Fatalf("data[%d].revised_prompt = %q", i, d.RevisedPrompt)
				}
			}
			// The playground's parser reads what the fake serves.
			res, err := kind.ParseImages(body)
			if err != nil || len(res.Images) != len(a.Data) || res.Usage.Credits != a.Meta.Usage.CreditsUsed || res.Images[0].Is3D() != (tt.name == "3d") {
				t.Fatalf("ParseImages = %+v, %v", res, err)
			}
		})
	}
}

// TestImageURLsServeTheirFile: every URL of an answer serves, without the key, the PNG FilePNG makes
// for its name; the host is the one the request reached.
func TestImageURLsServeTheirFile(t *testing.T) {
	s, base, _ := setup(t)
	s.Key = "sekret"
	req, _ := http.NewRequest("POST", base+"/v1/images/generations", strings.NewReader(`{"model":"m","prompt":"x","n":2}`))
	req.Header.Set("Authorization", "Bearer sekret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var a imagesAnswer
	err = json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if err != nil || len(a.Data) != 2 {
		t.Fatalf("answer: %v, %+v", err, a)
	}
	for _, d := range a.Data {
		resp, body := do(t, "GET", d.URL, "", nil)
		name := d.URL[strings.LastIndex(d.URL, "/")+1:]
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, FilePNG(name)) {
			t.Fatalf("GET %s: %d %s, %d bytes", d.URL, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
	}
	// The URL follows the Host the request names.
	req, _ = http.NewRequest("POST", base+"/v1/images/generations", strings.NewReader(`{"model":"m","prompt":"x"}`))
	req.Header.Set("Authorization", "Bearer sekret")
	req.Host = "cdn.example:8443"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"url":"http://cdn.example:8443/files/img-3.png"`) {
		t.Fatalf("answer %s does not point at the request's host", body)
	}
}

func TestImagesEmpty201(t *testing.T) {
	_, base, _ := setup(t)
	resp, body := do(t, "POST", base+"/v1/images/generations", "", []byte(`{"model":"m","prompt":"fake:empty201"}`))
	if resp.StatusCode != http.StatusCreated || len(body) != 0 {
		t.Fatalf("got %d with %d bytes, want 201 and no body", resp.StatusCode, len(body))
	}
	if _, err := kind.ParseImages(body); err == nil || !strings.Contains(err.Error(), "empty body") {
		t.Fatalf("ParseImages of the empty body: %v", err)
	}
}

// TestImagesBig: "fake:big" is one b64_json image of BigImageBase64 characters, the same each
// time. (The base64 is cut out before decoding the JSON around it: decoding 20 MiB of JSON takes
// seconds under the race detector.)
func TestImagesBig(t *testing.T) {
	_, base, _ := setup(t)
	var first []byte
	for range 2 {
		resp, body := do(t, "POST", base+"/v1/images/generations", "", []byte(`{"model":"m","prompt":"fake:big"}`))
		const open = `"b64_json":"`
		i := bytes.Index(body, []byte(open))
		j := bytes.IndexByte(body[i+len(open):], '"')
		if resp.StatusCode != 200 || i < 0 || j < 0 {
			t.Fatalf("status %d, %d bytes", resp.StatusCode, len(body))
		}
		b64 := body[i+len(open) : i+len(open)+j]
		var a imagesAnswer
		rest := append(append(bytes.Clone(body[:i+len(open)]), "x"...), body[i+len(open)+j:]...)
		if err := json.Unmarshal(rest, &a); err != nil || len(a.Data) != 1 || a.Meta.Usage.CreditsUsed <= 0 || resp.ContentLength != int64(len(body)) {
			t.Fatalf("answer around the base64: %s (%v)", rest, err)
		}
		if len(b64) != BigImageBase64 {
			t.Fatalf("b64_json holds %d characters, want %d", len(b64), BigImageBase64)
		}
		if first == nil {
			raw := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
			if n, err := base64.StdEncoding.Decode(raw, b64); err != nil || n != BigImageBase64/4*3 {
				t.Fatalf("decoded %d bytes: %v", n, err)
			}
			first = b64
		} else if !bytes.Equal(b64, first) {
			t.Fatal("fake:big is not the same twice")
		}
	}
}

func TestImagesSlow(t *testing.T) {
	s, base, _ := setup(t)
	s.SlowDelay = 200 * time.Millisecond
	start := time.Now()
	resp, _ := do(t, "POST", base+"/v1/images/generations", "", []byte(`{"model":"m","prompt":"fake:slow"}`))
	if resp.StatusCode != 200 || time.Since(start) < s.SlowDelay {
		t.Fatalf("status %d after %v, want 200 after at least %v", resp.StatusCode, time.Since(start), s.SlowDelay)
	}
}

func TestFiles(t *testing.T) {
	s, base, _ := setup(t)
	s.Key = "sekret" // the file host needs none
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantType           string
		check              func(t *testing.T, resp *http.Response, body []byte, size int64)
	}{
		{"png", "GET", "/files/img-7.png", 200, "image/png", func(t *testing.T, _ *http.Response, body []byte, _ int64) {
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil || img.Bounds().Dx() != 64 || !bytes.Equal(body, FilePNG("img-7.png")) {
				t.Fatalf("not FilePNG's 64×64 PNG: %v", err)
			}
		}},
		{"png head", "HEAD", "/files/img-7.png", 200, "image/png", nil},
		{"glb", "GET", "/files/model.glb", 200, "model/gltf-binary", func(t *testing.T, _ *http.Response, body []byte, _ int64) {
			if !bytes.Equal(body, GLB) || !bytes.HasPrefix(body, []byte("glTF")) || len(body)%4 != 0 || int(body[8]) != len(body) {
				t.Fatalf("not a binary glTF file: % x", body)
			}
		}},
		{"redirect", "GET", "/files/redirect", 302, "", func(t *testing.T, resp *http.Response, _ []byte, _ int64) {
			if got := resp.Header.Get("Location"); got != RedirectTarget {
				t.Fatalf("Location = %q, want %q", got, RedirectTarget)
			}
		}},
		{"html as png", "GET", "/files/html.png", 200, "image/png", func(t *testing.T, _ *http.Response, body []byte, _ int64) {
			if string(body) != HTMLBody {
				t.Fatalf("body %q, want %q", body, HTMLBody)
			}
		}},
		{"huge", "GET", "/files/huge.png", 200, "image/png", func(t *testing.T, resp *http.Response, body []byte, size int64) {
			if size != HugeFileBytes || resp.ContentLength != -1 || !bytes.HasPrefix(body, pngSignature) {
				t.Fatalf("%d bytes (Content-Length %d), want %d streamed", size, resp.ContentLength, HugeFileBytes)
			}
		}},
		{"unknown", "GET", "/files/nope.gif", 404, "application/json", nil},
		{"nested", "GET", "/files/a/b.png", 404, "application/json", nil},
		{"bare extension", "GET", "/files/.png", 404, "application/json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, nil)
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			// Read at most 64 KiB; count the rest.
			body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			if err != nil {
				t.Fatal(err)
			}
			more, err := io.Copy(io.Discard, resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			size := int64(len(body)) + more
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Content-Type") != tt.wantType {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), tt.wantStatus, tt.wantType)
			}
			if tt.check != nil {
				tt.check(t, resp, body, size)
			}
		})
	}
	if a, b := FilePNG("a.png"), FilePNG("b.png"); bytes.Equal(a, b) {
		t.Error("two names give the same PNG")
	}
}

// TestSlowFile: /files/slow.png trickles its bytes and keeps the connection until the client
// gives up, which the fake records.
func TestSlowFile(t *testing.T) {
	s, base, _ := setup(t)
	s.SlowDelay = 50 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/files/slow.png", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(resp.Body)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read %d bytes, then %v; want the deadline", len(body), err)
	}
	if len(body) < 2 || len(body) > 20 || !bytes.HasPrefix(FilePNG("slow.png"), body) {
		t.Fatalf("read %d bytes in 400 ms at one per 50 ms: % x", len(body), body)
	}
	select {
	case <-s.CancelledC():
	case <-time.After(5 * time.Second):
		t.Fatal("the fake never noticed the client left")
	}
}

func TestEmbeddings(t *testing.T) {
	tests := []struct {
		name, body string
		wantStatus int
		texts      []string // the inputs, for 200
		dims       int
		b64        bool
		wantInBody string // for refusals
	}{
		{name: "string", body: `{"model":"m","input":"hello world"}`, wantStatus: 200, texts: []string{"hello world"}, dims: DefaultDimensions},
		{name: "list", body: `{"model":"m","input":["a","bb","hello world"]}`, wantStatus: 200, texts: []string{"a", "bb", "hello world"}, dims: DefaultDimensions},
		{name: "dimensions", body: `{"model":"m","input":["a","b"],"dimensions":3}`, wantStatus: 200, texts: []string{"a", "b"}, dims: 3},
		{name: "base64", body: `{"model":"m","input":"hello world","encoding_format":"base64","dimensions":16}`, wantStatus: 200, texts: []string{"hello world"}, dims: 16, b64: true},
		{name: "float", body: `{"model":"m","input":"héllo","encoding_format":"float"}`, wantStatus: 200, texts: []string{"héllo"}, dims: DefaultDimensions},
		{name: "tokens", body: `{"model":"m","input":[[1, 2,3]]}`, wantStatus: 200, texts: []string{"[1,2,3]"}, dims: DefaultDimensions},
		{name: "error 400", body: `{"model":"m","input":"fake:error 400"}`, wantStatus: 400, wantInBody: "fake error 400"},
		{name: "error 503 in a list", body: `{"model":"m","input":["ok","fake:error 503"]}`, wantStatus: 503, wantInBody: "server_error"},
		{name: "unknown scenario", body: `{"model":"m","input":"fake:nope"}`, wantStatus: 400, wantInBody: `scenario \"nope\"`},
		{name: "no input", body: `{"model":"m"}`, wantStatus: 400, wantInBody: "input: must be"},
		{name: "empty list", body: `{"model":"m","input":[]}`, wantStatus: 400, wantInBody: "input: must be"},
		{name: "no model", body: `{"input":"x"}`, wantStatus: 400, wantInBody: "model parameter"},
		{name: "dimensions zero", body: `{"model":"m","input":"x","dimensions":0}`, wantStatus: 400, wantInBody: "dimensions"},
		{name: "bad format", body: `{"model":"m","input":"x","encoding_format":"hex"}`, wantStatus: 400, wantInBody: "encoding_format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base, _ := setup(t)
			resp, body := do(t, "POST", base+"/v1/embeddings", "", []byte(tt.body))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus != 200 {
				if !strings.Contains(string(body), tt.wantInBody) {
					t.Fatalf("body %s does not contain %s", body, tt.wantInBody)
				}
				return
			}
			var a struct {
				Object string `json:"object"`
				Model  string `json:"model"`
				Data   []struct {
					Object    string          `json:"object"`
					Index     int             `json:"index"`
					Embedding json.RawMessage `json:"embedding"`
				} `json:"data"`
				Usage struct {
					PromptTokens int `json:"prompt_tokens"`
					TotalTokens  int `json:"total_tokens"`
				} `json:"usage"`
			}
			if err := json.Unmarshal(body, &a); err != nil || a.Object != "list" || a.Model != "m" || len(a.Data) != len(tt.texts) {
				t.Fatalf("answer %s (%v)", body, err)
			}
			chars := 0
			for i, d := range a.Data {
				chars += len([]rune(tt.texts[i]))
				if d.Object != "embedding" || d.Index != i || (d.Embedding[0] == '"') != tt.b64 {
					t.Fatalf("data[%d] = %s", i, d.Embedding)
				}
			}
			if want := (chars + 3) / 4; a.Usage.PromptTokens != want || a.Usage.TotalTokens != want {
				t.Fatalf("usage %+v, want %d tokens", a.Usage, want)
			}
			// The playground's parser reads what the fake serves, float or base64.
			res, err := kind.ParseEmbeddings(body)
			if err != nil || len(res.Vectors) != len(tt.texts) || res.Usage.TotalTokens != int64(a.Usage.TotalTokens) {
				t.Fatalf("ParseEmbeddings = %+v, %v", res, err)
			}
			for i, v := range res.Vectors {
				want := Embedding(tt.texts[i], tt.dims)
				if len(v.Values) != tt.dims || math.Abs(v.Norm()-1) > 1e-5 {
					t.Fatalf("vector %d: %d values of norm %v, want %d of norm 1", i, len(v.Values), v.Norm(), tt.dims)
				}
				for j := range want {
					if float32(v.Values[j]) != want[j] {
						t.Fatalf("vector %d[%d] = %v, want Embedding's %v", i, j, v.Values[j], want[j])
					}
				}
			}
		})
	}
	if a, b := Embedding("a", 8), Embedding("b", 8); a[0] == b[0] && a[1] == b[1] {
		t.Error("two texts give the same embedding")
	}
}

func TestEcho(t *testing.T) {
	tests := []struct{ name, path, body, want string }{
		{"another v2 path", "/v2/generate/other", `{"model":"x","prompt":"a wave"}`, `{"echo":{"model":"x","prompt":"a wave"},"path":"/v2/generate/other"}`},
		{"not json", "/v1/keys", `model=tts-1`, `{"echo":"model=tts-1","path":"/v1/keys"}`},
		{"empty", "/v2/empty/thing", ``, `{"echo":null,"path":"/v2/empty/thing"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base, _ := setup(t)
			resp, body := do(t, "POST", base+tt.path, "", []byte(tt.body))
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if got := strings.TrimSpace(string(body)); got != tt.want {
				t.Fatalf("body %s, want %s", got, tt.want)
			}
		})
	}
}
