package ui

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/chat"
	"playground/app/convo"
	"playground/app/form"
)

// messageView draws one message of the conversation and its tools (copy, edit, delete, move,
// regenerate, raw traffic, answering tool calls). Its fields are set by the parent (exported, with
// go-app's I prefix), so a finished message whose fields do not change is not redrawn while
// another message streams; while an answer streams, its finished markdown blocks are separate
// strings that stay the same, so only the growing tail is redrawn.
type messageView struct {
	app.Compo

	Iindex     int
	Imsg       convo.Message
	Ihtml      string   // rendered markdown of a finished answer
	Iblocks    []string // while streaming: the finished blocks of the answer
	Itail      string   // while streaming: the rest of the answer
	Istreaming bool
	Ithinking  bool        // an inline <think> block is still open
	Ifacts     []chat.Fact // the numbers of the finished run
	Iexchange  *chat.Exchange
	Ibusy      bool // a run is going on: the conversation cannot be changed
	Ilast      bool // the last message
	Ianswered  map[string]bool
	page       *chatSession

	raw     bool              // the raw traffic is shown
	editing bool              // the text is being edited
	draft   string            // the edited text
	initial string            // the text the edit box was drawn with
	results map[string]string // typed results of tool calls, by call id
	copied  bool
}

// Render draws the message: user text as typed, assistant text as rendered markdown.
func (m *messageView) Render() app.UI {
	msg := m.Imsg
	class := "msg msg-" + msg.Role
	if m.Istreaming {
		class += " msg-streaming"
	}
	return app.Article().Class(class).DataSet("testid", "message-"+msg.Role).DataSet("index", m.Iindex).
		Aria("label", msg.Role+" message "+strconv.Itoa(m.Iindex+1)).OnClick(onCopyCode).Body(
		app.Div().Class("msg-role").Text(roleLabel(msg)),
		app.If(msg.Reasoning != "", func() app.UI {
			// Open while the model reasons, so it can be followed; closed once the answer starts.
			// Only the streaming state sets it, so a reader's own toggle is kept afterwards.
			open := m.Istreaming && (m.Ithinking || strings.TrimSpace(msg.Text) == "")
			label := "Reasoning"
			if open {
				label = "Reasoning…"
			}
			return app.Details().Class("msg-reasoning").DataSet("testid", "reasoning").Open(open).Body(
				app.Summary().Text(label),
				app.Pre().Text(msg.Reasoning),
			)
		}),
		m.renderBody(),
		app.If(len(msg.Attachments) > 0, func() app.UI { return renderAttachments(msg.Attachments, nil) }),
		app.If(len(msg.ToolCalls) > 0 && !m.Istreaming, m.renderToolCalls),
		app.If(msg.Stopped, func() app.UI {
			return app.Div().Class("msg-note").DataSet("testid", "stopped").Text("Stopped — the text above is what arrived.")
		}),
		app.If(msg.Err != "", func() app.UI {
			return app.Div().Class("pg-error").DataSet("testid", "error").Aria("live", "assertive").Text(msg.Err)
		}),
		app.If(len(m.Ifacts) > 0 && !m.Istreaming, func() app.UI { return renderStats(m.Ifacts) }),
		app.If(!m.Istreaming && !m.editing, m.renderTools),
		app.If(m.raw && m.Iexchange != nil && !m.Istreaming, func() app.UI { return &rawView{Iexchange: m.Iexchange} }),
	)
}

func roleLabel(m convo.Message) string {
	if m.Role == convo.RoleTool {
		return "tool result"
	}
	return m.Role
}

// renderBody draws the text, or the box that edits it.
func (m *messageView) renderBody() app.UI {
	msg := m.Imsg
	if m.editing {
		return app.Div().Class("msg-edit").Body(
			// The box is drawn with the text the edit began with and never rewritten, so a redraw
			// cannot undo typing (see typed.go).
			app.Textarea().Class("msg-edit-box").DataSet("testid", "message-edit-box").Aria("label", "Edit the "+msg.Role+" message").
				Rows(max(3, min(16, strings.Count(m.initial, "\n")+2))).Attr("value", m.initial).
				OnInput(func(ctx app.Context, e app.Event) { m.draft = ctx.JSSrc().Get("value").String() }),
			app.Div().Class("msg-tools").Body(
				app.Button().Class("btn btn-small btn-primary").DataSet("testid", "message-save").Text("Save").
					OnClick(func(ctx app.Context, e app.Event) {
						if m.page.editMessage(m.Iindex, m.draft) {
							m.editing = false
						}
					}),
				app.Button().Class("btn btn-small").DataSet("testid", "message-cancel").Text("Cancel").
					OnClick(func(ctx app.Context, e app.Event) { m.editing = false }),
			),
		)
	}
	if msg.Role != convo.RoleAssistant {
		return app.Div().Class("msg-text").Text(msg.Text)
	}
	if m.Istreaming {
		if len(m.Iblocks) == 0 && m.Itail == "" {
			return app.Div().Class("msg-wait muted").Text("Waiting for the model…")
		}
		// Each finished block is its own element: go-app compares the strings and leaves the
		// unchanged ones alone.
		return app.Div().Class("markdown").Body(
			app.Range(m.Iblocks).Slice(func(i int) app.UI { return app.Raw(`<div class="md-chunk">` + m.Iblocks[i] + `</div>`) }),
			app.Raw(`<div class="md-chunk">`+m.Itail+`</div>`),
		)
	}
	if m.Ihtml == "" {
		return app.Div()
	}
	return app.Raw(m.Ihtml)
}

// renderTools draws the message's buttons.
func (m *messageView) renderTools() app.UI {
	msg := m.Imsg
	copyLabel := "Copy"
	if m.copied {
		copyLabel = "Copied"
	}
	regen := "Regenerate"
	regenTitle := "Drop this answer and everything after it, and ask again"
	if msg.Role != convo.RoleAssistant {
		regen = "Run from here"
		regenTitle = "Drop everything after this message and run"
	}
	return app.Div().Class("msg-tools").Body(
		app.Button().Class("btn btn-tiny").DataSet("testid", "message-copy").Text(copyLabel).Title("Copy the text").
			Disabled(msg.Text == "").OnClick(func(ctx app.Context, e app.Event) {
			if copyText(m.Imsg.Text) {
				m.copied = true
				ctx.After(2*time.Second, func(app.Context) { m.copied = false })
			}
		}),
		app.Button().Class("btn btn-tiny").DataSet("testid", "message-edit").Text("Edit").Disabled(m.Ibusy).
			OnClick(func(ctx app.Context, e app.Event) {
				m.editing, m.draft, m.initial = true, m.Imsg.Text, m.Imsg.Text
			}),
		app.Button().Class("btn btn-tiny").DataSet("testid", "message-up").Text("↑").Aria("label", "Move up").Title("Move up").
			Disabled(m.Ibusy || m.Iindex == 0).OnClick(func(ctx app.Context, e app.Event) { m.page.moveMessage(m.Iindex, m.Iindex-1) }),
		app.Button().Class("btn btn-tiny").DataSet("testid", "message-down").Text("↓").Aria("label", "Move down").Title("Move down").
			Disabled(m.Ibusy || m.Ilast).OnClick(func(ctx app.Context, e app.Event) { m.page.moveMessage(m.Iindex, m.Iindex+1) }),
		app.Button().Class("btn btn-tiny").DataSet("testid", "message-delete").Text("Delete").Disabled(m.Ibusy).
			OnClick(func(ctx app.Context, e app.Event) { m.page.deleteMessage(m.Iindex) }),
		app.Button().Class("btn btn-tiny").DataSet("testid", "message-regenerate").Text(regen).Title(regenTitle).Disabled(m.Ibusy).
			OnClick(func(ctx app.Context, e app.Event) { m.page.regenerate(ctx, m.Iindex) }),
		app.If(m.Iexchange != nil, func() app.UI {
			label := "Raw traffic"
			if m.raw {
				label = "Hide raw traffic"
			}
			return app.Button().Class("btn btn-tiny").DataSet("testid", "inspect").Aria("expanded", m.raw).Text(label).
				Title("The request as sent and the response as it arrived").
				OnClick(func(ctx app.Context, e app.Event) { m.raw = !m.raw })
		}),
	)
}

// renderToolCalls draws the calls an answer makes, and boxes to answer those not answered yet.
func (m *messageView) renderToolCalls() app.UI {
	calls := m.Imsg.ToolCalls
	open := false
	for _, c := range calls {
		if !m.Ianswered[c.ID] {
			open = true
		}
	}
	return app.Div().Class("tool-calls").DataSet("testid", "tool-calls").Body(
		app.Range(calls).Slice(func(i int) app.UI {
			c := calls[i]
			args := c.Arguments
			if b := []byte(args); json.Valid(b) {
				args = form.Indent(b)
			}
			return app.Div().Class("tool-call").DataSet("testid", "tool-call").Body(
				app.Div().Class("tool-call-head").Body(
					app.Code().Text(c.Name),
					app.Span().Class("muted").Text(" call "+c.ID),
				),
				app.Pre().Class("raw-pre").Text(args),
				app.If(!m.Ianswered[c.ID] && !m.Ibusy, func() app.UI {
					return app.Textarea().Class("tool-result").DataSet("testid", "tool-result").Rows(2).
						Aria("label", "Result of "+c.Name+" ("+c.ID+")").Placeholder("The result of "+c.Name+", as the tool would return it (often JSON)").
						OnInput(func(ctx app.Context, e app.Event) {
							if m.results == nil {
								m.results = map[string]string{}
							}
							m.results[c.ID] = ctx.JSSrc().Get("value").String()
						}, app.EventScope(m.Iindex, c.ID))
				}),
			)
		}),
		app.If(open && !m.Ibusy, func() app.UI {
			return app.Button().Class("btn btn-small btn-primary").DataSet("testid", "tool-send").Text("Send results and continue").
				OnClick(func(ctx app.Context, e app.Event) { m.page.answerTools(ctx, m.Iindex, m.results) })
		}),
	)
}

// renderAttachments draws the images and files of a message or of the composer; remove, when
// not nil, removes attachment i.
func renderAttachments(atts []convo.Attachment, remove func(ctx app.Context, i int)) app.UI {
	return app.Ul().Class("attachments").DataSet("testid", "attachments").Body(
		app.Range(atts).Slice(func(i int) app.UI {
			a := atts[i]
			name := a.Name
			if name == "" {
				name = a.URL
			}
			kind := "image"
			if a.Kind == convo.KindFile {
				kind = "file"
			}
			note := ""
			if a.URL == "" {
				note = " (not kept: not sent)"
			}
			return app.Li().Class("attachment").DataSet("testid", "attachment").Body(
				// A thumbnail for an image the user picked (a data URL); an image URL is not fetched
				// by the page (privacy, and CSP allows images from the playground only).
				app.If(a.Kind == convo.KindImage && strings.HasPrefix(a.URL, "data:image/"), func() app.UI {
					return app.Img().Class("attach-thumb").Src(a.URL).Alt("").DataSet("testid", "attachment-thumb")
				}),
				app.Span().Class("muted").Text(kind+": "),
				app.Span().Text(name+note),
				app.If(remove != nil, func() app.UI {
					return app.Button().Class("btn btn-tiny").Text("×").Aria("label", "Remove "+name).DataSet("testid", "attachment-remove").
						OnClick(func(ctx app.Context, e app.Event) { remove(ctx, i) }, app.EventScope(i, a.URL))
				}),
			)
		}),
	)
}
