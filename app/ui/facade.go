package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/embed"
)

// The widget's page is a facade (server/facade.go): until the visitor first interacts with it, it
// is the server's prerendered widget, without the web app. web/embed-start.js then loads the web
// app and keeps what the visitor does meanwhile (embed.Facade); go-app replaces the prerendered
// widget with this component when it mounts, so the component takes that over: the typed text
// into its state, the focus and caret back into the box, and a Run asked for once the model's form
// is there.

// OnNav is the page's (the model, its form, the policy), then, on the first navigation, takes over
// what the visitor did in the facade.
func (w *widget) OnNav(ctx app.Context) {
	w.playground.OnNav(ctx)
	if w.facadeTaken || !app.IsClient {
		return
	}
	w.facadeTaken = true
	f, ok := readFacade()
	if !ok || f.Empty() {
		return
	}
	if v, ok := f.Take(embed.PromptBox); ok {
		w.prompt = v
	}
	ctx.Defer(func(ctx app.Context) { focusBox(f) }) // once drawn with the text
	then := w.afterForm
	w.afterForm = func(ctx app.Context) {
		if then != nil {
			then(ctx)
		}
		// The model's run area (of its kind) is drawn with the form: its boxes, and Run, are there
		// once this update is done.
		ctx.Defer(func(ctx app.Context) {
			fillBoxes(f.Values)
			focusBox(f)
			if f.Run {
				if b := boxByTestID("run"); b.Truthy() && !b.Get("disabled").Bool() {
					b.Call("click")
				}
			}
		})
	}
}

// readFacade reads what web/embed-start.js kept; ok is false on a page without the facade.
func readFacade() (embed.Facade, bool) {
	g := app.Window().Get(embed.FacadeGlobal)
	if !g.Truthy() {
		return embed.Facade{}, false
	}
	s := app.Window().Get("JSON").Call("stringify", g).String()
	f, err := embed.ParseFacade(s)
	if err != nil {
		app.Log(err)
		return embed.Facade{}, false
	}
	return f, true
}

// boxByTestID is the element with that data-testid, or a falsy value. It compares the attribute
// rather than build a selector from the id.
func boxByTestID(id string) app.Value {
	els := app.Window().Get("document").Call("querySelectorAll", "[data-testid]")
	for i, n := 0, els.Length(); i < n; i++ {
		if el := els.Index(i); el.Call("getAttribute", "data-testid").String() == id {
			return el
		}
	}
	return app.Null()
}

// fillBoxes puts the facade's other boxes' texts (and checkboxes) into the live widget's, through
// the events the widget listens to.
func fillBoxes(values map[string]string) {
	for id, v := range values {
		el := boxByTestID(id)
		if !el.Truthy() {
			continue
		}
		if el.Get("type").String() == "checkbox" {
			if el.Get("checked").Bool() != (v == "true") {
				el.Call("click") // toggles it and fires change
			}
			continue
		}
		if el.Get("value").String() == v {
			continue
		}
		el.Set("value", v)
		el.Call("dispatchEvent", app.Window().Get("Event").New("input", map[string]any{"bubbles": true}))
	}
}

// focusBox puts the focus and the caret back in the box the visitor was in, unless the focus has
// gone elsewhere since.
func focusBox(f embed.Facade) {
	if f.Focus == "" {
		return
	}
	doc := app.Window().Get("document")
	if a := doc.Get("activeElement"); a.Truthy() && !a.Equal(doc.Get("body")) {
		return
	}
	el := boxByTestID(f.Focus)
	if !el.Truthy() {
		return
	}
	el.Call("focus")
	if start, end, ok := f.Caret(el.Get("value").String()); ok && hasCaret(el) {
		el.Call("setSelectionRange", start, end)
	}
}

// hasCaret reports whether el is a box with a caret: a textarea, or a text input (setSelectionRange
// throws on the others).
func hasCaret(el app.Value) bool {
	switch el.Get("tagName").String() {
	case "TEXTAREA":
		return true
	case "INPUT":
		switch el.Get("type").String() {
		case "text", "search", "url", "tel", "password":
			return true
		}
	}
	return false
}
