package ui

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/convo"
	"playground/app/markdown"
	"playground/app/schema"
)

// Where the browser keeps the playground's state (localStorage).
const (
	historyKey = "playground-history"
)

// setup is the part of the page a share link, a saved conversation or a preset restores.
type setup struct {
	model, provider string
	op              string // the operation's path, "" for the model's main one
	params          map[string]json.RawMessage
	conv            convo.Conversation
	prompt          string
}

// params are the form values that are set, the run area's stream toggle excepted.
func (p *playground) params() map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range p.st.Values {
		if k != "stream" {
			out[k] = v
		}
	}
	return out
}

// saveConversation keeps the current conversation in the browser's history (nothing to keep for
// an empty one). It is called when a run ends and when the conversation changes.
func (p *playground) saveConversation() {
	if len(p.turns) == 0 || p.form == nil || !app.IsClient || p.embed {
		return
	}
	if p.convID == "" {
		p.convID = convo.NewID()
	}
	h := p.loadHistory()
	conv := p.conversation(nil)
	h, err := h.Upsert(convo.Saved{ID: p.convID, Title: convo.Title(conv), Updated: time.Now(),
		Model: p.form.Model.ID, Provider: p.form.Model.Provider, Params: p.params(), Conversation: conv})
	if err != nil {
		p.stateNote = "The conversation could not be saved: " + err.Error()
		return
	}
	p.storeHistory(h)
}

// loadStored reads key from the browser's storage with decode; what cannot be read is said in the
// state note (decode returns what it could read).
func loadStored[T any](p *playground, key, what string, decode func([]byte) (T, error)) T {
	var v T
	raw, ok := storeGet(key)
	if !ok {
		return v
	}
	v, err := decode([]byte(raw))
	if err != nil {
		p.stateNote = what + " could not be read: " + err.Error()
	}
	return v
}

// loadHistory reads the saved conversations.
func (p *playground) loadHistory() convo.History {
	return loadStored(p, historyKey, "Part of the saved history", convo.UnmarshalHistory)
}

func (p *playground) storeHistory(h convo.History) {
	b, trimmed, err := convo.MarshalHistory(h, 0)
	if err == nil {
		err = storeSet(historyKey, string(b))
	}
	switch {
	case err != nil:
		p.stateNote = "The history could not be saved: " + err.Error()
	case len(trimmed.Notes()) > 0:
		p.stateNote = "History: " + strings.Join(trimmed.Notes(), " ")
	}
	p.history = h
}

// openSaved restores a conversation from the history: its model, parameters and messages.
func (p *playground) openSaved(ctx app.Context, id string) {
	if p.running {
		return
	}
	s, ok := p.loadHistory().Find(id)
	if !ok {
		p.stateNote = "That conversation is no longer in the history."
		return
	}
	p.saveConversation()
	p.convID = id
	p.openRuns(s)
	p.restore(ctx, setup{model: s.Model, provider: s.Provider, op: s.Op, params: s.Params, conv: s.Conversation})
	p.showHistory = false
}

// deleteSaved removes a conversation from the history.
func (p *playground) deleteSaved(id string) {
	p.storeHistory(p.loadHistory().Remove(id))
	if id == p.convID {
		p.convID = ""
	}
}

// restore applies a setup: the conversation at once, the parameters once the model's form has
// arrived (they are checked against it like on a model switch: what it does not take is put
// aside). Nothing runs.
func (p *playground) restore(ctx app.Context, s setup) {
	p.system = s.conv.System
	p.prompt = s.prompt
	p.turns = p.turns[:0:0]
	for _, m := range s.conv.Messages {
		t := turn{Message: m}
		if m.Role == convo.RoleAssistant {
			t.html = markdown.HTML(m.Text)
		}
		p.turns = append(p.turns, t)
	}
	if app.IsClient {
		// The boxes were typed into: their text content no longer shows the value.
		if el := app.Window().GetElementByID("system-prompt"); el.Truthy() {
			el.Set("value", p.system)
		}
		if el := app.Window().GetElementByID("prompt"); el.Truthy() {
			el.Set("value", p.prompt)
		}
	}
	p.st.Replace(s.params, "stream")
	p.memos = nil
	p.aside = schema.Values{}
	if s.model != "" && (p.form == nil || p.form.Model.ID != s.model || s.provider != "" && s.provider != p.form.Model.Provider ||
		s.op != "" && s.op != p.form.Path) {
		p.loadOperation(ctx, s.model, s.provider, s.op, true)
		return
	}
	if p.form != nil {
		p.carryValues()
	}
}

// shareLinkOf is the share link of the whole setup, with texts for a run area that takes several
// (embeddings). Files attached as data are left out, and the oldest messages when the link would
// be too long; the link's notes say so.
func (p *playground) shareLinkOf(texts []string) (convo.ShareLink, error) {
	if p.form == nil {
		return convo.ShareLink{}, errors.New("no model is selected")
	}
	return convo.EncodeShare(convo.Share{Model: p.form.Model.ID, Provider: p.shareProvider(), Params: p.params(),
		Conversation: p.conversation(nil), Prompt: p.prompt, Op: p.op, Inputs: texts}, convo.DefaultShareLimit)
}

// shareLink is the share link of the setup (see shareLinkOf).
func (p *playground) shareLink() (convo.ShareLink, error) { return p.shareLinkOf(nil) }

// shareProvider is the provider a link names: only for a model several providers serve.
func (p *playground) shareProvider() string {
	if p.shared[p.form.Model.ID] {
		return p.form.Model.Provider
	}
	return ""
}

// fromLink restores the setup of a share link, if the URL is one; it reports whether it was.
func (p *playground) fromLink(ctx app.Context, u *url.URL) bool {
	if !u.Query().Has(convo.ShareParam) {
		return false
	}
	s, err := convo.DecodeShare(u.RawQuery)
	if err != nil {
		p.stateNote = "The shared link could not be read: " + err.Error()
		return false
	}
	p.convID = ""
	p.openRuns(convo.Saved{})
	if len(s.Inputs) > 0 {
		p.kindRuns = []convo.Run{{Inputs: s.Inputs}} // the texts, for the run area; nothing ran
	}
	p.restore(ctx, setup{model: s.Model, provider: s.Provider, op: s.Op, params: s.Params, conv: s.Conversation, prompt: s.Prompt})
	p.stateNote = "Opened from a shared link. Nothing has been run: press Run to send it."
	return true
}

// applyParams sets the parameters of a preset; the others go back to not sent, and those this
// model does not take are put aside.
func (p *playground) applyParams(ctx app.Context, params map[string]json.RawMessage) {
	if p.form == nil {
		return
	}
	p.st.Replace(params, "stream")
	p.memos = nil
	p.carryValues()
}
