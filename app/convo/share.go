package convo

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
)

// Share link limits and names.
const (
	// ShareParam is the query parameter holding the payload of a share
	// link; the model and provider are the plain "model" and "provider"
	// parameters the playground already reads.
	ShareParam = "s"
	// DefaultShareLimit is a conservative length for the query of a share
	// link: URLs up to about 8000 characters pass browsers, proxies and
	// chat apps.
	DefaultShareLimit = 8000
	// MaxSharePayload bounds the decoded (decompressed) JSON payload of a
	// share link.
	MaxSharePayload = 1 << 20
	// maxShareName bounds the model and provider names of a link.
	maxShareName = 256
)

// Payload formats, the first character of the "s" parameter.
const (
	// formatJSON is the JSON payload in unpadded base64url.
	formatJSON = 'j'
	// formatDeflate is the JSON payload compressed with raw DEFLATE (best
	// compression), in unpadded base64url.
	formatDeflate = 'z'
)

// ErrShareTooLong is wrapped by [EncodeShare]'s error when the link does not
// fit its length limit even without any message.
var ErrShareTooLong = errors.New("the share link is too long")

// reservedParams cannot be shared as parameters: they are carried elsewhere
// in the link or built by the playground.
var reservedParams = []string{"model", "messages"}

// Share is what a share link carries: the setup and the conversation.
type Share struct {
	// Model is the model ID.
	Model string
	// Provider names the provider, for a model several providers serve.
	Provider string
	// Params holds the request parameters that are set, as JSON values by
	// name; "model" and "messages" cannot be among them (they are carried
	// by the other fields).
	Params map[string]json.RawMessage
	// Conversation is the system prompt and messages.
	Conversation Conversation
	// Prompt is the message being written and not yet sent (an image model's prompt).
	Prompt string
	// Op is the operation's path when it is not the model's main one (the page's ?op=).
	Op string
	// Inputs are the texts of a run area that takes several (an embedding model's).
	Inputs []string
}

// sharePayload is the JSON carried by the "s" parameter.
type sharePayload struct {
	Params   map[string]json.RawMessage `json:"params,omitempty"`
	System   string                     `json:"system,omitempty"`
	Messages []Message                  `json:"messages,omitempty"`
	Prompt   string                     `json:"prompt,omitempty"`
	Inputs   []string                   `json:"inputs,omitempty"`
}

// sharePayloadWire is sharePayload as read, with messages kept raw.
type sharePayloadWire struct {
	Params   map[string]json.RawMessage `json:"params"`
	System   string                     `json:"system"`
	Messages []json.RawMessage          `json:"messages"`
	Prompt   string                     `json:"prompt"`
	Inputs   []string                   `json:"inputs"`
}

// ShareLink is an encoded share link and what was left out of it.
type ShareLink struct {
	// Query is the query string to append to "/?": model=…&provider=…&s=…,
	// each part present only when needed (so a bare model gives the
	// playground's usual ?model= link).
	Query string
	// Compressed reports whether the payload is compressed (it is when
	// that is shorter).
	Compressed bool
	// DroppedData is the number of attachments whose data: URL was left
	// out; they are kept by name, with an empty URL.
	DroppedData int
	// DroppedReasoning is the number of messages whose reasoning was left
	// out to fit the length limit.
	DroppedReasoning int
	// DroppedMessages is the number of oldest messages left out to fit the
	// length limit.
	DroppedMessages int
}

// Notes describes, in sentences for the user, what was left out of the
// link; it is empty when nothing was.
func (l ShareLink) Notes() []string {
	var notes []string
	if n := l.DroppedData; n > 0 {
		notes = append(notes, fmt.Sprintf("The content of %s left out (uploaded files are too big for a link); the names are kept.", countWas(n, "attachment")))
	}
	if n := l.DroppedReasoning; n > 0 {
		notes = append(notes, fmt.Sprintf("The reasoning of %s was left out to keep the link short enough.", count(n, "message")))
	}
	if n := l.DroppedMessages; n > 0 {
		notes = append(notes, fmt.Sprintf("The oldest %s left out to keep the link short enough.", countWas(n, "message")))
	}
	return notes
}

// count returns "1 noun" or "n nouns".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// countWas returns "1 noun was" or "n nouns were".
func countWas(n int, noun string) string {
	if n == 1 {
		return count(n, noun) + " was"
	}
	return count(n, noun) + " were"
}

// EncodeShare encodes s as the query of a share link whose length is at
// most maxLen (no limit when maxLen ≤ 0; [DefaultShareLimit] is a sensible
// value).
//
// The model and provider are plain parameters; everything else is a JSON
// payload in the "s" parameter, whose first character says how the rest is
// written: "j" for base64url JSON, "z" for base64url raw DEFLATE, whichever
// is shorter. To fit, the link leaves out, in order and reporting each in
// the returned [ShareLink]: the content of attachments with data: URLs
// (always; kept by name), then the reasoning of every message, then the
// oldest messages, a whole exchange at a time so that the conversation
// still starts with a user message. When the setup alone (model,
// parameters, system prompt and unsent prompt) does not fit, the error wraps
// [ErrShareTooLong].
//
// s is not modified. It must be valid by [DecodeShare]'s rules, so that
// every link decodes.
func EncodeShare(s Share, maxLen int) (ShareLink, error) {
	var link ShareLink
	if err := checkShareName("model", s.Model); err != nil {
		return link, fmt.Errorf("convo: share: %w", err)
	}
	if err := checkShareName("provider", s.Provider); err != nil {
		return link, fmt.Errorf("convo: share: %w", err)
	}
	params, err := checkParams(s.Params, "params", reservedParams...)
	if err != nil {
		return link, fmt.Errorf("convo: share: %w", err)
	}
	if err := validateMessages(s.Conversation.Messages, "messages", true); err != nil {
		return link, fmt.Errorf("convo: share: %w", err)
	}
	if err := checkOp(s.Op); err != nil {
		return link, fmt.Errorf("convo: share: %w", err)
	}
	msgs, n := stripData(s.Conversation.Messages)
	link.DroppedData = n
	p := sharePayload{Params: params, System: s.Conversation.System, Messages: msgs, Prompt: s.Prompt, Inputs: s.Inputs}

	fits := func(p sharePayload) (ShareLink, bool, error) {
		l := link
		q, compressed, err := shareQuery(s.Model, s.Provider, s.Op, p)
		if err != nil {
			return l, false, err
		}
		l.Query, l.Compressed = q, compressed
		return l, maxLen <= 0 || len(q) <= maxLen, nil
	}
	l, ok, err := fits(p)
	if ok || err != nil {
		return l, err
	}
	// Leave the reasoning out.
	if n := countReasoning(p.Messages); n > 0 {
		p.Messages = withoutReasoning(p.Messages)
		link.DroppedReasoning = n
		if l, ok, err = fits(p); ok || err != nil {
			return l, err
		}
	}
	// Leave the oldest exchanges out: find the fewest that make it fit.
	all := p.Messages
	cuts := exchangeStarts(all)
	var searchErr error
	i := sort.Search(len(cuts), func(k int) bool {
		q := p
		q.Messages = all[cuts[k]:]
		_, ok, err := fits(q)
		if err != nil {
			searchErr = err
			return true
		}
		return ok
	})
	if searchErr != nil {
		return ShareLink{}, searchErr
	}
	p.Messages = nil
	if i < len(cuts) {
		p.Messages = all[cuts[i]:]
	}
	link.DroppedMessages = len(all) - len(p.Messages)
	link.DroppedReasoning = countReasoning(msgs[link.DroppedMessages:]) // the reasoning of dropped messages is not counted twice
	l, ok, err = fits(p)
	if err != nil {
		return ShareLink{}, err
	}
	if !ok {
		return ShareLink{}, fmt.Errorf("convo: share: %w: it needs %d characters without any message, over the limit of %d; shorten the system prompt, the parameters or the unsent message", ErrShareTooLong, len(l.Query), maxLen)
	}
	return l, nil
}

// checkShareName checks the model or provider name of a share link.
func checkShareName(field, s string) error {
	if err := checkName(s, maxShareName); err != nil {
		return &FieldError{Path: field, Err: err}
	}
	return nil
}

// stripData returns msgs with the data: URLs of attachments emptied, and how
// many were; msgs itself is not modified.
func stripData(msgs []Message) ([]Message, int) {
	n := 0
	var out []Message
	for i, m := range msgs {
		var atts []Attachment
		for j, a := range m.Attachments {
			if !isDataURL(a.URL) {
				continue
			}
			if atts == nil {
				atts = append([]Attachment(nil), m.Attachments...)
			}
			atts[j].URL = ""
			n++
		}
		if atts == nil {
			continue
		}
		if out == nil {
			out = append([]Message(nil), msgs...)
		}
		out[i].Attachments = atts
	}
	if out == nil {
		return msgs, 0
	}
	return out, n
}

// countReasoning counts the messages with reasoning.
func countReasoning(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		if m.Reasoning != "" {
			n++
		}
	}
	return n
}

// withoutReasoning returns a copy of msgs without reasoning.
func withoutReasoning(msgs []Message) []Message {
	out := append([]Message(nil), msgs...)
	for i := range out {
		out[i].Reasoning = ""
	}
	return out
}

// exchangeStarts returns the numbers of oldest messages that can be left out
// so that the rest starts with a user message, in increasing order, ending
// with len(msgs) (all of them).
func exchangeStarts(msgs []Message) []int {
	var cuts []int
	for i, m := range msgs {
		if i > 0 && m.Role == RoleUser {
			cuts = append(cuts, i)
		}
	}
	return append(cuts, len(msgs))
}

// shareQuery builds the query of a link, choosing the shorter payload form.
func shareQuery(model, provider, op string, p sharePayload) (string, bool, error) {
	var parts []string
	if model != "" {
		parts = append(parts, "model="+url.QueryEscape(model))
	}
	if provider != "" {
		parts = append(parts, "provider="+url.QueryEscape(provider))
	}
	if op != "" {
		parts = append(parts, "op="+url.QueryEscape(op))
	}
	compressed := false
	if len(p.Params) > 0 || p.System != "" || len(p.Messages) > 0 || p.Prompt != "" || len(p.Inputs) > 0 {
		js, err := marshalCompact(p)
		if err != nil {
			return "", false, fmt.Errorf("convo: share: %w", err)
		}
		payload := string(formatJSON) + base64.RawURLEncoding.EncodeToString(js)
		var z bytes.Buffer
		w, err := flate.NewWriter(&z, flate.BestCompression)
		if err != nil {
			return "", false, fmt.Errorf("convo: share: %w", err)
		}
		if _, err := w.Write(js); err != nil {
			return "", false, fmt.Errorf("convo: share: compressing: %w", err)
		}
		if err := w.Close(); err != nil {
			return "", false, fmt.Errorf("convo: share: compressing: %w", err)
		}
		if zp := string(formatDeflate) + base64.RawURLEncoding.EncodeToString(z.Bytes()); len(zp) < len(payload) {
			payload, compressed = zp, true
		}
		parts = append(parts, ShareParam+"="+payload)
	}
	return strings.Join(parts, "&"), compressed, nil
}

// DecodeShare decodes the query of a share link, as made by [EncodeShare].
// q may start with "?" or be a whole URL (the part after the first "?" is
// read, up to any "#"). Other parameters are ignored, so a plain
// ?model=…&provider=… link gives a Share with just those, and a query
// without any gives the zero Share.
//
// Decoding is strict: "model", "provider" and "s" may appear once; the
// payload must be at most [MaxSharePayload] bytes once decompressed (a
// larger one is an error, and no more is read); unknown members and values
// of the wrong type are errors; roles must be user, assistant or tool; and
// attachment URLs must be http(s) (or empty). Errors name the field, such as
// s: messages[3].role. Empty parameter maps and arrays decode as nil and
// parameter values are compacted, so equal links decode to equal values.
func DecodeShare(q string) (Share, error) {
	var s Share
	if _, after, ok := strings.Cut(q, "?"); ok {
		q = after
	}
	q, _, _ = strings.Cut(q, "#")
	vals, err := url.ParseQuery(q)
	if err != nil {
		return s, fmt.Errorf("convo: share link: %w", err)
	}
	one := func(name string) (string, error) {
		v := vals[name]
		switch len(v) {
		case 0:
			return "", nil
		case 1:
			return v[0], nil
		}
		return "", fmt.Errorf("convo: share link: %w", fieldErrorf(name, "is given %d times", len(v)))
	}
	if s.Model, err = one("model"); err != nil {
		return Share{}, err
	}
	if s.Provider, err = one("provider"); err != nil {
		return Share{}, err
	}
	if s.Op, err = one("op"); err != nil {
		return Share{}, err
	}
	if err := checkOp(s.Op); err != nil {
		return Share{}, fmt.Errorf("convo: share link: %w", err)
	}
	payload, err := one(ShareParam)
	if err != nil {
		return Share{}, err
	}
	if err := checkShareName("model", s.Model); err != nil {
		return Share{}, fmt.Errorf("convo: share link: %w", err)
	}
	if err := checkShareName("provider", s.Provider); err != nil {
		return Share{}, fmt.Errorf("convo: share link: %w", err)
	}
	if _, ok := vals[ShareParam]; !ok {
		return s, nil
	}
	p, err := decodeSharePayload(payload)
	if err != nil {
		return Share{}, fmt.Errorf("convo: share link: %w", err)
	}
	s.Params, s.Prompt, s.Inputs = p.Params, p.Prompt, p.Inputs
	s.Conversation = Conversation{System: p.System, Messages: p.Messages}
	return s, nil
}

// decodeSharePayload decodes the "s" parameter.
func decodeSharePayload(payload string) (sharePayload, error) {
	var p sharePayload
	if payload == "" {
		return p, fieldErrorf(ShareParam, "is empty")
	}
	if enc := len(payload) - 1; enc > base64.RawURLEncoding.EncodedLen(MaxSharePayload) {
		return p, fieldErrorf(ShareParam, "is %d characters long, over the limit of %d", enc, base64.RawURLEncoding.EncodedLen(MaxSharePayload))
	}
	data, err := base64.RawURLEncoding.Strict().DecodeString(payload[1:])
	if err != nil {
		return p, &FieldError{Path: ShareParam, Err: fmt.Errorf("not valid base64url: %w", err)}
	}
	switch payload[0] {
	case formatJSON:
	case formatDeflate:
		if data, err = inflate(data, MaxSharePayload); err != nil {
			return p, &FieldError{Path: ShareParam, Err: err}
		}
	default:
		return p, fieldErrorf(ShareParam, "unknown format %q (the link may come from a newer version of the playground)", payload[:1])
	}
	var w sharePayloadWire
	if err := decodeJSON(data, "", &w, true); err != nil {
		return p, prefixPath(ShareParam, err)
	}
	if p.Params, err = checkParams(w.Params, "params", reservedParams...); err != nil {
		return p, prefixPath(ShareParam, err)
	}
	if p.Messages, err = decodeMessages(w.Messages, "messages", true); err != nil {
		return p, prefixPath(ShareParam, err)
	}
	if err := validateMessages(p.Messages, "messages", false); err != nil {
		return p, prefixPath(ShareParam, err)
	}
	if len(w.Inputs) > MaxShareInputs {
		return p, fieldErrorf(ShareParam+": inputs", "holds %d texts, over the limit of %d", len(w.Inputs), MaxShareInputs)
	}
	if len(w.Inputs) > 0 {
		p.Inputs = w.Inputs
	}
	p.System, p.Prompt = w.System, w.Prompt
	return p, nil
}

// MaxShareInputs is the most texts a share link's inputs may hold.
const MaxShareInputs = 64

// checkOp checks the operation of a share link: empty, or a path of at most 512 bytes.
func checkOp(op string) error {
	if op == "" {
		return nil
	}
	if len(op) > 512 || !strings.HasPrefix(op, "/") || strings.ContainsAny(op, "?#\\ ") {
		return fieldErrorf("op", "is not an operation path")
	}
	if err := checkName(op, 512); err != nil {
		return &FieldError{Path: "op", Err: err}
	}
	return nil
}

// prefixPath returns err with its field path under prefix ("s: messages[0]").
func prefixPath(prefix string, err error) error {
	if fe, ok := err.(*FieldError); ok {
		if fe.Path == "" {
			return &FieldError{Path: prefix, Err: fe.Err}
		}
		return &FieldError{Path: prefix + ": " + fe.Path, Err: fe.Err}
	}
	return &FieldError{Path: prefix, Err: err}
}

// inflate decompresses raw DEFLATE data, failing once more than limit bytes
// come out: a zip bomb costs at most about twice limit in allocations.
func inflate(data []byte, limit int) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(data))
	defer r.Close()
	buf := make([]byte, 0, min(limit+1, max(4*len(data), 4<<10)))
	for {
		if len(buf) == cap(buf) {
			if len(buf) > limit {
				return nil, fmt.Errorf("decompresses to more than %d bytes", limit)
			}
			buf = append(buf, make([]byte, min(cap(buf), limit+1-len(buf)))...)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("decompressing: %w", err)
		}
	}
	if len(buf) > limit {
		return nil, fmt.Errorf("decompresses to more than %d bytes", limit)
	}
	return buf, nil
}
