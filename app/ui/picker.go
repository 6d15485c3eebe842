package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/kind"
)

// maxOptions bounds the options drawn in the model list: more are counted, not drawn (a list of
// thousands is not read, and drawing it would make every keystroke slow).
const maxOptions = 300

// modelPicker draws the model picker: the search box, the filters and the sort, the list of matches
// and the facts of the selected model. The page sets its exported fields (go-app's I prefix), so it
// is not redrawn while the page redraws for other reasons (an answer streaming); what the user types
// and chooses in it is its own state, redrawn without the page.
//
// The list's option values are catalog.OptionValue's: the model id, or provider:id for an id that
// several providers serve.
type modelPicker struct {
	app.Compo

	Imodels  []catalog.Model // the catalogue, deprecated models left out
	Ishared  map[string]bool // the ids several providers serve (catalog.SharedIDs)
	Icurrent catalog.Model   // the selected model; ID "" before one is loaded
	pick     func(app.Context, catalog.Model)

	query                                 string
	typed                                 typedInputs // the search box, see typed.go
	provider, developer, kind, capability string
	sort                                  catalog.SortKey

	// Derived state, kept while what it comes from stays the same.
	facetsFor                            []catalog.Model
	providers, developers, kinds, capabs []string
	kindCounts                           map[string]int
	found                                []int
	foundFor                             pickerSearch
}

// pickerSearch is what a search result depends on.
type pickerSearch struct {
	models                                       []catalog.Model
	query, provider, developer, kind, capability string
	sort                                         catalog.SortKey
}

func (s pickerSearch) same(o pickerSearch) bool {
	return sameModels(s.models, o.models) && s.query == o.query && s.provider == o.provider && s.developer == o.developer &&
		s.kind == o.kind && s.capability == o.capability && s.sort == o.sort
}

// sameModels reports whether two lists are the same slice (the list is replaced, never changed).
func sameModels(a, b []catalog.Model) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func one(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// results returns the indexes of the models matching the picker's state, best first.
func (c *modelPicker) results() []int {
	s := pickerSearch{c.Imodels, c.query, c.provider, c.developer, c.kind, c.capability, c.sort}
	if c.found == nil || !s.same(c.foundFor) {
		c.found = catalog.Find(c.Imodels, catalog.Query{Text: c.query, Providers: one(c.provider), Developers: one(c.developer),
			Kinds: one(c.kind), Capabilities: one(c.capability), Sort: c.sort})
		c.foundFor = s
	}
	return c.found
}

func (c *modelPicker) facets() {
	if c.facetsFor == nil || !sameModels(c.facetsFor, c.Imodels) {
		c.providers, c.developers, c.kinds, c.capabs = catalog.Facets(c.Imodels)
		c.kindCounts = catalog.KindCounts(c.Imodels)
		c.facetsFor = c.Imodels
	}
}

func (c *modelPicker) currentValue() string {
	if c.Icurrent.ID == "" {
		return ""
	}
	return catalog.OptionValue(c.Icurrent, c.Ishared)
}

// OnMount makes the list show the selected model once drawn.
func (c *modelPicker) OnMount(ctx app.Context) { c.syncList(ctx) }

// OnUpdate makes the list show the selected model once redrawn for the page's new fields.
func (c *modelPicker) OnUpdate(ctx app.Context) { c.syncList(ctx) }

// syncList selects the current model in the drawn list: options are updated in place as the
// matches change, and an option the user selected keeps its selection whatever its attributes say.
func (c *modelPicker) syncList(ctx app.Context) {
	if !app.IsClient {
		return
	}
	ctx.Defer(func(app.Context) {
		if el := app.Window().GetElementByID("model-picker"); el.Truthy() {
			el.Set("value", c.currentValue())
		}
	})
}

// Render draws the picker.
func (c *modelPicker) Render() app.UI {
	c.facets()
	found := c.results()
	shown := found
	if len(shown) > maxOptions {
		shown = shown[:maxOptions]
	}
	current := c.currentValue()
	withProvider := len(c.providers) > 1
	listed := false // the current model is among the options drawn
	for _, i := range shown {
		if catalog.OptionValue(c.Imodels[i], c.Ishared) == current {
			listed = true
			break
		}
	}
	return app.Div().Class("picker").Body(
		app.Div().Class("picker-row").Body(
			app.Input().Type("search").Class("picker-search").ID("model-search").DataSet("testid", "model-search").
				Placeholder("Search %d models…", len(c.Imodels)).Aria("label", "Search models").
				Title("Name, id, developer or alias; typos are forgiven. Enter picks the first match, ↓ goes to the list.").
				Value(c.typed.value("search", c.query)).OnInput(func(ctx app.Context, e app.Event) {
				c.typed.typing("search", ctx.JSSrc())
				c.query = ctx.JSSrc().Get("value").String()
				c.syncList(ctx)
			}).OnBlur(func(ctx app.Context, e app.Event) { c.typed.done("search") }).OnKeyDown(c.onSearchKey),
			app.Select().Class("picker-select").ID("model-picker").DataSet("testid", "model-picker").Aria("label", "Model").
				OnChange(c.onChoose).Body(
				app.If(current == "", func() app.UI {
					return app.Option().Value("").Text("Loading models…")
				}),
				app.If(current != "" && !listed, func() app.UI {
					return app.Option().Value(current).Text(catalog.OptionLabel(c.Icurrent, withProvider)).Selected(true)
				}),
				app.Range(shown).Slice(func(j int) app.UI {
					m := c.Imodels[shown[j]]
					v := catalog.OptionValue(m, c.Ishared)
					return app.Option().Value(v).Text(catalog.OptionLabel(m, withProvider)).Selected(v == current)
				}),
				app.If(len(found) > len(shown), func() app.UI {
					return app.Option().Value("").Disabled(true).Text("… " + strconv.Itoa(len(found)-len(shown)) + " more: refine the search or the filters")
				}),
			),
		),
		app.Div().Class("picker-row picker-filters").Body(
			c.filter("provider", "Provider", "All providers", c.providers, c.provider, nil),
			c.filter("developer", "Developer", "All developers", c.developers, c.developer, nil),
			c.filter("kind", "Kind", "All kinds", c.kinds, c.kind, c.kindLabel),
			c.filter("capability", "Capability", "Any capability", c.capabs, c.capability, nil),
			app.Select().Class("picker-filter").DataSet("testid", "model-sort").Aria("label", "Sort models").
				OnChange(func(ctx app.Context, e app.Event) {
					c.sort = catalog.ParseSortKey(ctx.JSSrc().Get("value").String())
					c.syncList(ctx)
				}).Body(
				app.Range(sortChoices).Slice(func(i int) app.UI {
					k := sortChoices[i]
					return app.Option().Value(k.key.String()).Text(k.label).Selected(k.key == c.sort)
				}),
			),
			app.Span().Class("picker-count").DataSet("testid", "model-count").Aria("live", "polite").Text(matchCount(len(found), len(c.Imodels))),
		),
		app.If(c.Icurrent.ID != "", c.renderMeta),
	)
}

var sortChoices = []struct {
	key   catalog.SortKey
	label string
}{
	{catalog.SortRelevance, "Best match"},
	{catalog.SortName, "Name"},
	{catalog.SortContext, "Context length"},
	{catalog.SortPrice, "Input price"},
}

// kindLabel is a kind filter's option: the kind's name and how many models it has.
func (c *modelPicker) kindLabel(k string) string {
	label := kind.GroupLabel(k)
	if label == k && k != "" {
		label = strings.ToUpper(k[:1]) + k[1:]
	}
	return label + " (" + strconv.Itoa(c.kindCounts[k]) + ")"
}

func matchCount(found, total int) string {
	if found == total {
		return plural(total, "model", "models")
	}
	return strconv.Itoa(found) + " of " + plural(total, "model", "models")
}

// filter draws the select of one filter, or nothing when it would offer a single value (and none
// is chosen).
func (c *modelPicker) filter(name, label, all string, values []string, chosen string, show func(string) string) app.UI {
	if len(values) < 2 && chosen == "" {
		return nil
	}
	if show == nil {
		show = func(s string) string { return s }
	}
	return app.Select().Class("picker-filter").DataSet("testid", "model-filter-"+name).Aria("label", label).
		OnChange(c.onFilter(name), app.EventScope(name)).Body(
		app.Option().Value("").Text(all).Selected(chosen == ""),
		app.Range(values).Slice(func(i int) app.UI {
			return app.Option().Value(values[i]).Text(show(values[i])).Selected(values[i] == chosen)
		}),
	)
}

func (c *modelPicker) onFilter(name string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		// The first option is "all". go-app drops an empty value attribute, and an option without
		// one has its text for value, so the index tells it.
		v := ""
		if el := ctx.JSSrc(); el.Get("selectedIndex").Int() > 0 {
			v = el.Get("value").String()
		}
		switch name {
		case "provider":
			c.provider = v
		case "developer":
			c.developer = v
		case "kind":
			c.kind = v
		case "capability":
			c.capability = v
		}
		c.syncList(ctx)
	}
}

// onSearchKey picks the first match on Enter and moves to the list on ArrowDown.
func (c *modelPicker) onSearchKey(ctx app.Context, e app.Event) {
	switch e.Get("key").String() {
	case "Enter":
		if e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() {
			return // the page's shortcut: run
		}
		e.PreventDefault()
		if found := c.results(); len(found) > 0 {
			c.choose(ctx, c.Imodels[found[0]])
		}
	case "ArrowDown":
		e.PreventDefault()
		app.Window().GetElementByID("model-picker").Call("focus")
	}
}

// onChoose picks the model of the option chosen in the list.
func (c *modelPicker) onChoose(ctx app.Context, e app.Event) {
	v := ctx.JSSrc().Get("value").String()
	if v == c.currentValue() {
		return // or an option that is not a model ("Loading models…"), whose value is its text
	}
	for _, m := range c.Imodels {
		if catalog.OptionValue(m, c.Ishared) == v {
			c.choose(ctx, m)
			return
		}
	}
}

func (c *modelPicker) choose(ctx app.Context, m catalog.Model) {
	if c.pick != nil && catalog.OptionValue(m, c.Ishared) != c.currentValue() {
		c.pick(ctx, m)
	}
}

// renderMeta draws the facts of the selected model under the picker.
func (c *modelPicker) renderMeta() app.UI {
	m := c.Icurrent
	var parts []string
	if m.Developer != "" {
		parts = append(parts, "by "+m.Developer)
	}
	if m.ContextLength > 0 {
		parts = append(parts, catalog.FormatTokens(m.ContextLength)+" context")
	}
	if p := catalog.FormatPrice(m.Price); p != "" {
		parts = append(parts, p+" tokens")
	}
	parts = append(parts, "via "+m.Provider)
	if len(m.Capabilities) > 0 {
		parts = append(parts, strings.Join(m.Capabilities, ", "))
	}
	if m.Deprecated {
		parts = append(parts, "deprecated by its provider")
	}
	if m.Generic {
		what := "chat"
		if k := kind.ByName(m.Kind); k != nil {
			what = strings.ToLower(k.Label())
		}
		parts = append(parts, "generic "+what+" schema (no model-specific schema known)")
	}
	if m.Unsupported {
		parts = append(parts, "cannot run yet (a "+catalog.Kind(m)+" model)")
	}
	return app.Small().Class("picker-meta").DataSet("testid", "model-meta").Title("%s", m.Description).Text(strings.Join(parts, " · "))
}
