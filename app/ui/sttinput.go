package ui

import (
	"fmt"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/form"
	"playground/app/kind"
	"playground/app/schema"
	"playground/app/upload"
)

// Speech to text takes its audio by URL, as a file picked here, or recorded in the browser
// (MediaRecorder). A file or a recording is sent in the operation's file field (audio, file) as a
// multipart upload instead of the URL; it is checked before it is read (the kind's cap) and after
// (its first bytes), and a refusal names the file and keeps the URL and the parameters.

// sttAudio is the file speech to text sends instead of a URL.
type sttAudio struct {
	name, mime string
	data       []byte
	src        string // a blob: URL the preview player plays
}

// recorder is a recording in progress.
type recorder struct {
	rec     app.Value // the MediaRecorder
	stream  app.Value // the microphone's MediaStream
	started time.Time
	funcs   []app.Func
}

// release stops the microphone and frees the callbacks.
func (r *recorder) release() {
	if r == nil {
		return
	}
	if r.stream.Truthy() {
		tracks := r.stream.Call("getTracks")
		for i := 0; i < tracks.Length(); i++ {
			tracks.Index(i).Call("stop")
		}
	}
	for _, f := range r.funcs {
		f.Release()
	}
}

// fileField is the operation's field that takes the audio file, nil when it takes none.
func (c *jobRun) fileField() *schema.Field {
	for i := range c.Iform.Fields {
		if f := &c.Iform.Fields[i]; upload.TakesFile(*f) {
			return f
		}
	}
	return nil
}

// setAudio takes a file or a recording, after checking its first bytes; a refusal is said and
// what was there stays.
func (c *jobRun) setAudio(name, mime string, data []byte) {
	got, err := upload.CheckType(name, mime, data[:min(len(data), upload.SniffLen)])
	if err == nil {
		err = upload.CapFor(kind.STT.Name(), c.fileField().Name, got).Check(name, int64(len(data)))
	}
	if err != nil {
		c.err = err.Error()
		return
	}
	c.err = ""
	c.dropAudio()
	c.audio = &sttAudio{name: name, mime: mime, data: data, src: audioSource(data, mime)}
}

// dropAudio removes the file; the URL is sent again.
func (c *jobRun) dropAudio() {
	if c.audio != nil && app.IsClient {
		app.Window().Get("URL").Call("revokeObjectURL", c.audio.src)
	}
	c.audio = nil
}

// audioValue puts the file into the page's values, ok false when there is none.
func (c *jobRun) audioValue(v schema.Values) bool {
	f := c.fileField()
	if c.audio == nil || f == nil {
		return false
	}
	v[f.Name] = form.FileValue(c.audio.name, c.audio.mime, c.audio.data)
	return true
}

// pickAudio reads the file picked in the upload input.
func (c *jobRun) pickAudio(ctx app.Context, e app.Event) {
	readUpload(ctx, c.ctx, func(name, mime string, size int64) error {
		return upload.CapFor(kind.STT.Name(), c.fileField().Name, mime).Check(name, size)
	}, c.setAudio, func(err error) { c.err = err.Error() })
}

// readUpload reads the file picked in the file input that fired ctx's event, for a run area's
// upload: check refuses it, by what the browser says of it, before it is read; done gets its
// bytes on the component's context into (the input may be redrawn meanwhile), fail a refusal.
// The input is emptied, so the same file can be picked again.
func readUpload(ctx, into app.Context, check func(name, mime string, size int64) error, done func(name, mime string, data []byte), fail func(error)) {
	files := ctx.JSSrc().Get("files")
	if !files.Truthy() || files.Length() == 0 {
		return
	}
	file := files.Index(0)
	name, mime, size := file.Get("name").String(), file.Get("type").String(), int64(file.Get("size").Int())
	ctx.JSSrc().Set("value", "")
	if err := check(name, mime, size); err != nil {
		fail(err)
		return
	}
	file.Call("arrayBuffer").Then(func(buf app.Value) {
		data := bytesOf(buf)
		into.Dispatch(func(ctx app.Context) { done(name, mime, data) })
	})
}

// bytesOf copies an ArrayBuffer into Go.
func bytesOf(buf app.Value) []byte {
	arr := app.Window().Get("Uint8Array").New(buf)
	data := make([]byte, arr.Length())
	app.CopyBytesToGo(data, arr)
	return data
}

// record asks for the microphone and starts recording; the browser asks the user first.
func (c *jobRun) record(ctx app.Context) {
	md := app.Window().Get("navigator").Get("mediaDevices")
	if !md.Truthy() || !md.Get("getUserMedia").Truthy() || !app.Window().Get("MediaRecorder").Truthy() {
		c.err = "This browser cannot record here: recording needs MediaRecorder and a page on https (or localhost). Upload a file instead."
		return
	}
	c.err, c.micAsking = "", true
	r := &recorder{}
	ok := app.FuncOf(func(this app.Value, args []app.Value) any {
		stream := args[0]
		c.ctx.Dispatch(func(ctx app.Context) { c.startRecorder(ctx, r, stream) })
		return nil
	})
	fail := app.FuncOf(func(this app.Value, args []app.Value) any {
		name, msg := args[0].Get("name").String(), args[0].Get("message").String()
		c.ctx.Dispatch(func(ctx app.Context) {
			c.micAsking = false
			r.release()
			if name == "NotAllowedError" || name == "SecurityError" {
				c.err = "The microphone is blocked for this page: allow it in the browser's site settings, or upload a file."
				return
			}
			c.err = fmt.Sprintf("The microphone could not be opened (%s: %s). Upload a file instead.", name, msg)
		})
		return nil
	})
	r.funcs = append(r.funcs, ok, fail)
	md.Call("getUserMedia", map[string]any{"audio": true}).Call("then", ok, fail)
}

// startRecorder records the microphone's stream until stopRecording.
func (c *jobRun) startRecorder(ctx app.Context, r *recorder, stream app.Value) {
	c.micAsking = false
	r.stream, r.started = stream, time.Now()
	r.rec = app.Window().Get("MediaRecorder").New(stream)
	var chunks []any
	onData := app.FuncOf(func(this app.Value, args []app.Value) any {
		if d := args[0].Get("data"); d.Truthy() && d.Get("size").Int() > 0 {
			chunks = append(chunks, d)
		}
		return nil
	})
	onStop := app.FuncOf(func(this app.Value, args []app.Value) any {
		mime := r.rec.Get("mimeType").String()
		if mime == "" {
			mime = "audio/webm"
		}
		took := time.Since(r.started)
		blob := app.Window().Get("Blob").New(chunks, map[string]any{"type": mime})
		blob.Call("arrayBuffer").Then(func(buf app.Value) {
			data := bytesOf(buf)
			c.ctx.Dispatch(func(ctx app.Context) {
				r.release()
				c.recording = nil
				c.setAudio(fmt.Sprintf("recording-%.0fs%s", took.Seconds(), upload.Extension(mime)), mime, data)
			})
		})
		return nil
	})
	r.funcs = append(r.funcs, onData, onStop)
	r.rec.Set("ondataavailable", onData)
	r.rec.Set("onstop", onStop)
	r.rec.Call("start", 250)
	c.recording = r
}

// stopRecording ends the recording; the file is taken when the recorder hands it over.
func (c *jobRun) stopRecording() {
	if c.recording != nil && c.recording.rec.Truthy() && c.recording.rec.Get("state").String() == "recording" {
		c.recording.rec.Call("stop")
	}
}

// renderAudioInput is speech to text's input: the URL, or a file picked or recorded.
func (c *jobRun) renderAudioInput() app.UI {
	hasURL, ff := formField(c.Iform, "url") != nil, c.fileField()
	if !hasURL && ff == nil {
		return app.P().Class("muted").Text("This model takes its audio in the parameters.")
	}
	return app.Div().Class("stt-input").Body(
		app.If(hasURL && c.audio == nil, func() app.UI {
			return app.Div().Class("stt-url").Body(
				app.Label().For("audio-url").Text("Audio URL"),
				app.Input().ID("audio-url").Type("url").Class("input").DataSet("testid", "audio-url").
					Placeholder("https://…/speech.mp3 — the provider fetches it").Value(*c.Iprompt).
					OnInput(func(ctx app.Context, e app.Event) { *c.Iprompt = ctx.JSSrc().Get("value").String() }),
			)
		}),
		app.If(ff != nil, func() app.UI { return c.renderAudioFile() }),
	)
}

// renderAudioFile is the upload and the recorder, or the file that will be sent.
func (c *jobRun) renderAudioFile() app.UI {
	if c.audio != nil {
		return app.Div().Class("stt-file").Body(
			app.Span().Class("file-info").DataSet("testid", "stt-file").
				Text(c.audio.name+" · "+upload.Size(int64(len(c.audio.data)))+" — sent instead of the URL"),
			app.Audio().Src(c.audio.src).Controls(true).DataSet("testid", "stt-file-audio"),
			app.Button().Class("btn btn-tiny").DataSet("testid", "stt-file-remove").Text("remove").
				Aria("label", "Remove the audio file").OnClick(func(ctx app.Context, e app.Event) { c.dropAudio() }),
		)
	}
	limit := upload.Size(upload.CapFor(kind.STT.Name(), c.fileField().Name, "audio/wav").Bytes)
	return app.Div().Class("stt-file").Body(
		app.Span().Class("file-pick").Body(
			app.Input().Type("file").Class("file-input").ID("stt-upload").DataSet("testid", "stt-upload").
				Accept("audio/*,.wav,.mp3,.m4a,.ogg,.flac,.webm").Aria("label", "Upload an audio file").OnChange(c.pickAudio),
			app.Label().For("stt-upload").Class("btn btn-small").Aria("hidden", "true").Text("Upload audio…"),
		),
		app.If(c.recording == nil, func() app.UI {
			return app.Button().Class("btn btn-small").DataSet("testid", "stt-record").Disabled(c.micAsking).
				Title("Record from the microphone: the browser asks first; the recording stays in this page until you Run").
				Text("● Record").OnClick(func(ctx app.Context, e app.Event) { c.record(ctx) })
		}).Else(func() app.UI {
			return app.Button().Class("btn btn-small btn-stop").DataSet("testid", "stt-record-stop").
				Text("■ Stop recording").OnClick(func(ctx app.Context, e app.Event) { c.stopRecording() })
		}),
		app.Span().Class("muted").DataSet("testid", "stt-file-note").Text(c.fileNote(limit)),
	)
}

// fileNote says what the upload takes, or what is happening with the microphone.
func (c *jobRun) fileNote(limit string) string {
	switch {
	case c.micAsking:
		return "The browser asks whether this page may use the microphone…"
	case c.recording != nil:
		return "Recording… press Stop recording when done."
	}
	return "Instead of a URL: a file up to " + limit + " (WAV, MP3, M4A, Ogg, FLAC, WebM) or a recording."
}
