// Package markdown renders untrusted markdown, typically the output of an AI
// model, to HTML that is safe to hand to go-app's app.Raw.
//
// app.Raw does no sanitising of its own, so this package is a security
// boundary. It uses goldmark with GitHub Flavored Markdown (tables,
// strikethrough, task lists and autolinks) and goldmark's safe defaults
// (raw HTML is omitted; html.WithUnsafe is never used), and adds a node
// renderer that hardens the output further:
//
//   - Links, autolinks and images keep their destination only if it is
//     relative (a path or a fragment) or uses the http, https or mailto
//     scheme. Any other destination (javascript:, vbscript:, data:, file:,
//     tel:, …, also when entity-encoded, mixed-case or preceded by
//     whitespace) is removed: such a link is rendered as an <a> element
//     without an href, and such an image is replaced by its description.
//   - Links that keep their destination get rel="noopener noreferrer nofollow"
//     and target="_blank".
//   - The language class of a fenced code block is kept only if it consists
//     of the characters [A-Za-z0-9_+-].
//   - Raw HTML is omitted whatever the renderer options say.
//   - Every code block, fenced or indented, is wrapped together with a copy
//     button:
//     <div class="code-block"><button type="button" class="copy-code"
//     data-copy-code aria-label="Copy code">Copy</button><pre>…</pre></div>.
//     The markup carries no script (the page's Content-Security-Policy
//     forbids inline scripts): the page handles clicks on [data-copy-code]
//     by event delegation and copies the text of the <pre> next to the
//     button.
//
// The result always has exactly one root element,
// <div class="markdown">…</div>, as app.Raw requires.
//
// For an answer that is still streaming, Stream renders only what changed:
// the blocks that are finished are rendered once, and only the tail is
// rendered again on every update.
//
// The package does not import go-app, so it builds and tests on every
// platform, including GOOS=js GOARCH=wasm.
package markdown

import (
	"bytes"
	"html"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

const (
	// openTag and closeTag wrap every result of HTML and HTMLStreaming.
	openTag  = `<div class="markdown">`
	closeTag = `</div>`
)

// md is the shared converter. goldmark parsers and renderers are stateless,
// so one instance is safe for concurrent use.
var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM, hardening{}),
)

// HTML renders the markdown src to HTML wrapped in a single root element.
//
// The result always starts with `<div class="markdown">` and ends with
// `</div>`, with no whitespace before or after, also for empty input. HTML
// never panics: if goldmark fails, the result is the HTML-escaped source in
// a <pre> element inside the same wrapper. It is safe for concurrent use.
func HTML(src string) string {
	return render(src)
}

// HTMLStreaming renders src, a possibly incomplete markdown document that is
// still being streamed, in the same way and with the same single root
// element as HTML.
//
// It adds no logic of its own because goldmark already renders partial
// documents sensibly: following CommonMark, a fenced code block without a
// closing fence runs to the end of the document, so an odd number of ```
// fences renders as if the last block were closed, and unfinished inline
// constructs (an unclosed **, `, [text]( or <tag) are rendered as literal,
// escaped text until the rest of them arrives. The function exists so that
// callers state their intent and any future streaming-specific handling has
// one place to go. Stream renders the same HTML with less work when the
// whole answer is rendered again and again as it grows.
func HTMLStreaming(src string) string {
	return render(src)
}

// render converts src with md and wraps the result; it recovers from a
// panic in goldmark and then falls back to the escaped source.
func render(src string) (out string) {
	defer func() {
		if recover() != nil {
			out = fallback(src)
		}
	}()
	var buf bytes.Buffer
	buf.Grow(len(openTag) + len(src) + len(src)/4 + len(closeTag))
	buf.WriteString(openTag)
	if err := md.Convert([]byte(src), &buf); err != nil {
		return fallback(src)
	}
	buf.Truncate(len(bytes.TrimRight(buf.Bytes(), "\n")))
	buf.WriteString(closeTag)
	return buf.String()
}

// fallback returns src as escaped preformatted text inside the wrapper.
func fallback(src string) string {
	return openTag + "<pre>" + html.EscapeString(src) + "</pre>" + closeTag
}
