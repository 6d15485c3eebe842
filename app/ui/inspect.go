package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/chat"
	"playground/app/form"
)

// rawView draws the raw traffic of one run: the request as sent and the response as it arrived,
// server-sent events with the time each arrived. Its text is built once per exchange.
type rawView struct {
	app.Compo

	Iexchange *chat.Exchange

	built       *chat.Exchange
	req, answer string
}

// Render draws the inspector.
func (r *rawView) Render() app.UI {
	if r.built != r.Iexchange {
		r.req, r.answer = rawText(r.Iexchange)
		r.built = r.Iexchange
	}
	return app.Div().Class("raw").DataSet("testid", "raw").Body(
		app.H3().Class("raw-title").Text("Request"),
		app.Pre().Class("raw-pre").DataSet("testid", "raw-request").Text(r.req),
		app.H3().Class("raw-title").Text("Response"),
		app.Pre().Class("raw-pre").DataSet("testid", "raw-response").Text(r.answer),
	)
}

// rawText is the text of the request and of the response of an exchange.
func rawText(x *chat.Exchange) (req, resp string) {
	if x == nil {
		return "", ""
	}
	req = x.Method + " " + x.URL + "\nContent-Type: application/json\n\n" + form.Preview(x.RequestBody)
	var b strings.Builder
	if x.Status == 0 {
		b.WriteString("No response.\n")
	} else {
		fmt.Fprintf(&b, "HTTP %d\n", x.Status)
		keys := make([]string, 0, len(x.Header))
		for k := range x.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s: %s\n", k, x.Header[k])
		}
		b.WriteString("\n")
	}
	for _, ev := range x.Events {
		fmt.Fprintf(&b, "+%d ms  ", ev.At.Milliseconds())
		if ev.Name != "" {
			b.WriteString("event: " + ev.Name + "  ")
		}
		b.WriteString("data: " + ev.Data + "\n")
	}
	if x.Dropped > 0 {
		fmt.Fprintf(&b, "… %d more events not kept (the inspector keeps the first 4 MiB).\n", x.Dropped)
	}
	if x.Body != "" {
		b.WriteString(x.Body)
		if !strings.HasSuffix(x.Body, "\n") {
			b.WriteString("\n")
		}
	}
	if x.Err != "" {
		b.WriteString("\nEnded with: " + x.Err + "\n")
	}
	return req, b.String()
}
