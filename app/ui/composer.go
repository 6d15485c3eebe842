package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/convo"
	"playground/app/form"
	"playground/app/kind"
)

// Chat's run area, drawn by the page: the system prompt, the transcript, the composer (the
// message box, attachments, Run, the stream toggle) and the tools every kind shares.
// renderRunArea draws the run area of the current model's kind, then the page's tools.
func (p *playground) renderRunArea() app.UI {
	area := p.renderKindRunArea()
	if area == nil {
		area = &chatRun{Isession: p.chatSession, Ishare: p.shareLink}
	}
	return app.Div().Class("run-col").Body(area, p.renderPageTools())
}

// renderConversation is chat's run area: the system prompt, the conversation and the composer.
func (p *chatSession) renderConversation(share func() (convo.ShareLink, error)) app.UI {
	return app.Section().Class("run").Aria("label", "Conversation").Body(
		p.renderSystem(),
		p.renderTranscript(),
		p.renderRunError(),
		app.Div().Class("composer").Body(
			p.renderPromptBox(),
			p.renderAttach(),
			app.Div().Class("composer-actions").Body(
				p.runButton(),
				p.streamToggle(),
				p.clearButton(),
				p.viewCodeButton(),
				shareControlOf(share),
			),
		),
		app.If(p.showRequest, p.renderRequest),
	)
}

// renderPageTools draws what every kind's run area shares: History and Embed, their panels, and
// what happened to the saved state.
func (p *playground) renderPageTools() app.UI {
	return app.Div().Class("page-tools").Body(
		app.Div().Class("composer-actions").Body(
			app.Button().Class("btn").DataSet("testid", "history-toggle").Aria("expanded", p.showHistory).
				Text(fmt.Sprintf("History (%d)", len(p.history.Items))).Title("Conversations and runs kept in this browser").
				OnClick(func(ctx app.Context, e app.Event) {
					p.showHistory = !p.showHistory
					if p.showHistory {
						p.history = p.loadHistory()
					}
				}),
			app.Button().Class("btn").DataSet("testid", "embed-toggle").Aria("expanded", p.showEmbed).Text("Embed").
				Title("Put this model in a docs page: the HTML snippet").Disabled(p.form == nil).
				OnClick(func(ctx app.Context, e app.Event) {
					p.showEmbed = !p.showEmbed
					if p.showEmbed {
						p.loadPolicy(ctx)
					}
				}),
		),
		app.If(p.stateNote != "", func() app.UI {
			return app.P().Class("msg-note").DataSet("testid", "state-note").Aria("live", "polite").Text(p.stateNote)
		}),
		app.If(p.showEmbed && p.form != nil, func() app.UI {
			return &embedSnippets{Imodel: p.form.Model, Iprovider: p.shareProvider(), Iprompt: p.prompt, Ipolicy: p.policy,
				Irunning: p.running, Ipayload: p.setupPayload}
		}),
		app.If(p.showHistory, func() app.UI {
			return &historyPanel{Iitems: p.history.Items, Iopen: p.openSaved, Idelete: p.deleteSaved}
		}),
	)
}

// renderSystem draws the system prompt box.
func (p *chatSession) renderSystem() app.UI {
	return boundArea("system", "system-prompt", "field-label", "System prompt", "Optional instructions for the model", 2, &p.system)
}

// boundArea is a labelled textarea (element id and test id id) that keeps what is typed in *dst.
// Its text content is only its first value: code that changes *dst sets the element's value too.
func boundArea(class, id, labelClass, label, placeholder string, rows int, dst *string) app.UI {
	return app.Div().Class(class).Body(
		app.Label().Class(labelClass).For(id).Text(label),
		areaText(app.Textarea().ID(id).DataSet("testid", id).Rows(rows).Placeholder(placeholder), *dst).
			OnInput(func(ctx app.Context, e app.Event) { *dst = ctx.JSSrc().Get("value").String() }, app.EventScope(id)),
	)
}

// areaText puts text in a textarea. In the browser, go-app's Text sets the textarea's value; the
// server's rendering (the widget's facade, server/facade.go) writes the text as the textarea's
// content, HTML-escaped: go-app writes attribute values quoted the Go way (strconv.Quote), which
// HTML does not read (a quote in the text would end the attribute).
func areaText(t app.HTMLTextarea, text string) app.HTMLTextarea {
	if app.IsServer {
		return t.Body(app.Text(text))
	}
	return t.Text(text)
}

// renderTranscript draws the conversation.
func (p *chatSession) renderTranscript() app.UI {
	return app.Div().Class("transcript").DataSet("testid", "transcript").DataSet("runs", p.runs).Aria("live", "polite").Body(
		app.If(len(p.turns) == 0, func() app.UI {
			return app.P().Class("muted transcript-empty").Text("Type a message and press Run (Ctrl+Enter).")
		}),
		app.Range(p.turns).Slice(func(i int) app.UI {
			t := &p.turns[i]
			return &messageView{Iindex: i, Imsg: t.Message, Ihtml: t.html, Iblocks: t.blocks, Itail: t.tail,
				Istreaming: t.streaming, Ithinking: t.thinking, Ifacts: t.facts, Iexchange: t.exchange,
				Ibusy: p.running, Ilast: i == len(p.turns)-1, Ianswered: p.answered(i), page: p}
		}),
	)
}

// renderRunError draws the run error in a fixed slot: an error appearing before the composer must
// not shift (and so redraw) it.
func (p *chatSession) renderRunError() app.UI {
	return app.Div().Class("run-error").Body(
		app.If(p.runErr != "", func() app.UI {
			return app.Div().Class("pg-error").DataSet("testid", "error").Aria("live", "assertive").Text(p.runErr)
		}),
	)
}

// renderPromptBox draws the message box.
func (p *chatSession) renderPromptBox() app.UI {
	return boundArea("prompt-box", "prompt", "sr-only", "Message", "Message the model — Ctrl+Enter (⌘+Enter) runs, Esc stops", 3, &p.prompt)
}

// runButton is Run, or Stop while a run streams.
func (p *chatSession) runButton() app.UI {
	if p.running {
		return app.Button().Class("btn btn-stop").DataSet("testid", "stop").Text("Stop").
			Title("Stop (Esc)").OnClick(func(ctx app.Context, e app.Event) { p.stop() })
	}
	return app.Button().Class("btn btn-primary").DataSet("testid", "run").Text("Run").
		Title("Run (Ctrl+Enter)").Disabled(p.form == nil).OnClick(func(ctx app.Context, e app.Event) { p.run(ctx) })
}

// streamToggle switches the stream parameter, for models that have it.
func (p *chatSession) streamToggle() app.UI {
	if p.field("stream") == nil {
		return nil
	}
	on := string(p.st.Values["stream"]) == "true"
	return app.Label().Class("toggle composer-stream").Title("Stream the answer as it is generated (the stream parameter)").Body(
		app.Input().Type("checkbox").DataSet("testid", "stream").Checked(on).
			OnChange(func(ctx app.Context, e app.Event) {
				if ctx.JSSrc().Get("checked").Bool() {
					p.st.Values["stream"] = json.RawMessage("true")
				} else {
					delete(p.st.Values, "stream") // not sent: the API's default, no streaming
				}
			}),
		app.Text("Stream"),
	)
}

// clearButton starts a new conversation.
func (p *chatSession) clearButton() app.UI {
	title := "Start a new conversation; this one stays in the history"
	if p.embed {
		title = "Start a new conversation"
	}
	return app.Button().Class("btn").DataSet("testid", "clear").Text("Clear").Title(title).
		Disabled(p.running || len(p.turns) == 0).OnClick(func(ctx app.Context, e app.Event) { p.newConversation() })
}

// viewCodeButton shows or hides the request and its code.
func (p *chatSession) viewCodeButton() app.UI {
	return app.Button().Class("btn").DataSet("testid", "view-request").Text(viewRequestLabel(p.showRequest)).
		Aria("expanded", p.showRequest).OnClick(func(ctx app.Context, e app.Event) { p.showRequest = !p.showRequest })
}

// attachKinds reports whether the model's messages schema takes image parts and file parts: a
// probe message with each is checked against it, once per model.
func (p *chatSession) attachKinds() (images, files bool) {
	name := "messages"
	if p.form.Kind == kind.Responses.Name() {
		name = "input"
	}
	f := p.field(name)
	if f == nil {
		return false, false
	}
	key := p.form.Model.Provider + "|" + p.form.Model.ID + "|" + p.form.Path
	if p.attachFor != key {
		takes := func(a convo.Attachment) bool {
			probe := convo.Conversation{Messages: []convo.Message{{Role: convo.RoleUser, Text: "x", Attachments: []convo.Attachment{a}}}}
			v := probe.APIMessages()
			switch p.form.Kind {
			case kind.Messages.Name():
				v = probe.AnthropicMessages()
			case kind.Responses.Name():
				v = probe.ResponsesInput()
			}
			return len(f.Validate(v)) == 0
		}
		p.attachFor = key
		p.attachImages = takes(convo.Attachment{Kind: convo.KindImage, URL: "https://example.com/a.png"})
		p.attachFiles = takes(convo.Attachment{Kind: convo.KindFile, Name: "a.pdf", MIME: "application/pdf", URL: "data:application/pdf;base64,AA=="})
	}
	return p.attachImages, p.attachFiles
}

// renderAttach draws the images and files attached to the message being typed, and the controls
// that attach more: a file (an image, or a PDF, sent as a data URL) or an image URL; only what the
// model's schema takes is offered.
func (p *chatSession) renderAttach() app.UI {
	images, files := true, true
	if p.form != nil {
		images, files = p.attachKinds()
	}
	accept := map[[2]bool]string{{true, true}: "image/*,application/pdf", {true, false}: "image/*", {false, true}: "application/pdf"}[[2]bool{images, files}]
	label := map[[2]bool]string{{true, true}: "Attach image or PDF", {true, false}: "Attach image", {false, true}: "Attach PDF"}[[2]bool{images, files}]
	return app.Div().Class("composer-attach").Body(
		// A fixed slot: the list appearing must not shift (and so redraw) the inputs after it.
		app.Div().Class("attach-list").Body(
			app.If(len(p.attachments) > 0, func() app.UI {
				return renderAttachments(p.attachments, func(ctx app.Context, i int) {
					p.attachments = append(p.attachments[:i:i], p.attachments[i+1:]...)
				})
			}),
		),
		app.If(!images && !files, func() app.UI {
			return app.Span().Class("muted attach-none").DataSet("testid", "attach-none").Text("This model's schema takes text only: no images or files.")
		}),
		app.If(images || files, func() app.UI {
			return app.Span().Class("file-pick").Body(
				app.Input().Type("file").Class("file-input").ID("attach-file").DataSet("testid", "attach-file").
					Accept(accept).Aria("label", label).
					OnChange(func(ctx app.Context, e app.Event) {
						err := p.readPicked(ctx, sizeLimit(maxDataURLBytes), func(ctx app.Context, name, mime string, data []byte) {
							kind := convo.KindImage
							if !strings.HasPrefix(mime, "image/") {
								kind = convo.KindFile
							}
							p.attachments = append(p.attachments, convo.Attachment{Kind: kind, Name: name, MIME: mime, URL: form.DataURL(mime, data)})
						})
						if err != nil {
							p.runErr = "Cannot attach: " + err.Error()
						}
						ctx.JSSrc().Set("value", "") // the same file can be picked again
					}),
				app.Label().For("attach-file").Class("btn btn-small").Aria("hidden", "true").Text(label),
			)
		}),
		app.If(images, func() app.UI {
			return app.Input().Type("url").Class("attach-url").DataSet("testid", "attach-url").Aria("label", "Image URL to attach").
				Placeholder("or paste an image URL and press Enter").
				OnKeyDown(func(ctx app.Context, e app.Event) {
					if e.Get("key").String() != "Enter" || e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() {
						return
					}
					e.PreventDefault()
					u := strings.TrimSpace(ctx.JSSrc().Get("value").String())
					if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
						p.runErr = "An image URL starts with https:// or http://."
						return
					}
					p.runErr = ""
					p.attachments = append(p.attachments, convo.Attachment{Kind: convo.KindImage, URL: u})
					ctx.JSSrc().Set("value", "")
				})
		}),
	)
}

func viewRequestLabel(open bool) string {
	if open {
		return "Hide code"
	}
	return "View code"
}
