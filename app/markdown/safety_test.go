package markdown

// The safety property is checked without golang.org/x/net/html: that module
// is in the module graph (via go-app) but not in go.sum, and using it would
// mean editing go.mod. scanTags below is a small scanner for the output of
// HTML that follows the HTML tokenizer's rules for tags and attributes and
// rejects every construct HTML never emits, so that it cannot be confused
// into missing an attribute.

import (
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
)

// omittedComment is the only comment the renderer emits.
const omittedComment = "<!-- raw HTML omitted -->"

var (
	// allowedTags maps the elements HTML may emit to whether they are void.
	allowedTags = map[string]bool{
		"div": false, "p": false, "h1": false, "h2": false, "h3": false, "h4": false, "h5": false, "h6": false,
		"ul": false, "ol": false, "li": false, "blockquote": false, "pre": false, "code": false,
		"em": false, "strong": false, "del": false, "a": false, "button": false,
		"table": false, "thead": false, "tbody": false, "tr": false, "th": false, "td": false,
		"img": true, "input": true, "br": true, "hr": true,
	}
	allowedAttrs = map[string]bool{
		"class": true, "href": true, "src": true, "alt": true, "title": true, "rel": true, "target": true,
		"start": true, "style": true, "checked": true, "disabled": true, "type": true,
		"data-copy-code": true, "aria-label": true,
	}
	// copyButtonAttrs are the attributes, all of them, of every copy button.
	copyButtonAttrs = map[string]string{
		"type": "button", "class": "copy-code", "data-copy-code": "", "aria-label": "Copy code",
	}
	eventAttr     = regexp.MustCompile(`^on[a-z]+$`)
	validClass    = regexp.MustCompile(`^(markdown|image-link|code-block|copy-code|language-[A-Za-z0-9_+-]+)$`)
	validStyle    = regexp.MustCompile(`^text-align:(left|right|center)$`)
	schemePattern = regexp.MustCompile(`^([a-z][a-z0-9+.-]*):`)
)

type attr struct{ name, value string }

type tag struct {
	name  string
	end   bool
	attrs []attr
}

// checkSafe returns an error if out, a result of HTML, is not a single
// well-nested <div class="markdown"> element, contains an element or
// attribute outside the allowlists, an event handler attribute, or an href
// or src that, after entity decoding, has a scheme other than http, https
// or mailto.
func checkSafe(out string) error {
	if !strings.HasPrefix(out, openTag) || !strings.HasSuffix(out, closeTag) {
		return errors.New("missing wrapper")
	}
	if strings.Contains(strings.ToLower(out), "<script") {
		return errors.New("contains <script")
	}
	tags, err := scanTags(out)
	if err != nil {
		return err
	}
	var stack []string
	for i, t := range tags {
		void, ok := allowedTags[t.name]
		if !ok {
			return fmt.Errorf("element <%s> not allowed", t.name)
		}
		if err := checkElement(t, i, stack); err != nil {
			return err
		}
		switch {
		case t.end && (len(stack) == 0 || stack[len(stack)-1] != t.name):
			return fmt.Errorf("unbalanced </%s>", t.name)
		case t.end:
			stack = stack[:len(stack)-1]
		case !void:
			stack = append(stack, t.name)
		}
		if len(stack) == 0 && i != len(tags)-1 {
			return errors.New("content after the root element")
		}
		for _, a := range t.attrs {
			if err := checkAttr(a.name, html.UnescapeString(a.value)); err != nil {
				return fmt.Errorf("<%s>: %w", t.name, err)
			}
		}
	}
	if len(stack) != 0 {
		return fmt.Errorf("unclosed %v", stack)
	}
	return nil
}

// checkElement checks the start tags with rules of their own: the first
// tag is the root <div class="markdown"> and every other <div> is a code
// block wrapper, <div class="code-block">; a <button> is a copy button
// directly inside such a wrapper, with exactly the attributes in
// copyButtonAttrs. i is the index of t among the tags, stack holds the
// elements open before it.
func checkElement(t tag, i int, stack []string) error {
	if t.end {
		return nil
	}
	switch t.name {
	case "div":
		want := "code-block"
		if i == 0 {
			want = "markdown"
		}
		if len(t.attrs) != 1 || t.attrs[0].name != "class" || t.attrs[0].value != want {
			return fmt.Errorf("div %v, want class=%q", t.attrs, want)
		}
	case "button":
		if len(stack) < 2 || stack[len(stack)-1] != "div" {
			return errors.New("button outside a code block wrapper")
		}
		seen := map[string]bool{}
		for _, a := range t.attrs {
			if v, ok := copyButtonAttrs[a.name]; !ok || v != html.UnescapeString(a.value) || seen[a.name] {
				return fmt.Errorf("button attribute %s=%q", a.name, a.value)
			}
			seen[a.name] = true
		}
		if len(seen) != len(copyButtonAttrs) {
			return fmt.Errorf("button attributes %v, want %v", t.attrs, copyButtonAttrs)
		}
	}
	return nil
}

// checkAttr checks one attribute; value is already entity-decoded.
func checkAttr(name, value string) error {
	switch {
	case eventAttr.MatchString(name):
		return fmt.Errorf("event handler %s=%q", name, value)
	case !allowedAttrs[name]:
		return fmt.Errorf("attribute %s not allowed", name)
	case name == "href" || name == "src":
		return checkURL(value)
	case name == "class" && !validClass.MatchString(value),
		name == "style" && !validStyle.MatchString(value):
		return fmt.Errorf("bad %s=%q", name, value)
	}
	return nil
}

// checkURL is stricter than a browser: it drops every control character and
// space anywhere before looking at the scheme.
func checkURL(value string) error {
	u := strings.ToLower(strings.Map(func(c rune) rune {
		if c <= ' ' || c == 0x7f {
			return -1
		}
		return c
	}, value))
	for _, p := range []string{"javascript:", "vbscript:", "data:", "file:"} {
		if strings.HasPrefix(u, p) {
			return fmt.Errorf("URL %q", value)
		}
	}
	if m := schemePattern.FindStringSubmatch(u); m != nil && m[1] != "http" && m[1] != "https" && m[1] != "mailto" {
		return fmt.Errorf("URL scheme %q in %q", m[1], value)
	}
	return nil
}

// scanTags returns the tags in s. Text between tags is skipped; a '<' that
// does not start a start tag, an end tag or omittedComment is an error
// because the renderer escapes every '<' in text.
func scanTags(s string) ([]tag, error) {
	var tags []tag
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			return tags, nil
		}
		i += j
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, omittedComment):
			i += len(omittedComment)
		case len(rest) > 2 && rest[1] == '/' && isAlpha(rest[2]):
			t, n, err := scanTag(rest[2:])
			if err != nil {
				return nil, err
			}
			t.end = true
			tags = append(tags, t)
			i += 2 + n
		case len(rest) > 1 && isAlpha(rest[1]):
			t, n, err := scanTag(rest[1:])
			if err != nil {
				return nil, err
			}
			tags = append(tags, t)
			i += 1 + n
		default:
			return nil, fmt.Errorf("unexpected markup %.20q at %d", rest, i)
		}
	}
}

// scanTag scans a tag whose name starts at s[0] and returns it with the
// number of bytes up to and including its '>'.
func scanTag(s string) (tag, int, error) {
	errEOF := fmt.Errorf("unterminated tag %.20q", s)
	i := skip(s, 0, func(c byte) bool { return !isHTMLSpace(c) && c != '/' && c != '>' })
	t := tag{name: strings.ToLower(s[:i])}
	for {
		i = skip(s, i, func(c byte) bool { return isHTMLSpace(c) || c == '/' })
		if i >= len(s) {
			return t, 0, errEOF
		}
		if s[i] == '>' {
			return t, i + 1, nil
		}
		// An attribute name may start with '='.
		start := i
		i = skip(s, i+1, func(c byte) bool { return !isHTMLSpace(c) && c != '/' && c != '>' && c != '=' })
		a := attr{name: strings.ToLower(s[start:i])}
		i = skip(s, i, isHTMLSpace)
		if i < len(s) && s[i] == '=' {
			i = skip(s, i+1, isHTMLSpace)
			if i >= len(s) {
				return t, 0, errEOF
			}
			switch q := s[i]; q {
			case '"', '\'':
				k := strings.IndexByte(s[i+1:], q)
				if k < 0 {
					return t, 0, errEOF
				}
				a.value = s[i+1 : i+1+k]
				i += k + 2
			case '>':
			default:
				start := i
				i = skip(s, i, func(c byte) bool { return !isHTMLSpace(c) && c != '>' })
				a.value = s[start:i]
			}
		}
		t.attrs = append(t.attrs, a)
	}
}

// skip returns the index of the first byte at or after i that does not
// satisfy f, or len(s).
func skip(s string, i int, f func(byte) bool) int {
	for i < len(s) && f(s[i]) {
		i++
	}
	return i
}

func isHTMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// TestCheckSafe makes sure the checker itself catches what it should.
func TestCheckSafe(t *testing.T) {
	bad := []string{
		`<div class="markdown"><script>alert(1)</script></div>`,
		`<div class="markdown"><a href="javascript:alert(1)">x</a></div>`,
		`<div class="markdown"><a href="jav&#x61;script&colon;alert(1)">x</a></div>`,
		`<div class="markdown"><a href=" &#9;JAVASCRIPT:x">x</a></div>`,
		`<div class="markdown"><a href=vbscript:x>x</a></div>`,
		`<div class="markdown"><img src='data:image/png;base64,AA' alt=""></div>`,
		`<div class="markdown"><a href="tel:1">x</a></div>`,
		`<div class="markdown"><img src=x onerror=alert(1)></div>`,
		`<div class="markdown"><img src="x"/onerror=alert(1)></div>`,
		`<div class="markdown"><img src="x"onerror=alert(1)></div>`,
		`<div class="markdown"><p title="a" ONCLICK="x">x</p></div>`,
		`<div class="markdown"><svg></svg></div>`,
		`<div class="markdown"><code class="language-x y">x</code></div>`,
		`<div class="markdown"><p>1 < 2</p></div>`,
		`<div class="markdown"><!-- other --></div>`,
		`<div class="markdown"><p>x</div>`,
		`<div class="markdown"></div><div class="markdown"></div>`,
		`<div class="markdown"><div>x</div></div>`,
		`<div class="markdown"><div class="markdown">x</div></div>`,
		`<div class="markdown"><div class="code-block" title="x">x</div></div>`,
		`<div class="markdown"><button type="button" class="copy-code" data-copy-code aria-label="Copy code">Copy</button></div>`,
		`<div class="markdown"><div class="code-block"><button type="submit" class="copy-code" data-copy-code aria-label="Copy code">Copy</button></div></div>`,
		`<div class="markdown"><div class="code-block"><button type="button" class="copy-code" aria-label="Copy code">Copy</button></div></div>`,
		`<div class="markdown"><div class="code-block"><button type="button" class="copy-code" data-copy-code aria-label="Copy code" formaction="javascript:x">Copy</button></div></div>`,
		`<div class="markdown"><a href="x`,
		`<p>x</p>`,
	}
	for _, out := range bad {
		if checkSafe(out) == nil {
			t.Fatalf("checkSafe(%q) = nil, want an error", out)
		}
	}
	good := `<div class="markdown"><p>` +
		`<a href="https://x/?a=1&amp;b" rel="noopener noreferrer nofollow" target="_blank">x</a>` +
		`<img src="/i.png" alt="a &quot; onerror=x"><!-- raw HTML omitted --></p>` +
		`<div class="code-block"><button type="button" class="copy-code" data-copy-code aria-label="Copy code">Copy</button>` +
		`<pre><code class="language-go">x</code></pre></div></div>`
	if err := checkSafe(good); err != nil {
		t.Fatalf("checkSafe(%q) = %v, want nil", good, err)
	}
}

// hostileVariants returns hostile URLs in many encodings, each placed in
// every construct that can carry a URL.
func hostileVariants() []string {
	payloads := []string{
		"javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4=",
		"data:image/svg+xml;base64,PHN2Zz4=", "data:image/png;base64,iVBORw0KGgo=", "file:///etc/passwd",
	}
	var urls []string
	for _, p := range payloads {
		scheme, rest, _ := strings.Cut(p, ":")
		urls = append(urls,
			p,
			strings.ToUpper(p),
			alternateCase(scheme)+":"+rest,
			fmt.Sprintf("&#%d;%s:%s", scheme[0], scheme[1:], rest),
			fmt.Sprintf("&#x%X;%s:%s", scheme[0], scheme[1:], rest),
			fmt.Sprintf("&#x%x;%s:%s", scheme[0], scheme[1:], rest),
			scheme+"&colon;"+rest,
			scheme+"&#58;"+rest,
			scheme+"&#x3a;"+rest,
			scheme+"&#0000058;"+rest,
			scheme+"\\:"+rest,
			scheme+"%3A"+rest,
			"&amp;"+p,
			scheme[:1]+"&Tab;"+scheme[1:]+":"+rest,
			"&NewLine;"+p,
			"&#32;"+p,
			" "+p,
			"\t"+p,
			"\x00"+p,
			"\x01"+p,
			"\x1f"+p,
			"\u00a0"+p,
			"\ufeff"+p,
			scheme[:2]+"\t"+scheme[2:]+":"+rest,
			scheme[:2]+"\x00"+scheme[2:]+":"+rest,
		)
	}
	templates := []string{
		"[x](URL)", "[x](<URL>)", "[x](URL \"t\")", "![x](URL)", "![x](<URL>)", "<URL>", "URL",
		"[x][r]\n\n[r]: URL", "![x][r]\n\n[r]: <URL> 't'", "[![x](URL)](URL)",
		"<a href=\"URL\">x</a>", "<img src=\"URL\">", "- [ ] [x](URL)\n\n| a |\n|---|\n| [x](URL) |",
		"```URL\ncode\n```",
	}
	var out []string
	for _, tpl := range templates {
		for _, u := range urls {
			out = append(out, strings.ReplaceAll(tpl, "URL", u))
		}
	}
	return out
}

// alternateCase returns s with every other letter upper-cased.
func alternateCase(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i += 2 {
		b[i] = strings.ToUpper(string(b[i]))[0]
	}
	return string(b)
}

// TestSafetyProperty checks the safety property on the XSS corpus, the
// ordinary cases and generated hostile variants.
func TestSafetyProperty(t *testing.T) {
	quiet := quietT{t}
	inputs := append(runCaseFile(quiet, xssFile), runCaseFile(quiet, casesFile)...)
	inputs = append(inputs, hostileVariants()...)
	if got, want := len(inputs), 1000; got < want {
		t.Fatalf("%d inputs, want at least %d", got, want)
	}
	for _, src := range inputs {
		for _, out := range []string{HTML(src), HTMLStreaming(src)} {
			if err := checkSafe(out); err != nil {
				t.Fatalf("input %q\noutput %q\n%v", src, out, err)
			}
		}
	}
}

// quietT lets runCaseFile collect inputs without reporting mismatches,
// which TestCases and TestXSSCases already do.
type quietT struct{ *testing.T }

// Errorf implements testutil.TestingT.
func (quietT) Errorf(string, ...any) {}

// FuzzHTML checks that HTML never panics, always returns a single root
// element (exactly `<div class="markdown">` … `</div>`, no trailing
// newline) and never emits anything checkSafe rejects.
func FuzzHTML(f *testing.F) {
	for _, file := range []string{casesFile, xssFile} {
		for _, src := range runCaseFile(f, file) {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		out := HTML(src)
		if err := checkSafe(out); err != nil {
			t.Fatalf("input %q\noutput %q\n%v", src, out, err)
		}
	})
}
