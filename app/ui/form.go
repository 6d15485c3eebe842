package ui

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/form"
	"playground/app/imagefile"
	"playground/app/schema"
)

// The parameter form. Top-level values live in p.st.Values; a compound field's value is one JSON value
// edited through its sub-controls, each addressed by a path (form.Step) and a key (the path joined by
// dots, e.g. "tools.0.function.name"). Text typed into a control that is not a valid value yet is kept
// in p.st.Drafts under its key, with the broken rule in p.st.Errs, so nothing typed is lost.
//
// go-app keeps an element's event handler as long as the handler's code is the same, whatever the
// closure captured, so every handler here carries an EventScope naming the model, the key and the
// field it was made for, and reads the current value from the page state when it runs, never from
// the render that made it.

// node is one control of the form: a top-level field or a value inside one.
type node struct {
	top    schema.Field // the top-level field whose value holds this node
	f      schema.Field // the field of this node
	path   []form.Step  // from the top-level name
	key    string       // form.Key(path)
	v      json.RawMessage
	set    bool   // v is present (it may be null)
	inList bool   // a list item: it cannot be "not sent", only removed
	suffix string // appended to the id and test id (a choice's simple alternative: "-value")
	// variant names the union alternatives chosen on the way here ("/response_format=2"): the same
	// key may hold another field under another alternative, so it is part of the handlers' scope.
	variant string
	rs      *rowState
}

func (n node) isNull() bool   { return n.set && form.IsNull(n.v) }
func (n node) hasValue() bool { return n.set && !form.IsNull(n.v) }

// removable reports whether the node can be "not sent": top-level fields and optional sub-fields.
func (n node) removable() bool { return !n.inList && (len(n.path) == 1 || !n.f.Required) }

// child is the node of an object's sub-field or a list's item.
func (n node) child(f schema.Field, s form.Step) node {
	path := form.Child(n.path, s)
	v := form.Get(n.v, []form.Step{s})
	return node{top: n.top, f: f, path: path, key: form.Key(path), v: v, set: v != nil, inList: s.IsIndex, variant: n.variant, rs: n.rs}
}

// id is the element id of the node's main input.
func (n node) id() string { return "p-" + n.key + n.suffix }

// testid is the data-testid of the node's main input: param-<key>.
func (n node) testid() string { return "param-" + n.key + n.suffix }

// rowState holds the problems of one top-level field: parse errors of drafts and violations of its
// value, each shown once, next to the deepest control drawn for it.
type rowState struct {
	issues []issue
}

type issue struct {
	key, rule string
	shown     bool
}

// rowStateOf collects the problems of a top-level field.
func (p *editor) rowStateOf(f schema.Field) *rowState {
	rs := &rowState{}
	for _, k := range p.st.ErrsUnder(f.Name) {
		rs.issues = append(rs.issues, issue{key: k, rule: p.st.Errs[k]})
	}
	if v, ok := p.st.Values[f.Name]; ok {
		for _, vi := range p.violations(f, v) {
			rs.issues = append(rs.issues, issue{key: form.ViolationKey(vi.Path), rule: vi.Rule})
		}
	}
	if p.imagesForm() && imagefile.Takes(f) {
		rs.issues = append(rs.issues, imageIssuesUnder(p.imageIssues(), f.Name)...)
	}
	return rs
}

// at reports whether a problem lies exactly at key.
func (rs *rowState) at(key string) bool {
	for _, is := range rs.issues {
		if is.key == key {
			return true
		}
	}
	return false
}

// issuesUnder draws the problems at key or inside it that no deeper control has shown, or nil.
func issuesUnder(rs *rowState, key string) app.UI {
	var lines []app.UI
	for i := range rs.issues {
		is := &rs.issues[i]
		if is.shown || !form.Under(is.key, key) {
			continue
		}
		is.shown = true
		lines = append(lines, app.Div().Text(is.key+": "+is.rule))
	}
	if len(lines) == 0 {
		return nil
	}
	return app.Div().Class("param-error").DataSet("testid", "error").Aria("live", "polite").Body(lines...)
}

// renderParams draws the parameter form of the selected model, one row per schema field.
func (p *editor) renderParams(params func() map[string]json.RawMessage, apply func(app.Context, map[string]json.RawMessage)) app.UI {
	if p.form == nil {
		return app.Aside().Class("params").Body(app.H2().Text("Parameters"), app.P().Class("muted").Text("Loading…"))
	}
	var rows []schema.Field
	for _, f := range p.form.Fields {
		if !ownedByRunArea(f) {
			rows = append(rows, f)
		}
	}
	if app.IsClient && p.hasPage {
		p.boxes = map[string]string{}
		p.page.Defer(p.syncBoxes)
	}
	aside := make([]string, 0, len(p.aside))
	for name := range p.aside {
		aside = append(aside, name)
	}
	sort.Strings(aside)
	return app.Aside().Class("params").Aria("label", "Parameters").Body(
		app.Div().Class("params-head").Body(
			app.H2().Text("Parameters"),
			app.Button().Class("btn btn-small").Text("Reset all").Title("Set every parameter back to not sent").
				OnClick(func(ctx app.Context, e app.Event) {
					p.st.Replace(nil, "stream") // the run mode, not a parameter of the form
					p.memos = nil
				}),
		),
		app.If(!p.embed, func() app.UI {
			return &presetsPanel{Imodel: p.form.Model.ID, Iparams: params, Iapply: apply}
		}),
		app.If(len(aside) > 0, func() app.UI {
			return app.P().Class("params-aside").DataSet("testid", "params-aside").
				Text("Kept aside (not parameters of this model, not sent): " + strings.Join(aside, ", ") + ".")
		}),
		app.Range(rows).Slice(func(i int) app.UI { return p.renderField(rows[i]) }),
	)
}

// ownedByRunArea reports whether a field is set by the run area rather than the parameter form:
// what the model's endpoint kind gives the run area (the model, the conversation, an image
// prompt, the texts to embed), and whether to stream (a toggle beside Run).
func ownedByRunArea(f schema.Field) bool {
	return f.Page || f.Control == schema.Model || f.Control == schema.Messages || (f.Name == "stream" && f.Control == schema.Toggle)
}

// renderField draws one top-level parameter.
func (p *editor) renderField(f schema.Field) app.UI {
	v, set := p.st.Values[f.Name]
	n := node{top: f, f: f, path: []form.Step{form.K(f.Name)}, key: f.Name, v: v, set: set, rs: p.rowStateOf(f)}
	return p.row(n)
}

// fixed reports whether a node is a required sub-field that holds its only allowed value.
func fixed(n node) bool {
	return len(n.path) > 1 && n.f.Required && n.f.Control == schema.Select && len(n.f.Enum) == 1 &&
		n.hasValue() && form.Equal(n.v, n.f.Enum[0])
}

// isGroup reports whether a field is drawn as a group of controls (a fieldset with a legend) rather
// than one labelled input.
func isGroup(f schema.Field) bool {
	switch f.Control {
	case schema.Object, schema.List, schema.Choice:
		return true
	case schema.Tags:
		return multiSelect(f)
	}
	return false
}

// row draws one parameter (top-level or an object's sub-field): its label and state, its control,
// its problems and its help.
func (p *editor) row(n node) app.UI {
	f := n.f
	if fixed(n) {
		// A required sub-field with one allowed value (a union's discriminator such as
		// {"type": "json_schema"}): nothing to choose, so it is shown, not offered.
		return app.Div().Class("param param-nested param-fixed").DataSet("param", n.key).Body(
			app.Span().Class("param-label").Text(f.Label),
			app.Code().Class("param-fixed-value").DataSet("testid", n.testid()).Text(string(n.v)),
		)
	}
	state := "not sent"
	switch {
	case n.isNull():
		state = "null"
	case n.set:
		state = "set"
	}
	_, typing := p.st.Drafts[n.key]
	control := p.control(n) // first: it shows the problems that belong to its sub-controls
	problems := issuesUnder(n.rs, n.key)
	class := "param"
	if !n.set {
		class += " param-unset"
	}
	if problems != nil || n.rs.at(n.key) {
		class += " param-invalid"
	}
	if len(n.path) > 1 {
		class += " param-nested"
	}
	group := isGroup(f)
	var title app.UI
	if group {
		title = app.Span().ID("l-%s", n.key).Class("param-label").Text(f.Label)
	} else {
		title = app.Label().For(n.id()).Class("param-label").Text(f.Label)
	}
	head := []app.UI{
		app.If(f.Required, func() app.UI {
			return app.Span().Class("param-req").Title("required").Aria("label", "required").Text("*")
		}),
		app.Code().Class("param-name").Text(f.Name),
		app.Span().Class("param-state").DataSet("testid", "param-state-"+n.key).Text(state),
		app.If(f.Nullable && !n.isNull() && f.Control != schema.ReadOnly, func() app.UI {
			return app.Button().Class("btn btn-tiny").Text("null").Title("Send an explicit null").
				DataSet("testid", "param-null-"+n.key).Aria("label", "Send null for "+n.key).
				OnClick(func(ctx app.Context, e app.Event) { p.setValue(n, json.RawMessage("null")) }, p.scope(n, "null"))
		}),
		app.If((n.set || typing) && n.removable(), func() app.UI {
			return app.Button().Class("btn btn-tiny").Text("reset").Title("Back to not sent").
				DataSet("testid", "param-reset-"+n.key).Aria("label", "Reset "+n.key+" to not sent").
				OnClick(func(ctx app.Context, e app.Event) { p.removeAt(n) }, p.scope(n, "reset"))
		}),
	}
	help := app.If(f.Help != "", func() app.UI {
		return app.Details().Class("param-help").Body(
			app.Summary().Text("About"),
			app.Raw(p.helpHTML(f.Help)),
		)
	})
	if group {
		// The legend holds the whole head line; the group is named by its label alone.
		return app.FieldSet().Class(class+" param-group").DataSet("param", n.key).Aria("labelledby", "l-"+n.key).Body(
			app.Legend().Class("param-head").Body(append([]app.UI{title}, head...)...),
			help,
			control,
			problems,
		)
	}
	return app.Div().Class(class).DataSet("param", n.key).Body(
		app.Div().Class("param-head").Body(append([]app.UI{title}, head...)...),
		control,
		problems,
		help,
	)
}

// scope is the EventScope of a node's handlers: a handler made for another model, key or field is
// replaced rather than kept.
func (p *editor) scope(n node, extra ...any) app.EventOption {
	model := ""
	if p.form != nil {
		model = p.form.Model.ID
	}
	return app.EventScope(append([]any{model, n.key, n.suffix, n.variant, string(n.f.Control), n.f.Name, n.f.Label}, extra...)...)
}

// t is the node's address in the form state.
func (n node) t() form.Target {
	return form.Target{Top: n.top, Field: n.f, Path: n.path, InList: n.inList}
}

// The edits of the form, on the page's form state (see form.State).
func (p *editor) valueAt(n node) json.RawMessage     { return p.st.At(n.t()) }
func (p *editor) put(n node, v json.RawMessage)      { p.st.Put(n.t(), v) }
func (p *editor) setValue(n node, v json.RawMessage) { p.st.Set(n.t(), v) }
func (p *editor) setInput(n node, text string)       { p.st.Input(n.t(), text) }
func (p *editor) removeAt(n node)                    { p.st.Remove(n.t()) }
func (p *editor) forget(key string)                  { p.st.Forget(key) }
func (p *editor) unset(name string)                  { p.st.Unset(name) }

// forgetMemos drops what was derived from the value at key (a removed file's bytes go).
func (p *editor) forgetMemos(key string) {
	for k := range p.memos {
		if strings.Contains(k, "|"+key) {
			delete(p.memos, k)
		}
	}
}

// formErrors lists the parameters whose input is not valid, for the run guard.
func (p *editor) formErrors() []string {
	if p.form == nil {
		return nil
	}
	images := p.imageIssues()
	return p.st.Problems(p.form.Fields, func(f schema.Field, v json.RawMessage) schema.Violations {
		if vs := p.violations(f, v); len(vs) > 0 {
			return vs
		}
		if is := imageIssuesUnder(images, f.Name); len(is) > 0 {
			return schema.Violations{{Path: is[0].key, Rule: is[0].rule}}
		}
		return nil
	})
}

// violations validates a top-level value, once per value (see memo.go), a picked file's bytes
// excepted (see form.Light; the request body is still checked whole before it is sent).
func (p *editor) violations(f schema.Field, v json.RawMessage) schema.Violations {
	model := ""
	if p.form != nil {
		model = p.form.Model.ID
	}
	return p.memo("validate|"+f.Name+"|"+model, v, func() any { return f.Validate(form.Light(f, v)) }).(schema.Violations)
}
