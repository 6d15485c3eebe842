package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/convo"
	"playground/app/markdown"
)

// The wrapper of every rendering of app/markdown: a streamed answer is drawn as one such element
// holding its blocks, each drawn apart (see messageView).
const (
	markdownOpen  = `<div class="markdown">`
	markdownClose = `</div>`
)

// Changes to the conversation, made from a message's buttons. None is possible while a run goes
// on (the buttons are disabled, and the functions check again).

// editMessage replaces the text of message i and reports whether it could.
func (p *chatSession) editMessage(i int, text string) bool {
	if p.running || i < 0 || i >= len(p.turns) {
		return false
	}
	t := &p.turns[i]
	t.Text = text
	if t.Role == convo.RoleAssistant {
		t.html = markdown.HTML(text)
	}
	p.saved()
	return true
}

// deleteMessage removes message i.
func (p *chatSession) deleteMessage(i int) {
	if p.running {
		return
	}
	turns, results, err := convo.DeleteWithResults(p.turns, i)
	if err != nil {
		p.runErr = err.Error()
		return
	}
	p.turns = turns
	if results > 0 {
		p.stateNote = "Deleted with the " + plural(results, "tool result", "tool results") + " that answered its calls."
	}
	p.saved()
}

// moveMessage moves message i to position j.
func (p *chatSession) moveMessage(i, j int) {
	if p.running {
		return
	}
	turns, err := convo.Move(p.turns, i, j)
	if err != nil {
		p.runErr = err.Error()
		return
	}
	if convo.CheckToolOrder(p.turns) == nil && convo.CheckToolOrder(turns) != nil {
		p.runErr = "A tool result must stay after the answer that made its call: the message was not moved."
		return
	}
	p.runErr = ""
	p.turns = turns
	p.saved()
}

// regenerate drops an answer and what follows it and asks again (or, from a user message, drops
// what follows it and runs).
func (p *chatSession) regenerate(ctx app.Context, i int) {
	if p.running {
		return
	}
	turns, err := convo.TruncateForRegenerate(p.turns, i)
	if err != nil {
		p.runErr = err.Error()
		return
	}
	kept := p.turns
	p.turns = turns
	if !p.canContinue() {
		p.turns = kept
		p.runErr = "There is no message before this answer to answer again."
		return
	}
	if !p.send(ctx, nil) {
		p.turns = kept // the run could not start (invalid parameters): nothing is lost
	}
}

// answered reports, for the tool calls of message i, which ones a later tool message answers.
func (p *chatSession) answered(i int) map[string]bool {
	if i >= len(p.turns) || len(p.turns[i].ToolCalls) == 0 {
		return nil
	}
	done := map[string]bool{}
	for _, t := range p.turns[i+1:] {
		if t.Role == convo.RoleTool && t.ToolCallID != "" {
			done[t.ToolCallID] = true
		}
	}
	return done
}

// answerTools adds the results typed for the open tool calls of message i as tool messages and
// runs the conversation, so the model continues with them. A call left without a result is
// reported and nothing is sent.
func (p *chatSession) answerTools(ctx app.Context, i int, results map[string]string) {
	if p.running || i < 0 || i >= len(p.turns) {
		return
	}
	done := p.answered(i)
	var add []turn
	var missing []string
	for _, c := range p.turns[i].ToolCalls {
		if done[c.ID] {
			continue
		}
		r, ok := results[c.ID]
		if !ok || strings.TrimSpace(r) == "" {
			missing = append(missing, c.Name+" ("+c.ID+")")
			continue
		}
		add = append(add, turn{Message: convo.Message{Role: convo.RoleTool, ToolCallID: c.ID, Text: r}})
	}
	if len(missing) > 0 {
		p.runErr = "Type the result of every tool call first: " + strings.Join(missing, ", ") + " has none."
		return
	}
	// The results go right after the answer that made the calls (and the results already given).
	at := i + 1
	for at < len(p.turns) && p.turns[at].Role == convo.RoleTool {
		at++
	}
	kept := p.turns
	turns := append(append(append([]turn{}, p.turns[:at]...), add...), p.turns[at:]...)
	p.turns = turns
	if !p.send(ctx, nil) {
		p.turns = kept
	}
}
