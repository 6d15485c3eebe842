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
	"playground/app/convo"
	"playground/app/form"
	"playground/app/kind"
	"playground/app/markdown"
	"playground/app/schema"
)

// renderEvery is the longest a streamed answer waits to be redrawn; tokens that arrive in between
// are drawn together.
const renderEvery = 50 * time.Millisecond

// turn is one message of the conversation and what the page shows of it.
type turn struct {
	convo.Message
	html      string           // rendered markdown of a finished answer
	md        *markdown.Stream // while streaming: the answer's rendering
	blocks    []string         // while streaming: its finished blocks
	tail      string           // while streaming: the rest
	streaming bool
	thinking  bool        // an inline <think> block is still open
	facts     []chat.Fact // the numbers of the finished run
	exchange  *chat.Exchange
}

// renderRunArea draws the run area of the current model's kind, then the page's tools.
func (p *playground) renderRunArea() app.UI {
	area := p.renderKindRunArea()
	if area == nil {
		area = p.renderConversation()
	}
	return app.Div().Class("run-col").Body(area, p.renderPageTools())
}

// renderConversation is chat's run area: the system prompt, the conversation and the composer.
func (p *playground) renderConversation() app.UI {
	return app.Section().Class("run").Aria("label", "Conversation").Body(
		p.renderSystem(),
		p.renderTranscript(),
		p.renderRunError(),
		app.Div().Class("composer").Body(
			p.renderPromptBox(),
			p.renderAttach(),
			app.Div().Class("composer-actions").Body(
				p.runButton(),
				p.streamToggle(),
				p.clearButton(),
				p.viewCodeButton(),
				app.Button().Class("btn").DataSet("testid", "share").Text("Share").
					Title("Put the model, the parameters that are set and the conversation in a link").
					Disabled(p.form == nil).OnClick(func(ctx app.Context, e app.Event) { p.share() }),
			),
		),
		app.If(p.shareNote != "", func() app.UI {
			return app.P().Class("msg-note").DataSet("testid", "share-note").Aria("live", "polite").Text(p.shareNote)
		}),
		app.If(p.showRequest, p.renderRequest),
	)
}

// renderPageTools draws what every kind's run area shares: History and Embed, their panels, and
// what happened to the saved state.
func (p *playground) renderPageTools() app.UI {
	return app.Div().Class("page-tools").Body(
		app.Div().Class("composer-actions").Body(
			app.Button().Class("btn").DataSet("testid", "history-toggle").Aria("expanded", p.showHistory).
				Text(fmt.Sprintf("History (%d)", len(p.history.Items))).Title("Conversations and runs kept in this browser").
				OnClick(func(ctx app.Context, e app.Event) {
					p.showHistory = !p.showHistory
					if p.showHistory {
						p.history = p.loadHistory()
					}
				}),
			app.Button().Class("btn").DataSet("testid", "embed-toggle").Aria("expanded", p.showEmbed).Text("Embed").
				Title("Put this model in a docs page: the HTML snippet").Disabled(p.form == nil).
				OnClick(func(ctx app.Context, e app.Event) {
					p.showEmbed = !p.showEmbed
					if p.showEmbed {
						p.loadPolicy(ctx)
					}
				}),
		),
		app.If(p.stateNote != "", func() app.UI {
			return app.P().Class("msg-note").DataSet("testid", "state-note").Aria("live", "polite").Text(p.stateNote)
		}),
		app.If(p.showEmbed && p.form != nil, func() app.UI {
			return &embedSnippets{Imodel: p.form.Model, Iprovider: p.shareProvider(), Iprompt: p.prompt, Ipolicy: p.policy,
				Irunning: p.running, Ipayload: p.setupPayload}
		}),
		app.If(p.showHistory, func() app.UI {
			return &historyPanel{Iitems: p.history.Items, Iopen: p.openSaved, Idelete: p.deleteSaved}
		}),
	)
}

// renderSystem draws the system prompt box.
func (p *playground) renderSystem() app.UI {
	return boundArea("system", "system-prompt", "field-label", "System prompt", "Optional instructions for the model", 2, &p.system)
}

// boundArea is a labelled textarea (element id and test id id) that keeps what is typed in *dst.
// Its text content is only its first value: code that changes *dst sets the element's value too.
func boundArea(class, id, labelClass, label, placeholder string, rows int, dst *string) app.UI {
	return app.Div().Class(class).Body(
		app.Label().Class(labelClass).For(id).Text(label),
		app.Textarea().ID(id).DataSet("testid", id).Rows(rows).Placeholder(placeholder).Text(*dst).
			OnInput(func(ctx app.Context, e app.Event) { *dst = ctx.JSSrc().Get("value").String() }, app.EventScope(id)),
	)
}

// renderTranscript draws the conversation.
func (p *playground) renderTranscript() app.UI {
	return app.Div().Class("transcript").DataSet("testid", "transcript").DataSet("runs", p.runs).Aria("live", "polite").Body(
		app.If(len(p.turns) == 0, func() app.UI {
			return app.P().Class("muted transcript-empty").Text("Type a message and press Run (Ctrl+Enter).")
		}),
		app.Range(p.turns).Slice(func(i int) app.UI {
			t := &p.turns[i]
			return &messageView{Iindex: i, Imsg: t.Message, Ihtml: t.html, Iblocks: t.blocks, Itail: t.tail,
				Istreaming: t.streaming, Ithinking: t.thinking, Ifacts: t.facts, Iexchange: t.exchange,
				Ibusy: p.running, Ilast: i == len(p.turns)-1, Ianswered: p.answered(i), page: p}
		}),
	)
}

// renderRunError draws the run error in a fixed slot: an error appearing before the composer must
// not shift (and so redraw) it.
func (p *playground) renderRunError() app.UI {
	return app.Div().Class("run-error").Body(
		app.If(p.runErr != "", func() app.UI {
			return app.Div().Class("pg-error").DataSet("testid", "error").Aria("live", "assertive").Text(p.runErr)
		}),
	)
}

// renderPromptBox draws the message box.
func (p *playground) renderPromptBox() app.UI {
	return boundArea("prompt-box", "prompt", "sr-only", "Message", "Message the model — Ctrl+Enter (⌘+Enter) runs, Esc stops", 3, &p.prompt)
}

// runButton is Run, or Stop while a run streams.
func (p *playground) runButton() app.UI {
	if p.running {
		return app.Button().Class("btn btn-stop").DataSet("testid", "stop").Text("Stop").
			Title("Stop (Esc)").OnClick(func(ctx app.Context, e app.Event) { p.stop() })
	}
	return app.Button().Class("btn btn-primary").DataSet("testid", "run").Text("Run").
		Title("Run (Ctrl+Enter)").Disabled(p.form == nil).OnClick(func(ctx app.Context, e app.Event) { p.run(ctx) })
}

// streamToggle switches the stream parameter, for models that have it.
func (p *playground) streamToggle() app.UI {
	if p.field("stream") == nil {
		return nil
	}
	on := string(p.st.Values["stream"]) == "true"
	return app.Label().Class("toggle composer-stream").Title("Stream the answer as it is generated (the stream parameter)").Body(
		app.Input().Type("checkbox").DataSet("testid", "stream").Checked(on).
			OnChange(func(ctx app.Context, e app.Event) {
				if ctx.JSSrc().Get("checked").Bool() {
					p.st.Values["stream"] = json.RawMessage("true")
				} else {
					delete(p.st.Values, "stream") // not sent: the API's default, no streaming
				}
			}),
		app.Text("Stream"),
	)
}

// clearButton starts a new conversation.
func (p *playground) clearButton() app.UI {
	title := "Start a new conversation; this one stays in the history"
	if p.embed {
		title = "Start a new conversation"
	}
	return app.Button().Class("btn").DataSet("testid", "clear").Text("Clear").Title(title).
		Disabled(p.running || len(p.turns) == 0).OnClick(func(ctx app.Context, e app.Event) { p.newConversation() })
}

// viewCodeButton shows or hides the request and its code.
func (p *playground) viewCodeButton() app.UI {
	return app.Button().Class("btn").DataSet("testid", "view-request").Text(viewRequestLabel(p.showRequest)).
		Aria("expanded", p.showRequest).OnClick(func(ctx app.Context, e app.Event) { p.showRequest = !p.showRequest })
}

// attachKinds reports whether the model's messages schema takes image parts and file parts: a
// probe message with each is checked against it, once per model.
func (p *playground) attachKinds() (images, files bool) {
	name := "messages"
	if p.form.Kind == kind.Responses.Name() {
		name = "input"
	}
	f := p.field(name)
	if f == nil {
		return false, false
	}
	key := p.form.Model.Provider + "|" + p.form.Model.ID + "|" + p.form.Path
	if p.attachFor != key {
		takes := func(a convo.Attachment) bool {
			probe := convo.Conversation{Messages: []convo.Message{{Role: convo.RoleUser, Text: "x", Attachments: []convo.Attachment{a}}}}
			v := probe.APIMessages()
			switch p.form.Kind {
			case kind.Messages.Name():
				v = probe.AnthropicMessages()
			case kind.Responses.Name():
				v = probe.ResponsesInput()
			}
			return len(f.Validate(v)) == 0
		}
		p.attachFor = key
		p.attachImages = takes(convo.Attachment{Kind: convo.KindImage, URL: "https://example.com/a.png"})
		p.attachFiles = takes(convo.Attachment{Kind: convo.KindFile, Name: "a.pdf", MIME: "application/pdf", URL: "data:application/pdf;base64,AA=="})
	}
	return p.attachImages, p.attachFiles
}

// renderAttach draws the images and files attached to the message being typed, and the controls
// that attach more: a file (an image, or a PDF, sent as a data URL) or an image URL; only what the
// model's schema takes is offered.
func (p *playground) renderAttach() app.UI {
	images, files := true, true
	if p.form != nil {
		images, files = p.attachKinds()
	}
	accept := map[[2]bool]string{{true, true}: "image/*,application/pdf", {true, false}: "image/*", {false, true}: "application/pdf"}[[2]bool{images, files}]
	label := map[[2]bool]string{{true, true}: "Attach image or PDF", {true, false}: "Attach image", {false, true}: "Attach PDF"}[[2]bool{images, files}]
	return app.Div().Class("composer-attach").Body(
		// A fixed slot: the list appearing must not shift (and so redraw) the inputs after it.
		app.Div().Class("attach-list").Body(
			app.If(len(p.attachments) > 0, func() app.UI {
				return renderAttachments(p.attachments, func(ctx app.Context, i int) {
					p.attachments = append(p.attachments[:i:i], p.attachments[i+1:]...)
				})
			}),
		),
		app.If(!images && !files, func() app.UI {
			return app.Span().Class("muted attach-none").DataSet("testid", "attach-none").Text("This model's schema takes text only: no images or files.")
		}),
		app.If(images || files, func() app.UI {
			return app.Span().Class("file-pick").Body(
				app.Input().Type("file").Class("file-input").ID("attach-file").DataSet("testid", "attach-file").
					Accept(accept).Aria("label", label).
					OnChange(func(ctx app.Context, e app.Event) {
						err := p.readPicked(ctx, sizeLimit(maxDataURLBytes), func(ctx app.Context, name, mime string, data []byte) {
							kind := convo.KindImage
							if !strings.HasPrefix(mime, "image/") {
								kind = convo.KindFile
							}
							p.attachments = append(p.attachments, convo.Attachment{Kind: kind, Name: name, MIME: mime, URL: form.DataURL(mime, data)})
						})
						if err != nil {
							p.runErr = "Cannot attach: " + err.Error()
						}
						ctx.JSSrc().Set("value", "") // the same file can be picked again
					}),
				app.Label().For("attach-file").Class("btn btn-small").Aria("hidden", "true").Text(label),
			)
		}),
		app.If(images, func() app.UI {
			return app.Input().Type("url").Class("attach-url").DataSet("testid", "attach-url").Aria("label", "Image URL to attach").
				Placeholder("or paste an image URL and press Enter").
				OnKeyDown(func(ctx app.Context, e app.Event) {
					if e.Get("key").String() != "Enter" || e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() {
						return
					}
					e.PreventDefault()
					u := strings.TrimSpace(ctx.JSSrc().Get("value").String())
					if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
						p.runErr = "An image URL starts with https:// or http://."
						return
					}
					p.runErr = ""
					p.attachments = append(p.attachments, convo.Attachment{Kind: convo.KindImage, URL: u})
					ctx.JSSrc().Set("value", "")
				})
		}),
	)
}

func viewRequestLabel(open bool) string {
	if open {
		return "Hide code"
	}
	return "View code"
}

// onKey handles the page's shortcuts, wherever the focus is: Ctrl+Enter (⌘+Enter) runs, Esc stops
// a run.
func (p *playground) onKey(ctx app.Context, e app.Event) {
	if p.form != nil && p.form.Kind != "" && p.form.Kind != "chat" {
		return // the kind's run area has its own (see runKeys)
	}
	switch e.Get("key").String() {
	case "Enter":
		if e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() {
			e.PreventDefault()
			p.run(ctx)
		}
	case "Escape":
		if p.running {
			e.PreventDefault()
			p.stop()
		}
	}
}

// conversation is the conversation to send, followed by next when it is not nil.
func (p *playground) conversation(next *convo.Message) convo.Conversation {
	c := convo.Conversation{System: p.system, Messages: make([]convo.Message, 0, len(p.turns)+1)}
	for _, t := range p.turns {
		c.Messages = append(c.Messages, t.Message)
	}
	if next != nil {
		c.Messages = append(c.Messages, *next)
	}
	return c
}

// canContinue reports whether the conversation can be run as it is: it ends with a message the
// model should answer (a user message, edited or left by a removed answer, or tool results).
func (p *playground) canContinue() bool {
	if len(p.turns) == 0 {
		return false
	}
	r := p.turns[len(p.turns)-1].Role
	return r == convo.RoleUser || r == convo.RoleTool
}

// requestBody builds the body Run would send with next as the new message (nil: the conversation
// as it is).
func (p *playground) requestBody(next *convo.Message) ([]byte, error) {
	if errs := p.formErrors(); len(errs) > 0 {
		return nil, fmt.Errorf("fix the parameters first: %s", strings.Join(errs, "; "))
	}
	page, key := p.conversationValues(next)
	if c := &p.lastBody; c.body != nil && c.model == p.form.Model.ID && bytes.Equal(c.msgs, key) && sameValues(c.values, p.st.Values) {
		return c.body, nil // the preview is drawn on every update: a large file is not validated each time
	}
	page["model"], _ = json.Marshal(p.form.Model.ID)
	body, vs := schema.Body(p.form.Fields, page, p.st.Values)
	if len(vs) > 0 {
		return nil, fmt.Errorf("the request is not valid: %w", vs)
	}
	values := make(schema.Values, len(p.st.Values))
	for k, v := range p.st.Values {
		values[k] = v
	}
	p.lastBody = builtBody{model: p.form.Model.ID, msgs: key, values: values, body: body}
	return body, nil
}

// conversationValues are the request fields the conversation fills, in the shape of the model's
// kind: chat's `messages` (the system prompt first), the Messages API's `messages` and `system`,
// the Responses API's `input` and `instructions`; and a key that changes when they do.
func (p *playground) conversationValues(next *convo.Message) (schema.Values, []byte) {
	conv := p.conversation(next)
	page := schema.Values{}
	text := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	switch p.form.Kind {
	case kind.Messages.Name():
		page["messages"] = conv.AnthropicMessages()
		if strings.TrimSpace(conv.System) != "" {
			page["system"] = text(conv.System)
		}
	case kind.Responses.Name():
		page["input"] = conv.ResponsesInput()
		if strings.TrimSpace(conv.System) != "" {
			page["instructions"] = text(conv.System)
		}
	default:
		page["messages"] = conv.APIMessages()
	}
	key := append([]byte(nil), page["messages"]...)
	key = append(append(key, 0), page["input"]...)
	key = append(append(key, 0), page["system"]...)
	key = append(append(key, 0), page["instructions"]...)
	return page, key
}

// dialect is the API family the current model's conversation is sent in (nil: chat).
func (p *playground) dialect() chat.Dialect {
	switch p.form.Kind {
	case kind.Messages.Name():
		return chat.AnthropicMessages
	case kind.Responses.Name():
		return chat.Responses
	}
	return nil
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
	body, err := p.requestBody(p.nextMessage(true))
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
			Ipreview: text, Ierr: errText, Istream: string(p.st.Values["stream"]) == "true", Isdk: sdkOf(p.form.Path)},
	)
}

// nextMessage is the message Run would add: what is typed and attached, or nil when there is none
// and the conversation can be run as it is. For the request preview, a placeholder stands for a
// message not typed yet.
func (p *playground) nextMessage(preview bool) *convo.Message {
	if strings.TrimSpace(p.prompt) == "" && len(p.attachments) == 0 {
		if p.canContinue() || !preview {
			return nil
		}
		return &convo.Message{Role: convo.RoleUser, Text: "(your message)"}
	}
	return &convo.Message{Role: convo.RoleUser, Text: p.prompt, Attachments: p.attachments}
}

// run sends the conversation plus the typed message and streams the answer into a new turn. With
// nothing typed, a conversation that ends with a user message or tool results is run as it is.
func (p *playground) run(ctx app.Context) {
	if p.running || p.form == nil {
		return
	}
	p.runErr = ""
	next := p.nextMessage(false)
	if next == nil && !p.canContinue() {
		p.runErr = "Type a message first."
		return
	}
	if p.send(ctx, next) && next != nil {
		p.prompt, p.attachments = "", nil
		if app.IsClient {
			// Text only sets the textarea's initial content: once typed into, its value must be
			// cleared by hand, or the sent message would stay in the box and be sent again.
			app.Window().GetElementByID("prompt").Set("value", "")
		}
	}
}

// send runs the conversation, followed by next when it is not nil, and streams the answer into a
// new turn. It reports whether the run started.
func (p *playground) send(ctx app.Context, next *convo.Message) bool {
	if p.running || p.form == nil {
		return false
	}
	p.runErr = ""
	p.askForUsage() // before the body is built: see askForUsage for why it is a form value
	body, err := p.requestBody(next)
	if err != nil {
		p.runErr = "Cannot run: " + err.Error()
		return false
	}
	if p.deps.Chat == nil {
		p.runErr = "Running is only possible in the browser."
		return false
	}
	if next != nil {
		p.turns = append(p.turns, turn{Message: *next})
	}
	p.turns = append(p.turns, turn{Message: convo.Message{Role: convo.RoleAssistant}, streaming: true, md: &markdown.Stream{}})
	p.running = true
	idx := len(p.turns) - 1
	cctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	client := *p.deps.Chat // a copy: the provider and the dialect are this run's
	client.Provider = p.form.Model.Provider
	client.Dialect = p.dialect()
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
				t.Text, t.Reasoning, t.thinking = v.Answer, v.Reasoning, v.Thinking
				t.blocks, t.tail = t.md.Update(v.Answer)
				if len(t.blocks) > 0 {
					t.blocks = append([]string{strings.TrimPrefix(t.blocks[0], markdownOpen)}, t.blocks[1:]...)
				} else {
					t.tail = strings.TrimPrefix(t.tail, markdownOpen)
				}
				t.tail = strings.TrimSuffix(t.tail, markdownClose)
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
	return true
}

// finish records the end of a run: the final text, why it ended and what it used.
func (p *playground) finish(idx int, requested string, res *chat.Result, err error) {
	p.runs++
	p.running = false
	p.cancel = nil
	if idx >= len(p.turns) {
		return
	}
	t := &p.turns[idx]
	t.streaming, t.thinking = false, false
	t.md, t.blocks, t.tail = nil, nil, ""
	if res != nil {
		// The answer without inline <think> blocks or a trailing end-of-sequence token: what is
		// shown, and what a follow-up sends back.
		v := res.Visible(true)
		t.Text, t.Reasoning = v.Answer, v.Reasoning
		t.facts = chat.Summary(res, requested)
		t.exchange = res.Exchange
		if calls, cerr := convo.MergeToolCalls(res.ToolCalls); len(calls) > 0 {
			// Some providers send calls without ids; a result needs one to answer its call.
			t.ToolCalls = convo.FillToolCallIDs(calls, "call_pg"+convo.NewID()[:8])
			if cerr != nil && err == nil {
				t.Err = "Some tool call fragments could not be read: " + cerr.Error()
			}
		}
	}
	t.html = markdown.HTML(t.Text)
	switch {
	case err == nil:
	case errors.Is(err, context.Canceled):
		t.Stopped = true
	default:
		t.Err = chat.Explain(err)
	}
	p.saveConversation()
	if p.embed && p.hasPage {
		p.loadPolicy(p.page) // what is left of the daily budget
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
