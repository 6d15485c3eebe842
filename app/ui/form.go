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

// The parameter form. Top-level values live in p.values; a compound field's value is one JSON value
// edited through its sub-controls, each addressed by a path (form.Step) and a key (the path joined by
// dots, e.g. "tools.0.function.name"). Text typed into a control that is not a valid value yet is kept
// in p.drafts under its key, with the broken rule in p.inputErrs, so nothing typed is lost.
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
func (p *playground) rowStateOf(f schema.Field) *rowState {
	rs := &rowState{}
	var keys []string
	for k := range p.inputErrs {
		if form.Under(k, f.Name) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		rs.issues = append(rs.issues, issue{key: k, rule: p.inputErrs[k]})
	}
	if v, ok := p.values[f.Name]; ok {
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
func (p *playground) renderParams() app.UI {
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
					stream, streaming := p.values["stream"]
					p.values = schema.Values{}
					if streaming {
						p.values["stream"] = stream // the run mode, not a parameter of the form
					}
					p.drafts = map[string]string{}
					p.inputErrs = map[string]string{}
					p.choiceSel = map[string]int{}
					p.fileNames = map[string]string{}
					p.memos = nil
				}),
		),
		p.renderPresets(),
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
func (p *playground) renderField(f schema.Field) app.UI {
	v, set := p.values[f.Name]
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
func (p *playground) row(n node) app.UI {
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
	_, typing := p.drafts[n.key]
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
func (p *playground) scope(n node, extra ...any) app.EventOption {
	model := ""
	if p.form != nil {
		model = p.form.Model.ID
	}
	return app.EventScope(append([]any{model, n.key, n.suffix, n.variant, string(n.f.Control), n.f.Name, n.f.Label}, extra...)...)
}

// valueAt reads the current value of a node from the page state (nil when absent).
func (p *playground) valueAt(n node) json.RawMessage {
	root, ok := p.values[n.top.Name]
	if !ok {
		return nil
	}
	if len(n.path) == 1 {
		return root
	}
	return form.Get(root, n.path[1:])
}

// put stores a node's new value: a top-level value as it is, a nested one inside its top-level
// value (created from its sample when not sent yet), in the schema's key order.
func (p *playground) put(n node, v json.RawMessage) {
	if len(n.path) == 1 {
		p.values[n.top.Name] = v
		return
	}
	root, err := form.Put(n.top, p.values[n.top.Name], n.path[1:], v)
	if err != nil {
		p.inputErrs[n.key] = err.Error()
		return
	}
	p.values[n.top.Name] = root
}

// setValue sets a node's value from a control that is not typed into (a toggle, a select, a button):
// drafts and parse errors at the node and inside it are dropped.
func (p *playground) setValue(n node, v json.RawMessage) {
	p.forget(n.key)
	p.put(n, v)
}

// setInput takes what was typed into a control: a valid value is set; anything else is kept as a
// draft with the broken rule shown, so nothing typed is lost.
func (p *playground) setInput(n node, text string) {
	val, rule, ok := form.Parse(n.f, text)
	if ok && val == nil && n.inList {
		switch n.f.Control {
		case schema.Text, schema.Textarea, schema.URL:
			val = json.RawMessage(`""`) // an item cannot be left out: it is the empty string
		default:
			ok, rule = false, "enter a value, or remove the item"
		}
	}
	if !ok {
		p.drafts[n.key] = text
		p.inputErrs[n.key] = rule
		return
	}
	delete(p.inputErrs, n.key)
	if val == nil {
		p.removeAt(n)
		return
	}
	p.drafts[n.key] = text
	p.put(n, val)
}

// removeAt makes a node not sent: a top-level field leaves the request, a sub-field leaves its
// object, a list item leaves its list.
func (p *playground) removeAt(n node) {
	p.forget(n.key)
	if len(n.path) == 1 {
		delete(p.values, n.top.Name)
		return
	}
	root, ok := p.values[n.top.Name]
	if !ok {
		return
	}
	p.values[n.top.Name] = form.Normalize(n.top, form.Delete(root, n.path[1:]))
}

// forget drops the drafts, parse errors, picked alternatives and file names at key and inside it.
func (p *playground) forget(key string) {
	for _, m := range []map[string]string{p.drafts, p.inputErrs, p.fileNames} {
		for k := range m {
			if form.Under(k, key) {
				delete(m, k)
			}
		}
	}
	for k := range p.choiceSel {
		if form.Under(k, key) {
			delete(p.choiceSel, k)
		}
	}
	for k := range p.memos {
		if strings.Contains(k, "|"+key) {
			delete(p.memos, k) // let a removed file's bytes go
		}
	}
}

func (p *playground) unset(name string) {
	p.forget(name)
	delete(p.values, name)
}

// formErrors lists the parameters whose input is not valid, for the run guard.
func (p *playground) formErrors() []string {
	var out []string
	if p.form == nil {
		return nil
	}
	images := p.imageIssues()
	for _, f := range p.form.Fields {
		var keys []string
		for k := range p.inputErrs {
			if form.Under(k, f.Name) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			out = append(out, keys[0]+": "+p.inputErrs[keys[0]])
		} else if v, ok := p.values[f.Name]; ok {
			if vs := p.violations(f, v); len(vs) > 0 {
				out = append(out, form.ViolationKey(vs[0].Path)+": "+vs[0].Rule)
			} else if is := imageIssuesUnder(images, f.Name); len(is) > 0 {
				out = append(out, is[0].key+": "+is[0].rule)
			}
		}
	}
	return out
}

// violations validates a top-level value, once per value (see memo.go), a picked file's bytes
// excepted (see form.Light; the request body is still checked whole before it is sent).
func (p *playground) violations(f schema.Field, v json.RawMessage) schema.Violations {
	model := ""
	if p.form != nil {
		model = p.form.Model.ID
	}
	return p.memo("validate|"+f.Name+"|"+model, v, func() any { return f.Validate(form.Light(f, v)) }).(schema.Violations)
}
