package embed

import (
	"encoding/json"
	"fmt"
	"unicode/utf16"
)

// The widget's page is a facade (see server/facade.go): the server's prerendered widget, which the
// visitor may type into before the web app has loaded. web/embed-start.js keeps what they did in
// the global FacadeGlobal; the widget takes it over when it mounts.

// FacadeGlobal is the name of the global (on window) in which web/embed-start.js keeps what the
// visitor did in the facade.
const FacadeGlobal = "playgroundFacade"

// PromptBox is the data-testid of the widget's message (or prompt) box.
const PromptBox = "prompt"

// Facade is what the visitor did in the facade before the web app started.
type Facade struct {
	// Values are the boxes' texts (a checkbox's "true" or "false") by their data-testid: only
	// those the visitor changed.
	Values map[string]string `json:"values"`
	// Focus is the data-testid of the box the visitor was in, "" for none.
	Focus string `json:"focus"`
	// SelectionStart and SelectionEnd are the caret (or selection) in that box, in UTF-16 code
	// units as the browser counts them; -1 when it has none.
	SelectionStart int `json:"selectionStart"`
	SelectionEnd   int `json:"selectionEnd"`
	// Run says the visitor asked to run (clicked Run or pressed Ctrl+Enter).
	Run bool `json:"run"`
}

// ParseFacade reads the facade's state, as JSON.stringify writes FacadeGlobal.
func ParseFacade(s string) (Facade, error) {
	var f Facade
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return Facade{}, fmt.Errorf("reading what was typed before the widget started: %w", err)
	}
	return f, nil
}

// Take returns the text of the box called id, when the visitor typed in it, and removes it from
// Values.
func (f *Facade) Take(id string) (string, bool) {
	v, ok := f.Values[id]
	if ok {
		delete(f.Values, id)
	}
	return v, ok
}

// Empty reports whether the visitor did nothing the widget has to take over.
func (f Facade) Empty() bool { return len(f.Values) == 0 && f.Focus == "" && !f.Run }

// Caret is the selection to put back in a box that now holds text, clamped to its length (in
// UTF-16 code units), with start <= end; ok is false when the facade kept none.
func (f Facade) Caret(text string) (start, end int, ok bool) {
	if f.Focus == "" || f.SelectionStart < 0 || f.SelectionEnd < 0 {
		return 0, 0, false
	}
	n := len(utf16.Encode([]rune(text)))
	start, end = min(f.SelectionStart, n), min(f.SelectionEnd, n)
	if start > end {
		start = end
	}
	return start, end, true
}
