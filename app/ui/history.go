package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/convo"
	"playground/app/kind"
)

// historyPanel is the list of what is kept in this browser: conversations, and the runs of models
// that are not conversations (images, embeddings). It draws the page's history; opening and
// deleting an entry are the page's, which owns the current conversation.
type historyPanel struct {
	app.Compo

	Iitems  []convo.Saved
	Iopen   func(ctx app.Context, id string)
	Idelete func(id string)
}

func (c *historyPanel) Render() app.UI {
	items := c.Iitems
	return app.Div().Class("history").DataSet("testid", "history").Body(
		app.If(len(items) == 0, func() app.UI {
			return app.P().Class("muted").Text("Nothing saved yet: each conversation, and the runs of image and embedding models, are kept in this browser when a run ends.")
		}),
		app.Ul().Class("history-list").Body(
			app.Range(items).Slice(func(i int) app.UI {
				s := items[i]
				return app.Li().Class("history-item").DataSet("testid", "history-item").Body(
					app.Button().Class("btn btn-small history-open").DataSet("testid", "history-open").
						Text(s.Title).Title("Open this conversation").
						OnClick(func(ctx app.Context, e app.Event) { c.Iopen(ctx, s.ID) }, app.EventScope(s.ID)),
					app.Span().Class("muted history-meta").Text(historyMeta(s)),
					app.Button().Class("btn btn-tiny").DataSet("testid", "history-delete").Text("Delete").
						Aria("label", "Delete "+s.Title).
						OnClick(func(ctx app.Context, e app.Event) { c.Idelete(s.ID) }, app.EventScope(s.ID)),
				)
			}),
		),
	)
}

// historyMeta is the line under a saved entry's title: the model, what kind of runs it holds, and
// when it last changed.
func historyMeta(s convo.Saved) string {
	meta := s.Model
	if len(s.Runs) > 0 {
		what := s.Kind
		if k := kind.ByName(s.Kind); k != nil {
			what = strings.ToLower(k.Label())
		}
		meta += " · " + plural(len(s.Runs), what+" run", what+" runs")
	}
	return meta + " · " + s.Updated.Local().Format("Jan 2 15:04")
}
