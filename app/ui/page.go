package ui

import (
	"net/url"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/convo"
	"playground/app/embed"
	"playground/app/form"
	"playground/app/kind"
	"playground/app/schema"
)

// defaultModel is selected when the URL names none: the model of the seed documentation page.
const defaultModel = "gryphe/mythomax-l2-13b"

// playground is the page: it owns the selected model, the form values and the conversation.
type playground struct {
	app.Compo

	models    []catalog.Model
	shared    map[string]bool // ids several providers serve: their options and links name the provider
	modelsErr string
	wanted    string   // model id asked for by the URL, until the list arrives
	wantedAt  string   // the provider asked for by the URL, "" for the first that serves the model
	wantedOp  string   // the operation asked for by the URL (?op=PATH), "" for the model's main one
	op        string   // the operation of the form shown, as asked for ("" for the model's main one)
	link      *url.URL // a share link to restore once the model list is there

	// chatSession is the conversation and its runs (see conversation.go); it holds the editor, the
	// parameter form (see editor.go). The chat run area and the parameters panel draw them.
	*chatSession
	formErr string
	// afterForm runs once the form being loaded has arrived (an image to put in an edit's input).
	afterForm func(ctx app.Context)
	inputNote string // what "Use as input" did

	// The runs of the open history entry of a kind that is not a conversation, see kindhistory.go.
	kindRuns    []convo.Run
	kindSeq     int           // bumped when an entry is opened: the run area starts from kindRuns
	kindModel   string        // the model, provider and operation kindRuns belong to
	history     convo.History // the saved conversations, as last read or written
	showHistory bool
	showEmbed   bool // the embed snippet panel

	// policy is what the server lets the widget do, as last read (see embed.go).
	policy embed.Policy
}

func newPlayground(d Deps) *playground {
	p := &playground{}
	p.init(d)
	return p
}

// init readies a page (or a widget, which embeds one) in place: the form state calls back into it.
func (p *playground) init(d Deps) {
	p.chatSession = &chatSession{editor: newEditor(), deps: d, saved: p.saveConversation}
	p.ran = func() {
		if p.embed && p.hasPage {
			p.loadPolicy(p.page) // what is left of the daily budget
		}
	}
}

// OnMount keeps the page's own context for dispatches that outlive the element that started them.
func (p *playground) OnMount(ctx app.Context) {
	p.page, p.hasPage = ctx, true
	if p.embed {
		return // the widget keeps nothing in the visitor's browser
	}
	p.history = p.loadHistory()
}

// pageCtx returns the page's context, or ctx before the page is mounted.
func (p *editor) pageCtx(ctx app.Context) app.Context {
	if p.hasPage {
		return p.page
	}
	return ctx
}

// OnNav loads the model list and selects the model the URL names (?model=<id>, with
// &provider=<name> for a model several providers serve).
func (p *playground) OnNav(ctx app.Context) {
	u := ctx.Page().URL()
	q := u.Query()
	p.wanted, p.wantedAt, p.wantedOp = q.Get("model"), q.Get("provider"), q.Get("op")
	if q.Has(convo.ShareParam) {
		p.link = u // restored once the model list is there
	}
	if p.models == nil {
		// Plain fields, for links and embeds written by hand: put in the boxes, never sent by
		// themselves.
		if v := q.Get("system"); v != "" {
			p.system = v
		}
		if v := q.Get("prompt"); v != "" {
			p.prompt = v
		}
	}
	if p.embed {
		p.loadPolicy(ctx)
	}
	if p.models != nil {
		p.selectWanted(ctx)
		return
	}
	backend := p.deps.Backend
	ctx.Async(func() {
		models, err := backend.Models(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.modelsErr = err.Error()
				return
			}
			p.models = models
			p.shared = catalog.SharedIDs(models)
			if p.link != nil {
				link := p.link
				p.link = nil
				if p.fromLink(ctx, link) {
					return
				}
			}
			p.selectWanted(ctx)
		})
	})
}

// selectWanted selects the model asked for by the URL, or the default one.
func (p *playground) selectWanted(ctx app.Context) {
	if p.wanted != "" {
		if p.form == nil || p.form.Model.ID != p.wanted || p.wantedAt != "" && p.form.Model.Provider != p.wantedAt ||
			p.wantedOp != "" && p.form.Path != p.wantedOp {
			p.loadOperation(ctx, p.wanted, p.wantedAt, p.wantedOp, true)
		}
		return
	}
	if p.form == nil {
		if id := p.defaultID(); id != "" {
			p.loadForm(ctx, id, "", false)
		}
	}
}

// currentModel is the selected model, the zero Model before one is loaded.
func (p *playground) currentModel() catalog.Model {
	if p.form == nil {
		return catalog.Model{}
	}
	return p.form.Model
}

// pickModel opens a model chosen in the picker, at the provider of its entry.
func (p *playground) pickModel(ctx app.Context, m catalog.Model) {
	p.formErr = ""
	p.loadForm(ctx, m.ID, m.Provider, false)
}

// defaultID is the model shown when the URL names none.
func (p *playground) defaultID() string {
	if p.find(defaultModel) != nil || len(p.models) == 0 {
		return defaultModel
	}
	return p.models[0].ID
}

func (p *playground) find(id string) *catalog.Model {
	for i := range p.models {
		if p.models[i].ID == id {
			return &p.models[i]
		}
	}
	return nil
}

// loadForm fetches a model's form (at provider, or "" for the first that serves it) and moves the
// form values over to it. A model named by a link may be one the picker does not list (deprecated)
// but the server still serves; one it does not serve at all is reported and another model is shown.
func (p *playground) loadForm(ctx app.Context, id, provider string, fromLink bool) {
	p.loadOperation(ctx, id, provider, "", fromLink)
}

// loadOperation is loadForm for the model's operation on path op ("" for its main one).
func (p *playground) loadOperation(ctx app.Context, id, provider, op string, fromLink bool) {
	ctx = p.pageCtx(ctx)
	backend := p.deps.Backend
	ctx.Async(func() {
		form, err := backend.Form(ctx, id, provider, op)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.afterForm = nil
				if !fromLink || p.embed {
					p.formErr = err.Error()
					return
				}
				p.formErr = "Model " + id + " from the link cannot be opened (" + err.Error() + "); showing another model instead."
				if p.form == nil {
					if def := p.defaultID(); def != id || provider != "" {
						p.loadForm(ctx, def, "", false)
					}
				}
				return
			}
			if p.form == nil {
				for k, v := range initialValues(form.Fields) {
					if _, set := p.st.Values[k]; !set {
						p.st.Values[k] = v
					}
				}
			}
			p.form, p.op = &form, op
			p.carryValues()
			p.painting = false
			if then := p.afterForm; then != nil {
				p.afterForm = nil
				then(ctx)
			}
			if app.IsClient && !p.embed {
				link := "/?model=" + url.QueryEscape(id)
				if p.shared[form.Model.ID] || fromLink && provider != "" {
					link += "&provider=" + url.QueryEscape(form.Model.Provider)
				}
				if op != "" {
					link += "&op=" + url.QueryEscape(op)
				}
				app.Window().Get("history").Call("replaceState", nil, "", link)
			}
		})
	})
}

// initialValues are the values a fresh playground starts with: everything optional is not sent,
// except that the run area streams when the model can.
func initialValues(fields []schema.Field) schema.Values {
	v := schema.Values{}
	for _, f := range fields {
		if f.Name == "stream" && f.Control == schema.Toggle {
			v["stream"] = []byte("true")
		}
	}
	return v
}

// carryValues keeps the values the new model accepts and puts the others aside, so switching
// models never loses what the user set.
func (p *playground) carryValues() {
	p.aside = p.st.Carry(p.form.Fields, p.aside)
	p.typed.forget()
}

// topField returns the top-level field a form key lies in, or nil.
func (p *editor) topField(key string) *schema.Field {
	for i := range p.form.Fields {
		if form.Under(key, p.form.Fields[i].Name) {
			return &p.form.Fields[i]
		}
	}
	return nil
}

func (p *editor) field(name string) *schema.Field {
	if p.form == nil {
		return nil
	}
	for i := range p.form.Fields {
		if p.form.Fields[i].Name == name {
			return &p.form.Fields[i]
		}
	}
	return nil
}

// Render draws the page.
func (p *playground) Render() app.UI {
	return app.Div().Class("pg").OnKeyDown(p.onKey).Body(
		app.Header().Class("pg-header").Body(
			app.H1().Class("pg-title").Text("Playground"),
			&modelPicker{Imodels: p.models, Ishared: p.shared, Icurrent: p.currentModel(), pick: p.pickModel},
			&themeToggle{},
		),
		app.If(p.modelsErr != "", func() app.UI {
			return app.Div().Class("pg-error").DataSet("testid", "error").Aria("live", "assertive").Text(p.modelsErr)
		}),
		app.If(p.formErr != "", func() app.UI {
			return app.Div().Class("pg-error").DataSet("testid", "error").Aria("live", "assertive").Text(p.formErr)
		}),
		p.renderOperations(),
		app.Main().Class("pg-main").Body(
			p.renderRunArea(),
			&paramsPanel{Ied: p.editor, Iparams: p.params, Iapply: p.applyParams},
		),
	)
}

// renderOperations draws the choice of API for a model called on several (chat completions,
// Responses, Messages; an image model's edits), or nothing.
func (p *playground) renderOperations() app.UI {
	if p.form == nil || len(p.form.Operations) < 2 {
		return nil
	}
	ops := p.form.Operations
	return app.Div().Class("pg-ops").Body(
		app.Label().For("operation").Class("field-label").Text("API"),
		app.Select().ID("operation").DataSet("testid", "operation").Aria("label", "API").
			OnChange(func(ctx app.Context, e app.Event) {
				i := ctx.JSSrc().Get("selectedIndex").Int()
				if i >= 0 && i < len(ops) && ops[i].Path != p.form.Path && !p.running {
					p.loadOperation(ctx, p.form.Model.ID, p.form.Model.Provider, ops[i].Path, false)
				}
			}).Body(
			app.Range(ops).Slice(func(i int) app.UI {
				o := ops[i]
				label := o.Path
				if k := kind.ByName(o.Kind); k != nil {
					label = k.Label() + " — " + o.Method + " " + o.Path
				}
				return app.Option().Value(o.Path).Text(label).Selected(o.Path == p.form.Path)
			}),
		),
	)
}
