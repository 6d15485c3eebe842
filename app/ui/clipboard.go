package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// copyText puts text on the clipboard and reports whether it could. The Clipboard API exists only
// in secure contexts (https, localhost); a playground served over plain http on a LAN falls back
// to selecting the text in a hidden box and the copy command.
func copyText(text string) (ok bool) {
	if !app.IsClient {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if clip := app.Window().Get("navigator").Get("clipboard"); clip.Truthy() && app.Window().Get("isSecureContext").Bool() {
		clip.Call("writeText", text)
		return true
	}
	doc := app.Window().Get("document")
	box := doc.Call("createElement", "textarea")
	box.Set("value", text)
	box.Call("setAttribute", "readonly", "")
	box.Get("style").Set("position", "fixed")
	box.Get("style").Set("opacity", "0")
	doc.Get("body").Call("appendChild", box)
	box.Call("select")
	ok = doc.Call("execCommand", "copy").Bool()
	box.Call("remove")
	return ok
}

// onCopyCode copies the code of a code block whose copy button was clicked inside an answer: the
// answer's HTML comes from the markdown renderer, so its buttons are found from the click's target
// (event delegation) rather than given handlers.
func onCopyCode(ctx app.Context, e app.Event) {
	btn := e.Get("target")
	if !btn.Truthy() || btn.Get("closest").IsUndefined() {
		return
	}
	btn = btn.Call("closest", "[data-copy-code]")
	if !btn.Truthy() {
		return
	}
	pre := btn.Get("parentElement").Call("querySelector", "pre")
	if !pre.Truthy() {
		return
	}
	label := "Copy failed"
	if copyText(pre.Get("textContent").String()) {
		label = "Copied"
	}
	btn.Set("textContent", label)
	ctx.After(2*time.Second, func(app.Context) { btn.Set("textContent", "Copy") })
}
