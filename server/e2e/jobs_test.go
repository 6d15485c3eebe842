package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"playground/server"
	"playground/server/fakeupstream"
)

// withTrustedLoopback believes X-Forwarded-For from loopback, so a test can act as another
// client.
func withTrustedLoopback(c *server.Config) {
	c.Limits.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
}

// fakeTranscript is the text of the fake's speech-to-text jobs.
const fakeTranscript = fakeupstream.Transcript

// jobCard is the JS of the newest job card.
const jobCard = `document.querySelector('[data-testid="job-card"]')`

// TestVideoJob runs a video model from its /?model= link: the job card follows the job through
// queued and generating to the end, and the video plays from the server's media route; a reload
// during a second job picks it up from the history; another client's generation id is refused.
func TestVideoJob(t *testing.T) {
	e := newEnv(t, true, withMedia, withTrustedLoopback)
	e.Fake.QueueFor, e.Fake.GenerateFor = time.Second, 2*time.Second
	b := startBrowser(t)
	tb := b.newTab(t)
	openKind(tb, e.URL, "google/veo3", "run")
	tb.do("clicking Run with no prompt", chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("the empty prompt refused", jsSel("error")+` && `+jsSel("error")+`.innerText.includes("prompt")`, 5*time.Second)
	tb.do("a prompt and Run", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "a wave at dawn"), chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("the job card", jobCard+` && `+jobCard+`.dataset.status !== ""`, 10*time.Second)
	tb.waitJS("the job to complete", jobCard+`.dataset.status === "completed" && `+jobCard+`.dataset.ended === "true"`, 30*time.Second)
	tb.waitJS("the video's metadata", jsSel("job-video")+` && `+jsSel("job-video")+`.readyState >= 1 && `+jsSel("job-video")+`.duration > 1`, 15*time.Second)
	if src := eval[string](tb, jsSel("job-video")+`.src`); !strings.HasPrefix(src, e.URL+"/api/media/") {
		t.Errorf("the video plays from %q, want the media route", src)
	}
	facts := eval[string](tb, jsSel("job-facts")+`.innerText`)
	if !strings.Contains(facts, "completed") || !strings.Contains(facts, "poll") {
		t.Errorf("the card's facts say %q", facts)
	}
	if got := eval[string](tb, jsSel("run-facts")+`.innerText`); !strings.Contains(got, "$0.06") {
		t.Errorf("the finished job's facts %q lack its cost", got)
	}
	var polls, creates int
	for _, r := range e.Fake.Requests() {
		switch {
		case r.Method == "GET" && r.Path == "/v2/video/generations":
			polls++
		case r.Method == "POST" && r.Path == "/v2/video/generations":
			creates++
		}
	}
	if creates != 1 || polls < 2 {
		t.Errorf("%d creations and %d polls reached the provider", creates, polls)
	}
	saveScreenshot(t, tb, "kind-video-job.png")

	// A second job, slow: reload while it runs; its history entry's card picks it up.
	e.Fake.GenerateFor = 6 * time.Second
	tb.do("clearing, a second prompt and Run", chromedp.Evaluate[chromedp.Void](jsSel("clear")+`.click()`),
		chromedp.SendKeys(chromedp.CSS(sel("prompt")), "a slow tide"), chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("the second job polled", jobCard+` && `+jobCard+`.innerText.includes("a slow tide") && `+jobCard+`.dataset.polling === "true"`, 10*time.Second)
	tb.navigate(e.URL + "/?model=google/veo3")
	tb.waitJS("the page again", `!document.getElementById("app-wasm-loader") && `+jsSel("run"), 30*time.Second)
	tb.do("opening the history", chromedp.Click(chromedp.CSS(sel("history-toggle"))))
	tb.waitJS("the saved job", jsSel("history-open")+` && `+jsSel("history-open")+`.innerText.includes("a slow tide")`, 5*time.Second)
	tb.do("opening the saved job", chromedp.Evaluate[chromedp.Void](jsSel("history-open")+`.click()`))
	tb.waitJS("the reopened job to complete", jobCard+` && `+jobCard+`.innerText.includes("a slow tide") && `+jobCard+`.dataset.status === "completed"`, 40*time.Second)
	tb.waitJS("its video", jsSel("job-video")+` && `+jsSel("job-video")+`.readyState >= 1`, 15*time.Second)
	tb.checkConsole()

	// Another client (another address, through the trusted loopback proxy) starts a job; this
	// browser's poll of its id is refused.
	req, _ := http.NewRequest("POST", e.URL+"/api/v2/video/generations", bytes.NewReader([]byte(`{"model":"google/veo3","prompt":"theirs"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "192.0.2.44")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var theirs struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&theirs)
	resp.Body.Close()
	if resp.StatusCode != 200 || theirs.ID == "" {
		t.Fatalf("the other client's job: %d %+v", resp.StatusCode, theirs)
	}
	other := b.newTab(t)
	other.navigate(e.URL + "/healthz")
	other.do("polling the other client's job", chromedp.Evaluate[chromedp.Void](`window.__poll = null;
		fetch("/api/v2/video/generations?generation_id=`+theirs.ID+`").then(r => r.json().then(j => window.__poll = [r.status, j.error.code]))`))
	other.waitJS("the poll answered", `window.__poll !== null`, 5*time.Second)
	if got := eval[[]any](other, `window.__poll`); len(got) != 2 || got[0] != float64(404) || got[1] != "job_not_found" {
		t.Errorf("another client's job polled: %v, want 404 job_not_found", got)
	}
}

// TestMusicAndSpeechToTextJobs runs a music model (the sound plays from the media route) and a
// speech-to-text model by audio URL (the transcript with its word timings and its downloads).
func TestMusicAndSpeechToTextJobs(t *testing.T) {
	e := newEnv(t, true, withMedia)
	e.Fake.QueueFor, e.Fake.GenerateFor = 500*time.Millisecond, time.Second
	b := startBrowser(t)

	t.Run("Music", func(t *testing.T) {
		tb := b.newTab(t)
		openKind(tb, e.URL, "minimax/music-1.5", "run")
		tb.do("a prompt and Run", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "a calm piano"), chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitJS("the job to complete", jobCard+` && `+jobCard+`.dataset.status === "completed"`, 30*time.Second)
		tb.waitJS("the sound's metadata", jsSel("job-audio")+` && `+jsSel("job-audio")+`.readyState >= 1 && `+jsSel("job-audio")+`.duration > 0.9`, 15*time.Second)
		if href := eval[string](tb, jsSel("job-download")+`.getAttribute("download")`); !strings.HasSuffix(href, ".wav") {
			t.Errorf("the download is named %q", href)
		}
		tb.checkConsole()
	})

	t.Run("SpeechToText", func(t *testing.T) {
		tb := b.newTab(t)
		openKind(tb, e.URL, "aai/universal", "run")
		tb.do("clicking Run with no URL", chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitJS("the missing URL refused", jsSel("error")+` && `+jsSel("error")+`.innerText.includes("url")`, 5*time.Second)
		tb.do("a URL that is not one", chromedp.SendKeys(chromedp.CSS(sel("audio-url")), "speech.mp3"), chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitJS("the bad URL refused", jsSel("error")+` && `+jsSel("error")+`.innerText.includes("http(s) URL")`, 5*time.Second)
		if got := eval[string](tb, jsSel("audio-url")+`.value`); got != "speech.mp3" {
			t.Errorf("the typed URL became %q", got)
		}
		tb.do("a real URL and Run", chromedp.Evaluate[chromedp.Void](jsSel("audio-url")+`.value = ""`),
			chromedp.SendKeys(chromedp.CSS(sel("audio-url")), "https://files.example/speech.mp3"), chromedp.Click(chromedp.CSS(sel("run"))))
		tb.waitJS("the transcript", jsSel("stt-text")+` && `+jsSel("stt-text")+`.innerText.includes("Hello from the fake upstream")`, 30*time.Second)
		if n := eval[int](tb, `document.querySelectorAll('[data-testid="stt-words"] li').length`); n != len(strings.Fields(fakeTranscript)) {
			t.Errorf("%d timed words shown", n)
		}
		srt := eval[string](tb, `atob(`+jsSel("stt-download-srt")+`.href.split(",")[1])`)
		if !strings.HasPrefix(srt, "1\n00:00:00,000 --> ") || !strings.Contains(srt, "Hello from the fake upstream.") {
			t.Errorf("the .srt download holds %q", srt)
		}
		for _, id := range []string{"stt-download-txt", "stt-download-json"} {
			if !eval[bool](tb, jsSel(id)+`.href.startsWith("data:") && `+jsSel(id)+`.hasAttribute("download")`) {
				t.Errorf("%s is not a download", id)
			}
		}
		var sent struct{ URL string }
		reqs := requestsTo(e, "/v1/stt/create")
		if len(reqs) != 1 || json.Unmarshal(reqs[0].Body, &sent) != nil || sent.URL != "https://files.example/speech.mp3" {
			t.Errorf("the provider got %d requests: %+v", len(reqs), reqs)
		}
		saveScreenshot(t, tb, "kind-stt-job.png")
		tb.checkConsole()
	})

	// A file picked in the run area goes to the provider as a multipart upload instead of the
	// URL; a file whose content is not the type it declares is refused, naming it, before
	// anything is sent.
	t.Run("SpeechToTextUpload", func(t *testing.T) {
		tb := b.newTab(t)
		openKind(tb, e.URL, "aai/universal", "run")
		dir := t.TempDir()
		n := len(requestsTo(e, "/v1/stt/create"))
		setFile(tb, "stt-upload", filepath.Join(dir, "not-audio.wav"), []byte("\x89PNG\r\n\x1a\n not a sound"))
		tb.waitJS("the file refused", jsSel("error")+` && `+jsSel("error")+`.innerText.includes("not-audio.wav: declared WAV audio, but its content is a PNG image")`, 5*time.Second)
		audio := append([]byte("RIFF\x00\x00\x00\x00WAVEfmt "), make([]byte, 4000)...)
		setFile(tb, "stt-upload", filepath.Join(dir, "voice memo.wav"), audio)
		tb.waitJS("the file taken", jsSel("stt-file")+` && `+jsSel("stt-file")+`.innerText.includes("voice memo.wav")`, 5*time.Second)
		if eval[bool](tb, jsSel("error")+` !== null && `+jsSel("error")+`.innerText !== ""`) {
			t.Errorf("an error is still shown: %s", eval[string](tb, jsSel("error")+`.innerText`))
		}
		// View code sends the same upload: the file read from disk next to the script.
		tb.do("View code, curl", chromedp.Evaluate[chromedp.Void](jsSel("view-request")+`.click()`))
		tb.waitJS("the curl tab", jsSel("code-tab-curl"), 5*time.Second)
		tb.do("the curl tab", chromedp.Evaluate[chromedp.Void](jsSel("code-tab-curl")+`.click()`))
		tb.waitJS("the curl snippet", jsSel("code-curl"), 5*time.Second)
		code := eval[string](tb, jsSel("code-curl")+`.innerText`)
		for _, want := range []string{"--form-string 'model=aai/universal'", `audio=@"voice memo.wav";type=audio/wav`, "/v1/stt/create"} {
			if !strings.Contains(code, want) {
				t.Errorf("the curl snippet lacks %q:\n%s", want, code)
			}
		}
		tb.do("Run", chromedp.Evaluate[chromedp.Void](jsSel("run")+`.click()`))
		tb.waitJS("the transcript", jsSel("stt-text")+` && `+jsSel("stt-text")+`.innerText.includes("Hello from the fake upstream")`, 30*time.Second)
		reqs := requestsTo(e, "/v1/stt/create")[n:]
		if len(reqs) != 1 {
			t.Fatalf("the provider got %d requests", len(reqs))
		}
		var parts []string
		for _, p := range reqs[0].Parts {
			parts = append(parts, p.Name+"|"+p.FileName+"|"+p.ContentType)
			if p.FileName != "" && !bytes.Equal(p.Data, audio) {
				t.Errorf("the file's bytes changed on the way: %d bytes", len(p.Data))
			}
		}
		if got := strings.Join(parts, " "); got != "model|| audio|voice memo.wav|audio/wav" {
			t.Errorf("the provider got the parts %s", got)
		}
		saveScreenshot(t, tb, "kind-stt-upload.png")
		tb.checkConsole()
	})

	// Recording from Chromium's fake microphone: the recording is sent as the audio file.
	t.Run("SpeechToTextMicrophone", func(t *testing.T) {
		tb := b.newTab(t)
		openKind(tb, e.URL, "aai/universal", "run")
		n := len(requestsTo(e, "/v1/stt/create"))
		tb.do("Record", chromedp.Evaluate[chromedp.Void](jsSel("stt-record")+`.click()`))
		tb.waitJS("the recording", jsSel("stt-record-stop")+` !== null`, 10*time.Second)
		time.Sleep(1500 * time.Millisecond) // a second and a half of the fake microphone's tone
		tb.do("Stop recording", chromedp.Evaluate[chromedp.Void](jsSel("stt-record-stop")+`.click()`))
		tb.waitJS("the recording taken", jsSel("stt-file")+` && `+jsSel("stt-file")+`.innerText.includes("recording-")`, 10*time.Second)
		tb.do("Run", chromedp.Evaluate[chromedp.Void](jsSel("run")+`.click()`))
		tb.waitJS("the transcript", jsSel("stt-text")+` && `+jsSel("stt-text")+`.innerText.includes("Hello from the fake upstream")`, 30*time.Second)
		reqs := requestsTo(e, "/v1/stt/create")[n:]
		if len(reqs) != 1 {
			t.Fatalf("the provider got %d requests", len(reqs))
		}
		var file *fakeupstream.Part
		for i, p := range reqs[0].Parts {
			if p.Name == "audio" {
				file = &reqs[0].Parts[i]
			}
		}
		if file == nil || !strings.HasPrefix(file.ContentType, "audio/webm") || file.Size < 1000 || !bytes.HasPrefix(file.Data, []byte{0x1a, 0x45, 0xdf, 0xa3}) {
			t.Errorf("the provider got the recording as %+v", file)
		}
		saveScreenshot(t, tb, "kind-stt-microphone.png")
		tb.checkConsole()
	})
}

// TestTextToSpeech runs a text-to-speech model from its link: the streamed WAV starts playing
// while the provider still holds the rest of it, then plays from a blob: URL with its length and a
// .wav download, taking over where the sound got to; the JSON answer's URL plays through the media
// route; audio sent with the wrong type is refused, saying so; Stop ends a sound that is arriving.
func TestTextToSpeech(t *testing.T) {
	e := newEnv(t, true, withMedia)
	b := startBrowser(t)
	tb := b.newTab(t)
	openKind(tb, e.URL, "openai/tts-1", "run")
	release := e.Fake.HoldTTS()
	defer release()
	tb.do("a text and Run", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "Hello from the playground, spoken as it arrives."), chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("the sound playing with only its first chunk sent", jsSel("tts-live")+` && `+jsSel("tts-live")+`.dataset.playing === "true" && `+
		jsSel("tts-live")+`.innerText.includes("Playing as it arrives · 4 KB so far")`, 20*time.Second)
	if eval[bool](tb, jsSel("tts-audio")+` !== null`) {
		t.Error("the finished run's player is shown while the audio is held")
	}
	release()
	tb.waitJS("the sound", jsSel("tts-audio")+` && `+jsSel("tts-audio")+`.readyState >= 1 && `+jsSel("tts-audio")+`.duration > 1`, 20*time.Second)
	tb.waitJS("the player taking over", `!`+jsSel("tts-live")+` && !`+jsSel("tts-audio")+`.paused && `+jsSel("tts-audio")+`.currentTime > 0`, 10*time.Second)
	if src := eval[string](tb, jsSel("tts-audio")+`.src`); !strings.HasPrefix(src, "blob:") {
		t.Errorf("the sound plays from %q, want a blob: URL", src)
	}
	if name := eval[string](tb, jsSel("tts-download")+`.getAttribute("download")`); name != "speech.wav" {
		t.Errorf("the download is named %q", name)
	}
	if facts := eval[string](tb, jsSel("run-facts")+`.innerText`); !strings.Contains(facts, "s of audio") {
		t.Errorf("the facts %q lack the length", facts)
	}
	var sent struct{ Text string }
	if reqs := requestsTo(e, "/v1/tts"); len(reqs) != 1 || json.Unmarshal(reqs[0].Body, &sent) != nil || sent.Text != "Hello from the playground, spoken as it arrives." {
		t.Fatalf("the provider got %+v", reqs)
	}
	saveScreenshot(t, tb, "kind-tts.png")

	tb.do("the JSON answer", chromedp.Evaluate[chromedp.Void](jsSel("prompt")+`.value = ""`), chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:json"),
		chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("the second sound through the media route", `document.querySelectorAll('[data-testid="tts-audio"]').length === 2 && `+
		jsSel("tts-audio")+`.src.includes("/api/media/") && `+jsSel("tts-audio")+`.readyState >= 1`, 20*time.Second)

	tb.do("audio with the wrong type", chromedp.Evaluate[chromedp.Void](jsSel("prompt")+`.value = ""`), chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:wrongtype"),
		chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("the refusal", jsSel("run-error")+` && `+jsSel("run-error")+`.innerText.includes("text/html")`, 20*time.Second)

	release = e.Fake.HoldTTS()
	defer release()
	tb.do("an MP3", chromedp.Evaluate[chromedp.Void](jsSel("prompt")+`.value = ""`), chromedp.SendKeys(chromedp.CSS(sel("prompt")), "fake:mp3"),
		chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("the MP3 playing through a MediaSource with only its first chunk sent", jsSel("tts-live")+` && `+jsSel("tts-live")+`.dataset.playing === "true"`, 20*time.Second)
	release()
	tb.waitJS("the MP3's player taking over", `!`+jsSel("tts-live")+` && document.querySelectorAll('[data-testid="tts-run"]').length === 4 && `+
		jsSel("tts-download")+`.getAttribute("download") === "speech.mp3" && !`+jsSel("tts-audio")+`.paused`, 20*time.Second)

	release = e.Fake.HoldTTS()
	defer release()
	tb.do("a held sound", chromedp.Evaluate[chromedp.Void](jsSel("prompt")+`.value = ""`), chromedp.SendKeys(chromedp.CSS(sel("prompt")), "Stopped as it arrives."),
		chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("it playing", jsSel("tts-live")+` && `+jsSel("tts-live")+`.dataset.playing === "true"`, 20*time.Second)
	tb.do("Stop", chromedp.Click(chromedp.CSS(sel("tts-live-stop"))))
	tb.waitJS("the run stopped", `!`+jsSel("tts-live")+` && `+jsSel("run-error")+` && `+jsSel("run-error")+`.innerText === "Stopped." && `+
		jsSel("run")+` !== null`, 10*time.Second)
	select {
	case <-e.Fake.CancelledC():
	case <-time.After(10 * time.Second):
		t.Error("the provider did not see the held answer cancelled")
	}
	tb.checkConsole()
}

// TestOCR reads a document from its /?model= link: the pages are tabs, the markdown is
// rendered (its hostile HTML and links inert), the extracted images are drawn in their boxes, and
// the raw JSON is a tab.
func TestOCR(t *testing.T) {
	e := newEnv(t, true)
	b := startBrowser(t)
	tb := b.newTab(t)
	openKind(tb, e.URL, "mistral/mistral-ocr-latest", "run")
	tb.do("clicking Run with no document", chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("the missing document refused", jsSel("error")+` && `+jsSel("error")+`.innerText.includes("document")`, 5*time.Second)
	tb.do("including the images", chromedp.Click(chromedp.CSS(sel("param-include_image_base64"))))
	tb.do("a document with hostile markdown and Run", chromedp.SendKeys(chromedp.CSS(sel("ocr-url")), "https://files.example/fake:xss.pdf"),
		chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("the pages", jsSel("ocr-result")+` && document.querySelectorAll('[data-testid^="ocr-tab-"]').length === 4`, 20*time.Second)
	if text := eval[string](tb, jsSel("ocr-markdown")+`.innerText`); !strings.Contains(text, "Hostile") {
		t.Errorf("page 1 shows %q", text)
	}
	if eval[bool](tb, `window.__ocrXSS !== undefined || document.querySelector('[data-testid="ocr-markdown"] script, [data-testid="ocr-markdown"] [onerror], [data-testid="ocr-markdown"] a[href^="javascript"]') !== null`) {
		t.Error("the hostile markdown ran or left live markup")
	}
	tb.do("page 2", chromedp.Evaluate[chromedp.Void](jsSel("ocr-tab-1")+`.click()`))
	tb.waitJS("page 2's markdown", jsSel("ocr-markdown")+` && `+jsSel("ocr-markdown")+`.querySelector("table") && `+jsSel("ocr-markdown")+`.innerText.includes("Page 2")`, 5*time.Second)
	tb.waitJS("its image in its box", jsSel("ocr-box")+` && `+jsSel("ocr-image")+` && `+jsSel("ocr-image")+`.complete && `+jsSel("ocr-image")+`.naturalWidth === 64`, 5*time.Second)
	box := eval[[]float64](tb, `(() => { const p = document.querySelector('[data-testid="ocr-page"]').getBoundingClientRect(), b = document.querySelector('[data-testid="ocr-box"]').getBoundingClientRect(); return [(b.left-p.left)/p.width, (b.top-p.top)/p.height, b.width/p.width]; })()`)
	if len(box) != 3 || box[0] < 0.10 || box[0] > 0.14 || box[1] < 0.25 || box[1] > 0.29 || box[2] < 0.45 || box[2] > 0.49 {
		t.Errorf("the box is at %v of the page, want about [0.118 0.273 0.47]", box)
	}
	saveScreenshot(t, tb, "kind-ocr.png")
	tb.do("the raw JSON", chromedp.Evaluate[chromedp.Void](jsSel("ocr-tab-json")+`.click()`))
	tb.waitJS("the JSON", jsSel("ocr-json")+` && `+jsSel("ocr-json")+`.innerText.includes("usage_info")`, 5*time.Second)
	var sent struct {
		Document struct {
			Type        string
			DocumentURL string `json:"document_url"`
		}
	}
	if reqs := requestsTo(e, "/v1/ocr"); len(reqs) != 1 || json.Unmarshal(reqs[0].Body, &sent) != nil || sent.Document.Type != "document_url" || sent.Document.DocumentURL != "https://files.example/fake:xss.pdf" {
		t.Errorf("the provider got %+v", reqs)
	}

	// An upload: the PDF goes as a data URL in the JSON body; a PNG named .pdf is refused first.
	dir := t.TempDir()
	setFile(tb, "ocr-upload", filepath.Join(dir, "scan.pdf"), []byte("\x89PNG\r\n\x1a\n not a PDF"))
	tb.waitJS("the PNG named .pdf refused", jsSel("error")+` && `+jsSel("error")+`.innerText.includes("scan.pdf: declared a PDF document, but its content is a PNG image")`, 5*time.Second)
	pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
	setFile(tb, "ocr-upload", filepath.Join(dir, "paper.pdf"), pdf)
	tb.waitJS("the PDF taken", jsSel("ocr-file")+` && `+jsSel("ocr-file")+`.innerText.includes("paper.pdf")`, 5*time.Second)
	tb.do("Run", chromedp.Evaluate[chromedp.Void](jsSel("run")+`.click()`))
	tb.waitJS("the pages", `(() => { const r = document.querySelector('[data-testid="transcript"]'); return r && r.dataset.runs === "2" && document.querySelector('[data-testid="ocr-result"]') !== null })()`, 20*time.Second)
	reqs := requestsTo(e, "/v1/ocr")
	if len(reqs) != 2 || json.Unmarshal(reqs[1].Body, &sent) != nil || sent.Document.DocumentURL != "data:application/pdf;base64,"+base64.StdEncoding.EncodeToString(pdf) {
		t.Errorf("the provider got %d requests, the last with %.200s", len(reqs), reqs[len(reqs)-1].Body)
	}
	tb.checkConsole()
}
