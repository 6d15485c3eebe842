package ui

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/chat"
	"playground/app/convo"
	"playground/app/kind"
	"playground/app/schema"
)

// Polling backs off from firstPoll to lastPoll, by half again each time.
const (
	firstPoll = 2 * time.Second
	lastPoll  = 10 * time.Second
	// maxPollFailures is how many polls in a row may fail (a 5xx, a reset) before the card
	// stops waiting and says so.
	maxPollFailures = 8
)

// jobRun is the run area of the job kinds (video, music, speech to text): the prompt (or the
// audio URL), Run, and a card per job, newest first: its status, the time since it started and
// its polls, then the video or sound with a download, or the transcript. A job survives a
// reload: it is kept in the history from its start, and the card polls again when the entry is
// shown. It owns what is typed and the cards; the parameters are the page's.
type jobRun struct {
	app.Compo

	Iform    *catalog.Form
	Ibackend Backend
	Iclient  *chat.Client
	Ibuild   requestBuilder
	Iprompt  *string                         // the page's prompt (video, music) or audio URL (speech to text)
	Ishare   func() (convo.ShareLink, error) // nil: no Share
	Ilog     runLog

	starting bool
	cancel   context.CancelFunc // of the creation call
	err      string
	cards    []*jobCard // newest first
	seq      int
	showCode bool
	mounted  bool
	ctx      app.Context // the component's own, for what finishes later (see sttinput.go)

	// Speech to text's file, picked or recorded, sent instead of the URL (see sttinput.go).
	audio     *sttAudio
	recording *recorder
	micAsking bool
}

// jobCard is one job.
type jobCard struct {
	prompt  string
	at      time.Time // the run's time in the history (its key with the job id)
	job     convo.Job
	result  *kind.JobResult
	failure string // the job failed, or cannot be followed
	note    string // a poll that failed and will be tried again
	polling bool
	stop    context.CancelFunc
	took    time.Duration
	usage   kind.Usage
}

func (c *jobRun) OnInit() { c.fromLog() }

// OnMount resumes the jobs of the history entry shown that had not ended.
func (c *jobRun) OnMount(ctx app.Context) {
	c.mounted, c.ctx = true, ctx
	c.resume(ctx)
}

func (c *jobRun) OnUpdate(ctx app.Context) {
	if c.seq != c.Ilog.seq {
		c.stopAll()
		c.fromLog()
		c.resume(ctx)
	}
}

// OnDismount stops polling: the jobs go on and are picked up when their entry is shown again.
func (c *jobRun) OnDismount() {
	c.mounted = false
	c.stopAll()
	c.recording.release()
	c.recording = nil
}

func (c *jobRun) stopAll() {
	for _, card := range c.cards {
		if card.stop != nil {
			card.stop()
			card.stop, card.polling = nil, false
		}
	}
}

func (c *jobRun) fromLog() {
	c.seq, c.cards = c.Ilog.seq, nil
	for _, r := range c.Ilog.runs {
		card := &jobCard{prompt: firstNonEmpty(r.Prompt, strings.Join(r.Inputs, " ")), at: r.At, took: time.Duration(r.TookMS) * time.Millisecond}
		switch {
		case r.Job != nil:
			card.job = *r.Job
		case r.Error == "":
			continue
		}
		card.failure = r.Error
		if len(r.Result) > 0 {
			res, err := kind.KeptJobResult(r.Result)
			if err != nil {
				card.failure = "This run could not be read back from the history: " + err.Error()
			} else {
				card.result, card.usage = &res, res.Usage
			}
		}
		c.cards = append([]*jobCard{card}, c.cards...)
	}
}

// resume polls every card whose job has not ended and that the user did not stop.
func (c *jobRun) resume(ctx app.Context) {
	if !c.mounted || c.Iclient == nil {
		return
	}
	for _, card := range c.cards {
		if card.job.ID != "" && !card.job.Ended && !card.job.Stopped && !card.polling {
			c.poll(ctx, card)
		}
	}
}

// isSTT reports whether the model is speech to text (its run area takes an audio URL).
func (c *jobRun) isSTT() bool { return c.Iform.Kind == kind.STT.Name() }

// page is what the run area fills: the prompt, or the audio's URL.
func (c *jobRun) page() schema.Values {
	v := schema.Values{}
	if c.isSTT() {
		if c.audioValue(v) {
			return v
		}
		if formField(c.Iform, "url") != nil && *c.Iprompt != "" {
			v["url"], _ = json.Marshal(*c.Iprompt)
		}
		return v
	}
	if formField(c.Iform, "prompt") != nil {
		v["prompt"], _ = json.Marshal(*c.Iprompt)
	}
	return v
}

func (c *jobRun) Render() app.UI {
	k := kind.ByName(c.Iform.Kind)
	label := "Jobs"
	if k != nil {
		label = k.Label()
	}
	return app.Section().Class("run run-jobs").Aria("label", label).OnKeyDown(runKeys(c.run, c.stop)).Body(
		app.Div().Class("job-cards").DataSet("testid", "transcript").Aria("live", "polite").Body(
			app.If(len(c.cards) == 0 && !c.starting, func() app.UI {
				return app.P().Class("muted transcript-empty").Text(c.emptyText())
			}),
			app.If(c.starting, func() app.UI {
				return app.P().Class("muted").DataSet("testid", "generating").Text("Starting the job…")
			}),
			app.Range(c.cards).Slice(func(i int) app.UI { return c.renderCard(c.cards[i]) }),
		),
		runErrorBox(c.err),
		app.Div().Class("composer").Body(
			c.renderInput(),
			app.Div().Class("composer-actions").Body(
				c.runButton(),
				viewCodeButton(&c.showCode),
				clearButton("Remove the jobs shown (running ones go on at the provider)", c.starting || len(c.cards) == 0, c.clear),
				shareControlOf(c.Ishare),
			),
		),
		app.If(c.showCode, func() app.UI {
			body, err := c.Ibuild(c.page())
			return kindCodeView(c.Iform, c.Ibackend, body, err)
		}),
	)
}

func (c *jobRun) emptyText() string {
	switch c.Iform.Kind {
	case kind.STT.Name():
		if c.fileField() != nil {
			return "Give the URL of an audio file, upload one or record one, and press Run (Ctrl+Enter)."
		}
		return "Give the URL of an audio file and press Run (Ctrl+Enter)."
	case kind.Music.Name():
		return "Describe the music and press Run (Ctrl+Enter). Generation takes a while; the job is followed here."
	}
	return "Describe the video and press Run (Ctrl+Enter). Generation takes minutes; the job is followed here, even across a reload."
}

// renderInput is the prompt box, or the audio URL of speech to text.
func (c *jobRun) renderInput() app.UI {
	if c.isSTT() {
		return c.renderAudioInput()
	}
	if formField(c.Iform, "prompt") == nil {
		return nil
	}
	what := "video"
	if c.Iform.Kind == kind.Music.Name() {
		what = "music"
	}
	return app.Div().Body(
		boundArea("prompt-box", "prompt", "sr-only", "Prompt", "Describe the "+what+" — Ctrl+Enter (⌘+Enter) runs", 3, c.Iprompt),
		promptCounter(formField(c.Iform, "prompt"), *c.Iprompt),
	)
}

func (c *jobRun) runButton() app.UI {
	return runOrStop(c.starting, c.run, c.stop)
}

// stop cancels the creation call in flight (a job already made goes on).
func (c *jobRun) stop() {
	cancelIf(c.cancel)
}

// clear removes the cards; their jobs go on at the provider. The next run starts a new
// history entry.
func (c *jobRun) clear() {
	c.stopAll()
	c.cards = nil
	if c.Ilog.fresh != nil {
		c.Ilog.fresh()
	}
}

// run starts a job. An empty prompt or URL, or parameters that break their rules, are said
// before anything is sent; nothing typed is lost.
func (c *jobRun) run(ctx app.Context) {
	if c.starting {
		return
	}
	c.err = ""
	switch {
	case c.isSTT() && c.audio != nil:
	case c.isSTT():
		if f := formField(c.Iform, "url"); f != nil {
			if *c.Iprompt == "" && (f.Required || c.fileField() != nil) {
				c.err = "url: is required — give the URL of the audio file"
				if c.fileField() != nil {
					c.err += ", upload one or record one."
				} else {
					c.err += "."
				}
				return
			}
			if u, err := url.Parse(*c.Iprompt); *c.Iprompt != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
				c.err = "url: must be an http(s) URL of the audio file, which the provider fetches."
				return
			}
		}
	default:
		if f := formField(c.Iform, "prompt"); f != nil && f.Required && len([]rune(*c.Iprompt)) == 0 {
			c.err = "prompt: is required — describe what to make first."
			return
		}
	}
	body, why := buildRun(c.Ibuild, c.page(), c.Iclient)
	if why != "" {
		c.err = why
		return
	}
	c.starting = true
	prompt := *c.Iprompt
	if c.isSTT() && c.audio != nil {
		prompt = c.audio.name // the file is not kept; its name says what was transcribed
	}
	started := time.Now()
	c.cancel = post(ctx, c.Iclient, c.Iform, body, func(ctx app.Context, answer []byte, rec runRecord) {
		c.starting, c.cancel = false, nil
		card := &jobCard{prompt: prompt, at: time.Now(), took: rec.took}
		c.cards = append([]*jobCard{card}, c.cards...)
		if rec.err != "" {
			card.failure = rec.err
			c.save(card)
			return
		}
		js := kind.ReadJob(answer)
		p, _ := kind.ByName(c.Iform.Kind).(kind.Poller)
		poll := ""
		if p != nil {
			poll = p.PollPath(c.Iform.Path, js.ID)
		}
		card.job = convo.Job{ID: js.ID, Poll: poll, Started: started, Status: js.Status}
		switch {
		case js.Done() || poll == "" && (len(js.Media) > 0 || js.Audio != nil || js.Result != nil):
			c.finish(card, js) // answered at once
		case poll == "":
			card.failure = "The provider's answer names no generation id to follow: " + truncateText(string(answer), 300)
			card.job.Ended = true
			c.save(card)
		default:
			c.save(card)
			c.poll(ctx, card)
		}
	})
}

// finish records a job's last answer: its result, or why it failed.
func (c *jobRun) finish(card *jobCard, js kind.JobState) {
	card.job.Ended, card.job.Status, card.polling, card.note = true, js.Status, false, ""
	card.took = time.Since(card.job.Started)
	card.usage = js.Usage
	if js.Status == kind.StatusFailed {
		card.failure = "The job failed"
		if js.ErrName != "" {
			card.failure += " (" + js.ErrName + ")"
		}
		if js.ErrMessage != "" {
			card.failure += ": " + js.ErrMessage
		}
		c.save(card)
		return
	}
	res, err := js.Outcome()
	if err != nil {
		card.failure = err.Error()
	} else {
		card.result = &res
	}
	c.save(card)
}

// save keeps the card's run in the history (a new run when it is not there yet).
func (c *jobRun) save(card *jobCard) {
	r := convo.Run{At: card.at, Prompt: card.prompt, TookMS: card.took.Milliseconds(), Error: card.failure}
	if c.isSTT() {
		r.Prompt, r.Inputs = "", []string{card.prompt}
	}
	if card.job.ID != "" {
		j := card.job
		r.Job = &j
	}
	if card.result != nil {
		r.Result, _ = json.Marshal(card.result)
	}
	if c.Ilog.keep != nil {
		c.Ilog.keep(r, card.job.ID)
	}
}

// poll follows a job until it ends: a GET of its poll path after 2 s, then backing off to 10 s,
// with a redraw every second so the elapsed time moves. A poll that fails for a passing reason
// (a 5xx, a reset) is tried again; one the server refuses (not this client's job, expired) ends
// the wait.
func (c *jobRun) poll(ctx app.Context, card *jobCard) {
	pctx, cancel := context.WithCancel(context.Background())
	card.stop, card.polling, card.note = cancel, true, ""
	client := *c.Iclient
	client.Provider = c.Iform.Model.Provider
	path := card.job.Poll
	ctx.Async(func() {
		defer cancel()
		delay, failures := firstPoll, 0
		for {
			for waited := time.Duration(0); waited < delay; waited += time.Second {
				select {
				case <-pctx.Done():
					return
				case <-time.After(time.Second):
				}
				ctx.Dispatch(func(app.Context) {})
			}
			status, _, answer, _, err := client.Get(pctx, path)
			if pctx.Err() != nil {
				return
			}
			js := kind.ReadJob(answer)
			end, note := false, ""
			var apiErr *chat.APIError
			switch {
			case err == nil && js.Done():
				end = true
			case err == nil:
				failures = 0
			case errors.As(err, &apiErr) && (status == http.StatusNotFound || status == http.StatusGone):
				end, note = true, chat.Explain(err)
			default:
				failures++
				note = fmt.Sprintf("Poll failed (%s); trying again.", chat.Explain(err))
				if failures >= maxPollFailures {
					end, note = true, fmt.Sprintf("Stopped waiting after %d failed polls in a row: %s The job may still finish at the provider.", failures, chat.Explain(err))
				}
			}
			ctx.Dispatch(func(ctx app.Context) {
				if card.stop == nil {
					return // stopped meanwhile
				}
				card.job.Polls++
				if err == nil && js.Status != "" {
					card.job.Status = js.Status
				}
				card.note = note
				switch {
				case end && err == nil:
					card.stop = nil
					c.finish(card, js)
				case end:
					card.stop, card.polling, card.job.Ended, card.failure, card.note = nil, false, true, note, ""
					c.save(card)
				}
			})
			if end {
				return
			}
			if delay = delay * 3 / 2; delay > lastPoll {
				delay = lastPoll
			}
		}
	})
}

// stopWaiting stops polling a card's job; the job goes on at the provider, and is billed.
func (c *jobRun) stopWaiting(card *jobCard) {
	if card.stop != nil {
		card.stop()
	}
	card.stop, card.polling, card.job.Stopped, card.note = nil, false, true, ""
	c.save(card)
}

// renderCard draws one job.
func (c *jobRun) renderCard(card *jobCard) app.UI {
	status := card.job.Status
	if status == "" {
		status = "started"
	}
	elapsed := card.took
	if !card.job.Ended && !card.job.Started.IsZero() {
		elapsed = time.Since(card.job.Started)
	}
	facts := []string{"status " + status, fmt.Sprintf("%s elapsed", roundDuration(elapsed)), plural(card.job.Polls, "poll", "polls")}
	if card.job.ID == "" {
		facts = []string{fmt.Sprintf("%.1f s", card.took.Seconds())}
	}
	return app.Div().Class("job-card").DataSet("testid", "job-card").DataSet("status", card.job.Status).
		DataSet("ended", card.job.Ended).DataSet("polling", card.polling).Body(
		app.P().Class("gallery-prompt").Text(card.prompt),
		app.P().Class("msg-info run-facts").DataSet("testid", "job-facts").Text(strings.Join(facts, " · ")),
		app.If(card.job.ID != "", func() app.UI {
			return app.P().Class("muted job-id").Text("Generation " + card.job.ID)
		}),
		app.If(card.note != "", func() app.UI {
			return app.P().Class("msg-note").DataSet("testid", "job-note").Text(card.note)
		}),
		app.If(card.failure != "", func() app.UI {
			return app.Div().Class("pg-error").DataSet("testid", "run-error").Text(card.failure)
		}),
		app.If(card.polling, func() app.UI {
			return app.Div().Class("gallery-actions").Body(
				app.Span().Class("muted").Text("Waiting for the provider…"),
				app.Button().Class("btn btn-small").DataSet("testid", "stop-waiting").Text("Stop waiting").
					Title("Stop following this job here. It goes on at the provider and is billed: there is no way to cancel it.").
					OnClick(func(ctx app.Context, e app.Event) { c.stopWaiting(card) }),
			)
		}),
		app.If(card.job.Stopped && !card.job.Ended, func() app.UI {
			return app.Div().Class("gallery-actions").Body(
				app.P().Class("msg-note").DataSet("testid", "job-stopped").Text("Stopped waiting. The job goes on at the provider and is billed; it cannot be cancelled."),
				app.Button().Class("btn btn-small").DataSet("testid", "resume").Text("Follow again").
					OnClick(func(ctx app.Context, e app.Event) {
						card.job.Stopped = false
						c.save(card)
						c.poll(ctx, card)
					}),
			)
		}),
		app.If(card.result != nil, func() app.UI { return c.renderResult(card) }),
		app.If(card.job.Ended && card.failure == "", func() app.UI { return runStats(runRecord{took: card.took}, card.usage) }),
	)
}

// renderResult draws a finished job's files or transcript.
func (c *jobRun) renderResult(card *jobCard) app.UI {
	res := card.result
	if res.Transcript != nil {
		return &transcriptView{Itranscript: *res.Transcript}
	}
	video := c.Iform.Kind == kind.Video.Name()
	items := []app.UI{}
	for i, m := range res.Media {
		name := mediaFileName(m.URL, video, i+1)
		src := m.Proxied
		var player app.UI
		switch {
		case src == "":
			player = app.P().Class("muted").Text("The file is on the provider's host; the page loads nothing from other hosts: open it from the link.")
			src = m.URL
		case video:
			player = app.Video().Src(src).Controls(true).Attr("preload", "metadata").DataSet("testid", "job-video").Class("job-video")
		default:
			player = app.Audio().Src(src).Controls(true).Attr("preload", "metadata").DataSet("testid", "job-audio")
		}
		items = append(items, app.Figure().Class("gallery-item job-media").Body(
			player,
			app.Div().Class("gallery-actions").Body(
				app.A().Class("btn btn-small").DataSet("testid", "job-download").Href(src).Attr("download", name).
					Attr("rel", "noopener noreferrer").Attr("target", "_blank").Text("Download"),
				app.Button().Class("btn btn-small").Text("Copy URL").OnClick(func(ctx app.Context, e app.Event) { copyText(m.URL) }, app.EventScope(m.URL)),
			),
		))
	}
	if res.Audio != nil {
		ct := firstNonEmpty(kind.SniffAudio(res.Audio), "audio/mpeg")
		src := "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(res.Audio)
		items = append(items, app.Figure().Class("gallery-item job-media").Body(
			app.Audio().Src(src).Controls(true).DataSet("testid", "job-audio"),
			app.A().Class("btn btn-small").Href(src).Attr("download", "music"+kind.AudioExtension(ct, "")).Text("Download"),
		))
	}
	return app.Div().Class("gallery").Body(items...)
}

// mediaFileName is the download name of a job's file: the URL's own name, else video-N.mp4 or
// audio-N.mp3.
func mediaFileName(raw string, video bool, n int) string {
	if u, err := url.Parse(raw); err == nil {
		if i := strings.LastIndex(u.Path, "/"); i >= 0 && strings.Contains(u.Path[i+1:], ".") {
			return u.Path[i+1:]
		}
	}
	if video {
		return fmt.Sprintf("video-%d.mp4", n)
	}
	return fmt.Sprintf("audio-%d.mp3", n)
}

// roundDuration writes d to the second ("1m05s").
func roundDuration(d time.Duration) string {
	return d.Round(time.Second).String()
}

// truncateText shortens s to n runes for a message.
func truncateText(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
