package ui

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/chat"
	"playground/app/convo"
	"playground/app/kind"
	"playground/app/schema"
)

// ttsRun is the run area of text-to-speech models: the text with a counter against the schema's
// maxLength, Run, and a player per run, newest first, with the sound's length and a download
// named with the right extension. The voice, format and speed are the schema's parameters. It
// owns what is typed and the runs; the parameters are the page's. Audio sent as bytes plays as it
// arrives when the browser can (see ttsLive), and the player of the finished run takes over from
// where it got to.
type ttsRun struct {
	app.Compo

	Iform    *catalog.Form
	Ibackend Backend
	Iclient  *chat.Client
	Ibuild   requestBuilder
	Iprompt  *string                         // the page's prompt: the text to speak
	Ishare   func() (convo.ShareLink, error) // nil: no Share
	Ilog     runLog

	running  bool
	cancel   context.CancelFunc
	err      string
	runs     []ttsResult // newest first
	done     int
	showCode bool
	seq      int

	live        *ttsLive // the sound playing as it arrives, until the finished run's player takes over
	livePlaying bool
	liveKB      int
	resumeSrc   string // the finished run's player that takes over from live
}

// ttsResult is one finished text-to-speech call.
type ttsResult struct {
	text     string
	speech   kind.Speech
	src      string // what the player plays: a blob: URL, the media route, or ""
	rec      runRecord
	seconds  float64
	fromPast bool
}

func (c *ttsRun) OnInit()                  { c.fromLog() }
func (c *ttsRun) OnUpdate(ctx app.Context) { c.fromLog() }

// OnDismount ends the sound playing as it arrives (the call itself finishes as before).
func (c *ttsRun) OnDismount() {
	c.endLive()
}

// fromLog shows the runs of the history entry opened: their text, and the sound when it was a
// URL the server relayed (sound sent as bytes is not kept).
func (c *ttsRun) fromLog() {
	if c.seq == c.Ilog.seq {
		return
	}
	c.seq, c.runs = c.Ilog.seq, nil
	c.endLive()
	for _, r := range c.Ilog.runs {
		res := ttsResult{text: r.Prompt, rec: keptRecord(r), fromPast: true}
		if len(r.Result) > 0 {
			var kept struct{ URL, Proxied, ContentType string }
			if json.Unmarshal(r.Result, &kept) == nil {
				res.speech = kind.Speech{URL: kept.URL, ContentType: kept.ContentType}
				if len(kept.Proxied) > len("/api/media/") && kept.Proxied[:len("/api/media/")] == "/api/media/" {
					res.speech.Proxied, res.src = kept.Proxied, kept.Proxied
				}
			}
		}
		c.runs = append([]ttsResult{res}, c.runs...)
	}
}

// textField is the field the run area fills: `text`, or `script`.
func (c *ttsRun) textField() *schema.Field {
	if f := formField(c.Iform, "text"); f != nil {
		return f
	}
	return formField(c.Iform, "script")
}

func (c *ttsRun) page() schema.Values {
	v := schema.Values{}
	if f := c.textField(); f != nil {
		v[f.Name], _ = json.Marshal(*c.Iprompt)
	}
	return v
}

func (c *ttsRun) Render() app.UI {
	return app.Section().Class("run run-tts").Aria("label", "Text to speech").OnKeyDown(runKeys(c.run, c.stop)).Body(
		app.Div().Class("job-cards").DataSet("testid", "transcript").DataSet("runs", c.done).Aria("live", "polite").Body(
			app.If(len(c.runs) == 0 && !c.running, func() app.UI {
				return app.P().Class("muted transcript-empty").Text("Type what to say and press Run (Ctrl+Enter).")
			}),
			app.If(c.running && !c.livePlaying, func() app.UI {
				return app.P().Class("muted").DataSet("testid", "generating").Text("Speaking…")
			}),
			app.If(c.running && c.livePlaying, func() app.UI {
				return app.P().Class("muted").DataSet("testid", "tts-live").DataSet("playing", true).Body(
					app.Text(fmt.Sprintf("Playing as it arrives · %d KB so far ", c.liveKB)),
					app.Button().Class("btn btn-small").DataSet("testid", "tts-live-stop").Text("Stop").
						OnClick(func(app.Context, app.Event) { c.stop() }),
				)
			}),
			app.Range(c.runs).Slice(func(i int) app.UI { return c.renderRun(&c.runs[i]) }),
		),
		runErrorBox(c.err),
		app.Div().Class("composer").Body(
			boundArea("prompt-box", "prompt", "sr-only", "Text", "What to say — Ctrl+Enter (⌘+Enter) runs", 3, c.Iprompt),
			promptCounter(c.textField(), *c.Iprompt),
			app.Div().Class("composer-actions").Body(
				c.runButton(),
				viewCodeButton(&c.showCode),
				clearButton("Remove the sounds shown", c.running || len(c.runs) == 0, c.clear),
				shareControlOf(c.Ishare),
			),
		),
		app.If(c.showCode, func() app.UI {
			body, err := c.Ibuild(c.page())
			return kindCodeView(c.Iform, c.Ibackend, body, err)
		}),
	)
}

func (c *ttsRun) runButton() app.UI {
	return runOrStop(c.running, c.run, c.stop)
}

// stop ends the run and the sound playing as it arrives.
func (c *ttsRun) stop() {
	cancelIf(c.cancel)
	c.endLive()
}

// endLive stops the sound playing as it arrives, if any (the finished run's player took over, or
// the run is stopped).
func (c *ttsRun) endLive() {
	c.live.stop()
	c.live, c.livePlaying, c.resumeSrc = nil, false, ""
}

// takeOver starts the finished run's player (just loaded) where the sound playing as it arrived
// has got to; its "playing" ends that one (endLive).
func (c *ttsRun) takeOver(ctx app.Context, e app.Event) {
	el := ctx.JSSrc()
	if c.resumeSrc == "" || el.Get("src").String() != c.resumeSrc {
		return
	}
	c.resumeSrc = ""
	if at := c.live.position(); at > 0 {
		el.Set("currentTime", at)
		ignoreRejection(el.Call("play"))
		return
	}
	c.endLive()
}

func (c *ttsRun) clear() {
	c.endLive()
	c.runs = nil
	if c.Ilog.fresh != nil {
		c.Ilog.fresh()
	}
}

// run speaks the text. An empty text, or one over the schema's maxLength, is said before
// anything is sent, naming the field; nothing typed is lost.
func (c *ttsRun) run(ctx app.Context) {
	if c.running {
		return
	}
	c.err = ""
	f := c.textField()
	n := len([]rune(*c.Iprompt))
	switch {
	case f != nil && f.Required && n == 0:
		c.err = f.Name + ": is required — type what to say first."
		return
	case f != nil && f.MaxLength != nil && n > *f.MaxLength:
		c.err = fmt.Sprintf("%s: is %d characters, more than the model's limit of %d.", f.Name, n, *f.MaxLength)
		return
	}
	body, why := buildRun(c.Ibuild, c.page(), c.Iclient)
	if why != "" {
		c.err = why
		return
	}
	c.running = true
	text := *c.Iprompt
	cctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	client := *c.Iclient
	client.Provider = c.Iform.Model.Provider
	path := c.Iform.Path
	c.endLive()
	var live *ttsLive
	live = newTTSLive(func() {
		ctx.Dispatch(func(app.Context) {
			if c.live == live {
				c.livePlaying, c.liveKB = live.playing, live.received>>10
			}
		})
	})
	c.live = live
	var onChunk func(string, []byte)
	if live != nil {
		onChunk = live.feed
	}
	ctx.Async(func() {
		defer cancel()
		start := time.Now()
		_, ct, answer, x, err := client.PostStream(cctx, path, body, onChunk)
		rec := runRecord{took: time.Since(start), exchange: x}
		var sp kind.Speech
		if err != nil {
			rec.err = chat.Explain(err)
		} else if sp, err = kind.ReadSpeech(ct, answer); err != nil {
			rec.err = err.Error()
		}
		ctx.Dispatch(func(ctx app.Context) { c.finish(text, sp, rec) })
	})
}

// finish shows a finished run and keeps it in the history (the text, and the sound's URL when it
// came as one: sound sent as bytes is not kept).
func (c *ttsRun) finish(text string, sp kind.Speech, rec runRecord) {
	c.running, c.cancel, c.livePlaying = false, nil, false
	c.done++
	res := ttsResult{text: text, speech: sp, rec: rec}
	switch {
	case sp.Audio != nil:
		res.src = audioSource(sp.Audio, sp.ContentType)
		res.seconds = kind.WAVSeconds(sp.Audio)
	case sp.Proxied != "":
		res.src = sp.Proxied
	}
	// The sound playing as it arrives goes on until the finished run's player takes over (takeOver).
	c.live.done()
	if sp.Audio != nil && c.live.position() > 0 {
		c.resumeSrc = res.src
	} else {
		c.endLive()
	}
	c.runs = append([]ttsResult{res}, c.runs...)
	var kept []byte
	if sp.URL != "" {
		kept, _ = json.Marshal(struct{ URL, Proxied, ContentType string }{sp.URL, sp.Proxied, sp.ContentType})
	}
	if c.Ilog.save != nil {
		c.Ilog.save(keptRun(rec, text, nil, kept))
	}
}

// audioSource is a URL the player can play sound bytes from: a blob: URL in the browser, a data:
// URL elsewhere (the page's CSP allows both as media).
func audioSource(b []byte, contentType string) string {
	if app.IsClient {
		u8 := app.Window().Get("Uint8Array").New(len(b))
		app.CopyBytesToJS(u8, b)
		blob := app.Window().Get("Blob").New([]any{u8}, map[string]any{"type": contentType})
		return app.Window().Get("URL").Call("createObjectURL", blob).String()
	}
	return "data:" + contentType + ";base64," + base64.StdEncoding.EncodeToString(b)
}

// renderRun draws one run: its text, the player with a download, or the error.
func (c *ttsRun) renderRun(r *ttsResult) app.UI {
	var extra []string
	if r.seconds > 0 {
		extra = append(extra, fmt.Sprintf("%.1f s of audio", r.seconds))
	}
	if r.speech.Audio != nil {
		extra = append(extra, fmt.Sprintf("%d KB", (len(r.speech.Audio)+1023)/1024))
	}
	name := "speech" + kind.AudioExtension(r.speech.ContentType, r.speech.URL)
	return app.Div().Class("job-card").DataSet("testid", "tts-run").Body(
		app.P().Class("gallery-prompt").Text(r.text),
		app.If(r.rec.err != "", func() app.UI {
			return app.Div().Class("pg-error").DataSet("testid", "run-error").Text(r.rec.err)
		}),
		app.If(r.src != "", func() app.UI {
			return app.Div().Class("job-media").Body(
				app.Audio().Src(r.src).Controls(true).Attr("preload", "metadata").DataSet("testid", "tts-audio").
					On("loadedmetadata", c.takeOver).On("playing", func(app.Context, app.Event) { c.endLive() }),
				app.Div().Class("gallery-actions").Body(
					app.A().Class("btn btn-small").DataSet("testid", "tts-download").Href(r.src).Attr("download", name).Text("Download "+name),
				),
			)
		}),
		app.If(r.src == "" && r.speech.URL != "", func() app.UI {
			return app.P().Class("muted").Text("The sound is on the provider's host; the page loads nothing from other hosts: open it from the link.")
		}),
		app.If(r.fromPast && r.src == "" && r.rec.err == "", func() app.UI {
			return app.P().Class("muted").Text("From the history: sound sent as audio is not kept; Run again to hear it.")
		}),
		app.If(r.rec.err == "", func() app.UI { return runStats(r.rec, r.speech.Usage, extra...) }),
	)
}
