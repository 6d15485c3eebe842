package markdown

import (
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// linkAttrs is written into every <a> element that keeps its href.
const linkAttrs = ` rel="noopener noreferrer nofollow" target="_blank"`

// hardeningPriority places safeRenderer before goldmark's own HTML renderer
// (priority 1000) and the GFM renderers (500): with goldmark, the renderer
// with the lowest value registers last and wins.
const hardeningPriority = 100

// hardening is a goldmark.Extender that installs safeRenderer.
type hardening struct{}

// Extend implements goldmark.Extender.
func (hardening) Extend(m goldmark.Markdown) {
	m.Renderer().AddOptions(renderer.WithNodeRenderers(
		util.Prioritized(newSafeRenderer(), hardeningPriority),
	))
}

// safeRenderer overrides goldmark's rendering of the node kinds that can
// carry a URL, a class name or raw HTML.
type safeRenderer struct {
	// base holds the render functions of a goldmark HTML renderer with its
	// default, safe configuration. It is never given options, so
	// html.WithUnsafe on md cannot reach it.
	base map[ast.NodeKind]renderer.NodeRendererFunc
}

// funcMap collects the functions a NodeRenderer registers.
type funcMap map[ast.NodeKind]renderer.NodeRendererFunc

// Register implements renderer.NodeRendererFuncRegisterer.
func (m funcMap) Register(kind ast.NodeKind, f renderer.NodeRendererFunc) { m[kind] = f }

// newSafeRenderer returns a safeRenderer with goldmark's default HTML
// renderer functions as its base.
func newSafeRenderer() *safeRenderer {
	base := funcMap{}
	html.NewRenderer().RegisterFuncs(base)
	return &safeRenderer{base: base}
}

// RegisterFuncs implements renderer.NodeRenderer.
func (r *safeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, r.renderLink)
	reg.Register(ast.KindAutoLink, r.renderAutoLink)
	reg.Register(ast.KindImage, r.renderImage)
	reg.Register(ast.KindFencedCodeBlock, r.renderFencedCodeBlock)
	reg.Register(ast.KindCodeBlock, r.renderCodeBlock)
	// The safe base renderer replaces raw HTML with a comment.
	reg.Register(ast.KindRawHTML, r.base[ast.KindRawHTML])
	reg.Register(ast.KindHTMLBlock, r.base[ast.KindHTMLBlock])
}

// renderLink renders an inline or reference link. The href, rel and target
// attributes are written only if the destination is allowed.
func (r *safeRenderer) renderLink(
	w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		_, _ = w.WriteString("</a>")
		return ast.WalkContinue, nil
	}
	n := node.(*ast.Link)
	_, _ = w.WriteString("<a")
	if dest := util.URLEscape(n.Destination, true); allowedURL(string(dest)) {
		writeHref(w, dest)
	}
	if n.Title != nil {
		_, _ = w.WriteString(` title="`)
		html.DefaultWriter.Write(w, n.Title)
		_ = w.WriteByte('"')
	}
	_ = w.WriteByte('>')
	return ast.WalkContinue, nil
}

// renderAutoLink renders <scheme:…> and <user@host> autolinks and the bare
// URLs and addresses found by the Linkify extension.
func (r *safeRenderer) renderAutoLink(
	w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.AutoLink)
	dest := util.URLEscape(n.URL(source), false)
	if n.AutoLinkType == ast.AutoLinkEmail && !hasSchemePrefix(string(dest), "mailto:") {
		dest = append([]byte("mailto:"), dest...)
	}
	_, _ = w.WriteString("<a")
	if allowedURL(string(dest)) {
		writeHref(w, dest)
	}
	_ = w.WriteByte('>')
	_, _ = w.Write(util.EscapeHTML(n.Label(source)))
	_, _ = w.WriteString("</a>")
	return ast.WalkContinue, nil
}

// writeHref writes the href of a link and the attributes every kept link
// gets. dest must already be URL-escaped.
func writeHref(w util.BufWriter, dest []byte) {
	_, _ = w.WriteString(` href="`)
	_, _ = w.Write(util.EscapeHTML(dest))
	_ = w.WriteByte('"')
	_, _ = w.WriteString(linkAttrs)
}

// renderImage never lets model output load an image by itself: an allowed image becomes a link to
// it labelled with its description. A remote image would be blocked by the page's
// Content-Security-Policy anyway and would tell a third party that the answer was read; a relative
// one points at the playground's own paths, and while an answer streams its URL is often cut short
// ("![x](dat…" becomes a request for /dat). Inside a link, or when the source is not allowed, no
// element is written and the walk renders the description as ordinary inline content.
func (r *safeRenderer) renderImage(
	w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Image)
	dest := util.URLEscape(n.Destination, true)
	if !allowedURL(string(dest)) {
		return ast.WalkContinue, nil
	}
	if _, inLink := n.Parent().(*ast.Link); inLink {
		return ast.WalkContinue, nil
	}
	if entering {
		_, _ = w.WriteString(`<a class="image-link"`)
		writeHref(w, dest)
		_ = w.WriteByte('>')
		if !n.HasChildren() {
			_, _ = w.WriteString("image")
		}
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString("</a>")
	return ast.WalkContinue, nil
}

// codeBlockOpen starts every code block: a wrapper holding a copy button
// and the <pre> element. The button carries no script: the page wires up
// every [data-copy-code] button by event delegation and copies the text of
// the <pre> beside it. type="button" keeps it from ever submitting a form.
const codeBlockOpen = `<div class="code-block">` +
	`<button type="button" class="copy-code" data-copy-code aria-label="Copy code">Copy</button>` +
	`<pre><code`

// codeBlockClose ends every code block.
const codeBlockClose = "</code></pre></div>\n"

// renderFencedCodeBlock renders a fenced code block like goldmark does, but
// inside the copy-button wrapper, and writes the language class only if the
// language is a safe class name.
func (r *safeRenderer) renderFencedCodeBlock(
	w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		_, _ = w.WriteString(codeBlockClose)
		return ast.WalkContinue, nil
	}
	n := node.(*ast.FencedCodeBlock)
	_, _ = w.WriteString(codeBlockOpen)
	if lang := n.Language(source); safeLanguage(lang) {
		_, _ = w.WriteString(` class="language-`)
		_, _ = w.Write(lang)
		_ = w.WriteByte('"')
	}
	_ = w.WriteByte('>')
	writeCodeLines(w, source, n)
	return ast.WalkContinue, nil
}

// renderCodeBlock renders an indented code block like goldmark does, but
// inside the copy-button wrapper.
func (r *safeRenderer) renderCodeBlock(
	w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		_, _ = w.WriteString(codeBlockClose)
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(codeBlockOpen)
	_ = w.WriteByte('>')
	writeCodeLines(w, source, node)
	return ast.WalkContinue, nil
}

// writeCodeLines writes the lines of a code block, HTML-escaped.
func writeCodeLines(w util.BufWriter, source []byte, n ast.Node) {
	lines := n.Lines()
	for i := range lines.Len() {
		line := lines.At(i)
		html.DefaultWriter.RawWrite(w, line.Value(source))
	}
}

// safeLanguage reports whether lang is non-empty and consists only of the
// characters [A-Za-z0-9_+-].
func safeLanguage(lang []byte) bool {
	if len(lang) == 0 {
		return false
	}
	for _, c := range lang {
		if !isAlnum(c) && c != '_' && c != '+' && c != '-' {
			return false
		}
	}
	return true
}

// allowedURL reports whether the URL u, exactly as it will appear in an
// href or src attribute after HTML-unescaping, may be kept. It allows
// relative URLs (paths, fragments, queries) and the schemes http, https and
// mailto. The empty URL is not allowed.
//
// The scheme is found the way the WHATWG URL parser finds it: leading and
// trailing C0 controls and spaces are trimmed, tabs and newlines anywhere
// are removed, and a scheme is an ASCII letter followed by letters, digits,
// '+', '-' or '.' up to the first ':'. Anything else has no scheme and is
// resolved relative to the page. Entities are not decoded here because
// goldmark has already resolved them in link destinations.
func allowedURL(u string) bool {
	u = strings.TrimFunc(u, func(c rune) bool { return c <= ' ' })
	u = strings.Map(func(c rune) rune {
		if c == '\t' || c == '\n' || c == '\r' {
			return -1
		}
		return c
	}, u)
	if u == "" {
		return false
	}
	scheme, ok := urlScheme(u)
	if !ok {
		return true
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// urlScheme returns the scheme of u, without the colon, and whether u has
// one.
func urlScheme(u string) (string, bool) {
	if u == "" || !isAlpha(u[0]) {
		return "", false
	}
	for i := 1; i < len(u); i++ {
		switch c := u[i]; {
		case c == ':':
			return u[:i], true
		case isAlnum(c) || c == '+' || c == '-' || c == '.':
		default:
			return "", false
		}
	}
	return "", false
}

// hasSchemePrefix reports whether u starts with prefix, ignoring ASCII case.
func hasSchemePrefix(u, prefix string) bool {
	return len(u) >= len(prefix) && strings.EqualFold(u[:len(prefix)], prefix)
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isAlnum(c byte) bool { return isAlpha(c) || '0' <= c && c <= '9' }
