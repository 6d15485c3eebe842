package ui

import (
	"encoding/json"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/chat"
	"playground/app/schema"
)

// renderStats draws the numbers of a finished run under its answer: each fact a labelled value
// with its explanation as a tooltip; a hint that asks for action (such as raising the token limit)
// is also written out.
func renderStats(facts []chat.Fact) app.UI {
	return app.Div().Class("msg-info msg-stats muted").DataSet("testid", "run-stats").Body(
		app.Range(facts).Slice(func(i int) app.UI {
			f := facts[i]
			text := f.Label + " " + f.Value
			if f.Name == "finish" && f.Hint != "" {
				text += " — " + f.Hint
			}
			s := app.Span().Class("stat stat-"+f.Name).DataSet("testid", "stat-"+f.Name).Text(text)
			if f.Hint != "" {
				s = s.Title(f.Hint)
			}
			return s
		}),
	)
}

// askForUsage asks for token counts in streams: when streaming is on, the model's schema has
// stream_options with an include_usage sub-field, and stream_options is not set, it sets
// {"include_usage": true}. Streams carry usage only when asked, and the stats row needs it.
//
// The value is put in the form state rather than added to the body while sending, so that the form
// shows it as set and "View request" shows exactly the body that is sent; the user can change or
// clear it there. A user who clears it gets it back on the next streamed run, since an unset value
// is all the form records.
func (p *chatSession) askForUsage() {
	if string(p.st.Values["stream"]) != "true" {
		return
	}
	if _, set := p.st.Values["stream_options"]; set {
		return
	}
	f := p.field("stream_options")
	if f == nil || f.Control == schema.ReadOnly {
		return
	}
	for _, sub := range f.Fields {
		if sub.Name == "include_usage" {
			if p.st.Typing(f.Name) {
				return // something typed there that is not a value yet: the user's, left alone
			}
			p.st.Values["stream_options"] = json.RawMessage(`{"include_usage":true}`)
			return
		}
	}
}
