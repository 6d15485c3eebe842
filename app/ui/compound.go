package ui

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/form"
	"playground/app/kind"
	"playground/app/schema"
	"playground/app/upload"
)

// maxDataURLBytes bounds the files attached to a chat message (sent as data URLs in the JSON
// body); a form's file fields have the caps of package upload (see editor.fileCheck).
const maxDataURLBytes = 8 << 20

// multiSelect reports whether a Tags field is a set of allowed values, drawn as checkboxes.
func multiSelect(f schema.Field) bool {
	return f.Control == schema.Tags && f.Items != nil && f.Items.Control == schema.Select && len(f.Items.Enum) > 0
}

// objectBody draws an object's sub-form: one row per sub-field, each with its own control and its
// own "not sent" state (a sub-field absent from the object).
func (p *editor) objectBody(n node) app.UI {
	rows := make([]app.UI, 0, len(n.f.Fields))
	for _, sf := range n.f.Fields {
		rows = append(rows, p.row(n.child(sf, form.K(sf.Name))))
	}
	return app.Div().Class("param-sub").DataSet("testid", n.testid()).Body(rows...)
}

// altOf is the alternative a choice node shows: the one the user picked, else the one its value
// belongs to.
func (p *editor) altOf(n node, v json.RawMessage) int { return p.st.Alt(n.t(), v) }

// choice draws a union: a select of the alternatives, then the chosen alternative's control.
func (p *editor) choice(n node) app.UI {
	f := n.f
	sel := -1
	if n.hasValue() {
		sel = p.altOf(n, n.v)
	}
	blank := "— not sent —"
	switch {
	case n.isNull():
		blank = "— null —"
	case !n.removable():
		blank = "— choose —"
	}
	picker := app.Select().ID("%s", n.id()).DataSet("testid", n.testid()).Aria("label", ariaLabel(n)+": kind").
		OnChange(func(ctx app.Context, e app.Event) { p.pickChoice(n, ctx.JSSrc().Get("value").String()) }, p.scope(n)).Body(
		app.If(sel < 0 || n.removable(), func() app.UI { return app.Option().Value("").Text(blank).Selected(sel < 0) }),
		app.Range(f.Choices).Slice(func(i int) app.UI {
			return app.Option().Value(strconv.Itoa(i)).Text(f.Choices[i].Label).Selected(i == sel)
		}),
	)
	if sel < 0 {
		return app.Div().Class("choice").Body(picker)
	}
	alt := n
	alt.f = f.Choices[sel]
	alt.variant += "/" + n.key + "=" + strconv.Itoa(sel)
	alt.suffix = "-value" // the select has the node's id and test id; sub-fields have their own keys
	var body app.UI
	switch alt.f.Control {
	case schema.Object:
		body = p.objectBody(alt)
	case schema.Choice, schema.List:
		body = app.Div().Class("param-sub").Body(p.control(alt))
	default:
		alt.f.Label = f.Label
		body = app.Div().Class("choice-value").Body(p.control(alt))
	}
	return app.Div().Class("choice").Body(
		picker,
		app.If(alt.f.Help != "" && alt.f.Help != f.Help, func() app.UI {
			return app.Div().Class("choice-help muted").Body(app.Raw(p.helpHTML(alt.f.Help)))
		}),
		body,
	)
}

// pickChoice switches a choice to alternative val ("" for not sent), keeping what the alternative
// it leaves held, and restoring what the one it returns to held (see form.State.PickChoice).
func (p *editor) pickChoice(n node, val string) {
	j := -1
	if val != "" {
		var err error
		if j, err = strconv.Atoi(val); err != nil {
			return
		}
	}
	p.st.PickChoice(n.t(), j)
}

// list draws a list of structured items: one sub-form per item with move and remove buttons, and a
// button that adds an item. MinItems and MaxItems disable the buttons that would break them.
func (p *editor) list(n node) app.UI {
	f := n.f
	var items []json.RawMessage
	if n.hasValue() {
		items = form.Elements(n.v)
	}
	il := form.ItemLabel(f)
	full := f.MaxItems != nil && len(items) >= *f.MaxItems
	least := f.MinItems != nil && len(items) <= *f.MinItems
	rows := make([]app.UI, len(items))
	for i := range items {
		rows[i] = p.listItem(n, i, len(items), il, least)
	}
	addLabel := "Add " + il
	tip := addLabel
	if full {
		tip = fmt.Sprintf("At most %d", *f.MaxItems)
	}
	return app.Div().Class("param-list").DataSet("testid", n.testid()).Body(
		app.Div().Class("list-items").Body(rows...),
		app.Button().Class("btn btn-small list-add").DataSet("testid", n.testid()+"-add").Text(addLabel).
			Aria("label", addLabel+" to "+n.key).Disabled(full || f.Items == nil || n.f.Items.Control == schema.ReadOnly).
			Title("%s", tip).
			OnClick(func(ctx app.Context, e app.Event) { p.addItem(n) }, p.scope(n, "add")),
	)
}

func (p *editor) listItem(n node, i, count int, il string, least bool) app.UI {
	item := n.child(*n.f.Items, form.I(i))
	title := capitalize(il) + " " + strconv.Itoa(i+1)
	if strings.EqualFold(item.f.Label, "item") || item.f.Label == "" {
		item.f.Label = capitalize(il)
	}
	var body app.UI
	if item.f.Control == schema.Object {
		body = p.objectBody(item)
	} else {
		body = p.control(item)
	}
	problems := issuesUnder(item.rs, item.key)
	return app.FieldSet().Class("list-item").DataSet("param", item.key).Body(
		app.Legend().Class("param-legend").Text(title),
		app.Div().Class("param-head list-item-head").Body(
			app.Button().Class("btn btn-tiny").Text("↑").DataSet("testid", item.testid()+"-up").
				Aria("label", "Move "+title+" up").Title("Move up").Disabled(i == 0).
				OnClick(func(ctx app.Context, e app.Event) { p.moveItem(n, i, i-1) }, p.scope(item, "up")),
			app.Button().Class("btn btn-tiny").Text("↓").DataSet("testid", item.testid()+"-down").
				Aria("label", "Move "+title+" down").Title("Move down").Disabled(i == count-1).
				OnClick(func(ctx app.Context, e app.Event) { p.moveItem(n, i, i+1) }, p.scope(item, "down")),
			app.Button().Class("btn btn-tiny").Text("remove").DataSet("testid", item.testid()+"-remove").
				Aria("label", "Remove "+title).Title("Remove").Disabled(least).
				OnClick(func(ctx app.Context, e app.Event) { p.removeItem(n, i) }, p.scope(item, "remove")),
		),
		body,
		problems,
	)
}

func capitalize(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

func (p *editor) addItem(n node)            { p.st.AddItem(n.t()) }
func (p *editor) removeItem(n node, i int)  { p.st.RemoveItem(n.t(), i) }
func (p *editor) moveItem(n node, i, j int) { p.st.MoveItem(n.t(), i, j) }

// checkboxes draws a multi-select: one checkbox per allowed value. Unchecking all of them makes the
// field not sent.
func (p *editor) checkboxes(n node) app.UI {
	enum := n.f.Items.Enum
	return app.Div().Class("checks").DataSet("testid", n.testid()).Body(
		app.Range(enum).Slice(func(i int) app.UI {
			text := enumText(enum[i])
			return app.Label().Class("check").Body(
				app.Input().Type("checkbox").DataSet("testid", n.testid()+"-"+text).
					Checked(n.hasValue() && form.HasMember(n.v, enum[i])).
					OnChange(func(ctx app.Context, e app.Event) {
						next := form.SetMember(p.valueAt(n), enum, i, ctx.JSSrc().Get("checked").Bool())
						switch {
						case next != nil:
							p.setValue(n, next)
						case n.removable():
							p.removeAt(n)
						default:
							p.setValue(n, json.RawMessage("[]"))
						}
					}, p.scope(n, i)),
				app.Text(text),
			)
		}),
	)
}

// jsonEditor draws a JSON text box that checks the text as it is typed: while it is not valid JSON
// the error (with its line and column) is shown, the last valid value stays the one sent, and Run is
// blocked. Format pretty-prints it.
func (p *editor) jsonEditor(n node) app.UI {
	text := p.text(n)
	lines := strings.Count(text, "\n") + 2
	lines = max(3, min(lines, 16))
	kind := "any JSON value"
	if n.f.Type != "" {
		kind = "a JSON " + n.f.Type
	}
	return app.Div().Class("json-box").Body(
		p.typedArea(app.Textarea().Class("json-editor").DataSet("testid", n.testid()).Aria("label", ariaLabel(n)+" (JSON)").
			Rows(lines).Spellcheck(false).Placeholder("%s", placeholder(n.f)+" — "+kind), n.id(), n, text),
		app.Div().Class("json-actions").Body(
			app.Button().Class("btn btn-tiny").Text("Format").DataSet("testid", n.testid()+"-format").
				Aria("label", "Format the JSON of "+n.key).Disabled(text == "").
				OnClick(func(ctx app.Context, e app.Event) { p.formatJSON(n) }, p.scope(n, "format")),
			app.Span().Class("muted").Text(kind),
		),
	)
}

func (p *editor) formatJSON(n node) {
	text, typing := p.st.Drafts[n.key]
	if !typing {
		text = form.Display(n.f, p.valueAt(n))
	}
	v, msg := form.ParseJSON(text)
	if msg != "" || v == nil {
		return
	}
	delete(p.st.Errs, n.key)
	p.st.Drafts[n.key] = form.Indent(v)
	p.put(n, v)
}

// fileBox draws a file field: a file picker; the form holds the file as its named data URL, sent
// as a multipart file part (see package upload).
func (p *editor) fileBox(n node) app.UI {
	return app.Div().Class("file-box").Body(
		p.filePicker(n, "Choose file…", true, p.contentChecked(n, func(ctx app.Context, name, mime string, data []byte) {
			p.setValue(n, form.FileValue(name, mime, data))
			p.st.Files[n.key] = name
		})),
		p.fileInfo(n),
		p.maskTools(n),
	)
}

// filePicker is a file input (visually hidden, keyboard-focusable) behind a label styled as a
// button. The picked file is read in the browser and handed to onFile.
func (p *editor) filePicker(n node, label string, main bool, onFile func(ctx app.Context, name, mime string, data []byte)) app.UI {
	id, testid := n.id(), n.testid()
	if !main {
		id, testid = id+"-file", testid+"-file"
	}
	return app.Span().Class("file-pick").Body(
		app.Input().Type("file").Class("file-input").ID("%s", id).DataSet("testid", testid).
			Aria("label", label+" for "+ariaLabel(n)).
			OnChange(func(ctx app.Context, e app.Event) {
				if err := p.readPicked(ctx, p.fileCheck(n), onFile); err != nil {
					p.st.Errs[n.key] = err.Error()
					return
				}
				delete(p.st.Errs, n.key)
			}, p.scope(n, "file", label)),
		app.Label().For(id).Class("btn btn-small").Aria("hidden", "true").Text(label),
	)
}

// readPicked reads the file picked in the file input that fired ctx's event, and hands its bytes
// to done on the page's context (the input may be redrawn before the file is read). A file check
// refuses is refused with its error, unread. Nothing picked does nothing.
func (p *editor) readPicked(ctx app.Context, check fileCheck, done func(ctx app.Context, name, mime string, data []byte)) error {
	files := ctx.JSSrc().Get("files")
	if files.IsUndefined() || files.IsNull() || files.Length() == 0 {
		return nil
	}
	return p.readFile(ctx, files.Index(0), check, done)
}

// fileCheck refuses a file, by what the browser says of it, before it is read.
type fileCheck func(name, mime string, size int64) error

// sizeLimit refuses files larger than limit, with an error that names the file.
func sizeLimit(limit int) fileCheck {
	return func(name, mime string, size int64) error {
		if size > int64(limit) {
			return fmt.Errorf("%s is %s; the playground sends files of up to %s here", name,
				form.FormatSize(size), form.FormatSize(int64(limit)))
		}
		return nil
	}
}

// readFile reads a File (picked, dropped or pasted) and hands its bytes to done on the page's
// context; a file check refuses is refused with its error.
func (p *editor) readFile(ctx app.Context, file app.Value, check fileCheck, done func(ctx app.Context, name, mime string, data []byte)) error {
	name, mime, size := file.Get("name").String(), file.Get("type").String(), file.Get("size").Int()
	if err := check(name, mime, int64(size)); err != nil {
		return err
	}
	ctx = p.pageCtx(ctx)
	file.Call("arrayBuffer").Then(func(buf app.Value) {
		arr := app.Window().Get("Uint8Array").New(buf)
		data := make([]byte, arr.Length())
		app.CopyBytesToGo(data, arr)
		ctx.Dispatch(func(ctx app.Context) { done(ctx, name, mime, data) })
	})
	return nil
}

// contentChecked wraps what takes a file read into node n: content whose first bytes are not the
// type it declares (see upload.CheckType) is refused, naming the file, and the field keeps what it
// held.
func (p *editor) contentChecked(n node, take func(ctx app.Context, name, mime string, data []byte)) func(ctx app.Context, name, mime string, data []byte) {
	return func(ctx app.Context, name, mime string, data []byte) {
		if _, err := upload.CheckType(name, mime, data[:min(len(data), upload.SniffLen)]); err != nil {
			p.st.Errs[n.key] = err.Error()
			return
		}
		delete(p.st.Errs, n.key)
		take(ctx, name, mime, data)
	}
}

// acceptsDataURL reports whether a URL field takes a file's content as a data URL: one that says
// so (see form.AcceptsDataURL), and an OCR document's URL (the providers read PDFs and images sent
// as data URLs).
func (p *editor) acceptsDataURL(f schema.Field) bool {
	return form.AcceptsDataURL(f) || p.form != nil && p.form.Kind == kind.OCR.Name() && f.Control == schema.URL
}

// fileInfo shows the picked file's name and size with a button that removes it, or nothing.
func (p *editor) fileInfo(n node) app.UI {
	if !n.hasValue() {
		return nil
	}
	type info struct {
		name string
		size int64
		ok   bool
	}
	fi := p.memo("file|"+n.key, n.v, func() any {
		if n.f.Control == schema.URL && !strings.HasPrefix(string(n.v), `"data:`) {
			return info{}
		}
		name, size, ok := form.FileInfo(n.v)
		return info{name, size, ok}
	}).(info)
	if !fi.ok {
		return nil
	}
	name, size := fi.name, fi.size
	if name == "" {
		name = p.st.Files[n.key]
	}
	if name == "" {
		name = "file"
	}
	return app.Span().Class("file-info").Body(
		app.Span().DataSet("testid", n.testid()+"-info").Text(name+" · "+form.FormatSize(size)),
		app.Button().Class("btn btn-tiny").Text("remove").DataSet("testid", n.testid()+"-remove").
			Aria("label", "Remove the file of "+n.key).
			OnClick(func(ctx app.Context, e app.Event) {
				if n.removable() {
					p.removeAt(n)
				} else {
					p.setValue(n, form.Sample(n.f))
				}
				for _, id := range []string{n.id(), n.id() + "-file"} {
					if el := app.Window().GetElementByID(id); !el.IsNull() && !el.IsUndefined() && el.Get("type").String() == "file" {
						el.Set("value", "")
					}
				}
			}, p.scope(n, "remove-file")),
	)
}
