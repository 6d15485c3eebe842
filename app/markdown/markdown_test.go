package markdown

import (
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/testutil"
)

// Case files in goldmark's testutil format. Expected outputs include the
// wrapper element because they are produced by HTML, not by md.
const (
	casesFile = "testdata/cases.txt"
	xssFile   = "testdata/xss.txt"
)

// htmlMarkdown is a goldmark.Markdown whose Convert calls HTML, so that
// testutil.DoTestCaseFile checks the public API, wrapper included. It records
// every source it converts. The embedded md serves the methods testutil does
// not call.
type htmlMarkdown struct {
	goldmark.Markdown
	sources *[]string
}

// Convert implements goldmark.Markdown.
func (m htmlMarkdown) Convert(src []byte, w io.Writer, _ ...parser.ParseOption) error {
	*m.sources = append(*m.sources, string(src))
	_, err := io.WriteString(w, HTML(string(src)))
	return err
}

// runCaseFile checks every case in file against HTML and returns the
// markdown of the cases, with testutil's escape sequences applied.
func runCaseFile(t testutil.TestingT, file string) []string {
	var sources []string
	testutil.DoTestCaseFile(htmlMarkdown{Markdown: md, sources: &sources}, file, t)
	return sources
}

func TestCases(t *testing.T) {
	if got := len(runCaseFile(t, casesFile)); got == 0 {
		t.Fatalf("%s: no cases", casesFile)
	}
}

func TestXSSCases(t *testing.T) {
	if got, want := len(runCaseFile(t, xssFile)), 25; got < want {
		t.Fatalf("%s: %d cases, want at least %d", xssFile, got, want)
	}
}

// copyButtonBlock starts the wrapper of every code block.
const copyButtonBlock = `<div class="code-block">` +
	`<button type="button" class="copy-code" data-copy-code aria-label="Copy code">Copy</button>`

func TestHTMLSingleRoot(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", `<div class="markdown"></div>`},
		{"spaces", "   ", `<div class="markdown"></div>`},
		{"newlines", "\n\n\n", `<div class="markdown"></div>`},
		{"tabs and CRLF", "\t\r\n\t", `<div class="markdown"></div>`},
		{"only HTML block", "<div>hi</div>", `<div class="markdown"><!-- raw HTML omitted --></div>`},
		{"only closing div", "</div>", `<div class="markdown"><!-- raw HTML omitted --></div>`},
		{"closing div inline", "a </div> b", `<div class="markdown"><p>a <!-- raw HTML omitted --> b</p></div>`},
		{"only comment", "<!-- c -->", `<div class="markdown"><!-- raw HTML omitted --></div>`},
		{"only script", "<script>x</script>", `<div class="markdown"><!-- raw HTML omitted --></div>`},
		{"text", "hello", `<div class="markdown"><p>hello</p></div>`},
		{"two paragraphs", "a\n\nb\n", "<div class=\"markdown\"><p>a</p>\n<p>b</p></div>"},
		{"only fence", "```", "<div class=\"markdown\">" + copyButtonBlock + "<pre><code></code></pre></div></div>"},
		{"only rule", "---", "<div class=\"markdown\"><hr></div>"},
		{"empty quote", ">", "<div class=\"markdown\"><blockquote>\n</blockquote></div>"},
		{"empty item", "-", "<div class=\"markdown\"><ul>\n<li></li>\n</ul></div>"},
		{"NUL", "\x00", "<div class=\"markdown\"><p>\uFFFD</p></div>"},
		{"invalid UTF-8", "\xff\xfe", "<div class=\"markdown\"><p>\xff\xfe</p></div>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := HTML(tt.src), tt.want; got != want {
				t.Fatalf("HTML(%q) = %q, want %q", tt.src, got, want)
			}
			if err := checkSafe(HTML(tt.src)); err != nil {
				t.Fatalf("HTML(%q): %v", tt.src, err)
			}
			if got, want := HTMLStreaming(tt.src), tt.want; got != want {
				t.Fatalf("HTMLStreaming(%q) = %q, want %q", tt.src, got, want)
			}
		})
	}
}

func TestFallback(t *testing.T) {
	if got, want := fallback("a <b> & \"c\"\n"),
		"<div class=\"markdown\"><pre>a &lt;b&gt; &amp; &#34;c&#34;\n</pre></div>"; got != want {
		t.Fatalf("fallback() = %q, want %q", got, want)
	}
	if err := checkSafe(fallback("<script>alert(1)</script>")); err != nil {
		t.Fatalf("fallback: %v", err)
	}
}

// TestHTMLStreaming checks that goldmark renders the partial documents seen
// while streaming as if they were complete, which is why HTMLStreaming needs
// no logic of its own.
func TestHTMLStreaming(t *testing.T) {
	tests := []struct {
		name, partial, complete string
	}{
		{"unclosed fence", "Text\n\n```go\nfmt.Println(1)", "Text\n\n```go\nfmt.Println(1)\n```\n"},
		{"unclosed fence, trailing newline", "```go\nx\n", "```go\nx\n```"},
		{"unclosed fence, no content", "```python\n", "```python\n```"},
		{"third fence unclosed", "```\na\n```\n\n```\nb", "```\na\n```\n\n```\nb\n```"},
		{"unclosed fence in list", "- item\n  ```sh\n  ls", "- item\n  ```sh\n  ls\n  ```"},
		{"unclosed tilde fence", "~~~\nx", "~~~\nx\n~~~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := HTMLStreaming(tt.partial), HTML(tt.complete); got != want {
				t.Fatalf("HTMLStreaming(%q) = %q, want %q", tt.partial, got, want)
			}
		})
	}

	// An unclosed fence gets its copy button like a closed one.
	if out := HTMLStreaming("Text\n\n```go\nfmt.Println(1)"); !strings.Contains(out, copyButtonBlock+`<pre><code class="language-go">`) {
		t.Fatalf("unclosed fence without a copy button: %q", out)
	}

	// Unfinished inline constructs stay literal, escaped text.
	partials := []string{"**bold", "`code", "[link](https://exa", "<scr", "<script", "![img](data:ima", "| a | b |\n|--"}
	for _, partial := range partials {
		out := HTMLStreaming(partial)
		if err := checkSafe(out); err != nil {
			t.Fatalf("HTMLStreaming(%q) = %q: %v", partial, out, err)
		}
		if got, want := out, HTML(partial); got != want {
			t.Fatalf("HTMLStreaming(%q) = %q, want %q", partial, got, want)
		}
	}
}

func TestHTMLConcurrent(t *testing.T) {
	src := benchmarkAnswer(t)
	want := HTML(src)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := HTML(src); got != want {
				t.Errorf("concurrent HTML differs")
			}
		})
	}
	wg.Wait()
}

func TestAllowedURL(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"https://example.com", true},
		{"HTTP://EXAMPLE.COM", true},
		{"mailto:a@example.com", true},
		{"/path", true},
		{"path/to", true},
		{"#frag", true},
		{"?q=1", true},
		{"//host/x", true},
		{"java%09script:alert(1)", true},
		{"./javascript:alert(1)", true},
		{"", false},
		{" \t", false},
		{"javascript:alert(1)", false},
		{"JaVaScRiPt:alert(1)", false},
		{" javascript:alert(1)", false},
		{"\x00\x01javascript:alert(1)", false},
		{"java\tscript:alert(1)", false},
		{"java\nscript:alert(1)", false},
		{"vbscript:x", false},
		{"data:image/png;base64,AA", false},
		{"file:///etc/passwd", false},
		{"tel:123", false},
		{"ftp://example.com", false},
		{"x-custom+scheme.1:y", false},
	}
	for _, tt := range tests {
		if got, want := allowedURL(tt.url), tt.want; got != want {
			t.Fatalf("allowedURL(%q) = %v, want %v", tt.url, got, want)
		}
	}
}

func TestSafeLanguage(t *testing.T) {
	tests := []struct {
		lang string
		want bool
	}{
		{"go", true},
		{"c++", true},
		{"objective-c", true},
		{"shell_session", true},
		{"", false},
		{"c#", false},
		{"vue.js", false},
		{`"><script>`, false},
		{"a b", false},
		{"c&#43;", false},
	}
	for _, tt := range tests {
		if got, want := safeLanguage([]byte(tt.lang)), tt.want; got != want {
			t.Fatalf("safeLanguage(%q) = %v, want %v", tt.lang, got, want)
		}
	}
}

// benchmarkAnswer returns a realistic model answer of about 20 KB: the
// ~5 KB testdata/answer.md repeated four times.
func benchmarkAnswer(tb testing.TB) string {
	b, err := os.ReadFile("testdata/answer.md")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Repeat(string(b)+"\n", 4)
}

func BenchmarkHTML(b *testing.B) {
	src := benchmarkAnswer(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		HTML(src)
	}
}
