package ui

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/convo"
)

// chatSession is the conversation of a chat-like model and its runs: the system prompt, the
// message being typed and its attachments, the turns, the run in flight and its error. It holds
// the parameter form (editor), whose values go into each request. The page holds one, for what it
// shares, saves and restores; the chat run area (chatRun) draws it and runs it.
type chatSession struct {
	*editor

	deps Deps // the backend forms and code come from, and the client that runs completions

	convID    string // the id of the conversation in the history, "" before it is saved
	stateNote string // what happened to the saved state or a shared link

	system      string
	prompt      string
	attachments []convo.Attachment // attached to the message being typed
	// What the model's messages schema takes (attachKinds), for the model attachFor names.
	attachFor                 string
	attachImages, attachFiles bool

	turns   []turn
	running bool
	runs    int // runs finished since the page opened (data-runs on the transcript, for tests)
	cancel  context.CancelFunc
	runErr  string

	showRequest bool
	lastBody    builtBody // the last request body built, see requestBody

	// saved keeps the conversation in the history (the page's); it is called when a run ends and
	// when the conversation changes.
	saved func()
	// ran is called when a run ends (the widget reads what is left of its budget).
	ran func()
}

// newConversation starts an empty conversation; the current one stays in the history.
func (p *chatSession) newConversation() {
	if p.running {
		return
	}
	p.saved()
	p.turns, p.convID, p.runErr = nil, "", ""
}

// chatRun is chat's run area: the system prompt, the conversation and the composer. It draws the
// page's chat session; Share and the page's notes are the page's.
type chatRun struct {
	app.Compo

	Isession *chatSession
	Ishare   func() (convo.ShareLink, error) // the link of the setup (the page's)
}

// Render draws the run area.
func (c *chatRun) Render() app.UI { return c.Isession.renderConversation(c.Ishare) }
