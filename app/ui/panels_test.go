//go:build !wasm

package ui

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/convo"
	"playground/app/embed"
)

func TestPresetsPanel(t *testing.T) {
	params := map[string]json.RawMessage{"temperature": json.RawMessage("0.3")}
	var applied map[string]json.RawMessage
	c := &presetsPanel{Imodel: "m", Iparams: func() map[string]json.RawMessage { return params },
		Iapply: func(_ app.Context, p map[string]json.RawMessage) { applied = p }}
	html := render(t, c)
	if strings.Contains(html, `data-testid="preset-pick"`) {
		t.Errorf("no presets yet, but a list is drawn:\n%s", html)
	}
	c.save() // no name
	if !strings.Contains(c.err, "name") {
		t.Errorf("saving without a name: error %q", c.err)
	}
	c.name = "cool"
	c.save()
	if c.err != "" || c.name != "" {
		t.Fatalf("saving: error %q, name left %q", c.err, c.name)
	}
	html = render(t, &presetsPanel{Imodel: "m", presets: c.presets, loaded: true})
	if !strings.Contains(html, `<option value="cool">cool</option>`) {
		t.Errorf("the saved preset is not offered:\n%s", html)
	}
	c.apply(app.Context{}, "cool")
	if string(applied["temperature"]) != "0.3" {
		t.Errorf("applied %v", applied)
	}
	other := &presetsPanel{Imodel: "other", presets: c.presets}
	if len(other.names()) != 0 {
		t.Errorf("another model sees the presets of m: %v", other.names())
	}
	c.remove("cool")
	if len(c.names()) != 0 {
		t.Errorf("deleted, still %v", c.names())
	}
}

func TestHistoryPanel(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	opened, deleted := "", ""
	c := &historyPanel{Iitems: []convo.Saved{
		{ID: "a", Title: "a red fox", Model: "flux/schnell", Kind: "images", Runs: []convo.Run{{Prompt: "a red fox"}, {Prompt: "b"}}, Updated: at},
		{ID: "b", Title: "Hello", Model: "gpt-4o", Updated: at},
	}, Iopen: func(_ app.Context, id string) { opened = id }, Idelete: func(id string) { deleted = id }}
	html := render(t, c)
	for _, want := range []string{"a red fox", "flux/schnell · 2 images runs", "gpt-4o · Dec 3"} {
		if !strings.Contains(html, want) {
			t.Errorf("history lacks %q:\n%s", want, html)
		}
	}
	c.Iopen(app.Context{}, "a")
	c.Idelete("b")
	if opened != "a" || deleted != "b" {
		t.Errorf("opened %q deleted %q", opened, deleted)
	}
	if html := render(t, &historyPanel{}); !strings.Contains(html, "Nothing saved yet") {
		t.Errorf("empty history:\n%s", html)
	}
}

func TestEmbedSnippets(t *testing.T) {
	m := catalog.Model{ID: "flux/schnell", Kind: "images"}
	payload := func() (string, string) { return "PAYLOAD", "" }
	html := render(t, &embedSnippets{Imodel: m, Iprompt: "a fox", Ipayload: payload})
	if !strings.Contains(html, `data-testid="embed-code-iframe"`) || strings.Contains(html, "embed-not-allowed") {
		t.Errorf("snippets for an allowed model:\n%s", html)
	}
	html = render(t, &embedSnippets{Imodel: m, Ipolicy: embed.Policy{Kinds: []string{"chat"}}, Ipayload: payload})
	if !strings.Contains(html, "run chat models only (-embed-kinds), not images") {
		t.Errorf("a chat-only embed does not say the image model is refused:\n%s", html)
	}
	c := &embedSnippets{Imodel: catalog.Model{ID: "gpt-4o"}, Ipayload: payload, setup: true}
	if html := render(t, c); !strings.Contains(html, "PAYLOAD") {
		t.Errorf("the setup is not in the snippet:\n%s", html)
	}
}

func TestChatRunDrawsTheSession(t *testing.T) {
	f := embeddedForm(t, "gryphe/mythomax-l2-13b")
	s := &chatSession{editor: newEditor(), saved: func() {}}
	s.form = f
	s.system, s.prompt = "Be brief.", "and a follow-up"
	s.turns = []turn{{Message: convo.Message{Role: convo.RoleUser, Text: "Hello there"}}, {Message: convo.Message{Role: convo.RoleAssistant, Text: "Hi"}, html: "<p>Hi</p>"}}
	html := render(t, &chatRun{Isession: s, Ishare: func() (convo.ShareLink, error) { return convo.ShareLink{}, nil }})
	for _, want := range []string{"Hello there", "<p>Hi</p>", `data-testid="share"`, "Be brief.", "and a follow-up", `data-testid="run"`} {
		if !strings.Contains(html, want) {
			t.Errorf("chat run area lacks %q:\n%s", want, html)
		}
	}
	s.newConversation()
	if len(s.turns) != 0 || s.convID != "" {
		t.Errorf("New kept %d turns", len(s.turns))
	}
}

func TestShareControl(t *testing.T) {
	c := &shareControl{Ilink: func() (convo.ShareLink, error) {
		return convo.ShareLink{Query: "model=m&s=jX", DroppedData: 1}, nil
	}}
	render(t, c)
	c.share()
	if !strings.Contains(c.note, "opening it restores this setup") || !strings.Contains(c.note, "1 attachment was left out") {
		t.Errorf("note %q", c.note)
	}
	c.Ilink = func() (convo.ShareLink, error) { return convo.ShareLink{}, errors.New("the setup is too long") }
	c.share()
	if c.note != "Cannot share: the setup is too long" {
		t.Errorf("note %q", c.note)
	}
}
