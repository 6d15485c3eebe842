package ui

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/convo"
)

// The embeddable widget is its own component: one model, no picker, history or presets (it keeps
// nothing in the visitor's browser); the run area of the model's kind, the parameters and the code
// behind buttons, and "Open in Playground" to go on full size. It embeds the page's engine (the
// form, the conversation, the runs) and draws it compact. It calls the server's /api/embed/ routes, whose policy it explains under the
// composer. web/frame.js tells the page that frames it its height, and takes the host page's
// theme; web/embed.js is the other side.

// loadPolicy reads the embed's policy for the widget's notes.
func (p *playground) loadPolicy(ctx app.Context) {
	b := p.deps.Backend
	if !p.embed {
		b = p.deps.EmbedBackend // the full playground's embed panel
	}
	src, ok := b.(PolicySource)
	if !ok {
		return
	}
	ctx = p.pageCtx(ctx)
	ctx.Async(func() {
		pol, err := src.Policy(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err == nil {
				p.policy = pol
			}
		})
	})
}

// widget is the embeddable widget's component (/embed). It owns what only the widget has: whether
// its parameters panel is open.
type widget struct {
	playground

	showParams bool
	// facadeTaken says what the visitor did in the page's facade has been taken over (facade.go).
	facadeTaken bool
}

// newWidget makes the widget, on the embed's backend.
func newWidget(d Deps) *widget {
	w := &widget{}
	w.init(d)
	w.embed = true // the engine's behaviour for the widget: the embed's routes, nothing kept
	return w
}

// Render draws the widget.
func (w *widget) Render() app.UI {
	p := &w.playground
	title := p.wanted
	if p.form != nil {
		title = p.form.Model.Name
		if title == "" {
			title = p.form.Model.ID
		}
	}
	notes := append(p.policy.Notes(), "The API key stays on the server.")
	return app.Div().Class("pg pg-embed").OnKeyDown(p.onKey).Body(
		app.Header().Class("embed-header").Body(
			app.Div().Class("embed-title").Body(
				app.Strong().DataSet("testid", "embed-model").Text(title),
				app.If(p.form != nil && title != p.currentModel().ID, func() app.UI {
					return app.Span().Class("muted embed-id").Text(p.currentModel().ID)
				}),
			),
			app.Div().Class("embed-actions").Body(
				app.Button().Class("btn btn-small").DataSet("testid", "embed-params").Aria("expanded", w.showParams).
					Text("Parameters").Title("The system prompt and the model's parameters").Disabled(p.form == nil).
					OnClick(func(ctx app.Context, e app.Event) { w.showParams = !w.showParams }),
				app.Button().Class("btn btn-small").DataSet("testid", "view-request").Text(viewRequestLabel(p.showRequest)).
					Aria("expanded", p.showRequest).Disabled(p.form == nil).
					OnClick(func(ctx app.Context, e app.Event) { p.showRequest = !p.showRequest }),
				app.Button().Class("btn btn-small").DataSet("testid", "embed-open").Text("Open in Playground ↗").
					Title("Go on in the full playground, in a new tab, with this model, its parameters and the conversation").
					Disabled(p.form == nil).OnClick(func(ctx app.Context, e app.Event) { p.openFull() }),
			),
		),
		app.Div().Class("embed-errors").Body(
			app.If(p.modelsErr != "", func() app.UI {
				return app.Div().Class("pg-error").DataSet("testid", "error").Aria("live", "assertive").Text(p.modelsErr)
			}),
			app.If(p.formErr != "", func() app.UI {
				return app.Div().Class("pg-error").DataSet("testid", "error").Aria("live", "assertive").Text(p.formErr)
			}),
		),
		// Fixed slots: a panel opening must not shift (and so redraw) the boxes after it.
		app.Div().Class("embed-summary").Body(
			app.If(!w.showParams && p.setupSummary() != "", func() app.UI {
				return app.P().Class("muted embed-note").DataSet("testid", "embed-summary").Text(p.setupSummary())
			}),
		),
		app.Div().Class("embed-params").Body(
			app.If(w.showParams, func() app.UI {
				return app.Div().Class("embed-panel").Body(p.renderSystem(), &paramsPanel{Ied: p.editor, Iparams: p.params, Iapply: p.applyParams})
			}),
		),
		p.renderEmbedRunArea(),
		app.Div().Class("embed-request").Body(app.If(p.showRequest, p.renderRequest)),
		app.P().Class("embed-notes muted").DataSet("testid", "embed-notes").Text(strings.Join(notes, " ")),
	)
}

// renderEmbedRunArea is the widget's run area: the model's kind's (images, embeddings…), or the
// conversation without the system prompt, attachments and the page's tools.
func (p *playground) renderEmbedRunArea() app.UI {
	if area := p.renderKindRunArea(); area != nil {
		return area
	}
	return app.Section().Class("run").Aria("label", "Conversation").Body(
		p.renderTranscript(),
		p.renderRunError(),
		app.Div().Class("composer").Body(
			p.renderPromptBox(),
			app.Div().Class("composer-actions").Body(p.runButton(), p.streamToggle(), p.clearButton()),
		),
	)
}

// openFull opens the full playground in a new tab with this setup (as a share link).
func (p *playground) openFull() {
	if p.form == nil || !app.IsClient {
		return
	}
	link, err := convo.EncodeShare(convo.Share{Model: p.form.Model.ID, Provider: p.form.Model.Provider, Params: p.params(),
		Conversation: p.conversation(nil), Prompt: p.prompt}, convo.DefaultShareLimit)
	if err != nil {
		p.runErr = "Cannot open the playground: " + err.Error()
		return
	}
	u := app.Window().Get("location").Get("origin").String() + "/?" + link.Query
	app.Window().Call("open", u, "_blank", "noopener")
}

// setupPayload is the current setup as a share link's payload (its "s" value), for a snippet,
// with a note on what had to be left out (or why there is none).
func (p *playground) setupPayload() (payload, note string) {
	link, err := convo.EncodeShare(convo.Share{Model: p.form.Model.ID, Params: p.params(),
		Conversation: p.conversation(nil), Prompt: p.prompt}, convo.DefaultShareLimit)
	if err != nil {
		return "", "The setup cannot go in the snippet: " + err.Error()
	}
	q, err := url.ParseQuery(link.Query)
	if err != nil {
		return "", "The setup cannot go in the snippet: " + err.Error()
	}
	payload = q.Get(convo.ShareParam)
	if payload == "" {
		return "", "Nothing is set yet: the widget starts empty."
	}
	return payload, strings.Join(link.Notes(), " ")
}

// setupSummary says what the widget was opened with, when it was opened with a setup.
func (p *playground) setupSummary() string {
	var parts []string
	if strings.TrimSpace(p.system) != "" {
		parts = append(parts, "a system prompt")
	}
	if n := len(p.params()); n > 0 {
		parts = append(parts, plural(n, "parameter", "parameters")+" set")
	}
	if len(parts) == 0 {
		return ""
	}
	return "With " + strings.Join(parts, " and ") + " (see Parameters)."
}
