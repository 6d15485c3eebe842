package convo

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// History limits and format.
const (
	// HistoryVersion is the version of the format written by
	// [MarshalHistory]; [UnmarshalHistory] reads it and no other.
	HistoryVersion = 1
	// MaxSaved is the number of conversations the history keeps.
	MaxSaved = 50
	// MaxHistoryBytes is the default bound on the history's JSON size, well
	// inside the 5 MB browsers give localStorage (which counts UTF-16 code
	// units, never more than UTF-8 bytes).
	MaxHistoryBytes = 4 << 20
	// TitleLength is the most characters a title made by [Title] has.
	TitleLength = 60
	// maxIDLength bounds a saved conversation's ID.
	maxIDLength = 128
)

// NewConversationTitle is the title of a conversation without a user
// message.
const NewConversationTitle = "New conversation"

// Saved is one conversation as saved in the browser.
type Saved struct {
	// ID identifies the conversation; see [NewID].
	ID string `json:"id"`
	// Title is shown in the list of saved conversations; see [Title].
	Title string `json:"title"`
	// Updated is when the conversation last changed; the history is
	// ordered by it, newest first.
	Updated time.Time `json:"updated"`
	// Model is the model ID.
	Model string `json:"model,omitempty"`
	// Provider names the provider, for a model several providers serve.
	Provider string `json:"provider,omitempty"`
	// Params holds the request parameters that are set, as JSON values by
	// name.
	Params map[string]json.RawMessage `json:"params,omitempty"`
	// Conversation is the system prompt and messages.
	Conversation Conversation `json:"conversation"`
	// Kind names the model's endpoint kind when it is not a conversation (images,
	// embeddings); its runs are then in Runs.
	Kind string `json:"kind,omitempty"`
	// Op is the operation's path when it is not the model's main one (see ?op=).
	Op string `json:"op,omitempty"`
	// Runs are the runs of a kind that is not a conversation, oldest first.
	Runs []Run `json:"runs,omitempty"`
}

// MaxRuns is the number of runs a saved entry keeps (the newest).
const MaxRuns = 20

// Run is one run of a kind that is not a conversation, as the history keeps it: what the run
// area sent and what came back, in the kind's kept form (files by URL, never their bytes).
type Run struct {
	// At is when the run ended.
	At time.Time `json:"at"`
	// Prompt is the text prompt, for kinds that take one (images).
	Prompt string `json:"prompt,omitempty"`
	// Inputs are the texts sent, for kinds that take several (embeddings).
	Inputs []string `json:"inputs,omitempty"`
	// TookMS is how long the call took, in milliseconds.
	TookMS int64 `json:"took_ms,omitempty"`
	// Result is the answer in the kind's kept form; absent when the run failed.
	Result json.RawMessage `json:"result,omitempty"`
	// Error is what went wrong, as shown.
	Error string `json:"error,omitempty"`
	// Job is the generation the run started, for the job kinds (video, music, speech to
	// text): kept from its start, so that a reload picks it up where it was.
	Job *Job `json:"job,omitempty"`
}

// Job is a generation a run started and polls.
type Job struct {
	// ID is the generation id.
	ID string `json:"id"`
	// Poll is the GET path (with its query) that polls it, below the API root.
	Poll string `json:"poll"`
	// Started is when it was created.
	Started time.Time `json:"started"`
	// Status is its last known status (see kind's Status constants).
	Status string `json:"status,omitempty"`
	// Polls counts its polls so far.
	Polls int `json:"polls,omitempty"`
	// Stopped reports that the user stopped waiting for it.
	Stopped bool `json:"stopped,omitempty"`
	// Ended reports that it will not be polled again: it completed or failed, or the server no
	// longer follows it.
	Ended bool `json:"ended,omitempty"`
}

// RunsTitle is a title for an entry of runs: the first run's prompt or first input, like [Title].
func RunsTitle(runs []Run) string {
	for _, r := range runs {
		for _, t := range append([]string{r.Prompt}, r.Inputs...) {
			if t = strings.Join(strings.Fields(t), " "); t != "" {
				return shorten(t, TitleLength)
			}
		}
	}
	return NewConversationTitle
}

// checkRuns checks the runs of an entry: a kind that is a name, results that are JSON.
func checkRuns(s Saved, path string) error {
	if err := checkName(s.Kind, maxShareName); err != nil {
		return &FieldError{Path: joinPath(path, "kind"), Err: err}
	}
	if err := checkOp(s.Op); err != nil {
		return &FieldError{Path: joinPath(path, "op"), Err: errors.Unwrap(err)}
	}
	if len(s.Runs) > 0 && s.Kind == "" {
		return fieldErrorf(joinPath(path, "kind"), "is required with runs")
	}
	for i, r := range s.Runs {
		if len(r.Result) > 0 && !json.Valid(r.Result) {
			return fieldErrorf(joinPath(path, fmt.Sprintf("runs[%d].result", i)), "is not JSON")
		}
	}
	return nil
}

// NewID returns a new random conversation ID (26 characters of base32).
func NewID() string {
	return rand.Text()
}

// Title returns a title for c: the text of the first user message with
// text, on one line, shortened to at most [TitleLength] characters at a
// word boundary (with "…" when cut); else the name of the first attachment;
// else [NewConversationTitle].
func Title(c Conversation) string {
	for _, m := range c.Messages {
		if m.Role != RoleUser {
			continue
		}
		if t := strings.Join(strings.Fields(m.Text), " "); t != "" {
			return shorten(t, TitleLength)
		}
	}
	for _, m := range c.Messages {
		for _, a := range m.Attachments {
			if t := strings.Join(strings.Fields(a.Name), " "); t != "" {
				return shorten(t, TitleLength)
			}
		}
	}
	return NewConversationTitle
}

// shorten cuts s to at most n runes, ending with "…", at the last space
// when that keeps at least half of the text.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	keep := n - 1 // room for the ellipsis
	cut := keep
	// r[keep] is the first rune left out: a space there is a word boundary.
	for i := keep; i > keep/2; i-- {
		if unicode.IsSpace(r[i]) {
			cut = i
			break
		}
	}
	t := strings.TrimRightFunc(string(r[:cut]), func(c rune) bool {
		return unicode.IsSpace(c) || strings.ContainsRune(",;:-–—", c)
	})
	return t + "…"
}

// History is the list of saved conversations, newest first.
type History struct {
	// Items are the conversations, ordered by Updated, newest first.
	Items []Saved
}

// checkSaved checks s and returns it with its params compacted.
func checkSaved(s Saved, path string) (Saved, error) {
	if s.ID == "" {
		return s, fieldErrorf(joinPath(path, "id"), "is required")
	}
	if err := checkName(s.ID, maxIDLength); err != nil {
		return s, &FieldError{Path: joinPath(path, "id"), Err: err}
	}
	for _, f := range []struct{ name, v string }{{"model", s.Model}, {"provider", s.Provider}} {
		if err := checkName(f.v, maxShareName); err != nil {
			return s, &FieldError{Path: joinPath(path, f.name), Err: err}
		}
	}
	params, err := checkParams(s.Params, joinPath(path, "params"))
	if err != nil {
		return s, err
	}
	s.Params = params
	if err := validateMessages(s.Conversation.Messages, joinPath(path, "conversation.messages"), true); err != nil {
		return s, err
	}
	if err := checkRuns(s, path); err != nil {
		return s, err
	}
	if len(s.Runs) > MaxRuns {
		s.Runs = s.Runs[len(s.Runs)-MaxRuns:]
	}
	return s, nil
}

// Upsert returns the history with s added, or replacing the conversation
// with the same ID, in order of Updated (newest first; s goes before others
// updated at the same time). A blank Title is set by [Title]. Beyond
// [MaxSaved] conversations, the oldest are dropped. s must have an ID, and
// valid params and conversation ([Conversation.Validate]). h is not
// modified.
func (h History) Upsert(s Saved) (History, error) {
	s, err := checkSaved(s, "")
	if err != nil {
		return h, fmt.Errorf("convo: saving conversation %q: %w", s.ID, err)
	}
	if strings.TrimSpace(s.Title) == "" {
		s.Title = Title(s.Conversation)
		if len(s.Runs) > 0 {
			s.Title = RunsTitle(s.Runs)
		}
	}
	items := make([]Saved, 0, len(h.Items)+1)
	for _, it := range h.Items {
		if it.ID != s.ID {
			items = append(items, it)
		}
	}
	at := len(items)
	for i, it := range items {
		if !s.Updated.Before(it.Updated) {
			at = i
			break
		}
	}
	items = slices.Insert(items, at, s)
	if len(items) > MaxSaved {
		items = items[:MaxSaved]
	}
	return History{Items: items}, nil
}

// Remove returns the history without the conversation with the given ID.
// h is not modified.
func (h History) Remove(id string) History {
	items := make([]Saved, 0, len(h.Items))
	for _, it := range h.Items {
		if it.ID != id {
			items = append(items, it)
		}
	}
	return History{Items: items}
}

// Find returns the conversation with the given ID.
func (h History) Find(id string) (Saved, bool) {
	for _, it := range h.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Saved{}, false
}

// Trimmed says what [MarshalHistory] left out to keep the history within
// its bounds.
type Trimmed struct {
	// DroppedData is the number of attachments whose data: URL was left
	// out (they are kept by name, with an empty URL).
	DroppedData int
	// Dropped holds the IDs of the conversations left out.
	Dropped []string
}

// Notes describes, in sentences for the user, what was left out; it is
// empty when nothing was.
func (t Trimmed) Notes() []string {
	var notes []string
	if n := t.DroppedData; n > 0 {
		notes = append(notes, fmt.Sprintf("The content of %s not saved, to keep the history within the browser's storage; the names are kept.", countWas(n, "attachment")))
	}
	if n := len(t.Dropped); n > 0 {
		notes = append(notes, fmt.Sprintf("The oldest %s removed from the history to make room.", countWas(n, "conversation")))
	}
	return notes
}

// historyPrefix and historySuffix surround the items of the stored history.
var (
	historyPrefix = `{"version":` + strconv.Itoa(HistoryVersion) + `,"items":[`
	historySuffix = `]}`
)

// MarshalHistory encodes h for localStorage as
// {"version":1,"items":[…]}, keeping it within bounds: the [MaxSaved]
// newest conversations, and at most maxBytes bytes ([MaxHistoryBytes] when
// maxBytes ≤ 0). To fit, it first leaves out the content of data: URL
// attachments, from the oldest conversation to the newest, then whole
// conversations, oldest first (even the last one, if it alone is too big).
// What was left out is reported in the [Trimmed]. h is not modified. An
// item that [UnmarshalHistory] would refuse (no ID, a role it does not
// know, …) is an error naming it.
func MarshalHistory(h History, maxBytes int) ([]byte, Trimmed, error) {
	var tr Trimmed
	if maxBytes <= 0 {
		maxBytes = MaxHistoryBytes
	}
	items := make([]Saved, len(h.Items))
	for i, it := range h.Items {
		s, err := checkSaved(it, fmt.Sprintf("items[%d]", i))
		if err != nil {
			return nil, tr, fmt.Errorf("convo: history: %w", err)
		}
		items[i] = s
	}
	slices.SortStableFunc(items, func(a, b Saved) int { return b.Updated.Compare(a.Updated) })
	if len(items) > MaxSaved {
		for _, it := range items[MaxSaved:] {
			tr.Dropped = append(tr.Dropped, it.ID)
		}
		items = items[:MaxSaved]
	}
	enc := make([][]byte, len(items))
	total := len(historyPrefix) + len(historySuffix)
	for i := range items {
		b, err := marshalCompact(items[i])
		if err != nil {
			return nil, tr, fmt.Errorf("convo: history: items[%d]: %w", i, err)
		}
		enc[i] = b
		total += len(b)
		if i > 0 {
			total++ // the comma
		}
	}
	for i := len(items) - 1; i >= 0 && total > maxBytes; i-- {
		msgs, n := stripData(items[i].Conversation.Messages)
		if n == 0 {
			continue
		}
		items[i].Conversation.Messages = msgs
		b, err := marshalCompact(items[i])
		if err != nil {
			return nil, tr, fmt.Errorf("convo: history: items[%d]: %w", i, err)
		}
		total += len(b) - len(enc[i])
		enc[i] = b
		tr.DroppedData += n
	}
	for len(enc) > 0 && total > maxBytes {
		last := len(enc) - 1
		total -= len(enc[last])
		if last > 0 {
			total--
		}
		tr.Dropped = append(tr.Dropped, items[last].ID)
		enc, items = enc[:last], items[:last]
	}
	var b bytes.Buffer
	b.Grow(total)
	b.WriteString(historyPrefix)
	b.Write(bytes.Join(enc, []byte(",")))
	b.WriteString(historySuffix)
	return b.Bytes(), tr, nil
}

// savedWire is a [Saved] as read, with nested parts kept raw so that
// errors can name their path.
type savedWire struct {
	ID           string                     `json:"id"`
	Title        string                     `json:"title"`
	Updated      json.RawMessage            `json:"updated"`
	Model        string                     `json:"model"`
	Provider     string                     `json:"provider"`
	Params       map[string]json.RawMessage `json:"params"`
	Conversation json.RawMessage            `json:"conversation"`
	Kind         string                     `json:"kind"`
	Op           string                     `json:"op"`
	Runs         []Run                      `json:"runs"`
}

// UnmarshalHistory decodes a history written by [MarshalHistory]. Blank
// data (nothing stored yet) gives an empty history.
//
// Unknown members are ignored, but values of the wrong type are errors, as
// is a missing or unknown version. An item that cannot be read is skipped
// and the others are returned, with an error naming each skipped item (such
// as items[3].conversation.messages[0].role); when the document itself
// cannot be read, the history is empty. Items come out newest first, and
// only the first of several with the same ID is kept.
func UnmarshalHistory(data []byte) (History, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return History{}, nil
	}
	var env struct {
		Version *int              `json:"version"`
		Items   []json.RawMessage `json:"items"`
	}
	if err := decodeJSON(data, "", &env, false); err != nil {
		return History{}, fmt.Errorf("convo: history: %w", err)
	}
	if err := checkVersion(env.Version, HistoryVersion); err != nil {
		return History{}, fmt.Errorf("convo: history: %w", err)
	}
	var h History
	var errs []error
	seen := map[string]bool{}
	for i, raw := range env.Items {
		s, err := decodeSaved(raw, fmt.Sprintf("items[%d]", i))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		h.Items = append(h.Items, s)
	}
	slices.SortStableFunc(h.Items, func(a, b Saved) int { return b.Updated.Compare(a.Updated) })
	h.Items = slices.DeleteFunc(h.Items, func(s Saved) bool {
		dup := seen[s.ID]
		seen[s.ID] = true
		return dup
	})
	if len(errs) > 0 {
		return h, fmt.Errorf("convo: history: skipped %d unreadable conversation(s): %w", len(errs), errors.Join(errs...))
	}
	return h, nil
}

// checkVersion checks the version of a stored document.
func checkVersion(v *int, want int) error {
	switch {
	case v == nil:
		return fieldErrorf("version", "is required")
	case *v > want:
		return fieldErrorf("version", "%d is newer than this version of the playground reads (%d)", *v, want)
	case *v != want:
		return fieldErrorf("version", "%d is not a known version", *v)
	}
	return nil
}

// decodeSaved decodes and checks one stored conversation.
func decodeSaved(raw json.RawMessage, path string) (Saved, error) {
	var w savedWire
	if err := decodeJSON(raw, path, &w, false); err != nil {
		return Saved{}, err
	}
	s := Saved{ID: w.ID, Title: w.Title, Model: w.Model, Provider: w.Provider, Params: w.Params, Kind: w.Kind, Op: w.Op, Runs: w.Runs}
	if len(w.Updated) > 0 && !bytes.Equal(w.Updated, []byte("null")) {
		if err := decodeJSON(w.Updated, joinPath(path, "updated"), &s.Updated, false); err != nil {
			return Saved{}, err
		}
	}
	c, err := decodeConversation(w.Conversation, joinPath(path, "conversation"), false, true)
	if err != nil {
		return Saved{}, err
	}
	s.Conversation = c
	return checkSaved(s, path)
}
