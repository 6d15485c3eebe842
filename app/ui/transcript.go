package ui

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/kind"
)

// transcriptView shows a transcript with its word timings and its downloads (.txt, .srt,
// .json).
type transcriptView struct {
	app.Compo

	Itranscript kind.Transcript
}

func (v *transcriptView) Render() app.UI {
	t := v.Itranscript
	js, _ := json.MarshalIndent(t, "", "  ")
	facts := []string{plural(len(t.Words), "word", "words")}
	if t.Confidence > 0 {
		facts = append(facts, fmt.Sprintf("confidence %.0f%%", t.Confidence*100))
	}
	if t.Duration > 0 {
		facts = append(facts, fmt.Sprintf("%.1f s of audio", t.Duration))
	}
	return app.Div().Class("stt-transcript").DataSet("testid", "stt-transcript").Body(
		app.P().Class("stt-text").DataSet("testid", "stt-text").Text(t.Text),
		app.P().Class("muted").Text(strings.Join(facts, " · ")),
		app.If(len(t.Words) > 0, func() app.UI {
			return app.Details().Body(
				app.Summary().Text("Word timings"),
				app.Ol().Class("stt-words").DataSet("testid", "stt-words").Body(
					app.Range(t.Words).Slice(func(i int) app.UI {
						w := t.Words[i]
						return app.Li().Title(fmt.Sprintf("%.2f–%.2f s, confidence %.0f%%", w.Start, w.End, w.Confidence*100)).
							Text(fmt.Sprintf("%s [%.2f s]", w.Word, w.Start))
					}),
				),
			)
		}),
		app.Div().Class("gallery-actions").Body(
			downloadLink("stt-download-txt", "transcript.txt", "text/plain", t.Text+"\n", "Download .txt"),
			downloadLink("stt-download-srt", "transcript.srt", "application/x-subrip", t.SRT(), "Download .srt"),
			downloadLink("stt-download-json", "transcript.json", "application/json", string(js)+"\n", "Download .json"),
		),
	)
}

// downloadLink is a link that downloads text as a file, from a data URL.
func downloadLink(testid, name, contentType, text, label string) app.UI {
	return app.A().Class("btn btn-small").DataSet("testid", testid).Attr("download", name).
		Href("data:" + contentType + ";charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(text))).Text(label)
}
