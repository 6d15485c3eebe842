package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// typedInputs keeps go-app from writing into a text box while the user types in it.
//
// go-app handles an input event on its UI goroutine and redraws at the next frame, so a redraw can
// carry the text of an earlier keystroke: setting the element's value then drops what was typed
// since and moves the caret (typing "0.4" into a number box quickly gave "40"). So while a box is
// being typed into, every redraw gives it the value its last redraw before the edit gave it, which
// go-app sees as unchanged and does not write; when the box loses focus it gets the current text
// again (the text of the last keystroke, so nothing changes on screen). A value changed from
// elsewhere (reset, null, another model) reaches a box the user is not typing in. The edit also
// ends when its element is no longer the focused one (removing an element fires no blur).
//
// After an edit go-app still believes the box shows the frozen value: if the next value drawn is
// that one (the user cleared what they typed with reset), go-app writes nothing, so it is written
// here, as is any value the box does not show.
type typedInputs struct {
	editing string            // the box being typed into, "" for none
	elem    app.Value         // its element
	frozen  string            // the value drawn into it before the edit began
	shown   map[string]string // the value last drawn into each box
	ended   map[string]ended  // boxes edited since their last redraw
}

// ended is a box whose edit ended: its element and the value go-app believes it shows.
type ended struct {
	elem   app.Value
	frozen string
}

// value is the value to draw into box el whose current text is text.
func (t *typedInputs) value(el, text string) string {
	if el != "" && el == t.editing {
		if t.elem != nil && t.elem.Equal(app.Window().Get("document").Get("activeElement")) {
			return t.frozen
		}
		t.done(el)
	}
	if e, ok := t.ended[el]; ok {
		delete(t.ended, el)
		// The edit is over, so the state is the truth: write it when the box shows something else
		// (go-app would not when text is the frozen value it believes the box shows).
		if text == e.frozen || e.elem.Get("value").String() != text {
			e.elem.Set("value", text)
		}
	}
	if t.shown == nil {
		t.shown = map[string]string{}
	}
	t.shown[el] = text
	return text
}

// typing notes that the user typed into box el, the element elem.
func (t *typedInputs) typing(el string, elem app.Value) {
	if t.editing != el || t.elem == nil || !t.elem.Equal(elem) {
		t.editing, t.elem, t.frozen = el, elem, t.shown[el]
	}
}

// done notes that box el lost focus.
func (t *typedInputs) done(el string) {
	if t.editing == el {
		if t.ended == nil {
			t.ended = map[string]ended{}
		}
		t.ended[el] = ended{t.elem, t.frozen}
		t.editing, t.elem, t.frozen = "", nil, ""
	}
}

// forget drops what is known of the boxes (when the form is replaced), the one being typed into
// excepted.
func (t *typedInputs) forget() {
	for el := range t.shown {
		if el != t.editing {
			delete(t.shown, el)
		}
	}
	clear(t.ended)
}
