package ui

import (
	"encoding/json"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/form"
	"playground/app/schema"
)

// editor is the parameter form of the selected model: its form, the values and what is typed
// into its controls (form.State), the values another model had that this one does not take, and
// what drawing it derives (rendered help, validations, the boxes being typed into). The page
// holds one, for the requests it builds; the parameters panel (paramsPanel) draws it and edits it.
type editor struct {
	form  *catalog.Form
	st    *form.State          // the form's values and what is typed into its controls
	aside schema.Values        // values the current model has no parameter for
	memos map[string]memoEntry // what is derived from large values, see memo.go
	helps map[string]string    // rendered help, by markdown source
	typed typedInputs          // the text box being typed into, see typed.go
	boxes map[string]string    // what each box of the form drawn should show, by element id (syncBoxes)
	// painting is set while the mask painter is open (see maskpaint.go).
	painting bool
	// page is the context of the page component itself. go-app drops what an event handler's context
	// dispatches once the element that fired the event is gone (the Run button is redrawn as Stop, a
	// control is redrawn for another model), so work that finishes later dispatches through this one.
	page    app.Context
	hasPage bool
	embed   bool // the widget's (/embed): the embed's routes, nothing kept in the browser, no presets
}

// paramsPanel is the parameters panel: the form of the selected model, one row per field, with
// the presets above it. It draws and edits the page's editor; saving and applying presets are the
// page's (they need the parameters set and the model switch logic).
type paramsPanel struct {
	app.Compo

	Ied     *editor
	Iparams func() map[string]json.RawMessage                        // the parameters that are set
	Iapply  func(ctx app.Context, params map[string]json.RawMessage) // sets a preset's parameters
}

// Render draws the panel.
func (c *paramsPanel) Render() app.UI { return c.Ied.renderParams(c.Iparams, c.Iapply) }

// newEditor returns an empty editor: no model yet.
func newEditor() *editor {
	e := &editor{st: form.NewState(), aside: schema.Values{}}
	e.st.Forgot = e.forgetMemos
	return e
}
