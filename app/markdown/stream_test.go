package markdown

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// streamAnswers are realistic answers, with the constructs that make
// splitting a growing answer into finished blocks hard: blank lines inside
// fenced code, lists, quotes and HTML blocks, tables, think tags and
// reference links.
var streamAnswers = []string{
	// Headings, paragraphs, setext headings and thematic breaks.
	"# Title\n\nIntro paragraph with *emphasis*\nand a second line.\n\n## Section\nText right under the heading.\n" +
		"Setext\n======\n\nSub\n---\n\nA paragraph\n---\n\n***\n\nLast words.",
	// Fenced code with blank lines inside, both fence characters, longer
	// fences and indented fences.
	"Here is the code:\n\n```go\nfunc main() {\n\n\tfmt.Println(1)\n\n}\n```\n\nAnd with tildes:\n\n~~~python\ndef f():\n\n    return 1\n~~~\n\n" +
		"````md\n```\ninner fence\n\n```\n````\n\n  ```\n  indented fence\n\n  ```\n\n   ~~~~\n   code\n\n~~~\n   ~~~~\n\nAfter.\n\n```\nunclosed at the end\n\nstill code",
	// Nested lists with blank lines between items and continuation paragraphs.
	"Steps:\n\n1. First item\n\n2. Second item\n\n   Continuation paragraph.\n\n   ```bash\n   make\n\n   make install\n   ```\n\n" +
		"3. Third item\n   - nested a\n\n   - nested b\n\n     nested paragraph\n\n- other list\n- still other\n\n10) paren list\n11) next\n\n" +
		"Paragraph after the lists.\n\n- tight\n- list\nlazy continuation\n\n* star list\n\n+ plus list\n\nEnd.",
	// Block quotes with blank lines, nested quotes and lazy lines.
	"> Quote line one\n> line two\n>\n> after a blank quote line\n\n> a second quote\nlazy line\n\n> > nested\n> back\n\nText.\n\n>\n\n> - list in quote\n>\n> - item two\n\nDone.",
	// Tables, with and without a blank line after them.
	"| A | B |\n|---|:-:|\n| 1 | 2 |\n| 3 | 4 |\n\nText between tables.\n\n| x |\n|---|\n| y |\nrow without pipes\n# Heading after table\n\n" +
		"Intro line\n| a | b |\n|---|---|\n| c | d |\n\nEnd of tables.",
	// HTML blocks, including the kinds that run across blank lines.
	"<details>\n<summary>More</summary>\n\nHidden *text*.\n\n</details>\n\n<script>\nvar a = 1;\n\nalert(a);\n</script>\n\n" +
		"<!-- a comment\n\nstill the comment -->\n\nAfter the comment.\n\n<pre>\npre text\n\nmore pre\n</pre>\n\n<style>\n\np {}\n</style>\n\n" +
		"<?php\n\necho 1;\n?>\n\n<!DOCTYPE html>\n\n<![CDATA[\n\nx\n]]>\n\n<div>\nblock\n</div>\n\nText with <b>inline</b> HTML.",
	// Think tags, as reasoning models emit them.
	"<think>\nThe user wants a list.\n\nLet me think about it.\n\n- maybe this\n</think>\n\nHere is the answer.\n\n<think>\nmore thinking\n\n</think>\nFinal paragraph.",
	// Indented code blocks.
	"Paragraph.\n\n    indented code\n\n    after a blank line\n\n\n    and two\nText.\n\n- item\n\n      code in item\n\nEnd.",
	// Reference links and their definitions.
	"See [the docs][docs] and [Go].\n\nMore text.\n\n[docs]: https://example.com/docs\n[Go]: https://go.dev \"Go\"\n\nAfter the definitions.\n\nUse [Go] again.",
	// A definition that arrives after the text that uses it.
	"Intro.\n\nA [late] reference.\n\nMiddle.\n\n[late]: https://example.com/late\n\nEnd.",
	// Definitions in every shape: titles and destinations on later lines,
	// labels across lines, in quotes and lists, repeated, in another case,
	// used by images, followed by a setext underline or a table.
	"Intro.\n\n[a]:\n/dest\n'title\non two lines'\n\n[b\nc]: /bc\n\n> [q]: /q\n\n- [l]: /l\n\n[a]: /second\n[A]: /third\n\n" +
		"Uses [a], [b c], [Q], [l], ![img][a] and [x][a].\n\n[s]: /s\nsetext\n===\n\n[t]: /t\n| h |\n|---|\n| [t] |\n\nEnd [s] [t].\n",
	// A definition that takes the lines after it as its title.
	"A [ref] here.\n\n[ref]: /u\n\"title that\ngoes on\"\n\nAnd [ref] again.\n\n[other]: /o\n'unfinished title\n\nText [other].",
	// Literal brackets in text.
	"Intro.\n\nArrays look like a[0] and [1, 2].\n\nNext paragraph.\n\n## Heading\n\nEnd.",
	// Task lists, which start with brackets that are not text.
	"Todo:\n\n- [x] done\n- [ ] open\n\nNext.\n\n1. [ ] numbered task\n\nEnd.",
	// Emphasis and links across lines inside one paragraph.
	"A *long\nemphasis* and a [link\ntext](https://example.com/a\n\"title\") across lines.\n\nNext **strong\ntext**.\n\nDone.",
	// CRLF line endings.
	"# Title\r\n\r\nParagraph\r\nline two\r\n\r\n```go\r\nx := 1\r\n\r\ny := 2\r\n```\r\n\r\n- a\r\n\r\n- b\r\n\r\nEnd.\r\n",
	// Trailing blank lines and whitespace-only lines.
	"Para one.\n \n\t\nPara two.\n\n\n\n",
	// Headings that interrupt paragraphs and lists.
	"Text\n# H1\nText\n- item\n## H2\n> quote\n# H3\n```\ncode\n```\nText after code\n---\n\nEnd",
}

// streamCorpus returns streamAnswers, the inputs of the case files and the
// benchmark answer.
func streamCorpus(tb testing.TB) []string {
	corpus := append([]string(nil), streamAnswers...)
	corpus = append(corpus, runCaseFile(tb, casesFile)...)
	corpus = append(corpus, runCaseFile(tb, xssFile)...)
	return append(corpus, benchmarkAnswer(tb))
}

// streamChecker feeds growing prefixes of one source to a Stream and checks
// every result.
type streamChecker struct {
	t    testing.TB
	s    Stream
	prev []string
}

// update calls Update(src) and checks that the strings done before are
// returned again, the very same values, and that the result equals
// HTML(src).
func (c *streamChecker) update(src string) (done []string, tail string) {
	c.t.Helper()
	done, tail = c.s.Update(src)
	if len(done) < len(c.prev) {
		c.t.Fatalf("Update(%q): %d chunks, %d before", src, len(done), len(c.prev))
	}
	for i, p := range c.prev {
		if done[i] != p || unsafe.StringData(done[i]) != unsafe.StringData(p) {
			c.t.Fatalf("Update(%q): chunk %d changed from %q to %q", src, i, p, done[i])
		}
	}
	if got, want := strings.Join(done, "")+tail, HTML(src); got != want {
		c.t.Fatalf("Update(%q):\ndone %q\ntail %q\njoined %q\nHTML   %q", src, done, tail, got, want)
	}
	c.prev = done
	return done, tail
}

// feed feeds src to a new Stream in increments of the sizes next returns
// (at least 1 byte each) and returns the last result.
func feed(t testing.TB, src string, next func() int) (done []string, tail string) {
	t.Helper()
	c := streamChecker{t: t}
	for n := 0; n < len(src) || n == 0; {
		n = min(n+max(next(), 1), len(src))
		done, tail = c.update(src[:n])
		if n == 0 {
			break
		}
	}
	// A repeated call returns the same result.
	if d, tl := c.update(src); len(d) != len(done) || tl != tail {
		t.Fatalf("repeated Update(%q) differs", src)
	}
	return done, tail
}

func TestStreamCorpus(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i, src := range streamCorpus(t) {
		for _, maxStep := range []int{1, 7, 64, 400} {
			if len(src)/maxStep > 2000 {
				continue // keep the quadratic check of every prefix quick
			}
			done, _ := feed(t, src, func() int { return 1 + rng.IntN(maxStep) })
			if t.Failed() {
				t.Fatalf("case %d, steps up to %d bytes", i, maxStep)
			}
			// Each realistic answer is split somewhere, so the check
			// above does not pass only because nothing was split.
			if i < len(streamAnswers) && maxStep == 1 && len(done) == 0 {
				t.Errorf("case %d: no finished chunk", i)
			}
		}
	}
}

// TestStreamSplits checks that the realistic answers are split where they
// should be, and nowhere inside a block.
func TestStreamSplits(t *testing.T) {
	tests := []struct {
		name, src string
		chunks    []string // the sources of the finished chunks
	}{
		{"paragraphs", "a\n\nb\n\nc\n", []string{"a\n\n", "b\n\n"}},
		{"no split before an incomplete line", "a\n\nb", []string{}},
		{"heading without blank line", "# h\ntext\nmore", []string{"# h\n"}},
		{"fence with blank lines", "```\na\n\nb\n```\n\nc\n\nd\n", []string{"```\na\n\nb\n```\n\n", "c\n\n"}},
		{"unclosed fence", "```\na\n\nb\n\n", []string{}},
		{"tilde fence", "~~~~\n```\n\n~~~\n\n~~~~\nx\n\ny\n", []string{"~~~~\n```\n\n~~~\n\n~~~~\n", "x\n\n"}},
		{"indented fence", "   ```\na\n\n    ```\nb\n\n   ```\n\nc\n\nd\n", []string{"   ```\na\n\n    ```\nb\n\n   ```\n\n", "c\n\n"}},
		{"loose list", "- a\n\n- b\n\n  c\n\nd\n\ne\n", []string{"- a\n\n- b\n\n  c\n\n", "d\n\n"}},
		{"list may go on", "- a\n\n- b\n\n", []string{}},
		{"ordered list may go on", "1. a\n\n2", []string{}},
		{"quote", "> a\n>\n> b\n\nc\n\nd\n", []string{"> a\n>\n> b\n\n", "c\n\n"}},
		{"table", "| a |\n|---|\n| b |\n\nc\n\nd\n", []string{"| a |\n|---|\n| b |\n\n", "c\n\n"}},
		{"table under a paragraph", "a\n| b |\n|---|\n\nc\n", []string{"a\n| b |\n|---|\n\n"}},
		{"comment with blank lines", "<!--\n\nx\n\n-->\n\nc\n\nd\n", []string{"<!--\n\nx\n\n-->\n\n", "c\n\n"}},
		{"think", "<think>\na\n\nb\n</think>\n\nc\n\nd\n", []string{"<think>\na\n\n", "b\n</think>\n\n", "c\n\n"}},
		{"literal bracket", "a\n\nb [x] c\n\nd\n\ne\n", []string{"a\n\n"}},
		{"definition after its use", "a\n\nb [x] c\n\n[x]: /u\n\nd\n\ne [x]\n\nf\n",
			[]string{"a\n\n", "b [x] c\n\n[x]: /u\n\n", "d\n\n", "e [x]\n\n"}},
		{"definition before its use", "[x]: /u\n\nb [x] c\n\nd\n", []string{"[x]: /u\n\nb [x] c\n\n"}}, // the definition renders as nothing
		{"definition still growing", "a [x]\n\n[x]: /u\n", []string{}},
		{"definition title on the next lines", "a\n\n[x]: /u\n'line one\nline two'\n\nb [x]\n\nc\n",
			[]string{"a\n\n", "[x]: /u\n'line one\nline two'\n\nb [x]\n\n"}},
		{"definitions in one paragraph", "[x]: /u\n[y]: /v\ntext [x] [y]\n\nb\n", []string{"[x]: /u\n[y]: /v\ntext [x] [y]\n\n"}},
		{"definition and setext heading", "[x]: /u\nbar\n===\n[x]\n\nb\n", []string{"[x]: /u\nbar\n===\n", "[x]\n\n"}},
		{"paragraph then heading", "a\n# h\nb\n", []string{"a\n", "# h\n"}},
		{"setext heading", "a\n\nb\n---\n\nc\n\nd\n", []string{"a\n\n", "b\n---\n\n", "c\n\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Feed the source byte by byte so that every chunk is finished
			// as soon as possible, then compare chunk by chunk.
			c := streamChecker{t: t}
			var done []string
			var cuts []int
			for n := 1; n <= len(tt.src); n++ {
				before := len(done)
				done, _ = c.update(tt.src[:n])
				for range len(done) - before {
					cuts = append(cuts, c.s.pos)
				}
			}
			var got []string
			last := 0
			for _, cut := range cuts {
				got = append(got, tt.src[last:cut])
				last = cut
			}
			if strings.Join(got, "|") != strings.Join(tt.chunks, "|") {
				t.Fatalf("chunks %q, want %q", got, tt.chunks)
			}
		})
	}
}

// TestStreamAnswer checks that a long realistic answer streamed like the UI
// does ends with almost everything finished.
func TestStreamAnswer(t *testing.T) {
	src := benchmarkAnswer(t)
	var s Stream
	var done []string
	var tail string
	for n := 200; ; n += 200 {
		n = min(n, len(src))
		done, tail = s.Update(src[:n])
		if n == len(src) {
			break
		}
	}
	if len(done) < 40 {
		t.Errorf("%d chunks, want at least 40", len(done))
	}
	if rest := len(src) - s.pos; rest > 1000 {
		t.Errorf("the tail holds %d bytes of source, want at most 1000", rest)
	}
	if err := checkSafe(strings.Join(done, "") + tail); err != nil {
		t.Fatal(err)
	}
}

func TestStreamRestart(t *testing.T) {
	var s Stream
	s.Update("a\n\nb\n\nc\n\n")
	if done, _ := s.Update("a\n\nb\n\nc\n\nd"); len(done) == 0 {
		t.Fatal("nothing finished")
	}
	for _, src := range []string{"x\n\ny", "", "a\n\nb", "a\n\nb\n\nc\n\nd"} {
		done, tail := s.Update(src)
		if got, want := strings.Join(done, "")+tail, HTML(src); got != want {
			t.Fatalf("after a restart, Update(%q) = %q, want %q", src, got, want)
		}
	}
	var zero Stream
	if done, tail := zero.Update(""); len(done) != 0 || tail != HTML("") {
		t.Fatalf("Update(\"\") = %q, %q", done, tail)
	}
}

// TestStreamCost checks that streaming a long answer does much less
// rendering work than rendering the whole source on every update: the
// source bytes parsed per update must stay small.
func TestStreamCost(t *testing.T) {
	src := strings.Repeat(benchmarkAnswer(t), 4)
	var s Stream
	parsed, updates := 0, 0
	for n := 200; n < len(src); n += 200 {
		s.Update(src[:n])
		parsed += n - s.pos
		updates++
	}
	if avg := parsed / updates; avg > 2000 {
		t.Fatalf("the tail averages %d bytes of source, want at most 2000", avg)
	}
}

// FuzzStream feeds src to a Stream in the increments given by steps and
// checks after every Update that it did not panic, that finished chunks
// never change and that the result equals HTML of the source so far.
func FuzzStream(f *testing.F) {
	for i, src := range streamCorpus(f) {
		if len(src) < 10000 {
			f.Add(src, []byte{byte(i), 1, 3, 17, 64, 2})
		}
	}
	f.Add("", []byte{1})
	f.Fuzz(func(t *testing.T, src string, steps []byte) {
		if len(steps) == 0 {
			steps = []byte{255}
		}
		i := 0
		feed(t, src, func() int {
			step := int(steps[i%len(steps)])
			i++
			return step
		})
	})
}

// BenchmarkStream20k streams a ~80 KB answer (about 20,000 tokens) that
// grows in 4-byte increments and is redrawn every 200 bytes, like the UI
// does, once through a Stream and once by rendering the whole source with
// HTMLStreaming on every redraw. Besides the time per update it reports the
// bytes of HTML a UI has to put into the page per update: for a Stream, the
// tail and the chunks that are new.
func BenchmarkStream20k(b *testing.B) {
	src := strings.Repeat(benchmarkAnswer(b), 4)
	var cuts []int
	last := 0
	for n := 4; ; n += 4 {
		n = min(n, len(src))
		if n-last >= 200 || n == len(src) {
			cuts = append(cuts, n)
			last = n
		}
		if n == len(src) {
			break
		}
	}
	// run streams the answer once per iteration; start returns the function
	// that handles one update of a new answer and returns the bytes of HTML
	// it produced for the page.
	run := func(b *testing.B, start func() func(string) int) time.Duration {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		out := 0
		for b.Loop() {
			update := start()
			for _, n := range cuts {
				out += update(src[:n])
			}
		}
		updates := b.N * len(cuts)
		perUpdate := b.Elapsed() / time.Duration(updates)
		b.ReportMetric(float64(perUpdate.Nanoseconds()), "ns/update")
		b.ReportMetric(float64(out)/float64(updates), "html-B/update")
		return perUpdate
	}
	var stream, whole time.Duration
	b.Run("Stream", func(b *testing.B) {
		stream = run(b, func() func(string) int {
			var s Stream
			seen := 0
			return func(src string) int {
				done, tail := s.Update(src)
				out := len(tail)
				for _, d := range done[seen:] {
					out += len(d)
				}
				seen = len(done)
				return out
			}
		})
	})
	b.Run("HTMLStreaming", func(b *testing.B) {
		whole = run(b, func() func(string) int {
			return func(src string) int { return len(HTMLStreaming(src)) }
		})
	})
	if stream > 0 && whole > 0 {
		b.Logf("%d bytes, %d updates; per update: Stream %v, HTMLStreaming %v: %.1fx faster",
			len(src), len(cuts), stream, whole, float64(whole)/float64(stream))
	}
}
