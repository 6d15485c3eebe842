package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/embed"
)

// embedSnippets is the Embed panel of the full playground: the HTML that embeds the chosen model
// in a docs page, with copy buttons and a preview link. It owns the snippet's options (the theme,
// whether the widget starts with this setup); the page gives the model, the setup and the policy.
type embedSnippets struct {
	app.Compo

	Imodel    catalog.Model
	Iprovider string // the provider the links name, "" for the first that serves the model
	Iprompt   string
	Ipolicy   embed.Policy
	Irunning  bool
	Ipayload  func() (payload, note string) // the setup as a share link's payload

	theme string // one of embed.Themes
	setup bool   // the snippet carries the system prompt, parameters and messages
	// last is the setup payload and note last put in the snippets.
	last *[2]string
}

func (c *embedSnippets) Render() app.UI {
	m := c.Imodel
	base := ""
	if app.IsClient {
		base = app.Window().Get("location").Get("origin").String()
	}
	o := embed.Options{Base: base, Model: m.ID, Provider: c.Iprovider, Theme: c.theme, Prompt: c.Iprompt}
	var setupNote string
	if c.setup {
		o.Prompt = "" // in the setup
		// Not while a run streams: the answer changes on every token, and the snippet follows it
		// once the run ends.
		if !c.Irunning || c.last == nil {
			payload, note := c.Ipayload()
			c.last = &[2]string{payload, note}
		}
		o.Setup, setupNote = c.last[0], c.last[1]
	}
	snippets := embed.Snippets(o)
	themeLabels := map[string]string{"": "Visitor's system", "host": "Follow the host page", "light": "Light", "dark": "Dark"}
	allowed := c.Ipolicy.Allows(m.ID, m.Aliases...)
	return app.Div().Class("embed-snippets").DataSet("testid", "embed-snippets").Body(
		app.P().Class("muted").Text("Paste one of these into a docs page to embed "+m.ID+
			": visitors run it through this server, which adds the key and applies the embed limits."),
		app.If(!allowed, func() app.UI {
			return app.P().Class("pg-error").DataSet("testid", "embed-not-allowed").
				Text("This server's embed settings do not allow " + m.ID + " (the operator lists the models embeds may run with -embed-models): the widget would refuse to run it.")
		}),
		app.If(allowed && !c.Ipolicy.AllowsKind(kindName(m.Kind)), func() app.UI {
			return app.P().Class("pg-error").DataSet("testid", "embed-not-allowed").
				Text("This server's embeds run " + strings.Join(c.Ipolicy.Kinds, ", ") + " models only (-embed-kinds), not " + kindName(m.Kind) + ": the widget would refuse to run " + m.ID + ".")
		}),
		app.Label().Class("embed-theme").Body(
			app.Text("Theme "),
			app.Select().DataSet("testid", "embed-theme").OnChange(func(ctx app.Context, e app.Event) {
				c.theme = ctx.JSSrc().Get("value").String()
			}).Body(
				app.Range(embed.Themes).Slice(func(i int) app.UI {
					t := embed.Themes[i]
					return app.Option().Value(t).Selected(t == c.theme).Text(themeLabels[t])
				}),
			),
		),
		app.Label().Class("toggle embed-setup").Body(
			app.Input().Type("checkbox").DataSet("testid", "embed-setup").Checked(c.setup).
				OnChange(func(ctx app.Context, e app.Event) { c.setup = ctx.JSSrc().Get("checked").Bool() }),
			app.Text("Start the widget with this system prompt, these parameters and this conversation"),
		),
		app.If(setupNote != "", func() app.UI {
			return app.P().Class("msg-note").DataSet("testid", "embed-setup-note").Text(setupNote)
		}),
		app.Range(snippets).Slice(func(i int) app.UI {
			s := snippets[i]
			return app.Div().Class("embed-snippet").Body(
				app.Div().Class("embed-snippet-head").Body(
					app.Span().Text(s.Label),
					app.Button().Class("btn btn-tiny").DataSet("testid", "embed-copy-"+s.ID).Text("Copy").
						Aria("label", "Copy the "+s.ID+" snippet").
						OnClick(func(ctx app.Context, e app.Event) {
							if copyText(s.Code) {
								ctx.JSSrc().Set("textContent", "Copied")
							} else {
								ctx.JSSrc().Set("textContent", "Select and copy")
							}
						}, app.EventScope(s.ID)),
				),
				app.Pre().Class("request-body").DataSet("testid", "embed-code-"+s.ID).Body(app.Code().Text(s.Code)),
			)
		}),
		app.A().Href(embed.FrameURL(o, "")).Target("_blank").Rel("noopener").DataSet("testid", "embed-preview").Text("Preview the widget ↗"),
	)
}

// kindName is the name of a model's endpoint kind as the embed's policy lists it ("chat" for "").
func kindName(k string) string {
	if k == "" {
		return "chat"
	}
	return k
}
