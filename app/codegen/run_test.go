//go:build !js

package codegen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"playground/app/upload"
)

const installHint = "install them, e.g. apt-get install -y curl python3 python3-requests (or pip install requests)"

// requireTools fails the test when curl, python3 or Python's requests module is missing.
func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"curl", "python3", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the code snippet tests run %s, which is not on PATH: %s", tool, installHint)
		}
	}
	if out, err := exec.Command("python3", "-c", "import requests").CombinedOutput(); err != nil {
		t.Fatalf("the code snippet tests need Python's requests module (%v: %s): %s", err, out, installHint)
	}
}

// TestSnippetsSendTheBody runs the curl, Python requests, JavaScript fetch (when node is on PATH)
// and Go snippets against a fake upstream and checks that it received exactly Request.Body.
// recorded is one request the upstream stand-in received.
type recorded struct {
	Path   string
	Header http.Header
	Body   []byte
	// Parts are a multipart/form-data body's parts, in order; PartsErr is why it could not be read.
	Parts    []gotPart
	PartsErr error
}

// gotPart is one part of a multipart/form-data request the upstream stand-in received.
type gotPart struct {
	Name, FileName, Type string
	HasFileName          bool
	Data                 []byte
}

// readParts reads a multipart/form-data body.
func readParts(contentType string, body []byte) ([]gotPart, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("the Content-Type %q: %w", contentType, err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var out []gotPart
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("part %d: %w", len(out)+1, err)
		}
		// The file name as sent: Part.FileName would keep only its base.
		_, disp, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if err != nil {
			return out, fmt.Errorf("part %d's Content-Disposition: %w", len(out)+1, err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return out, fmt.Errorf("part %d: %w", len(out)+1, err)
		}
		name, has := disp["filename"]
		out = append(out, gotPart{Name: disp["name"], FileName: name, HasFileName: has, Type: p.Header.Get("Content-Type"), Data: data})
	}
}

// upstream stands in for an OpenAI-compatible provider: it records each request and answers with a
// minimal completion, streamed when the request asks for it. (app/ must not import server/, so the
// project's full fake upstream is not used here.)
type upstream struct {
	Key string
	mu  sync.Mutex
	got []recorded
}

func (u *upstream) Requests() []recorded {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]recorded(nil), u.got...)
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := recorded{Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		rec.Parts, rec.PartsErr = readParts(r.Header.Get("Content-Type"), body)
	}
	u.mu.Lock()
	u.got = append(u.got, rec)
	u.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+u.Key {
		http.Error(w, `{"error":{"message":"bad key"}}`, http.StatusUnauthorized)
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/images/edits"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"created":1,"data":[{"url":"https://files.example/edited.png"}]}`)
		return
	case strings.HasSuffix(r.URL.Path, "/stt/create"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"text":"hello from the fake"}`)
		return
	}
	if bytes.Contains(body, []byte(`"stream":true`)) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`)
}

func TestSnippetsSendTheBody(t *testing.T) {
	requireTools(t)
	fake := &upstream{Key: "sk-test-key-123"}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	cases := map[string]Request{
		"stream":     {Body: []byte(`{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Say \"hi\" — 日本語 'q' ''' ` + "`x`" + ` EOF"}],"stream":true,"stream_options":{"include_usage":true}}`), Stream: true},
		"non-stream": {Body: []byte(`{"model":"openai/gpt-4o-mini","messages":[{"role":"system","content":"C:\\dir\\ $(rm -rf) ${HOME}"},{"role":"user","content":"line1\nline2"}],"temperature":0.5}`)},
	}
	for name, body := range awkward {
		cases["awkward "+name] = Request{Body: []byte(body)}
	}
	_, nodeErr := exec.LookPath("node")
	if nodeErr != nil {
		t.Log("node is not on PATH: the JavaScript fetch snippets are not run")
	}
	goBin, goErr := exec.LookPath("go")
	dir := t.TempDir()
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			r.BaseURL = "https://api.aimlapi.com/v1"
			r.Path = "/chat/completions"
			r.KeyPlaceholder = "<YOUR_AIMLAPI_KEY>"
			r.KeyEnv = "AIMLAPI_API_KEY"
			for _, s := range Snippets(r) {
				code := strings.ReplaceAll(s.Code, r.BaseURL, srv.URL+"/v1")
				code = strings.ReplaceAll(code, r.KeyPlaceholder, fake.Key)
				var cmd *exec.Cmd
				switch s.ID {
				case "curl":
					cmd = exec.Command("sh", "-c", code)
				case "python-requests":
					cmd = exec.Command("python3", "-c", code)
				case "js-fetch":
					if nodeErr != nil {
						continue
					}
					f := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".mjs")
					if err := os.WriteFile(f, []byte(code), 0o644); err != nil {
						t.Fatal(err)
					}
					cmd = exec.Command("node", f)
				case "go":
					if goErr != nil || strings.HasPrefix(name, "awkward") && name != "awkward backquotes" && name != "awkward invalid utf8" {
						continue // compiling is slow: the two main requests and two awkward bodies
					}
					f := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".go")
					if err := os.WriteFile(f, []byte(code), 0o644); err != nil {
						t.Fatal(err)
					}
					cmd = exec.Command(goBin, "run", f)
					cmd.Env = append(os.Environ(), "GOFLAGS=", "GOOS=", "GOARCH=")
				default:
					continue
				}
				cmd.Env = append(cmd.Env, os.Environ()...)
				cmd.Env = append(cmd.Env, "AIMLAPI_API_KEY=") // the substituted placeholder must be used
				got, out, ok := runSnippet(t, fake, cmd, s.ID, code, time.Minute)
				if !ok {
					continue
				}
				if !bytes.Equal(got.Body, r.Body) {
					t.Errorf("%s sent %q, want %q", s.ID, got.Body, r.Body)
				}
				if got.Path != "/v1/chat/completions" || got.Header.Get("Authorization") != "Bearer "+fake.Key ||
					got.Header.Get("Content-Type") != "application/json" {
					t.Errorf("%s: path %s, headers %v", s.ID, got.Path, got.Header)
				}
				if !strings.HasPrefix(name, "awkward") {
					want := `"chat.completion"`
					if r.Stream {
						want = "data: [DONE]"
					}
					if !bytes.Contains(out, []byte(want)) {
						t.Errorf("%s: the output has no %s:\n%s", s.ID, want, out)
					}
				}
			}
		})
	}
}

func runTimeout(cmd *exec.Cmd, d time.Duration) ([]byte, error) {
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return buf.Bytes(), err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		return buf.Bytes(), os.ErrDeadlineExceeded
	}
}

// TestFormSnippetsSendTheParts runs each snippet of the multipart cases (formCases) in a folder
// that holds the form's files, against the fake upstream, and checks that it received exactly the
// form's parts: names, values, file names, types, bytes and order. The SDKs name a field that has
// several files "field[]" and append lists after single values, so their parts are checked field
// by field. The JavaScript snippets need node (the openai one the SDK `make sdk` installs); the
// Python openai one needs Python's openai module: each is skipped, with a log line, without them.
func TestFormSnippetsSendTheParts(t *testing.T) {
	requireTools(t)
	fake := &upstream{Key: "sk-test-key-123"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	_, nodeErr := exec.LookPath("node")
	goBin, goErr := exec.LookPath("go")
	sdkModules, _ := filepath.Abs(filepath.Join("..", "..", "server", "e2e", "sdk", "node_modules"))
	_, jsSDKErr := os.Stat(filepath.Join(sdkModules, "openai", "package.json"))
	if nodeErr != nil || jsSDKErr != nil {
		t.Logf("the JavaScript openai snippets are not run: node %v, SDK (make sdk) %v", nodeErr, jsSDKErr)
	}
	pySDKErr := exec.Command("python3", "-c", "import openai").Run()
	if pySDKErr != nil {
		t.Log("Python's openai module is missing: the Python openai snippets are only parsed, not run")
	}
	for _, c := range formCases(t) {
		t.Run(c.name, func(t *testing.T) {
			r := c.req
			for _, s := range Snippets(r) {
				dir := t.TempDir()
				for i, p := range localPaths(r.Form) {
					if p != "" {
						if err := os.WriteFile(filepath.Join(dir, p), r.Form[i].File.Data, 0o644); err != nil {
							t.Fatal(err)
						}
					}
				}
				code := strings.ReplaceAll(s.Code, r.BaseURL, srv.URL+"/v1")
				code = strings.ReplaceAll(code, r.KeyPlaceholder, fake.Key)
				script := func(name string) string {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(code), 0o644); err != nil {
						t.Fatal(err)
					}
					return name
				}
				var cmd *exec.Cmd
				switch s.ID {
				case "curl":
					cmd = exec.Command("sh", script("run.sh"))
				case "python-requests":
					cmd = exec.Command("python3", script("run.py"))
				case "python-openai":
					if pySDKErr != nil { // at least it must parse
						check := exec.Command("python3", "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", script("run.py"))
						check.Dir = dir
						if out, err := check.CombinedOutput(); err != nil {
							t.Errorf("%s does not parse: %v\n%s\n--- code:\n%s", s.ID, err, out, code)
						}
						continue
					}
					cmd = exec.Command("python3", script("run.py"))
				case "js-fetch":
					if nodeErr != nil {
						continue
					}
					cmd = exec.Command("node", script("run.mjs"))
				case "js-openai":
					if nodeErr != nil || jsSDKErr != nil {
						continue
					}
					if err := os.Symlink(sdkModules, filepath.Join(dir, "node_modules")); err != nil {
						t.Fatal(err)
					}
					cmd = exec.Command("node", script("run.mjs"))
				case "go":
					if goErr != nil {
						continue
					}
					cmd = exec.Command(goBin, "run", script("main.go"))
					cmd.Env = append(cmd.Env, "GOFLAGS=", "GOOS=", "GOARCH=")
				default:
					t.Errorf("no way to run snippet %s", s.ID)
					continue
				}
				cmd.Dir = dir
				cmd.Env = append(append(os.Environ(), cmd.Env...), "AIMLAPI_API_KEY=") // the substituted placeholder must be used
				got, out, ok := runSnippet(t, fake, cmd, s.ID, code, 2*time.Minute)
				if !ok {
					continue
				}
				if got.Path != "/v1"+r.Path || got.Header.Get("Authorization") != "Bearer "+fake.Key ||
					!strings.HasPrefix(got.Header.Get("Content-Type"), "multipart/form-data; boundary=") {
					t.Errorf("%s: path %s, headers %v", s.ID, got.Path, got.Header)
				}
				if got.PartsErr != nil {
					t.Errorf("%s: reading the form: %v", s.ID, got.PartsErr)
				}
				sdk := strings.HasSuffix(s.ID, "-openai")
				if err := sameParts(r.Form, got.Parts, sdk, strings.HasPrefix(s.ID, "js-")); err != nil {
					t.Errorf("%s: %v\n--- code:\n%s", s.ID, err, code)
				}
				if want := map[string]string{"stt": "hello from the fake", "image-edit": "https://files.example/edited.png"}[c.name]; !bytes.Contains(out, []byte(want)) {
					t.Errorf("%s: the output has no %q:\n%s", s.ID, want, out)
				}
			}
		})
	}
}

// sameParts says how got differs from the form's parts. A file name may arrive with its " as %22,
// as curl, Python's requests and Node's FormData send it (the HTML form encoding); FormData (crlf)
// sends the line breaks of text values as CRLF. For an SDK snippet (sdk), a field with several
// files is "field[]", a file name may lose its folders, and the parts are compared field by field,
// in order within each field, the text fields first.
func sameParts(want []upload.Part, got []gotPart, sdk, crlf bool) error {
	if sdk {
		count := map[string]int{}
		for _, p := range want {
			if p.File != nil {
				count[p.Name]++
			}
		}
		var text, files []upload.Part
		for _, p := range want {
			if p.File == nil {
				text = append(text, p)
				continue
			}
			if count[p.Name] > 1 {
				p.Name += "[]"
			}
			files = append(files, p)
		}
		want = append(text, files...)
		order := map[string]int{}
		for i, p := range want {
			if _, ok := order[p.Name]; !ok {
				order[p.Name] = i
			}
		}
		sorted := append([]gotPart(nil), got...)
		sort.SliceStable(sorted, func(i, j int) bool {
			oi, iok := order[sorted[i].Name]
			oj, jok := order[sorted[j].Name]
			return iok && jok && oi < oj
		})
		got = sorted
	}
	if len(got) != len(want) {
		return fmt.Errorf("received %d parts %v, want %d", len(got), names(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if crlf && w.File == nil {
			w.Value = regexp.MustCompile(`\r?\n|\r`).ReplaceAllString(w.Value, "\r\n")
		}
		switch {
		case g.Name != w.Name:
			return fmt.Errorf("part %d is %q, want %q (parts %v)", i+1, g.Name, w.Name, names(got))
		case w.File == nil && (g.HasFileName || string(g.Data) != w.Value):
			return fmt.Errorf("text part %s = %q (file name %q), want %q", w.Name, g.Data, g.FileName, w.Value)
		case w.File == nil:
		case g.FileName != w.File.Name && g.FileName != strings.ReplaceAll(w.File.Name, `"`, "%22") &&
			!(sdk && g.FileName == path.Base(w.File.Name)):
			return fmt.Errorf("part %s's file name is %q, want %q", w.Name, g.FileName, w.File.Name)
		case g.Type != w.File.Type:
			return fmt.Errorf("part %s (%s) has type %q, want %q", w.Name, w.File.Name, g.Type, w.File.Type)
		case !bytes.Equal(g.Data, w.File.Data):
			return fmt.Errorf("part %s (%s) holds %q, want %q", w.Name, w.File.Name, g.Data, w.File.Data)
		}
	}
	return nil
}

func names(parts []gotPart) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p.Name)
	}
	return out
}

// runSnippet runs a snippet's command and returns the one request the fake got from it and the
// command's output; ok is
// false (the failure reported) when it failed or sent another number of requests.
func runSnippet(t *testing.T, fake *upstream, cmd *exec.Cmd, id, code string, timeout time.Duration) (recorded, []byte, bool) {
	t.Helper()
	before := len(fake.Requests())
	out, err := runTimeout(cmd, timeout)
	if err != nil {
		t.Errorf("%s: %v\n%s\n--- code:\n%s", id, err, out, code)
		return recorded{}, out, false
	}
	reqs := fake.Requests()
	if len(reqs) != before+1 {
		t.Errorf("%s: the fake received %d requests, want 1\n%s", id, len(reqs)-before, out)
		return recorded{}, out, false
	}
	return reqs[len(reqs)-1], out, true
}
