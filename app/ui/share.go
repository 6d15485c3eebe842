package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/convo"
)

// shareControl is Share and what it did: it puts the setup the run area gives in a link, in the
// address bar and the clipboard, and says so (with what had to be left out). It owns its note.
type shareControl struct {
	app.Compo

	Ilink func() (convo.ShareLink, error) // the link of the current setup

	note string
}

// Render draws the button and the note as items of the run area's actions (the note on a line
// of its own).
func (c *shareControl) Render() app.UI {
	return app.Span().Class("share-control").Body(
		app.Button().Class("btn").DataSet("testid", "share").Text("Share").
			Title("Put the model, the parameters that are set and what is typed in a link").
			Disabled(c.Ilink == nil).OnClick(func(ctx app.Context, e app.Event) { c.share() }),
		app.If(c.note != "", func() app.UI {
			return app.Span().Class("msg-note share-note").DataSet("testid", "share-note").Aria("live", "polite").Text(c.note)
		}),
	)
}

// share makes the link, puts it in the address bar and copies it.
func (c *shareControl) share() {
	link, err := c.Ilink()
	if err != nil {
		c.note = "Cannot share: " + err.Error()
		return
	}
	u := "?" + link.Query
	if app.IsClient {
		loc := app.Window().Get("location")
		u = loc.Get("origin").String() + loc.Get("pathname").String() + "?" + link.Query
		app.Window().Get("history").Call("replaceState", nil, "", "?"+link.Query)
	}
	note := "Link copied: opening it restores this setup; it never runs by itself."
	if !copyText(u) {
		note = "The link is in the address bar (the browser did not let the page copy it): opening it restores this setup; it never runs by itself."
	}
	if notes := link.Notes(); len(notes) > 0 {
		note += " " + strings.Join(notes, " ")
	}
	c.note = note
}
