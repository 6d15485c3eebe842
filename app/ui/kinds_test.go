//go:build !wasm

package ui

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/catalog/embedded"
	"playground/app/convo"
	"playground/app/kind"
	"playground/app/schema"
)

// embeddedForm is the form of a model of the embedded catalogue.
func embeddedForm(t *testing.T, id string) *catalog.Form {
	t.Helper()
	c, err := catalog.LoadDefault(embedded.FS, "aimlapi")
	if err != nil {
		t.Fatal(err)
	}
	e, ok := c.Lookup(id, "")
	if !ok {
		t.Fatalf("%s is not in the embedded catalogue", id)
	}
	f := e.Form()
	return &f
}

// render draws a component with go-app's test engine (no browser) and returns its HTML.
func render(t *testing.T, c app.Composer) string {
	t.Helper()
	e := app.NewTestEngine()
	if err := e.Load(c); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	return app.HTMLString(c)
}

// builder is a requestBuilder over a form with no parameter set.
func builder(f *catalog.Form) requestBuilder {
	return func(page schema.Values) ([]byte, error) {
		all := schema.Values{"model": json.RawMessage(`"` + f.Model.ID + `"`)}
		for k, v := range page {
			all[k] = v
		}
		body, vs := schema.Body(f.Fields, all, schema.Values{})
		if len(vs) > 0 {
			return nil, vs
		}
		return body, nil
	}
}

func TestKindRunAreas(t *testing.T) {
	img := embeddedForm(t, "flux/schnell")
	prompt := strings.Repeat("x", 4001)
	html := render(t, &imageRun{Iform: img, Ibuild: builder(img), Iprompt: &prompt, Ishare: func() (convo.ShareLink, error) { return convo.ShareLink{}, nil }})
	for _, want := range []string{`data-testid="prompt"`, `data-testid="run"`, `data-testid="view-request"`, `data-testid="share"`,
		`4001 / 4000 characters`, `prompt-count over`, `Describe an image and press Run`} {
		if !strings.Contains(html, want) {
			t.Errorf("image run area lacks %s:\n%s", want, html)
		}
	}

	emb := embeddedForm(t, "text-embedding-3-small")
	html = render(t, &embeddingRun{Iform: emb, Ibuild: builder(emb), Ifirst: "a cat"})
	for _, want := range []string{`data-testid="embed-input-0"`, `data-testid="embed-input-1"`, `data-testid="embed-add"`, `>a cat</textarea>`} {
		if !strings.Contains(html, want) {
			t.Errorf("embeddings run area lacks %s:\n%s", want, html)
		}
	}

	// A model without a schema (a live model of an endpoint with no shared form) cannot run.
	ocr := *embeddedForm(t, "mistral/mistral-ocr-latest")
	ocr.Fields, ocr.Model.Unsupported = nil, true
	html = render(t, &notRunnable{Iform: &ocr, Ibuild: builder(&ocr)})
	if !strings.Contains(html, "is an OCR model (POST /v1/ocr)") || !strings.Contains(html, "no request schema is known") ||
		strings.Contains(html, `data-testid="run"`) {
		t.Errorf("not-runnable note:\n%s", html)
	}

	video := embeddedForm(t, "google/veo3")
	vp := ""
	html = render(t, &jobRun{Iform: video, Ibuild: builder(video), Iprompt: &vp})
	for _, want := range []string{`data-testid="prompt"`, `data-testid="run"`, `Describe the video and press Run`} {
		if !strings.Contains(html, want) {
			t.Errorf("video run area lacks %s:\n%s", want, html)
		}
	}
	stt := embeddedForm(t, "aai/universal")
	html = render(t, &jobRun{Iform: stt, Ibuild: builder(stt), Iprompt: &vp})
	if !strings.Contains(html, `data-testid="audio-url"`) || strings.Contains(html, `data-testid="prompt"`) {
		t.Errorf("speech-to-text run area:\n%s", html)
	}
	tts := embeddedForm(t, "openai/tts-1")
	long := strings.Repeat("y", 4097)
	html = render(t, &ttsRun{Iform: tts, Ibuild: builder(tts), Iprompt: &long})
	if !strings.Contains(html, `4097 / 4096 characters`) || !strings.Contains(html, `Type what to say`) {
		t.Errorf("text-to-speech run area:\n%s", html)
	}
}

func TestJobAndSpeechRunsRefuseBadInput(t *testing.T) {
	stt := embeddedForm(t, "aai/universal")
	p := ""
	c := &jobRun{Iform: stt, Ibuild: builder(stt), Iprompt: &p}
	render(t, c)
	c.run(app.Context{})
	if c.starting || !strings.Contains(c.err, "url: is required") {
		t.Errorf("no URL: %q", c.err)
	}
	p = "ftp://x/a.mp3"
	c.run(app.Context{})
	if c.starting || !strings.Contains(c.err, "url: must be an http(s) URL") || p != "ftp://x/a.mp3" {
		t.Errorf("a bad URL: %q, kept %q", c.err, p)
	}
	tts := embeddedForm(t, "openai/tts-1")
	long := strings.Repeat("y", 4097)
	tc := &ttsRun{Iform: tts, Ibuild: builder(tts), Iprompt: &long}
	render(t, tc)
	tc.run(app.Context{})
	if tc.running || !strings.Contains(tc.err, "text: is 4097 characters, more than the model's limit of 4096") || len(long) != 4097 {
		t.Errorf("a long text: %q", tc.err)
	}
}

func TestJobCardsFromHistory(t *testing.T) {
	video := embeddedForm(t, "google/veo3")
	kept, _ := json.Marshal(kind.JobResult{Media: []kind.MediaFile{{URL: "https://files.example/v.mp4", Proxied: "/api/media/tok"}}, Usage: kind.Usage{USD: 0.5}})
	runs := []convo.Run{
		{Prompt: "done", Result: kept, Job: &convo.Job{ID: "g1", Poll: "/v2/video/generations?generation_id=g1", Status: "completed", Ended: true}},
		{Prompt: "stopped", Job: &convo.Job{ID: "g2", Poll: "/v2/video/generations?generation_id=g2", Status: "generating", Stopped: true}},
		{Prompt: "failed", Error: "The job failed (GenerationError): no", Job: &convo.Job{ID: "g3", Ended: true, Status: "error"}},
	}
	p := ""
	html := render(t, &jobRun{Iform: video, Ibuild: builder(video), Iprompt: &p, Ilog: runLog{runs: runs, seq: 1}})
	for _, want := range []string{`src="/api/media/tok"`, `data-testid="job-video"`, `download="v.mp4"`, `data-testid="job-stopped"`,
		`data-testid="resume"`, `GenerationError`, `$0.5`} {
		if !strings.Contains(html, want) {
			t.Errorf("the cards lack %s:\n%s", want, html)
		}
	}
	if i, j := strings.Index(html, "failed"), strings.Index(html, "done"); i < 0 || j < 0 || i > j {
		t.Error("the cards are not newest first")
	}
}

func TestImageRunRefusesBadInput(t *testing.T) {
	f := embeddedForm(t, "flux/schnell")
	empty := ""
	c := &imageRun{Iform: f, Ibuild: builder(f), Iprompt: &empty}
	render(t, c)
	c.run(app.Context{})
	if c.running || !strings.Contains(c.err, "prompt: is required") {
		t.Errorf("an empty prompt: running %v, error %q", c.running, c.err)
	}
	prompt := "a fox"
	c.Iprompt = &prompt
	c.Ibuild = func(schema.Values) ([]byte, error) { return nil, errors.New("n: must be ≤ 4") }
	c.run(app.Context{})
	if c.running || !strings.Contains(c.err, "n: must be ≤ 4") || prompt != "a fox" {
		t.Errorf("a bad parameter: running %v, error %q, prompt %q", c.running, c.err, prompt)
	}
}

func TestEmbeddingPage(t *testing.T) {
	f := embeddedForm(t, "text-embedding-3-small")
	c := &embeddingRun{Iform: f, inputs: []string{"a", " ", "b"}}
	if got := string(c.page()["input"]); got != `["a","b"]` {
		t.Errorf("two texts: input %s", got)
	}
	c.inputs = []string{"only", ""}
	if got := string(c.page()["input"]); got != `"only"` {
		t.Errorf("one text: input %s", got)
	}
	body, err := builder(f)(c.page())
	if err != nil || string(body) != `{"model":"text-embedding-3-small","input":"only"}` {
		t.Errorf("body %s, %v", body, err)
	}
	if s := sparkline([]float64{0, 1, 0.5}, 10, 4); !strings.HasPrefix(s, `<svg class="spark"`) || !strings.Contains(s, `points="0.0,4.0 5.0,0.0 10.0,2.0"`) {
		t.Errorf("sparkline %s", s)
	}
	if got := firstValues([]float64{1, 2}, 3); got != "[1.0000, 2.0000, …]" {
		t.Errorf("firstValues = %s", got)
	}
	if got := firstValues([]float64{1, 2}, 2); got != "[1.0000, 2.0000]" {
		t.Errorf("firstValues of a whole vector = %s", got)
	}
	if sdkOf("/v1/embeddings") != "embeddings.create" || sdkOf("/v1/messages") != "-" || sdkOf("/v2/video/generations") != "-" {
		t.Error("sdkOf")
	}
	if !kindRuns("") || !kindRuns(kind.Images.Name()) || !kindRuns("video") || !kindRuns("ocr") || kindRuns("nothing") {
		t.Error("kindRuns")
	}
}

func TestRunAreasReopenHistory(t *testing.T) {
	img := embeddedForm(t, "flux/schnell")
	ir, err := kind.ParseImages([]byte(`{"data":[{"url":"https://files.example/a.png"},{"b64_json":"iVBORw0KGgo="}],
		"playground_media":{"https://files.example/a.png":"/api/media/tok"}}`))
	if err != nil {
		t.Fatal(err)
	}
	runs := []convo.Run{
		{Prompt: "first fox", TookMS: 1500, Result: kind.KeepImages(ir)},
		{Prompt: "second fox", Error: "HTTP 429: slow down"},
	}
	prompt := ""
	c := &imageRun{Iform: img, Ibuild: builder(img), Iprompt: &prompt, Ilog: runLog{runs: runs, seq: 1}}
	html := render(t, c)
	for _, want := range []string{`src="/api/media/tok"`, "1 image sent inline (base64) is not kept", "HTTP 429: slow down", "1.5 s"} {
		if !strings.Contains(html, want) {
			t.Errorf("reopened gallery lacks %q:\n%s", want, html)
		}
	}
	if strings.Index(html, "second fox") > strings.Index(html, "first fox") {
		t.Errorf("the newest run is not first")
	}

	emb := embeddedForm(t, "text-embedding-3-small")
	sum, _ := json.Marshal(kind.Summarize(kind.EmbeddingResult{Vectors: []kind.Vector{{Index: 0, Values: []float64{3, 4}}, {Index: 1, Values: []float64{4, 3}}}}))
	e := &embeddingRun{Iform: emb, Ibuild: builder(emb), Ilog: runLog{seq: 2, runs: []convo.Run{{Inputs: []string{"cat", "dog"}, Result: sum}}}}
	html = render(t, e)
	for _, want := range []string{`>cat</textarea>`, `>dog</textarea>`, `data-testid="sim-0-1">0.960`, `data-testid="embed-not-kept"`} {
		if !strings.Contains(html, want) {
			t.Errorf("reopened embeddings lack %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, `data-testid="embed-copy"`) {
		t.Errorf("vectors read back from the history cannot be copied: the button must be absent")
	}
}

func TestImageRunKeepsEachRun(t *testing.T) {
	var saved []convo.Run
	freshed := false
	img := embeddedForm(t, "flux/schnell")
	prompt := "a fox"
	c := &imageRun{Iform: img, Ibuild: builder(img), Iprompt: &prompt,
		Ilog: runLog{save: func(r convo.Run) { saved = append(saved, r) }, fresh: func() { freshed = true }}}
	render(t, c)
	c.runs = []imageRunResult{{prompt: "a fox"}}
	c.clear()
	if len(c.runs) != 0 || !freshed {
		t.Errorf("Clear: %d runs shown, new entry %v", len(c.runs), freshed)
	}
	r := keptRun(runRecord{took: 2500 * time.Millisecond}, "a fox", nil, kind.KeepImages(ir2(t)))
	if r.TookMS != 2500 || r.Prompt != "a fox" || !strings.Contains(string(r.Result), "https://files.example/b.png") || strings.Contains(string(r.Result), "iVBOR") {
		t.Errorf("kept run %+v", r)
	}
	if failed := keptRun(runRecord{err: "boom"}, "p", nil, []byte(`{}`)); failed.Result != nil || failed.Error != "boom" {
		t.Errorf("a failed run keeps %+v", failed)
	}
	_ = saved
}

func ir2(t *testing.T) kind.ImageResult {
	t.Helper()
	r, err := kind.ParseImages([]byte(`{"data":[{"url":"https://files.example/b.png"},{"b64_json":"iVBORw0KGgo="}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestOCRPageIsSafe(t *testing.T) {
	res, err := kind.ParseOCR([]byte(`{"pages":[{"index":0,"markdown":"# T\n\n<script>alert(1)</script>\n\n![img-0.jpeg](img-0.jpeg)\n\n[x](javascript:alert(2))",
		"images":[{"id":"img-0.jpeg","top_left_x":85,"top_left_y":110,"bottom_right_x":425,"bottom_right_y":550,"image_base64":"data:image/png;base64,iVBORw0KGgo="}],
		"dimensions":{"dpi":200,"height":1100,"width":850}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	html := render(t, &ocrPageView{Ipage: res.Pages[0]})
	for _, bad := range []string{"<script", "javascript:", `src="img-0.jpeg"`} {
		if strings.Contains(html, bad) {
			t.Errorf("the page holds %s:\n%s", bad, html)
		}
	}
	for _, want := range []string{"[image: img-0.jpeg]", `left:10.00%;top:10.00%;width:40.00%;height:40.00%`, `src="data:image/png;base64,iVBORw0KGgo="`, "aspect-ratio:850/1100"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s:\n%s", want, html)
		}
	}
	if got := string(documentOf("https://files.example/scan.PNG?x=1")); got != `{"image_url":"https://files.example/scan.PNG?x=1","type":"image_url"}` {
		t.Errorf("documentOf(image) = %s", got)
	}
	if got := string(documentOf("https://files.example/a.pdf")); got != `{"document_url":"https://files.example/a.pdf","type":"document_url"}` {
		t.Errorf("documentOf(pdf) = %s", got)
	}
}
