package ui

import (
	"encoding/json"
	"sort"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/convo"
)

// presetsKey is where the browser keeps the presets (localStorage).
const presetsKey = "playground-presets"

// presetsPanel is the presets of the current model, above its parameters: apply one, delete one,
// or save the parameters that are set under a name. It owns the presets as last read or written,
// the name being typed and what went wrong; the page gives the model, its parameters and what
// applying a preset does.
type presetsPanel struct {
	app.Compo

	Imodel  string                                                   // the model the presets are for
	Iparams func() map[string]json.RawMessage                        // the parameters that are set
	Iapply  func(ctx app.Context, params map[string]json.RawMessage) // sets the parameters of a preset

	presets convo.Presets
	loaded  bool
	name    string
	err     string
}

// OnMount reads the saved presets.
func (c *presetsPanel) OnMount(ctx app.Context) { c.load() }

func (c *presetsPanel) load() {
	c.loaded = true
	raw, ok := storeGet(presetsKey)
	if !ok {
		return
	}
	ps, err := convo.UnmarshalPresets([]byte(raw))
	c.presets = ps
	if err != nil {
		c.err = "Some saved presets could not be read: " + err.Error()
	}
}

// store writes ps to the browser's storage and keeps it.
func (c *presetsPanel) store(ps convo.Presets) error {
	b, err := convo.MarshalPresets(ps)
	if err == nil {
		err = storeSet(presetsKey, string(b))
	}
	if err == nil {
		c.presets = ps
	}
	return err
}

// save keeps the parameters that are set under the typed name, for this model.
func (c *presetsPanel) save() {
	ps, err := c.presets.Put(convo.Preset{Name: c.name, Model: c.Imodel, Params: c.Iparams()})
	if err == nil {
		err = c.store(ps)
	}
	if err != nil {
		c.err = err.Error()
		return
	}
	c.err, c.name = "", ""
	if el := app.Window().GetElementByID("preset-name"); el.Truthy() {
		el.Set("value", "")
	}
}

// apply sets the parameters of a preset of this model; the others go back to not sent.
func (c *presetsPanel) apply(ctx app.Context, name string) {
	if pr, ok := c.presets.Find(c.Imodel, name); ok {
		c.Iapply(ctx, pr.Params)
	}
}

// remove deletes a preset of this model.
func (c *presetsPanel) remove(name string) {
	if err := c.store(c.presets.Remove(c.Imodel, name)); err != nil {
		c.err = err.Error()
	}
}

// names are the names of this model's presets, in order.
func (c *presetsPanel) names() []string {
	mine := c.presets.For(c.Imodel)
	names := make([]string, 0, len(mine))
	for _, pr := range mine {
		names = append(names, pr.Name)
	}
	sort.Strings(names)
	return names
}

func (c *presetsPanel) Render() app.UI {
	names := c.names()
	pick := func(testid, label, first string, do func(ctx app.Context, name string)) app.UI {
		return app.Select().DataSet("testid", testid).Aria("label", label).
			OnChange(func(ctx app.Context, e app.Event) {
				if v := ctx.JSSrc().Get("value").String(); v != "" {
					do(ctx, v)
					ctx.JSSrc().Set("value", "")
				}
			}).Body(
			app.Option().Value("").Text(first),
			app.Range(names).Slice(func(i int) app.UI { return app.Option().Value(names[i]).Text(names[i]) }),
		)
	}
	return app.Div().Class("presets").Body(
		app.If(len(names) > 0, func() app.UI {
			return app.Div().Class("preset-row").Body(
				pick("preset-pick", "Apply a preset", "Apply a preset…", c.apply),
				pick("preset-delete", "Delete a preset", "Delete a preset…", func(_ app.Context, name string) { c.remove(name) }),
			)
		}),
		app.Div().Class("preset-row").Body(
			// Drawn empty and never rewritten by a redraw; cleared by hand once saved.
			app.Input().Type("text").ID("preset-name").DataSet("testid", "preset-name").Aria("label", "Preset name").
				Placeholder("Preset name").
				OnInput(func(ctx app.Context, e app.Event) { c.name = ctx.JSSrc().Get("value").String() }),
			app.Button().Class("btn btn-small").DataSet("testid", "preset-save").Text("Save preset").
				Title("Keep the parameters that are set under this name, for this model").
				OnClick(func(ctx app.Context, e app.Event) { c.save() }),
		),
		app.If(c.err != "", func() app.UI {
			return app.Div().Class("param-error").DataSet("testid", "preset-error").Text(c.err)
		}),
	)
}
