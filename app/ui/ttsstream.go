package ui

import (
	"strings"
	"time"
	"unsafe"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/kind"
)

// ttsLive plays a text-to-speech answer while it downloads: a WAV of PCM or float samples through
// the Web Audio API (buffers scheduled back to back), MP3, AAC, WebM or Ogg — what
// MediaSource.isTypeSupported takes — through a MediaSource on an <audio> element outside the
// page. Anything else, and any failure, turns it off without a word: the run area plays the sound
// once it has it all, as it does without it. Go runs one goroutine at a time in the browser, so the
// fetch's goroutine, the page's and the JS callbacks share it without locks.
type ttsLive struct {
	notify   func()    // asks the run area to draw again: playing started, more bytes came
	actx     app.Value // the AudioContext, made in the Run click's turn; nil when unused
	mode     int
	head     []byte // the first bytes, until the sound's type is known
	received int
	playing  bool
	waitRun  bool      // a statechange listener waits for the context to run (see markPlaying)
	shown    time.Time // when notify last told of the bytes
	trailing bool      // a later notify is due for bytes that came too soon after the last

	// Web Audio.
	wav             kind.WAVStream
	pending         [][]float32 // frames not scheduled yet
	next, scheduled float64     // when the next buffer starts (the context's clock); seconds scheduled

	// MediaSource.
	audio, ms, sb app.Value
	url           string
	queue         []byte // bytes not appended yet
	ended         bool   // the download is over
	listeners     []listener
}

// listener is an event listener a ttsLive added.
type listener struct {
	target app.Value
	ev     string
	f      app.Func
}

// The modes of a ttsLive.
const (
	liveWaiting = iota // the sound's type is not known yet
	liveWAV
	liveMSE
	liveOff
)

// newTTSLive makes the player of one run, its AudioContext made now (in the Run click's turn, so
// that the browser lets it sound); nil outside the browser.
func newTTSLive(notify func()) *ttsLive {
	if !app.IsClient {
		return nil
	}
	l := &ttsLive{notify: notify}
	defer l.guard()
	if ac := app.Window().Get("AudioContext"); ac.Truthy() {
		l.actx = ac.New()
	}
	return l
}

// guard turns a JS exception into the player's end (deferred by every entry point).
func (l *ttsLive) guard() {
	if recover() != nil {
		l.stop()
	}
}

// feed plays the next piece of the answer, of type ct (PostStream's onChunk).
func (l *ttsLive) feed(ct string, chunk []byte) {
	defer l.guard()
	l.received += len(chunk)
	if l.mode == liveWaiting {
		l.head = append(l.head, chunk...)
		ct = strings.ToLower(ct)
		audio := strings.HasPrefix(ct, "audio/") || strings.HasPrefix(ct, "application/octet-stream")
		if audio && len(l.head) < 12 {
			return
		}
		l.start(audio)
		chunk, l.head = l.head, nil
	}
	switch l.mode {
	case liveWAV:
		l.playPCM(chunk)
	case liveMSE:
		l.queue = append(l.queue, chunk...)
		l.pump()
	}
	if l.playing {
		l.tell()
	}
}

// tellEvery is how often at most the count of bytes received is drawn again.
const tellEvery = 250 * time.Millisecond

// tell asks for the count of bytes to be drawn again, at most every tellEvery: bytes that come
// sooner are told of once that time has passed, so the count shown is never stale when the
// download pauses (the provider holding the rest).
func (l *ttsLive) tell() {
	since := time.Since(l.shown)
	if since >= tellEvery {
		l.shown = time.Now()
		l.notify()
		return
	}
	if !l.trailing {
		l.trailing = true
		time.AfterFunc(tellEvery-since, func() {
			l.trailing = false
			if l.playing {
				l.shown = time.Now()
				l.notify()
			}
		})
	}
}

// start picks how to play the sound whose first bytes are l.head, labelled as audio or not: only
// what the page would play once it has it all (see kind.ReadSpeech).
func (l *ttsLive) start(audio bool) {
	l.mode = liveOff
	typ := kind.SniffAudio(l.head)
	switch {
	case !audio || typ == "":
	case typ == "audio/wav":
		if l.actx != nil {
			l.mode = liveWAV
			return
		}
	default:
		if ms := app.Window().Get("MediaSource"); ms.Truthy() && ms.Call("isTypeSupported", typ).Bool() {
			l.openMedia(typ)
		}
	}
	l.closeContext()
}

// playPCM schedules the frames a WAV chunk completes, at least a tenth of a second at a time.
func (l *ttsLive) playPCM(chunk []byte) {
	frames, err := l.wav.Write(chunk)
	if err != nil {
		l.stop()
		return
	}
	if l.pending == nil {
		l.pending = frames
	} else {
		for c := range frames {
			l.pending[c] = append(l.pending[c], frames[c]...)
		}
	}
	if l.pending != nil && len(l.pending[0]) >= l.wav.Rate/10 {
		l.schedule()
	}
}

// schedule plays the pending frames right after those scheduled before (a little ahead of now
// when the sound ran dry).
func (l *ttsLive) schedule() {
	if l.pending == nil || len(l.pending[0]) == 0 {
		return
	}
	n := len(l.pending[0])
	buf := l.actx.Call("createBuffer", len(l.pending), n, l.wav.Rate)
	for c, s := range l.pending {
		buf.Call("copyToChannel", float32Array(s), c)
	}
	l.pending = nil
	src := l.actx.Call("createBufferSource")
	src.Set("buffer", buf)
	src.Call("connect", l.actx.Get("destination"))
	if now := l.actx.Get("currentTime").Float(); l.next < now+0.02 {
		l.next = now + 0.05
	}
	src.Call("start", l.next)
	d := float64(n) / float64(l.wav.Rate)
	l.next, l.scheduled = l.next+d, l.scheduled+d
	l.markPlaying()
}

// markPlaying says the sound plays once something is scheduled and the context runs: a context
// made on the click may still be starting its output (it says so with a statechange), which on a
// busy machine comes after the first buffer.
func (l *ttsLive) markPlaying() {
	if l.playing || l.scheduled == 0 {
		return
	}
	if l.actx.Get("state").String() == "running" {
		l.playing = true
		l.notify()
		return
	}
	if !l.waitRun {
		l.waitRun = true
		l.listen(l.actx, "statechange", l.markPlaying)
		l.actx.Call("resume")
	}
}

// float32Array is a copy of s in JS (wasm is little-endian, as Float32Array is here).
func float32Array(s []float32) app.Value {
	u8 := app.Window().Get("Uint8Array").New(4 * len(s))
	app.CopyBytesToJS(u8, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s)))
	return app.Window().Get("Float32Array").New(u8.Get("buffer"))
}

// openMedia plays the sound, of type typ, through a MediaSource.
func (l *ttsLive) openMedia(typ string) {
	w := app.Window()
	l.ms, l.audio = w.Get("MediaSource").New(), w.Get("Audio").New()
	l.listen(l.ms, "sourceopen", func() {
		l.sb = l.ms.Call("addSourceBuffer", typ)
		l.listen(l.sb, "updateend", l.pump)
		l.pump()
	})
	l.listen(l.audio, "playing", func() {
		if !l.playing {
			l.playing = true
			l.notify()
		}
	})
	l.listen(l.audio, "error", l.stop)
	l.url = w.Get("URL").Call("createObjectURL", l.ms).String()
	l.audio.Set("src", l.url)
	l.mode = liveMSE
	ignoreRejection(l.audio.Call("play"))
}

// listen calls fn on target's event ev until the player stops.
func (l *ttsLive) listen(target app.Value, ev string, fn func()) {
	f := app.FuncOf(func(app.Value, []app.Value) any {
		defer l.guard()
		fn()
		return nil
	})
	target.Call("addEventListener", ev, f)
	l.listeners = append(l.listeners, listener{target, ev, f})
}

// pump appends the bytes waiting when the SourceBuffer is free, and ends the stream once the
// download is over and all is appended.
func (l *ttsLive) pump() {
	if l.sb == nil || l.sb.Get("updating").Bool() {
		return
	}
	if len(l.queue) > 0 {
		u8 := app.Window().Get("Uint8Array").New(len(l.queue))
		app.CopyBytesToJS(u8, l.queue)
		l.queue = l.queue[:0]
		l.sb.Call("appendBuffer", u8)
	} else if l.ended && l.ms.Get("readyState").String() == "open" {
		l.ms.Call("endOfStream")
	}
}

// done says the download is over: what is left is played.
func (l *ttsLive) done() {
	if l == nil {
		return
	}
	defer l.guard()
	l.ended = true
	switch l.mode {
	case liveWAV:
		l.schedule()
	case liveMSE:
		l.pump()
	}
}

// position is how far into the sound the player is while it plays; 0 when it does not (not
// started, over, stopped).
func (l *ttsLive) position() float64 {
	if l == nil {
		return 0
	}
	switch l.mode {
	case liveWAV:
		if left := l.next - l.actx.Get("currentTime").Float(); left > 0 && l.actx.Get("state").String() == "running" {
			return max(l.scheduled-left, 0)
		}
	case liveMSE:
		if !l.audio.Get("paused").Bool() && !l.audio.Get("ended").Bool() {
			return l.audio.Get("currentTime").Float()
		}
	}
	return 0
}

// stop ends the sound and lets go of all the player holds; it may be called again.
func (l *ttsLive) stop() {
	if l == nil {
		return
	}
	l.mode, l.playing = liveOff, false
	ls, a, u := l.listeners, l.audio, l.url
	l.listeners, l.audio, l.ms, l.sb, l.url = nil, nil, nil, nil, ""
	l.pending, l.queue, l.head = nil, nil, nil
	defer func() { _ = recover() }() // none of these throws, but a failure to let go must not spread
	defer l.closeContext()
	for _, x := range ls {
		x.target.Call("removeEventListener", x.ev, x.f)
		x.f.Release()
	}
	if a != nil {
		a.Call("pause")
		a.Call("removeAttribute", "src")
		a.Call("load")
	}
	if u != "" {
		app.Window().Get("URL").Call("revokeObjectURL", u)
	}
}

func (l *ttsLive) closeContext() {
	if a := l.actx; a != nil {
		l.actx = nil
		ignoreRejection(a.Call("close"))
	}
}

// swallow is the rejection handler of promises whose failure changes nothing.
var swallow app.Func

// ignoreRejection keeps a promise's rejection (e.g. play() refused by the autoplay policy) out of
// the console.
func ignoreRejection(p app.Value) {
	if swallow == nil {
		swallow = app.FuncOf(func(app.Value, []app.Value) any { return nil })
	}
	if p.Truthy() {
		p.Call("catch", swallow)
	}
}
