package ui

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/form"
	"playground/app/schema"
)

// control draws the input of a node for its control kind.
func (p *editor) control(n node) app.UI {
	switch n.f.Control {
	case schema.Slider:
		return p.slider(n)
	case schema.Number:
		return p.number(n)
	case schema.Toggle:
		return p.toggle(n)
	case schema.Select:
		return p.selectBox(n)
	case schema.Text:
		return p.typedInput(app.Input().Type("text").DataSet("testid", n.testid()).Aria("label", ariaLabel(n)).
			Placeholder("%s", placeholder(n.f)), n.id(), n, "", p.text(n))
	case schema.Textarea:
		return p.textArea(n, 3, "")
	case schema.Tags:
		if multiSelect(n.f) {
			return p.checkboxes(n)
		}
		hint := " — one value per line"
		if n.f.Items != nil && (n.f.Items.Control == schema.Number || n.f.Items.Control == schema.Slider) {
			hint = " — one number per line"
		}
		return p.textArea(n, 2, hint)
	case schema.URL:
		return p.urlBox(n)
	case schema.File:
		return p.fileBox(n)
	case schema.JSON:
		return p.jsonEditor(n)
	case schema.Object:
		return p.objectBody(n)
	case schema.Choice:
		return p.choice(n)
	case schema.List:
		return p.list(n)
	}
	note := n.f.Note
	if note == "" {
		note = "This parameter cannot be edited here; it is not sent."
	}
	return app.P().Class("param-readonly muted").ID("%s", n.id()).DataSet("testid", n.testid()).Text(note)
}

// ariaLabel names a node's input: its label, and for a list item its position.
func ariaLabel(n node) string {
	if n.inList {
		return n.f.Label + " " + strconv.Itoa(n.path[len(n.path)-1].Index+1)
	}
	return n.f.Label
}

// placeholder is what an empty input shows: the default, or that the field is not sent.
func placeholder(f schema.Field) string {
	if len(f.Default) > 0 {
		return "default " + string(f.Default)
	}
	return "not sent"
}

// text is what a typed control shows: the draft being typed, else the value.
func (p *editor) text(n node) string {
	if d, typing := p.st.Drafts[n.key]; typing {
		return d
	}
	if n.hasValue() {
		return p.memo("text|"+n.key+"|"+string(n.f.Control), n.v, func() any { return form.Display(n.f, n.v) }).(string)
	}
	return ""
}

// syncBoxes sets the value of every box of the form drawn, once the frame is drawn, where the
// element shows something else than the state (the focused one excepted: the user may be typing
// into it). go-app cannot do it in two cases: it clears a value by removing the value attribute,
// which does not change what a box that was drawn or typed into shows (a reset left the typed text
// in the box); and it sets an element's attributes in map order, while a range input rounds and
// clamps the value it is given to the min, max and step it has at that moment (0.7 became 1 when
// set before step 0.01).
func (p *editor) syncBoxes(app.Context) {
	focused := app.Window().Get("document").Get("activeElement")
	for id, v := range p.boxes {
		if el := app.Window().GetElementByID(id); el.Truthy() && !el.Equal(focused) && el.Get("value").String() != v {
			el.Set("value", v)
		}
	}
}

// drawBox records what the box with element id should show, for syncBoxes, unless it is being
// typed into.
func (p *editor) drawBox(id, box, text string) {
	if p.boxes != nil && p.typed.editing != box {
		p.boxes[id] = text
	}
}

// typedInput binds an input element with the given id to a node: it shows text and takes what is
// typed into it (see typedInputs). part tells a node's boxes apart ("" for its main one).
func (p *editor) typedInput(in app.HTMLInput, id string, n node, part, text string) app.HTMLInput {
	box := n.key + n.suffix + "#" + part
	typed, left := p.onTyped(n, box)
	p.drawBox(id, box, text)
	return in.ID("%s", id).Value(p.typed.value(box, text)).OnInput(typed, p.scope(n, part)).OnBlur(left, p.scope(n, part))
}

// typedArea is typedInput for a textarea. Its value is set as a property: a textarea's text content
// is only its initial value, ignored once the user has typed into it.
func (p *editor) typedArea(in app.HTMLTextarea, id string, n node, text string) app.HTMLTextarea {
	box := n.key + n.suffix + "#"
	typed, left := p.onTyped(n, box)
	p.drawBox(id, box, text)
	return in.ID("%s", id).Attr("value", p.typed.value(box, text)).OnInput(typed, p.scope(n)).OnBlur(left, p.scope(n))
}

// onTyped returns the handlers of a typed box of a node: what is typed is taken, and leaving the
// box ends the edit.
func (p *editor) onTyped(n node, box string) (typed, left app.EventHandler) {
	typed = func(ctx app.Context, e app.Event) {
		p.typed.typing(box, ctx.JSSrc())
		p.setInput(n, ctx.JSSrc().Get("value").String())
	}
	left = func(ctx app.Context, e app.Event) { p.typed.done(box) }
	return typed, left
}

// textArea is a node's plain textarea, rows high, its placeholder followed by hint.
func (p *editor) textArea(n node, rows int, hint string) app.UI {
	return p.typedArea(app.Textarea().DataSet("testid", n.testid()).Aria("label", ariaLabel(n)).Rows(rows).
		Placeholder("%s", placeholder(n.f)+hint), n.id(), n, p.text(n))
}

func (p *editor) slider(n node) app.UI {
	f := n.f
	text := p.text(n)
	pos := text
	if pos == "" {
		pos = sliderRest(f)
	}
	return app.Div().Class("slider").Body(
		p.typedInput(app.Input().Type("range").DataSet("testid", n.testid()).Aria("label", ariaLabel(n)).
			Min(*f.Min).Max(*f.Max).Step(f.Step), n.id(), n, "range", pos),
		p.typedInput(app.Input().Type("number").Class("num").DataSet("testid", n.testid()+"-number").Aria("label", ariaLabel(n)+" value").
			Min(*f.Min).Max(*f.Max).Step(f.Step).Placeholder("%s", placeholder(f)), n.id()+"-number", n, "number", text),
	)
}

func (p *editor) number(n node) app.UI {
	f := n.f
	in := app.Input().Type("number").Class("num").DataSet("testid", n.testid()).Aria("label", ariaLabel(n)).
		Placeholder("%s", placeholder(f))
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
	return p.typedInput(in, n.id(), n, "", p.text(n))
}

func (p *editor) toggle(n node) app.UI {
	on := n.hasValue() && string(n.v) == "true"
	return app.Label().Class("toggle").Body(
		app.Input().Type("checkbox").ID("%s", n.id()).DataSet("testid", n.testid()).Aria("label", ariaLabel(n)).Checked(on).
			OnChange(func(ctx app.Context, e app.Event) {
				p.setValue(n, json.RawMessage(strconv.FormatBool(ctx.JSSrc().Get("checked").Bool())))
			}, p.scope(n)),
		app.Span().Class("muted").Text(toggleText(n.hasValue(), on, placeholder(n.f))),
	)
}

func (p *editor) selectBox(n node) app.UI {
	f := n.f
	blank := !n.hasValue() || n.removable()
	return app.Select().ID("%s", n.id()).DataSet("testid", n.testid()).Aria("label", ariaLabel(n)).
		OnChange(func(ctx app.Context, e app.Event) {
			val := ctx.JSSrc().Get("value").String()
			if val == "" {
				p.removeAt(n)
				return
			}
			if i, err := strconv.Atoi(val); err == nil && i >= 0 && i < len(f.Enum) {
				p.setValue(n, f.Enum[i])
			}
		}, p.scope(n)).Body(
		app.If(blank, func() app.UI {
			return app.Option().Value("").Text("— " + placeholder(f) + " —").Selected(!n.hasValue())
		}),
		app.Range(f.Enum).Slice(func(i int) app.UI {
			return app.Option().Value(strconv.Itoa(i)).Text(enumText(f.Enum[i])).
				Selected(n.hasValue() && form.Equal(n.v, f.Enum[i]))
		}),
	)
}

func (p *editor) urlBox(n node) app.UI {
	in := p.typedInput(app.Input().Type("url").DataSet("testid", n.testid()).Aria("label", ariaLabel(n)).
		Placeholder("%s", placeholder(n.f)), n.id(), n, "", p.text(n))
	if !p.acceptsDataURL(n.f) {
		if !imageField(n.f) {
			return in
		}
		return app.Div().Class("url-box").Body(in,
			app.P().Class("muted param-note").DataSet("testid", n.testid()+"-url-only").
				Text("A URL of an image the provider can fetch: this field does not take uploaded files (base64)."))
	}
	put := p.contentChecked(n, func(ctx app.Context, name, mime string, data []byte) {
		p.setValue(n, jsonString(form.DataURL(mime, data)))
		p.st.Files[n.key] = name
	})
	// A file dropped on the box, or pasted into it, is taken like a picked one.
	take := func(ctx app.Context, files app.Value) bool {
		if files.IsUndefined() || files.IsNull() || files.Length() == 0 {
			return false
		}
		if err := p.readFile(ctx, files.Index(0), p.fileCheck(n), put); err != nil {
			p.st.Errs[n.key] = err.Error()
		} else {
			delete(p.st.Errs, n.key)
		}
		return true
	}
	return app.Div().Class("url-box").DataSet("testid", n.testid()+"-drop").
		On("dragover", func(ctx app.Context, e app.Event) { e.PreventDefault() }, p.scope(n, "dragover")).
		On("drop", func(ctx app.Context, e app.Event) {
			if take(ctx, e.Get("dataTransfer").Get("files")) {
				e.PreventDefault()
			}
		}, p.scope(n, "drop")).
		On("paste", func(ctx app.Context, e app.Event) {
			if take(ctx, e.Get("clipboardData").Get("files")) {
				e.PreventDefault()
			}
		}, p.scope(n, "paste")).Body(
		in,
		p.filePicker(n, "Attach file", false, put),
		p.fileInfo(n),
		p.dataThumb(n),
	)
}

// imageField reports whether a field holds an image (or a mask) by its name.
func imageField(f schema.Field) bool {
	name := strings.ToLower(f.Name)
	return strings.Contains(name, "image") || strings.Contains(name, "mask")
}

// dataThumb is a small preview of an image held as a data URL (the page loads no other host).
func (p *editor) dataThumb(n node) app.UI {
	if !n.hasValue() || !strings.HasPrefix(string(n.v), `"data:image/`) || strings.HasPrefix(string(n.v), `"data:image/svg`) {
		return nil
	}
	var src string
	if json.Unmarshal(n.v, &src) != nil {
		return nil
	}
	return app.Img().Class("param-thumb").DataSet("testid", n.testid()+"-thumb").Src(src).Alt("The picked image")
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

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}
