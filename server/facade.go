package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The widget's page (/embed) is a facade, in the manner of lite-youtube-embed: the page go-app
// prerenders on the server is what the visitor sees, and can already type into, while the web app
// (wasm_exec.js, app.js and the 2.7 MB app.wasm) loads only on the first interaction with the
// widget. facadeHTML turns go-app's page into that facade; web/embed-start.js is its script.

// facadeScript is the facade's script: it loads go-app's scripts on the first interaction and keeps
// what the visitor typed meanwhile for the web app (see web/embed-start.js and app/embed.Facade).
const facadeScript = "/web/embed-start.js"

// goappScripts are the scripts go-app puts in every page it renders, in their order: the Go
// runtime's glue and its loader, which fetches app.wasm at once.
var goappScripts = []string{"/wasm_exec.js", "/app.js"}

// booleanAttrs are the HTML attributes whose presence means true: go-app's server rendering writes
// them as name="false" when false, which a browser reads as set (a disabled Run button).
var booleanAttrs = map[string]bool{
	"allowfullscreen": true, "async": true, "autofocus": true, "autoplay": true, "checked": true,
	"controls": true, "default": true, "defer": true, "disabled": true, "formnovalidate": true,
	"hidden": true, "inert": true, "ismap": true, "loop": true, "multiple": true, "muted": true,
	"nomodule": true, "novalidate": true, "open": true, "playsinline": true, "readonly": true,
	"required": true, "reversed": true, "selected": true,
}

// facadeHTML rewrites a page go-app rendered into the widget's facade:
//   - go-app's script tags (goappScripts) give way to facadeScript, which names them in its
//     data-load attribute and loads them, in that order, on the first interaction;
//   - go-app's loader overlay (#app-wasm-loader) is hidden, and its icon not fetched, until then;
//   - attributes are written in the order of their names (go-app writes them in map order), so the
//     page, and its ETag, are the same each time;
//   - what go-app's server rendering writes the way only its client code reads is made plain HTML:
//     a false boolean attribute (disabled="false") is left out, a textarea's value attribute
//     becomes its text, and a select's value attribute selects its option.
func facadeHTML(page []byte) ([]byte, error) {
	z := html.NewTokenizer(bytes.NewReader(page))
	var out bytes.Buffer
	var (
		replaced    bool   // facadeScript is in
		skipScript  bool   // inside a go-app script tag, which is left out
		inTextarea  bool   // inside a textarea whose text came from its value attribute
		selectValue string // the value of the select being written, "" outside one
	)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("reading the page go-app rendered: %w", err)
			}
			if !replaced {
				return nil, errors.New("the page go-app rendered has no script tag for " + strings.Join(goappScripts, " or "))
			}
			return out.Bytes(), nil
		case html.TextToken:
			if skipScript || inTextarea {
				continue
			}
		case html.EndTagToken:
			tok := z.Token()
			switch {
			case skipScript && tok.DataAtom == atom.Script:
				skipScript = false
				continue
			case tok.DataAtom == atom.Textarea:
				inTextarea = false
			case tok.DataAtom == atom.Select:
				selectValue = ""
			}
			out.WriteString(tok.String())
			continue
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			tok.Attr = plainAttrs(tok.Attr)
			switch tok.DataAtom {
			case atom.Script:
				if src, ok := attr(tok.Attr, "src"); ok && isGoappScript(src) {
					skipScript = tt == html.StartTagToken
					if !replaced {
						replaced = true
						out.WriteString(`<script defer src="` + facadeScript + `" data-load="` + html.EscapeString(strings.Join(goappScripts, " ")) + `"></script>`)
					}
					continue
				}
			case atom.Aside:
				if id, _ := attr(tok.Attr, "id"); id == "app-wasm-loader" {
					tok.Attr = append(tok.Attr, html.Attribute{Key: "hidden"})
				}
			case atom.Img:
				if id, _ := attr(tok.Attr, "id"); id == "app-wasm-loader-icon" {
					tok.Attr = moveAttr(tok.Attr, "src", "data-src")
				}
			case atom.Textarea:
				value, ok := attr(tok.Attr, "value")
				if ok && tt == html.StartTagToken {
					tok.Attr = dropAttr(tok.Attr, "value")
					writeTag(&out, tok)
					// The parser drops one newline right after <textarea>: keep a leading one.
					if strings.HasPrefix(value, "\n") {
						out.WriteByte('\n')
					}
					out.WriteString(html.EscapeString(value))
					inTextarea = true
					continue
				}
			case atom.Select:
				selectValue, _ = attr(tok.Attr, "value")
				tok.Attr = dropAttr(tok.Attr, "value")
			case atom.Option:
				if v, ok := attr(tok.Attr, "value"); ok && selectValue != "" && v == selectValue {
					if _, set := attr(tok.Attr, "selected"); !set {
						tok.Attr = append(tok.Attr, html.Attribute{Key: "selected"})
					}
				}
			}
			writeTag(&out, tok)
			continue
		}
		out.Write(z.Raw())
	}
}

// writeTag writes a start tag with its attributes in the order of their names: go-app writes them
// in map order, and the page, and so its ETag, must be the same each time.
func writeTag(out *bytes.Buffer, tok html.Token) {
	sort.SliceStable(tok.Attr, func(i, j int) bool { return tok.Attr[i].Key < tok.Attr[j].Key })
	out.WriteString(tok.String())
}

// isGoappScript reports whether src is one of goappScripts.
func isGoappScript(src string) bool {
	for _, s := range goappScripts {
		if src == s {
			return true
		}
	}
	return false
}

// plainAttrs leaves out the boolean attributes set to "false".
func plainAttrs(attrs []html.Attribute) []html.Attribute {
	out := attrs[:0]
	for _, a := range attrs {
		if booleanAttrs[a.Key] && a.Val == "false" {
			continue
		}
		if booleanAttrs[a.Key] && a.Val == "true" {
			a.Val = ""
		}
		out = append(out, a)
	}
	return out
}

// attr returns the value of the attribute called key, and whether there is one.
func attr(attrs []html.Attribute, key string) (string, bool) {
	for _, a := range attrs {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// dropAttr leaves out the attributes called key.
func dropAttr(attrs []html.Attribute, key string) []html.Attribute {
	out := attrs[:0]
	for _, a := range attrs {
		if a.Key != key {
			out = append(out, a)
		}
	}
	return out
}

// moveAttr renames the attribute from to to.
func moveAttr(attrs []html.Attribute, from, to string) []html.Attribute {
	for i := range attrs {
		if attrs[i].Key == from {
			attrs[i].Key = to
		}
	}
	return attrs
}

// facadePage serves the widget's page as a facade: it renders it with next (go-app's handler) and
// rewrites it with facadeHTML. The answer has its own ETag (go-app's names the app's version, not
// this page), so a browser revalidates it rather than keep a page of another shape. Should the
// rewrite fail, the page is served as go-app rendered it, which loads the web app at once.
func facadePage(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.Header.Del("If-None-Match") // go-app's 304 stands for its own page
		r2.Method = http.MethodGet
		rec := &pageRecorder{header: http.Header{}}
		next.ServeHTTP(rec, r2)
		body := rec.body.Bytes()
		if rec.code() == http.StatusOK && strings.HasPrefix(rec.header.Get("Content-Type"), "text/html") {
			if facade, err := facadeHTML(body); err != nil {
				log.Error("serving the widget's page without its facade", "err", err)
			} else {
				body = facade
			}
		}
		h := w.Header()
		for k, v := range rec.header {
			h[k] = v
		}
		sum := sha256.Sum256(body)
		etag := `"facade-` + hex.EncodeToString(sum[:12]) + `"`
		h.Set("ETag", etag)
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if rec.code() == http.StatusOK && r.Header.Get("If-None-Match") == etag {
			h.Del("Content-Length")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.WriteHeader(rec.code())
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}

// pageRecorder keeps a page's answer in memory for facadePage.
type pageRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header { return p.header }

func (p *pageRecorder) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

func (p *pageRecorder) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return p.body.Write(b)
}

// code is the status written, 200 when none was.
func (p *pageRecorder) code() int {
	if p.status == 0 {
		return http.StatusOK
	}
	return p.status
}
