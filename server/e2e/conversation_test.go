package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"playground/server/fakeupstream"
)

// messageAt is the JS expression of the nth message (0-based) of the transcript.
func messageAt(i int) string {
	return fmt.Sprintf(`document.querySelectorAll('[data-testid^="message-"][data-index]')[%d]`, i)
}

// roles lists the roles of the transcript's messages, in order.
func roles(tb *tab) string {
	return eval[string](tb, `[...document.querySelectorAll('[data-testid^="message-"][data-index]')].map(m => m.dataset.testid.slice(8)).join(" ")`)
}

// clickIn clicks the button with a test id inside the nth message.
func clickIn(tb *tab, i int, testid string) {
	tb.t.Helper()
	ok := eval[bool](tb, `(() => { const b = `+messageAt(i)+`?.querySelector('`+sel(testid)+`'); if (!b || b.disabled) return false; b.click(); return true; })()`)
	if !ok {
		tb.t.Fatalf("message %d has no enabled %s button\npage shows:\n%s", i, testid, tb.bodyText())
	}
}

// waitRuns waits until the page has finished n runs since it opened, and Run is back.
func waitRuns(tb *tab, n int) {
	tb.t.Helper()
	tb.waitJS(fmt.Sprintf("run %d to finish", n), jsSel("transcript")+fmt.Sprintf(`.dataset.runs === "%d" && `, n)+jsSel("run"), 20*time.Second)
}

// apiMessage is a message of a request as the upstream received it.
type apiMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCallID string          `json:"tool_call_id"`
	ToolCalls  []struct {
		ID       string `json:"id"`
		Function struct {
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		} `json:"function"`
	} `json:"tool_calls"`
}

// lastMessages are the messages of the last request the upstream got.
func lastMessages(t *testing.T, e *env) []apiMessage {
	t.Helper()
	reqs := e.chatRequests()
	if len(reqs) == 0 {
		t.Fatal("the upstream got no request")
	}
	var body struct {
		Messages []apiMessage `json:"messages"`
	}
	if err := json.Unmarshal(reqs[len(reqs)-1].Body, &body); err != nil {
		t.Fatalf("upstream body: %v", err)
	}
	return body.Messages
}

func contentText(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// TestConversation drives the conversation: edit, delete, move and regenerate messages, continue
// a conversation as it is, copy code, answer tool calls, attach images and files, stop with Esc
// from anywhere.
func TestConversation(t *testing.T) {
	e := newEnv(t, true)
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)

	t.Run("EditRegenerateDeleteMove", func(t *testing.T) {
		tb.on(t)
		runPrompt(tb, "First question", 1)
		clickIn(tb, 0, "message-edit")
		tb.waitJS("the edit box", jsSel("message-edit-box"), 5*time.Second)
		eval[bool](tb, `(() => { const el = `+jsSel("message-edit-box")+`; el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`)
		tb.do("typing the new text", chromedp.SendKeys(chromedp.CSS(sel("message-edit-box")), "Edited question"))
		tb.do("saving", chromedp.Click(chromedp.CSS(sel("message-save"))))
		tb.waitJS("the edited message", messageAt(0)+`.innerText.includes("Edited question")`, 5*time.Second)

		clickIn(tb, 1, "message-regenerate")
		waitRuns(tb, 2)
		msgs := lastMessages(t, e)
		if len(msgs) != 1 || msgs[0].Role != "user" || contentText(msgs[0].Content) != "Edited question" {
			t.Errorf("regenerate sent %+v, want only the edited user message", msgs)
		}
		if got := roles(tb); got != "user assistant" {
			t.Errorf("after regenerate the transcript is %q, want user assistant", got)
		}

		// Delete the answer, then Run with nothing typed continues the conversation as it is.
		clickIn(tb, 1, "message-delete")
		tb.waitJS("the answer deleted", `!`+messageAt(1), 5*time.Second)
		tb.do("clicking Run with nothing typed", chromedp.Click(chromedp.CSS(sel("run"))))
		waitRuns(tb, 3)
		if msgs := lastMessages(t, e); len(msgs) != 1 || contentText(msgs[0].Content) != "Edited question" {
			t.Errorf("continuing sent %+v, want the edited user message alone", msgs)
		}

		runPrompt(tb, "Second question", 2)
		clickIn(tb, 2, "message-up")
		tb.waitJS("the message moved up", `[...document.querySelectorAll('[data-testid^="message-"][data-index]')].map(m => m.dataset.testid).join() === "message-user,message-user,message-assistant,message-assistant"`, 5*time.Second)
		if !strings.Contains(eval[string](tb, messageAt(1)+`.innerText`), "Second question") {
			t.Errorf("message 2 is not the moved one: %s", eval[string](tb, messageAt(1)+`.innerText`))
		}
		tb.do("clearing", chromedp.Click(chromedp.CSS(sel("clear"))))
		tb.waitJS("an empty transcript", `!`+messageAt(0), 5*time.Second)
	})

	t.Run("CopyCode", func(t *testing.T) {
		tb.on(t)
		runPrompt(tb, "fake:markdown", 1)
		btn := lastAssistant + `.querySelector('[data-copy-code]')`
		if !eval[bool](tb, `!!`+btn) {
			t.Fatalf("the code block has no copy button:\n%s", eval[string](tb, lastAssistant+`.innerHTML`))
		}
		eval[bool](tb, `(`+btn+`.click(), true)`)
		tb.waitJS("the copy button to say Copied", btn+`.textContent === "Copied"`, 5*time.Second)
		tb.do("clearing", chromedp.Click(chromedp.CSS(sel("clear"))))
	})

	// The generic chat schema takes tools, tool messages and image and file parts; mythomax's own
	// schema takes none of them (the server would refuse the request).
	t.Run("ToolCalls", func(t *testing.T) {
		tb.on(t)
		selectModel(tb, "gpt-4o-mini", "param-tools-add")
		tb.do("adding a tool", chromedp.Click(chromedp.CSS(sel("param-tools-add"))))
		tb.waitJS("the tool's name box", jsSel("param-tools.0.function.name"), 5*time.Second)
		tb.do("naming it", chromedp.SendKeys(chromedp.CSS(sel("param-tools.0.function.name")), "get_weather"))
		tb.waitJS("tools set", jsSel("param-state-tools")+`.innerText === "set"`, 5*time.Second)
		runPrompt(tb, "fake:tools", 1)
		tb.waitJS("the tool call", lastAssistant+`.querySelector('[data-testid="tool-call"]')`, 5*time.Second)
		call := eval[string](tb, lastAssistant+`.querySelector('[data-testid="tool-call"]').innerText`)
		if !strings.Contains(call, "get_weather") || !strings.Contains(call, `"city": "Paris"`) {
			t.Errorf("the tool call shows %q, want get_weather with the merged arguments", call)
		}
		tb.do("typing the tool's result", chromedp.SendKeys(chromedp.CSS(sel("tool-result")), `{"temp": 18}`))
		tb.do("sending it", chromedp.Click(chromedp.CSS(sel("tool-send"))))
		waitRuns(tb, 7)
		if got := roles(tb); got != "user assistant tool assistant" {
			t.Errorf("the transcript is %q, want user assistant tool assistant", got)
		}
		if answer := eval[string](tb, lastAssistant+`.innerText`); !strings.Contains(answer, fakeupstream.ToolsReplyPrefix+`{"temp": 18}`) {
			t.Errorf("the answer after the tool result is %q", answer)
		}
		var sentTools struct {
			Tools []struct {
				Function struct {
					Name string `json:"name"`
				} `json:"function"`
			} `json:"tools"`
		}
		reqs := e.chatRequests()
		if err := json.Unmarshal(reqs[len(reqs)-1].Body, &sentTools); err != nil || len(sentTools.Tools) != 1 || sentTools.Tools[0].Function.Name != "get_weather" {
			t.Errorf("the request does not define the get_weather tool: %s", reqs[len(reqs)-1].Body)
		}
		saveScreenshot(t, tb, "conversation-tools.png")
		msgs := lastMessages(t, e)
		if len(msgs) != 3 || len(msgs[1].ToolCalls) != 1 || msgs[1].ToolCalls[0].ID != "call_fake_1" ||
			msgs[1].ToolCalls[0].Function.Arguments != `{"city": "Paris"}` || msgs[2].Role != "tool" || msgs[2].ToolCallID != "call_fake_1" {
			t.Errorf("the follow-up request carries %+v, want the call and its result", msgs)
		}
		tb.do("clearing", chromedp.Click(chromedp.CSS(sel("clear"))))
	})

	// A provider that sends calls without ids: the playground gives them one, so the result can
	// answer the call. Deleting the answer that made the calls takes their results along.
	t.Run("ToolCallsWithoutIDs", func(t *testing.T) {
		tb.on(t)
		runPrompt(tb, "fake:tools noid", 1)
		tb.waitJS("the tool call", lastAssistant+`.querySelector('[data-testid="tool-call"]')`, 5*time.Second)
		tb.do("typing the tool's result", chromedp.SendKeys(chromedp.CSS(sel("tool-result")), `{"temp": 21}`))
		tb.do("sending it", chromedp.Click(chromedp.CSS(sel("tool-send"))))
		waitRuns(tb, 9)
		msgs := lastMessages(t, e)
		if len(msgs) != 3 || len(msgs[1].ToolCalls) != 1 || !strings.HasPrefix(msgs[1].ToolCalls[0].ID, "call_pg") ||
			msgs[2].ToolCallID != msgs[1].ToolCalls[0].ID {
			t.Fatalf("the follow-up request carries %+v, want the call with an id given by the playground and its result", msgs)
		}
		clickIn(tb, 1, "message-delete")
		tb.waitJS("the answer and its result deleted", `document.querySelectorAll('[data-testid^="message-"][data-index]').length === 2`, 5*time.Second)
		if got := roles(tb); got != "user assistant" {
			t.Errorf("after deleting the answer with the call, the transcript is %q, want user assistant", got)
		}
		if note := eval[string](tb, jsSel("state-note")+`?.textContent ?? ""`); !strings.Contains(note, "Deleted with the 1 tool result") {
			t.Errorf("the note after the delete is %q", note)
		}
		tb.do("clearing", chromedp.Click(chromedp.CSS(sel("clear"))))
	})

	t.Run("Attachments", func(t *testing.T) {
		tb.on(t)
		// mythomax's own schema takes file parts but no image parts: only a PDF is offered there.
		selectModel(tb, mythomax, "param-top_k")
		tb.waitJS("PDFs only", `!`+jsSel("attach-url")+` && `+jsSel("attach-file")+`.accept === "application/pdf"`, 5*time.Second)
		selectModel(tb, "gpt-4o-mini", "param-n")
		tb.do("pasting an image URL", chromedp.SendKeys(chromedp.CSS(sel("attach-url")), "https://images.example/cat.png"+kb.Enter))
		tb.waitJS("the URL attached", `document.querySelectorAll('.composer [data-testid="attachment"]').length === 1`, 5*time.Second)
		setFile(tb, "attach-file", filepath.Join(t.TempDir(), "dot.png"), []byte("\x89PNG\r\n\x1a\nfake"))
		tb.waitJS("two attachments", `document.querySelectorAll('.composer [data-testid="attachment"]').length === 2`, 5*time.Second)
		// The picked image has a thumbnail (its data URL); the pasted URL is not fetched.
		thumbs := eval[[]string](tb, `[...document.querySelectorAll('.composer [data-testid="attachment-thumb"]')].map(i => i.getAttribute("src").slice(0, 22))`)
		if len(thumbs) != 1 || thumbs[0] != "data:image/png;base64," {
			t.Errorf("the attachments' thumbnails are %q; want one, of the picked PNG", thumbs)
		}
		runPrompt(tb, "What is in these?", 1)
		msgs := lastMessages(t, e)
		var parts []struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			ImageURL struct {
				URL string `json:"url"`
			} `json:"image_url"`
		}
		if err := json.Unmarshal(msgs[len(msgs)-1].Content, &parts); err != nil || len(parts) != 3 {
			t.Fatalf("the user message content is %s, want a text and two image parts (%v)", msgs[len(msgs)-1].Content, err)
		}
		if parts[0].Text != "What is in these?" || parts[1].ImageURL.URL != "https://images.example/cat.png" ||
			!strings.HasPrefix(parts[2].ImageURL.URL, "data:image/png;base64,") {
			t.Errorf("the parts are %+v", parts)
		}
		if n := eval[int](tb, `document.querySelectorAll('.composer [data-testid="attachment"]').length`); n != 0 {
			t.Errorf("%d attachments stay in the composer after the run", n)
		}
		// A PDF goes as a file part.
		setFile(tb, "attach-file", filepath.Join(t.TempDir(), "paper.pdf"), []byte("%PDF-1.4\n%fake\n"))
		tb.waitJS("the PDF attached", `document.querySelectorAll('.composer [data-testid="attachment"]').length === 1`, 5*time.Second)
		runPrompt(tb, "Summarise the paper", 2)
		msgs = lastMessages(t, e)
		var fileParts []struct {
			Type string `json:"type"`
			File struct {
				Filename string `json:"filename"`
				FileData string `json:"file_data"`
			} `json:"file"`
		}
		if err := json.Unmarshal(msgs[len(msgs)-1].Content, &fileParts); err != nil || len(fileParts) != 2 || fileParts[1].Type != "file" ||
			fileParts[1].File.Filename != "paper.pdf" || !strings.HasPrefix(fileParts[1].File.FileData, "data:application/pdf;base64,") {
			t.Errorf("the PDF was sent as %s, want a file part with its data URL (%v)", msgs[len(msgs)-1].Content, err)
		}
		tb.do("clearing", chromedp.Click(chromedp.CSS(sel("clear"))))
	})

	t.Run("EscStopsFromAnywhere", func(t *testing.T) {
		tb.on(t)
		tb.do("typing", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:hang"))
		tb.do("clicking Run", chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitJS("the stop button", jsSel("stop"), 5*time.Second)
		tb.do("focusing a parameter and pressing Esc", chromedp.Focus(chromedp.CSS(sel("param-seed"))), chromedp.KeyEvent(kb.Escape))
		tb.waitJS("the stopped mark", lastAssistant+`.querySelector('[data-testid="stopped"]')`, 10*time.Second)
		// Ctrl+Enter from a parameter box runs.
		tb.do("typing", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "Again"))
		tb.do("Ctrl+Enter in a parameter box", chromedp.Focus(chromedp.CSS(sel("param-seed"))),
			chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)))
		tb.waitRunDone(2, 20*time.Second)
	})
	tb.checkConsole()
}

// TestStateKept: a share link restores the setup without running it; conversations are kept in
// the browser's history across reloads; presets keep parameters by name.
func TestStateKept(t *testing.T) {
	e := newEnv(t, true)
	b := startBrowser(t)
	tb := b.newTab(t)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	tb.do("typing a system prompt and temperature", chromedp.SendKeys(chromedp.CSS(sel("system-prompt")), "Be brief."),
		chromedp.SendKeys(chromedp.CSS(sel("param-temperature-number")), "0.3"))
	runPrompt(tb, "Remember this question", 1)
	tb.do("typing an unsent message", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "Not sent yet"))
	tb.do("sharing", chromedp.Click(chromedp.CSS(sel("share"))))
	tb.waitJS("the share note", jsSel("share-note"), 5*time.Second)
	link := eval[string](tb, `location.href`)
	if !strings.Contains(link, "s=") {
		t.Fatalf("after Share the URL is %s, want a share payload", link)
	}
	sent := len(e.chatRequests())

	// A fresh tab (no history) opens the link.
	tb2 := b.newTab(t)
	tb2.openPlayground(link, "", mythomax)
	tb2.waitJS("the shared conversation", `document.querySelectorAll('[data-testid^="message-"][data-index]').length === 2`, 10*time.Second)
	tb2.waitJS("the shared temperature", jsSel("param-temperature-number")+`.value === "0.3"`, 5*time.Second)
	if got := eval[string](tb2, jsSel("system-prompt")+`.value`); got != "Be brief." {
		t.Errorf("the shared system prompt is %q", got)
	}
	if got := eval[string](tb2, jsSel("prompt")+`.value`); got != "Not sent yet" {
		t.Errorf("the shared unsent message is %q", got)
	}
	if !strings.Contains(eval[string](tb2, jsSel("state-note")+`.innerText`), "Nothing has been run") {
		t.Errorf("no note that nothing ran")
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(e.chatRequests()); n != sent {
		t.Errorf("opening a shared link sent %d requests", n-sent)
	}

	// History: after a reload, the conversation is in the list and opens again.
	tb.navigate(e.URL + "/?model=" + mythomax)
	tb.openPlayground(e.URL, "/?model="+mythomax, mythomax)
	if n := eval[int](tb, `document.querySelectorAll('[data-testid^="message-"][data-index]').length`); n != 0 {
		t.Errorf("a reload shows %d messages, want a fresh page", n)
	}
	tb.do("opening the history", chromedp.Click(chromedp.CSS(sel("history-toggle"))))
	tb.waitJS("the saved conversation", jsSel("history-open")+` && `+jsSel("history-open")+`.innerText.includes("Remember this question")`, 5*time.Second)
	tb.do("opening it", chromedp.Click(chromedp.CSS(sel("history-open"))))
	tb.waitJS("the conversation back", `document.querySelectorAll('[data-testid^="message-"][data-index]').length === 2`, 5*time.Second)

	// Presets.
	tb.do("naming a preset", chromedp.SendKeys(chromedp.CSS(sel("preset-name")), "cool"))
	tb.do("saving it", chromedp.Click(chromedp.CSS(sel("preset-save"))))
	tb.waitJS("the preset listed", `[...`+jsSel("preset-pick")+`.options].some(o => o.value === "cool")`, 5*time.Second)
	tb.do("resetting every parameter", chromedp.Click(chromedp.CSS(`.params-head button`)))
	tb.waitJS("temperature not sent", jsSel("param-state-temperature")+`.innerText === "not sent"`, 5*time.Second)
	pick(tb, "preset-pick", "cool")
	tb.waitJS("the preset's temperature", jsSel("param-temperature-number")+`.value === "0.3"`, 5*time.Second)
	tb.do("an empty preset name", chromedp.Click(chromedp.CSS(sel("preset-save"))))
	tb.waitJS("the preset name error", jsSel("preset-error"), 5*time.Second)
	tb.checkConsole()
	tb2.checkConsole()
}
