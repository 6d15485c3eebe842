package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/chat"
)

// messageView draws one message of the conversation. Its fields are set by the parent (exported, with
// go-app's I prefix), so a finished message whose fields do not change is not redrawn while another
// message streams.
type messageView struct {
	app.Compo

	Irole      string
	Itext      string
	Ihtml      string
	Ireasoning string
	Istreaming bool
	Istopped   bool
	Ierr       string
	Ithinking  bool        // an inline <think> block is still open
	Ifacts     []chat.Fact // the numbers of the finished run
	Iexchange  *chat.Exchange

	raw bool // the raw traffic is shown
}

// Render draws the message: user text as typed, assistant text as rendered markdown.
func (m *messageView) Render() app.UI {
	class := "msg msg-" + m.Irole
	if m.Istreaming {
		class += " msg-streaming"
	}
	return app.Article().Class(class).DataSet("testid", "message-"+m.Irole).Body(
		app.Div().Class("msg-role").Text(m.Irole),
		app.If(m.Ireasoning != "", func() app.UI {
			// Open while the model reasons, so it can be followed; closed once the answer starts.
			// Only the streaming state sets it, so a reader's own toggle is kept afterwards.
			open := m.Istreaming && (m.Ithinking || strings.TrimSpace(m.Itext) == "")
			label := "Reasoning"
			if open {
				label = "Reasoning…"
			}
			return app.Details().Class("msg-reasoning").DataSet("testid", "reasoning").Open(open).Body(
				app.Summary().Text(label),
				app.Pre().Text(m.Ireasoning),
			)
		}),
		app.If(m.Irole == "assistant", func() app.UI {
			if m.Ihtml == "" {
				if m.Istreaming {
					return app.Div().Class("msg-wait muted").Text("Waiting for the model…")
				}
				return app.Div()
			}
			return app.Raw(m.Ihtml)
		}).Else(func() app.UI {
			return app.Div().Class("msg-text").Text(m.Itext)
		}),
		app.If(m.Istopped, func() app.UI {
			return app.Div().Class("msg-note").DataSet("testid", "stopped").Text("Stopped — the text above is what arrived.")
		}),
		app.If(m.Ierr != "", func() app.UI {
			return app.Div().Class("pg-error").DataSet("testid", "error").Aria("live", "assertive").Text(m.Ierr)
		}),
		app.If(len(m.Ifacts) > 0 && !m.Istreaming, func() app.UI { return renderStats(m.Ifacts) }),
		app.If(m.Iexchange != nil && !m.Istreaming, func() app.UI {
			label := "Raw traffic"
			if m.raw {
				label = "Hide raw traffic"
			}
			return app.Div().Class("msg-tools").Body(
				app.Button().Class("btn btn-tiny").DataSet("testid", "inspect").Aria("expanded", m.raw).Text(label).
					Title("The request as sent and the response as it arrived").
					OnClick(func(ctx app.Context, e app.Event) { m.raw = !m.raw }),
			)
		}),
		app.If(m.raw && m.Iexchange != nil && !m.Istreaming, func() app.UI { return &rawView{Iexchange: m.Iexchange} }),
	)
}
