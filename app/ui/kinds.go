package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/chat"
	"playground/app/convo"
	"playground/app/form"
	"playground/app/kind"
	"playground/app/schema"
	"playground/app/upload"
)

// The run area of each endpoint kind: chat's is the conversation (run.go); the others are small
// components that own their state (what is typed, the runs and their results) and call the
// page's request builder, which holds the parameters.

// requestBuilder builds the exact request body of the current model from what the run area fills
// (page: the prompt, the inputs…) and the parameter form's values; it fails naming the field.
type requestBuilder func(page schema.Values) ([]byte, error)

// renderKindRunArea draws the run area of the current model's kind, or nil for chat.
func (p *playground) renderKindRunArea() app.UI {
	if p.form == nil {
		return nil
	}
	client := p.deps.Chat
	share, shareTexts := p.shareLink, p.shareLinkOf
	if p.embed {
		share, shareTexts = nil, nil // the widget has Open in Playground instead
	}
	switch {
	case p.form.Model.Unsupported || !kindRuns(p.form.Kind):
		return &notRunnable{Iform: p.form, Ibackend: p.deps.Backend, Ibuild: p.buildBody}
	case p.form.Kind == kind.Images.Name():
		return &imageRun{Iform: p.form, Ibackend: p.deps.Backend, Iclient: client, Ibuild: p.buildBody, Iprompt: &p.prompt,
			Ishare: share, Ilog: p.runLog(), Ican: p.canUseAsInput, Iuse: p.useAsInput, Iinput: p.inputNote}
	case p.form.Kind == kind.OCR.Name():
		return &ocrRun{Iform: p.form, Ibackend: p.deps.Backend, Iclient: client, Ibuild: p.buildBody, Iprompt: &p.prompt,
			Ishare: share, Ilog: p.runLog()}
	case p.form.Kind == kind.TTS.Name():
		return &ttsRun{Iform: p.form, Ibackend: p.deps.Backend, Iclient: client, Ibuild: p.buildBody, Iprompt: &p.prompt,
			Ishare: share, Ilog: p.runLog()}
	case isJobKind(p.form.Kind):
		return &jobRun{Iform: p.form, Ibackend: p.deps.Backend, Iclient: client, Ibuild: p.buildBody, Iprompt: &p.prompt,
			Ishare: share, Ilog: p.runLog()}
	case p.form.Kind == kind.Embeddings.Name():
		return &embeddingRun{Iform: p.form, Ibackend: p.deps.Backend, Iclient: client, Ibuild: p.buildBody, Ifirst: p.prompt,
			Ilog: p.runLog(), Ishare: shareTexts}
	}
	return nil
}

// isJobKind reports whether the kind called name answers with jobs to poll.
func isJobKind(name string) bool {
	_, ok := kind.ByName(name).(kind.Poller)
	return ok
}

// kindRuns reports whether the playground runs the kind called name ("" is chat).
func kindRuns(name string) bool {
	if name == "" {
		return true
	}
	k := kind.ByName(name)
	return k != nil && k.Runs()
}

// buildBody is the page's requestBuilder: the model, what the run area fills, then the set
// parameters, after the form's own checks.
func (p *playground) buildBody(page schema.Values) ([]byte, error) {
	if p.form == nil {
		return nil, fmt.Errorf("no model is selected")
	}
	if errs := p.formErrors(); len(errs) > 0 {
		return nil, fmt.Errorf("fix the parameters first: %s", strings.Join(errs, "; "))
	}
	all := schema.Values{}
	for k, v := range page {
		all[k] = v
	}
	all["model"], _ = json.Marshal(p.form.Model.ID)
	body, vs := schema.Body(p.form.Fields, all, p.st.Values)
	if len(vs) > 0 {
		return nil, fmt.Errorf("the request is not valid: %w", vs)
	}
	return body, nil
}

// kindCodeView is the View code panel of a run area: the request the page would send.
func kindCodeView(f *catalog.Form, backend Backend, body []byte, err error) app.UI {
	cv := &codeView{Ibackend: backend, Iprovider: f.Model.Provider, Ipath: f.Path, Isdk: sdkOf(f.Path)}
	if err != nil {
		cv.Ierr = "Cannot build the request: " + err.Error()
	} else {
		cv.Ibody, cv.Ipreview = body, form.Preview(body)
		if upload.Multipart(f.Fields) {
			if parts, hasFile, perr := upload.Parts(f.Fields, body); perr == nil && hasFile {
				cv.Iform = parts
			}
		}
	}
	return app.Div().Class("request").DataSet("testid", "request").Body(
		app.P().Class("muted").Text(requestNote(f.Method, f.Path, f.Model.Provider, cv.Iform != nil)),
		cv,
	)
}

// sdkOf is the OpenAI SDK method of an operation for View code ("-" when the SDK has none).
func sdkOf(path string) string {
	if k := kind.For(path); k != nil {
		if m := k.SDK(path); m != "" {
			return m
		}
	}
	return "-"
}

// notRunnable is the run area of a model the playground cannot run yet: what it is, and the
// request to send it by hand.
type notRunnable struct {
	app.Compo

	Iform    *catalog.Form
	Ibackend Backend
	Ibuild   requestBuilder

	showCode bool
}

func (c *notRunnable) Render() app.UI {
	f := c.Iform
	what := "an endpoint the playground does not know"
	if k := kind.For(f.Path); k != nil {
		label := k.Label()
		if label != strings.ToUpper(label) {
			label = strings.ToLower(label) // "OCR" stays
		}
		article := "a "
		if strings.ContainsRune("AEIOUaeiou", rune(label[0])) {
			article = "an "
		}
		what = article + label + " model"
	}
	params := "its parameters are shown, and View code gives the request to send yourself"
	if len(f.Fields) == 0 {
		params = "no request schema is known for it here (start the server with -schemas for the model's OpenAPI file)"
	}
	return app.Section().Class("run").Aria("label", "Run").Body(
		app.Div().Class("kind-note").DataSet("testid", "not-runnable").Body(
			app.P().Body(app.Strong().Text(f.Model.Name), app.Text(fmt.Sprintf(" is %s (%s %s). The playground cannot run it yet; %s.", what, f.Method, f.Path, params))),
		),
		app.If(len(f.Fields) > 0, func() app.UI {
			return app.Div().Class("composer-actions").Body(
				app.Button().Class("btn").DataSet("testid", "view-request").Text(viewRequestLabel(c.showCode)).Aria("expanded", c.showCode).
					OnClick(func(ctx app.Context, e app.Event) { c.showCode = !c.showCode }),
			)
		}),
		app.If(c.showCode && len(f.Fields) > 0, func() app.UI {
			body, err := exampleBody(f, c.Ibuild)
			return kindCodeView(f, c.Ibackend, body, err)
		}),
	)
}

// exampleBody is the request of a model the page cannot run: the form's values, and every
// required field the user has not set filled with the schema's example.
func exampleBody(f *catalog.Form, build requestBuilder) ([]byte, error) {
	op := &schema.Operation{Method: f.Method, Path: f.Path, Fields: f.Fields}
	ex, err := schema.ExampleRequest(op)
	if err != nil {
		return nil, err
	}
	var page schema.Values
	if err := json.Unmarshal(ex, &page); err != nil {
		return nil, fmt.Errorf("reading the example request: %w", err)
	}
	for _, fl := range f.Fields {
		if !fl.Page {
			delete(page, fl.Name) // the form's own values, or the example where required and unset
		}
	}
	body, err := build(page)
	if err != nil && strings.Contains(err.Error(), "is required") {
		return ex, nil
	}
	return body, err
}

// runRecord is one finished call of a run area.
type runRecord struct {
	took     time.Duration
	exchange *chat.Exchange
	err      string
}

// post sends body to the form's operation on a copy of client, on its own goroutine, and hands
// the answer to done on the UI goroutine. It returns the function that stops the call. A body
// that holds files for an operation that takes them goes as multipart/form-data (see
// upload.Body).
func post(ctx app.Context, client *chat.Client, f *catalog.Form, body []byte, done func(ctx app.Context, answer []byte, rec runRecord)) context.CancelFunc {
	cctx, cancel := context.WithCancel(context.Background())
	c := *client
	c.Provider = f.Model.Provider
	path, fields := f.Path, f.Fields
	ctx.Async(func() {
		start := time.Now()
		var (
			answer []byte
			x      *chat.Exchange
		)
		bodyType, sent, err := upload.Body(fields, body)
		if err == nil {
			_, _, answer, x, err = c.Send(cctx, path, bodyType, sent)
		}
		rec := runRecord{took: time.Since(start), exchange: x}
		if err != nil {
			rec.err = chat.Explain(err)
		}
		cancel()
		ctx.Dispatch(func(ctx app.Context) { done(ctx, answer, rec) })
	})
	return cancel
}

// promptCounter says how long a prompt is against its field's maxLength, or nothing.
func promptCounter(f *schema.Field, text string) app.UI {
	if f == nil || f.MaxLength == nil {
		return nil
	}
	n := len([]rune(text))
	class := "muted prompt-count"
	if n > *f.MaxLength {
		class = "prompt-count over"
	}
	return app.Span().Class(class).DataSet("testid", "prompt-count").Text(fmt.Sprintf("%d / %d characters", n, *f.MaxLength))
}

// formField returns the form's top-level field called name, or nil.
func formField(f *catalog.Form, name string) *schema.Field {
	for i := range f.Fields {
		if f.Fields[i].Name == name {
			return &f.Fields[i]
		}
	}
	return nil
}

// runStats draws the facts of a finished call: time, and what the provider says it used.
func runStats(rec runRecord, u kind.Usage, extra ...string) app.UI {
	facts := []string{fmt.Sprintf("%.1f s", rec.took.Seconds())}
	facts = append(facts, extra...)
	if n := u.Tokens(); n > 0 {
		facts = append(facts, plural(int(n), "token", "tokens"))
	}
	if u.Credits > 0 {
		facts = append(facts, fmt.Sprintf("%s credits", formatAmount(u.Credits)))
	}
	if u.USD > 0 {
		facts = append(facts, fmt.Sprintf("$%s", formatAmount(u.USD)))
	}
	return app.P().Class("msg-info run-facts").DataSet("testid", "run-facts").Text(strings.Join(facts, " · "))
}

// formatAmount writes a cost or credit count without trailing zeros.
func formatAmount(x float64) string {
	s := fmt.Sprintf("%.6f", x)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// runKeys handles a run area's shortcuts: Ctrl+Enter (⌘+Enter) runs, Esc stops.
func runKeys(run func(app.Context), stop func()) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		switch e.Get("key").String() {
		case "Enter":
			if e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() {
				e.PreventDefault()
				run(ctx)
			}
		case "Escape":
			stop()
		}
	}
}

// shareControlOf is a run area's Share, on the link link makes (nil: the widget, which has Open
// in Playground instead).
func shareControlOf(link func() (convo.ShareLink, error)) app.UI {
	if link == nil {
		return nil
	}
	return &shareControl{Ilink: link}
}

// runOrStop is a run area's Run button, or its Stop while a call is in flight.
func runOrStop(running bool, run func(app.Context), stop func()) app.UI {
	if running {
		return app.Button().Class("btn btn-stop").DataSet("testid", "stop").Text("Stop").Title("Stop (Esc)").
			OnClick(func(ctx app.Context, e app.Event) { stop() })
	}
	return app.Button().Class("btn btn-primary").DataSet("testid", "run").Text("Run").Title("Run (Ctrl+Enter)").
		OnClick(func(ctx app.Context, e app.Event) { run(ctx) })
}

// cancelIf calls cancel when it is set: a run area's Stop.
func cancelIf(cancel func()) {
	if cancel != nil {
		cancel()
	}
}

// buildRun builds a run's request body with build, or says why it cannot run (the request is not
// valid, or there is no client outside the browser) in the words the run area shows.
func buildRun(build requestBuilder, page schema.Values, client *chat.Client) ([]byte, string) {
	body, err := build(page)
	if err != nil {
		return nil, "Cannot run: " + err.Error()
	}
	if client == nil {
		return nil, "Running is only possible in the browser."
	}
	return body, ""
}

// runErrorBox is where a run area says why a run was refused before it was sent.
func runErrorBox(msg string) app.UI {
	return app.Div().Class("run-error").Body(
		app.If(msg != "", func() app.UI {
			return app.Div().Class("pg-error").DataSet("testid", "error").Aria("live", "assertive").Text(msg)
		}),
	)
}

// viewCodeButton toggles a run area's View code panel.
func viewCodeButton(show *bool) app.UI {
	return app.Button().Class("btn").DataSet("testid", "view-request").Text(viewRequestLabel(*show)).Aria("expanded", *show).
		OnClick(func(ctx app.Context, e app.Event) { *show = !*show })
}

// clearButton is a run area's Clear: it removes what is shown (title says what).
func clearButton(title string, disabled bool, clear func()) app.UI {
	return app.Button().Class("btn").DataSet("testid", "clear").Text("Clear").Title(title).
		Disabled(disabled).OnClick(func(ctx app.Context, e app.Event) { clear() })
}
