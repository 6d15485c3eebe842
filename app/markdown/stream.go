package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Stream renders an answer that grows: blocks that can no longer change are rendered once.
//
// Each call to Update parses only the tail of the source, the part after
// the blocks already finished, with the same goldmark parser as HTML. The
// top-level blocks of that parse that are followed by another top-level
// block starting on a complete line are finished: CommonMark block parsing
// reads lines one after the other, so once a later block has opened on a
// line that can no longer change, no text that arrives later can reopen or
// alter the blocks before it. Those blocks are rendered once, moved out of
// the tail and never parsed again. Because the split follows goldmark's own
// parse, fenced code, lists, block quotes, tables and HTML blocks that run
// across blank lines are never cut.
//
// Splitting is exact: after every Update, strings.Join(done, "")+tail
// equals HTML(src), and so HTMLStreaming(src), for the src of that call.
// (The one exception is a panic inside goldmark, which HTML turns into the
// escaped source of the whole answer and Update into the escaped source of
// the tail only.) To keep it exact, the blocks before a split must meet all
// of these:
//
//   - the block after the split starts on a line that ends with '\n';
//   - the block after the split is not a part of the same paragraph as the
//     block before it: goldmark makes link reference definitions and tables
//     in a paragraph blocks of their own, and while the paragraph is open
//     the next line may still change them (a definition's title may go on
//     on the next line);
//   - a fresh parse of the source from the split renders exactly like the
//     blocks after the split did in the parse of the whole tail;
//   - none of the blocks contains text, outside code, with a ']': it may be
//     an unresolved reference link, [x] or [text][x], which a definition of
//     x arriving later would turn into a link;
//   - every reference link in the blocks uses a definition in an earlier
//     chunk or in the blocks themselves, not one that is still growing.
//
// The link reference definitions in finished chunks are handed to the
// parser for the tail, so references after them resolve as in HTML. An
// answer whose prose holds a literal ']' that no definition resolves (like
// "a[0]" outside backticks) is not split after that block: the rest stays
// in the tail and is rendered in full on every Update, as with
// HTMLStreaming, until a definition resolves it.
//
// The zero value is ready to use. A Stream is not safe for concurrent use.
type Stream struct {
	// started is set by the first Update.
	started bool
	// src is the source passed to the last Update.
	src string
	// pos is the offset in src where the tail starts: the blocks before it
	// are rendered in done.
	pos int
	// done holds the HTML of the finished blocks, one string per chunk.
	done []string
	// head goes before the next chunk or the tail: the wrapper's opening tag
	// until the first chunk is out, then the newlines that the HTML of the
	// last chunk ended with. Newlines are held back because HTML trims them
	// at the end of the document.
	head string
	// tail is the HTML of the unfinished blocks, with the closing tag.
	tail string
	// refs are the link reference definitions in done, in source order,
	// and refKeys their normalised labels.
	refs    []parser.Reference
	refKeys map[string]bool
}

// Update takes the whole source so far (each call's src extends the previous one; if it does not, start over) and returns the HTML of the finished top-level blocks, one string per chunk of finished blocks (earlier strings are returned unchanged, the very same string values, so a UI can skip them cheaply), and the HTML of the unfinished tail (rendered like HTMLStreaming).
//
// strings.Join(done, "")+tail always equals HTMLStreaming(src): done[0]
// starts with the opening tag of the wrapper element and tail ends with its
// closing tag, so the strings are not single elements on their own, and a
// chunk after the first may start with a newline. When src does not extend
// the previous source, done starts again from nothing. The caller must not
// modify the returned slice.
//
// The work done is proportional to the length of the tail plus the new
// text, apart from a comparison of src with the previous source.
func (s *Stream) Update(src string) (done []string, tail string) {
	switch {
	case s.started && src == s.src:
	case s.started && strings.HasPrefix(src, s.src):
		s.src = src
		s.advance()
	default:
		*s = Stream{started: true, src: src, head: openTag}
		s.advance()
	}
	return s.done[:len(s.done):len(s.done)], s.tail
}

// advance renders the tail of s.src, moves the finished blocks of it into
// s.done and sets s.tail.
func (s *Stream) advance() {
	source := []byte(s.src[s.pos:])
	r, err := s.split(source)
	if err != nil {
		s.tail = s.fallbackTail(source)
		return
	}
	if r.cut > 0 {
		s.commit(r.chunk)
		s.pos += r.cut
		for _, d := range r.defs {
			s.refs = append(s.refs, d.ref)
			if s.refKeys == nil {
				s.refKeys = map[string]bool{}
			}
			s.refKeys[d.key] = true
		}
	}
	if t := strings.TrimRight(r.rest, "\n"); t != "" {
		s.tail = s.head + t + closeTag
	} else {
		s.tail = strings.TrimRight(s.head, "\n") + closeTag
	}
}

// commit appends the HTML of newly finished blocks to s.done.
func (s *Stream) commit(chunk string) {
	t := strings.TrimRight(chunk, "\n")
	if t == "" {
		s.head += chunk
		return
	}
	s.done = append(s.done, s.head+t)
	s.head = chunk[len(t):]
}

// fallbackTail returns the tail as escaped preformatted text, as HTML does
// for a whole document when goldmark fails.
func (s *Stream) fallbackTail(source []byte) string {
	if len(s.done) == 0 {
		return fallback(s.src)
	}
	return s.head + "<pre>" + html.EscapeString(string(source)) + "</pre>" + closeTag
}

// splitResult is what split found in the tail.
type splitResult struct {
	// chunk is the HTML of the finished blocks at the start of the tail,
	// rest the HTML of the others. Neither is wrapped or trimmed.
	chunk, rest string
	// cut is the offset in the tail where the unfinished blocks start; 0 if
	// no block is finished.
	cut int
	// defs are the link reference definitions in the finished blocks.
	defs []def
}

// split parses source, the tail of the answer, and renders it, separating
// the finished blocks at its start from the others.
func (s *Stream) split(source []byte) (r splitResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("markdown: goldmark panicked: %v", p)
		}
	}()
	doc := s.parse(source, nil)
	n, cut, defs := s.finished(doc, source)
	if n == 0 {
		r.rest, err = renderNode(doc, source)
		return r, err
	}
	// Render the finished blocks and the others as two documents: goldmark
	// renders top-level blocks independently of their siblings.
	first := ast.NewDocument()
	for range n {
		c := doc.FirstChild()
		doc.RemoveChild(doc, c)
		first.AppendChild(first, c)
	}
	if r.chunk, err = renderNode(first, source); err != nil {
		return r, err
	}
	if r.rest, err = renderNode(doc, source); err != nil {
		return r, err
	}
	// Check that parsing from the cut, as the next Update will, gives the
	// same blocks.
	fresh, err := renderNode(s.parse(source[cut:], defs), source[cut:])
	if err != nil {
		return r, err
	}
	if fresh != r.rest {
		return splitResult{rest: r.chunk + r.rest}, nil
	}
	r.cut, r.defs = cut, defs
	return r, nil
}

// parse parses source with md's parser, knowing the link reference
// definitions of the finished blocks and then more.
func (s *Stream) parse(source []byte, more []def) ast.Node {
	pc := parser.NewContext()
	for _, ref := range s.refs {
		pc.AddReference(ref)
	}
	for _, d := range more {
		pc.AddReference(d.ref)
	}
	return md.Parser().Parse(text.NewReader(source), parser.WithContext(pc))
}

// errRender is returned by renderNode when the renderer fails.
var errRender = errors.New("markdown: rendering failed")

// renderNode renders a document parsed from source with md's renderer.
func renderNode(doc ast.Node, source []byte) (string, error) {
	var buf bytes.Buffer
	buf.Grow(len(source) + len(source)/4)
	if err := md.Renderer().Render(&buf, source, doc); err != nil {
		return "", fmt.Errorf("%w: %w", errRender, err)
	}
	return buf.String(), nil
}

// finished returns how many top-level blocks at the start of doc, parsed
// from source, are finished, the offset in source of the line where the
// first unfinished block starts, and the link reference definitions in the
// finished blocks.
//
// The blocks are finished if a later top-level block starts on a complete
// line of source, none of them holds text that may be an unresolved
// reference link, and every reference link in them uses a definition that
// is itself finished: one in an earlier chunk or in these blocks.
func (s *Stream) finished(doc ast.Node, source []byte) (n, cut int, defs []def) {
	var (
		prev    = 0 // where the line of the previous block starts
		labels  map[string]bool
		pending map[string]bool // labels used but not defined in a finished block
		ndefs   int             // len(defs) at the cut
	)
	i := 0
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		// A block whose position is unknown, or that starts on the line of
		// the previous one (a table that took the last lines of a
		// paragraph), is no place to cut, but a later block may be.
		if p := c.Pos(); p >= 0 && p < len(source) {
			if bytes.IndexByte(source[p:], '\n') < 0 {
				break // on the last line, which may still change
			}
			start := bytes.LastIndexByte(source[:p], '\n') + 1
			if i > 0 && start > prev && len(pending) == 0 && !fragment(c, source, start) {
				n, cut, ndefs = i, start, len(defs)
			}
			prev = max(prev, start)
		}
		info, ok := refInfo(c, source)
		if !ok {
			break
		}
		for _, d := range info.defs {
			if labels == nil {
				labels = map[string]bool{}
			}
			labels[d.key] = true
			delete(pending, d.key)
			defs = append(defs, d)
		}
		for _, key := range info.uses {
			if !labels[key] && !s.refKeys[key] {
				if pending == nil {
					pending = map[string]bool{}
				}
				pending[key] = true
			}
		}
		i++
	}
	return n, cut, defs[:ndefs]
}

// fragment reports whether the top-level block c, which starts on the line
// at offset start of source, may be a part of the same paragraph as the
// block before it. goldmark splits a paragraph when it closes it: link
// reference definitions at its start become blocks of their own, and so
// does a table in it, but while the paragraph is still open the lines that
// arrive may change those parts (a definition's title may go on on the
// next line). Two such parts are a definition or paragraph followed, with
// no blank line between them, by a definition, paragraph or table; every
// other pair of blocks is separated by a line that closed the first.
func fragment(c ast.Node, source []byte, start int) bool {
	switch c.PreviousSibling().(type) {
	case *ast.Paragraph, *ast.LinkReferenceDefinition:
	default:
		return false
	}
	switch c.(type) {
	case *ast.Paragraph, *ast.LinkReferenceDefinition, *east.Table:
	default:
		return false
	}
	line := source[bytes.LastIndexByte(source[:start-1], '\n')+1 : start-1]
	return !util.IsBlank(line)
}

// blockRefs is how a block depends on link reference definitions.
type blockRefs struct {
	// defs are the definitions in the block, in source order.
	defs []def
	// uses are the normalised labels of its reference links and images.
	uses []string
}

// def is a link reference definition.
type def struct {
	key string // the normalised label
	ref parser.Reference
}

// refInfo returns the link reference definitions that block n holds and the
// labels it uses. It returns false if n holds text, outside code, with a
// ']': the rest of an unresolved reference link, which a definition that
// arrives later would turn into a link.
func refInfo(n ast.Node, source []byte) (info blockRefs, ok bool) {
	ok = true
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.LinkReferenceDefinition:
			info.defs = append(info.defs, def{
				key: util.ToLinkReference(n.Label),
				ref: parser.NewReference(bytes.Clone(n.Label), bytes.Clone(n.Destination), bytes.Clone(n.Title)),
			})
		case *ast.Link:
			if n.Reference != nil {
				info.uses = append(info.uses, util.ToLinkReference(n.Reference.Value))
			}
		case *ast.Image:
			if n.Reference != nil {
				info.uses = append(info.uses, util.ToLinkReference(n.Reference.Value))
			}
		case *ast.CodeSpan:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			ok = bytes.IndexByte(n.Segment.Value(source), ']') < 0
		case *ast.String:
			ok = bytes.IndexByte(n.Value, ']') < 0
		}
		if !ok {
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return info, ok
}
