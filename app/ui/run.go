package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// onKey handles the page's shortcuts, wherever the focus is: Ctrl+Enter (⌘+Enter) runs, Esc stops
// a run.
func (p *chatSession) onKey(ctx app.Context, e app.Event) {
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
func (p *chatSession) conversation(next *convo.Message) convo.Conversation {
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
func (p *chatSession) canContinue() bool {
	if len(p.turns) == 0 {
		return false
	}
	r := p.turns[len(p.turns)-1].Role
	return r == convo.RoleUser || r == convo.RoleTool
}

// requestBody builds the body Run would send with next as the new message (nil: the conversation
// as it is).
func (p *chatSession) requestBody(next *convo.Message) ([]byte, error) {
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
func (p *chatSession) conversationValues(next *convo.Message) (schema.Values, []byte) {
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
func (p *chatSession) dialect() chat.Dialect {
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

func (p *chatSession) renderRequest() app.UI {
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
		app.P().Class("muted").Text(requestNote(p.form.Method, p.form.Path, p.form.Model.Provider, false)),
		&codeView{Ibackend: p.deps.Backend, Iprovider: p.form.Model.Provider, Ipath: p.form.Path, Ibody: body,
			Ipreview: text, Ierr: errText, Istream: string(p.st.Values["stream"]) == "true", Isdk: sdkOf(p.form.Path)},
	)
}

// nextMessage is the message Run would add: what is typed and attached, or nil when there is none
// and the conversation can be run as it is. For the request preview, a placeholder stands for a
// message not typed yet.
func (p *chatSession) nextMessage(preview bool) *convo.Message {
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
func (p *chatSession) run(ctx app.Context) {
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
func (p *chatSession) send(ctx app.Context, next *convo.Message) bool {
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
func (p *chatSession) finish(idx int, requested string, res *chat.Result, err error) {
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
	p.saved()
	if p.ran != nil {
		p.ran()
	}
}

func (p *chatSession) stop() {
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
