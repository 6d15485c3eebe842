package ui

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/markdown"
	"playground/app/schema"
)

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
				}),
		),
		app.If(len(aside) > 0, func() app.UI {
			return app.P().Class("params-aside").DataSet("testid", "params-aside").
				Text("Kept aside (not parameters of this model, not sent): " + strings.Join(aside, ", ") + ".")
		}),
		app.Range(rows).Slice(func(i int) app.UI { return p.renderField(rows[i]) }),
	)
}

// ownedByRunArea reports whether a field is set by the run area rather than the parameter form: the
// model (the picker), the conversation, and whether to stream (a toggle beside Run).
func ownedByRunArea(f schema.Field) bool {
	return f.Control == schema.Model || f.Control == schema.Messages || (f.Name == "stream" && f.Control == schema.Toggle)
}

// renderField draws one parameter: its label and state, its control, its error and its help.
func (p *playground) renderField(f schema.Field) app.UI {
	v, set := p.values[f.Name]
	isNull := set && string(v) == "null"
	errText := p.inputErrs[f.Name]
	if errText == "" && set {
		errText = f.Check(v)
	}
	state := "not sent"
	switch {
	case isNull:
		state = "null"
	case set:
		state = "set"
	}
	class := "param"
	if !set {
		class += " param-unset"
	}
	if errText != "" {
		class += " param-invalid"
	}
	id := "p-" + f.Name
	return app.Div().Class(class).DataSet("param", f.Name).Body(
		app.Div().Class("param-head").Body(
			app.Label().For(id).Class("param-label").Body(
				app.Text(f.Label),
				app.If(f.Required, func() app.UI { return app.Span().Class("param-req").Title("required").Text(" *") }),
			),
			app.Code().Class("param-name").Text(f.Name),
			app.Span().Class("param-state").DataSet("testid", "param-state-"+f.Name).Text(state),
			app.If(f.Nullable && !isNull && f.Control != schema.ReadOnly, func() app.UI {
				return app.Button().Class("btn btn-tiny").Text("null").Title("Send an explicit null").
					Aria("label", "Send null for "+f.Name).
					OnClick(func(ctx app.Context, e app.Event) { p.setValue(f, json.RawMessage("null")) })
			}),
			app.If(set || p.drafts[f.Name] != "", func() app.UI {
				return app.Button().Class("btn btn-tiny").Text("reset").Title("Back to not sent").
					DataSet("testid", "param-reset-"+f.Name).Aria("label", "Reset "+f.Name+" to not sent").
					OnClick(func(ctx app.Context, e app.Event) { p.unset(f.Name) })
			}),
		),
		p.renderControl(f, id, v, set && !isNull),
		app.If(errText != "", func() app.UI {
			return app.Div().Class("param-error").DataSet("testid", "error").Aria("live", "polite").Text(f.Name + ": " + errText)
		}),
		app.If(f.Help != "", func() app.UI {
			return app.Details().Class("param-help").Body(
				app.Summary().Text("About"),
				app.Raw(markdown.HTML(f.Help)),
			)
		}),
	)
}

// renderControl draws the input for a field's control kind.
func (p *playground) renderControl(f schema.Field, id string, v json.RawMessage, hasValue bool) app.UI {
	testid := "param-" + f.Name
	placeholder := "not sent"
	if len(f.Default) > 0 {
		placeholder = "default " + string(f.Default)
	}
	text := p.drafts[f.Name]
	if _, typing := p.drafts[f.Name]; !typing && hasValue {
		text = f.Display(v)
	}
	onText := func(ctx app.Context, e app.Event) { p.setInput(f, ctx.JSSrc().Get("value").String()) }

	switch f.Control {
	case schema.Slider:
		pos := text
		if pos == "" {
			pos = sliderRest(f)
		}
		return app.Div().Class("slider").Body(
			app.Input().Type("range").ID("%s", id).DataSet("testid", testid).Aria("label", f.Label).
				Min(*f.Min).Max(*f.Max).Step(f.Step).Value(pos).OnInput(onText),
			app.Input().Type("number").Class("num").DataSet("testid", testid+"-number").Aria("label", f.Label+" value").
				Min(*f.Min).Max(*f.Max).Step(f.Step).Placeholder("%s", placeholder).Value(text).OnInput(onText),
		)
	case schema.Number:
		in := app.Input().Type("number").Class("num").ID("%s", id).DataSet("testid", testid).
			Placeholder("%s", placeholder).Value(text).OnInput(onText)
		if f.Min != nil {
			in = in.Min(*f.Min)
		}
		if f.Max != nil {
			in = in.Max(*f.Max)
		}
		if f.Step > 0 {
			in = in.Step(f.Step)
		} else {
			in = in.Attr("step", "any")
		}
		return in
	case schema.Toggle:
		on := hasValue && string(v) == "true"
		return app.Label().Class("toggle").Body(
			app.Input().Type("checkbox").ID("%s", id).DataSet("testid", testid).Checked(on).
				OnChange(func(ctx app.Context, e app.Event) {
					p.setValue(f, json.RawMessage(strconv.FormatBool(ctx.JSSrc().Get("checked").Bool())))
				}),
			app.Span().Class("muted").Text(toggleText(hasValue, on, placeholder)),
		)
	case schema.Select:
		return app.Select().ID("%s", id).DataSet("testid", testid).
			OnChange(func(ctx app.Context, e app.Event) {
				val := ctx.JSSrc().Get("value").String()
				if val == "" {
					p.unset(f.Name)
					return
				}
				if i, err := strconv.Atoi(val); err == nil && i >= 0 && i < len(f.Enum) {
					p.setValue(f, f.Enum[i])
				}
			}).Body(
			app.Option().Value("").Text("— "+placeholder+" —").Selected(!hasValue),
			app.Range(f.Enum).Slice(func(i int) app.UI {
				return app.Option().Value(strconv.Itoa(i)).Text(enumText(f.Enum[i])).
					Selected(hasValue && string(v) == string(f.Enum[i]))
			}),
		)
	case schema.Text:
		return app.Input().Type("text").ID("%s", id).DataSet("testid", testid).Placeholder("%s", placeholder).Value(text).OnInput(onText)
	case schema.Textarea:
		return app.Textarea().ID("%s", id).DataSet("testid", testid).Rows(3).Placeholder("%s", placeholder).Text(text).OnInput(onText)
	case schema.Tags:
		return app.Textarea().ID("%s", id).DataSet("testid", testid).Rows(2).
			Placeholder("%s", placeholder+" — one value per line").Text(text).OnInput(onText)
	default:
		return app.P().Class("param-readonly muted").ID("%s", id).DataSet("testid", testid).Text(f.Note)
	}
}

// sliderRest is where a slider sits while its field is not sent: at the default, else mid-range.
func sliderRest(f schema.Field) string {
	var d float64
	if json.Unmarshal(f.Default, &d) == nil && len(f.Default) > 0 {
		return string(schema.FormatNumber(d))
	}
	return string(schema.FormatNumber((*f.Min + *f.Max) / 2))
}

func toggleText(hasValue, on bool, placeholder string) string {
	switch {
	case !hasValue:
		return placeholder
	case on:
		return "true"
	default:
		return "false"
	}
}

func enumText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// setInput takes what was typed into a control: a valid value is set; anything else is kept as a
// draft with the broken rule shown, so nothing typed is lost.
func (p *playground) setInput(f schema.Field, text string) {
	val, rule, ok := f.ParseInput(text)
	if !ok {
		p.drafts[f.Name] = text
		p.inputErrs[f.Name] = rule
		return
	}
	delete(p.inputErrs, f.Name)
	if val == nil {
		delete(p.drafts, f.Name)
		delete(p.values, f.Name)
		return
	}
	p.drafts[f.Name] = text
	p.values[f.Name] = val
}

func (p *playground) setValue(f schema.Field, v json.RawMessage) {
	delete(p.drafts, f.Name)
	delete(p.inputErrs, f.Name)
	p.values[f.Name] = v
}

func (p *playground) unset(name string) {
	delete(p.drafts, name)
	delete(p.inputErrs, name)
	delete(p.values, name)
}

// formErrors lists the parameters whose input is not valid, for the run guard.
func (p *playground) formErrors() []string {
	var out []string
	if p.form == nil {
		return nil
	}
	for _, f := range p.form.Fields {
		if rule := p.inputErrs[f.Name]; rule != "" {
			out = append(out, f.Name+": "+rule)
		} else if v, ok := p.values[f.Name]; ok {
			if rule := f.Check(v); rule != "" {
				out = append(out, f.Name+": "+rule)
			}
		}
	}
	return out
}
