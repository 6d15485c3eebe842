package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/chat"
	"playground/app/form"
	"playground/app/markdown"
	"playground/app/schema"
)

// renderEvery is the longest a streamed answer waits to be redrawn; tokens that arrive in between
// are drawn together.
const renderEvery = 50 * time.Millisecond

// turn is one message of the conversation.
type turn struct {
	role      string
	content   string
	reasoning string
	html      string // rendered markdown, fixed once the turn is finished
	streaming bool
	stopped   bool
	err       string
	thinking  bool        // an inline <think> block is still open
	facts     []chat.Fact // the numbers of the finished run
	exchange  *chat.Exchange
}

func (p *playground) renderRunArea() app.UI {
	return app.Section().Class("run").Aria("label", "Conversation").Body(
		app.Label().Class("field-label").For("system-prompt").Text("System prompt"),
		app.Textarea().ID("system-prompt").DataSet("testid", "system-prompt").Rows(2).
			Placeholder("Optional instructions for the model").Text(p.system).
			OnInput(func(ctx app.Context, e app.Event) { p.system = ctx.JSSrc().Get("value").String() }),
		app.Div().Class("transcript").DataSet("testid", "transcript").Aria("live", "polite").Body(
			app.If(len(p.turns) == 0, func() app.UI {
				return app.P().Class("muted transcript-empty").Text("Type a message and press Run (Ctrl+Enter).")
			}),
			app.Range(p.turns).Slice(func(i int) app.UI {
				t := p.turns[i]
				return &messageView{Irole: t.role, Itext: t.content, Ihtml: t.html, Ireasoning: t.reasoning,
					Istreaming: t.streaming, Istopped: t.stopped, Ierr: t.err, Ithinking: t.thinking, Ifacts: t.facts, Iexchange: t.exchange}
			}),
		),
		// A fixed slot: an error appearing before the composer must not shift (and so redraw) it.
		app.Div().Class("run-error").Body(
			app.If(p.runErr != "", func() app.UI {
				return app.Div().Class("pg-error").DataSet("testid", "error").Aria("live", "assertive").Text(p.runErr)
			}),
		),
		app.Div().Class("composer").Body(
			app.Label().Class("sr-only").For("prompt").Text("Message"),
			app.Textarea().ID("prompt").DataSet("testid", "prompt").Rows(3).
				Placeholder("Message the model — Ctrl+Enter (⌘+Enter) runs, Esc stops").Text(p.prompt).
				OnInput(func(ctx app.Context, e app.Event) { p.prompt = ctx.JSSrc().Get("value").String() }).
				OnKeyDown(p.onPromptKey),
			app.Div().Class("composer-actions").Body(
				app.If(!p.running, func() app.UI {
					return app.Button().Class("btn btn-primary").DataSet("testid", "run").Text("Run").
						Title("Run (Ctrl+Enter)").Disabled(p.form == nil).OnClick(func(ctx app.Context, e app.Event) { p.run(ctx) })
				}).Else(func() app.UI {
					return app.Button().Class("btn btn-stop").DataSet("testid", "stop").Text("Stop").
						Title("Stop (Esc)").OnClick(func(ctx app.Context, e app.Event) { p.stop() })
				}),
				app.If(p.field("stream") != nil, func() app.UI {
					on := string(p.values["stream"]) == "true"
					return app.Label().Class("toggle composer-stream").Title("Stream the answer as it is generated (the stream parameter)").Body(
						app.Input().Type("checkbox").DataSet("testid", "stream").Checked(on).
							OnChange(func(ctx app.Context, e app.Event) {
								if ctx.JSSrc().Get("checked").Bool() {
									p.values["stream"] = json.RawMessage("true")
								} else {
									delete(p.values, "stream") // not sent: the API's default, no streaming
								}
							}),
						app.Text("Stream"),
					)
				}),
				app.Button().Class("btn").DataSet("testid", "clear").Text("Clear").Title("Clear the conversation").
					Disabled(p.running || len(p.turns) == 0).OnClick(func(ctx app.Context, e app.Event) {
					p.turns = nil
					p.runErr = ""
				}),
				app.Button().Class("btn").DataSet("testid", "view-request").Text(viewRequestLabel(p.showRequest)).
					Aria("expanded", p.showRequest).OnClick(func(ctx app.Context, e app.Event) { p.showRequest = !p.showRequest }),
			),
		),
		app.If(p.showRequest, p.renderRequest),
	)
}

func viewRequestLabel(open bool) string {
	if open {
		return "Hide code"
	}
	return "View code"
}

func (p *playground) onPromptKey(ctx app.Context, e app.Event) {
	switch e.Get("key").String() {
	case "Enter":
		if e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() {
			e.PreventDefault()
			p.run(ctx)
		}
	case "Escape":
		p.stop()
	}
}

// messagesJSON is the conversation as the API expects it, ending with the new user message.
func (p *playground) messagesJSON(prompt string) json.RawMessage {
	type msg struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	var msgs []msg
	if strings.TrimSpace(p.system) != "" {
		msgs = append(msgs, msg{"system", p.system})
	}
	for _, t := range p.turns {
		if t.err != "" && t.content == "" {
			continue // a failed run left nothing to continue from
		}
		msgs = append(msgs, msg{t.role, t.content})
	}
	msgs = append(msgs, msg{"user", prompt})
	b, _ := json.Marshal(msgs)
	return b
}

// requestBody builds the body Run would send with prompt as the new message.
func (p *playground) requestBody(prompt string) ([]byte, error) {
	if errs := p.formErrors(); len(errs) > 0 {
		return nil, fmt.Errorf("fix the parameters first: %s", strings.Join(errs, "; "))
	}
	msgs := p.messagesJSON(prompt)
	if c := &p.lastBody; c.body != nil && c.model == p.form.Model.ID && bytes.Equal(c.msgs, msgs) && sameValues(c.values, p.values) {
		return c.body, nil // the preview is drawn on every update: a large file is not validated each time
	}
	body, vs := schema.Body(p.form.Fields, p.form.Model.ID, msgs, p.values)
	if len(vs) > 0 {
		return nil, fmt.Errorf("the request is not valid: %w", vs)
	}
	values := make(schema.Values, len(p.values))
	for k, v := range p.values {
		values[k] = v
	}
	p.lastBody = builtBody{model: p.form.Model.ID, msgs: msgs, values: values, body: body}
	return body, nil
}

// builtBody is the last request body built and what it was built from.
type builtBody struct {
	model   string
	msgs    []byte
	values  schema.Values
	body    []byte
	preview string // its text in the request preview, once drawn
}

// sameValues reports whether two sets of form values hold the same value slices (see memo.go).
func sameValues(a, b schema.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || len(v) != len(w) || (len(v) > 0 && &v[0] != &w[0]) {
			return false
		}
	}
	return true
}

func (p *playground) renderRequest() app.UI {
	if p.form == nil {
		return app.Div()
	}
	prompt := p.prompt
	if prompt == "" {
		prompt = "(your message)"
	}
	body, err := p.requestBody(prompt)
	var text, errText string
	if err != nil {
		errText = "Cannot build the request: " + err.Error()
		body = nil
	} else {
		if p.lastBody.preview == "" || !bytes.Equal(body, p.lastBody.body) {
			p.lastBody.preview = form.Preview(body)
		}
		text = p.lastBody.preview
	}
	return app.Div().Class("request").DataSet("testid", "request").Body(
		app.P().Class("muted").Text(fmt.Sprintf("%s /api%s?provider=%s — the server forwards it to provider %s with its API key. "+
			"The code sends the same body to the provider directly.",
			p.form.Method, p.form.Path, url.QueryEscape(p.form.Model.Provider), p.form.Model.Provider)),
		&codeView{Ibackend: p.deps.Backend, Iprovider: p.form.Model.Provider, Ipath: p.form.Path, Ibody: body,
			Ipreview: text, Ierr: errText, Istream: string(p.values["stream"]) == "true"},
	)
}

// run sends the conversation plus the typed message and streams the answer into a new turn.
func (p *playground) run(ctx app.Context) {
	if p.running || p.form == nil {
		return
	}
	p.runErr = ""
	prompt := p.prompt
	if strings.TrimSpace(prompt) == "" {
		p.runErr = "Type a message first."
		return
	}
	p.askForUsage() // before the body is built: see askForUsage for why it is a form value
	body, err := p.requestBody(prompt)
	if err != nil {
		p.runErr = "Cannot run: " + err.Error()
		return
	}
	if p.deps.Chat == nil {
		p.runErr = "Running is only possible in the browser."
		return
	}
	p.turns = append(p.turns, turn{role: "user", content: prompt}, turn{role: "assistant", streaming: true})
	p.prompt = ""
	if app.IsClient {
		// Text only sets the textarea's initial content: once typed into, its value must be cleared
		// by hand, or the sent message would stay in the box and be sent again with the next one.
		app.Window().GetElementByID("prompt").Set("value", "")
	}
	p.running = true
	idx := len(p.turns) - 1
	cctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	client := *p.deps.Chat // a copy: the provider is this run's
	client.Provider = p.form.Model.Provider
	requested := p.form.Model.ID
	ctx = p.pageCtx(ctx) // the Run button that was clicked is redrawn as Stop
	ctx.Async(func() {
		// Updates closer than renderEvery are drawn together; the last of them is drawn by a timer,
		// so text that arrives just before the stream stalls is not held back until it ends.
		var (
			mu                 sync.Mutex
			last               time.Time
			timer              *time.Timer
			content, reasoning string
		)
		draw := func() {
			mu.Lock()
			last, timer = time.Now(), nil
			c, rs := content, reasoning
			mu.Unlock()
			ctx.Dispatch(func(ctx app.Context) {
				if idx >= len(p.turns) || !p.turns[idx].streaming {
					return // finished already
				}
				t := &p.turns[idx]
				v := (&chat.Result{Content: c, Reasoning: rs}).Visible(false)
				t.content, t.reasoning, t.thinking = v.Answer, v.Reasoning, v.Thinking
				t.html = markdown.HTMLStreaming(v.Answer)
			})
		}
		res, err := client.Complete(cctx, body, func(r *chat.Result) {
			mu.Lock()
			content, reasoning = r.Content, r.Reasoning
			wait := renderEvery - time.Since(last)
			switch {
			case timer != nil: // the scheduled draw takes the new text
				mu.Unlock()
			case wait > 0:
				timer = time.AfterFunc(wait, draw)
				mu.Unlock()
			default:
				mu.Unlock()
				draw()
			}
		})
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel()
		ctx.Dispatch(func(ctx app.Context) { p.finish(idx, requested, res, err) })
	})
}

// finish records the end of a run: the final text, why it ended and what it used.
func (p *playground) finish(idx int, requested string, res *chat.Result, err error) {
	p.running = false
	p.cancel = nil
	if idx >= len(p.turns) {
		return
	}
	t := &p.turns[idx]
	t.streaming = false
	t.thinking = false
	if res != nil {
		// The answer without inline <think> blocks or a trailing end-of-sequence token: what is
		// shown, and what a follow-up sends back.
		v := res.Visible(true)
		t.content, t.reasoning = v.Answer, v.Reasoning
		t.facts = chat.Summary(res, requested)
		t.exchange = res.Exchange
	}
	t.html = markdown.HTML(t.content)
	switch {
	case err == nil:
	case errors.Is(err, context.Canceled):
		t.stopped = true
	default:
		t.err = chat.Explain(err)
	}
}

func (p *playground) stop() {
	if p.cancel != nil {
		p.cancel()
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
