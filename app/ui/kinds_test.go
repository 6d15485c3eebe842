//go:build !wasm

package ui

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/catalog/embedded"
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
	html := render(t, &imageRun{Iform: img, Ibuild: builder(img), Iprompt: &prompt, Ishare: func() {}})
	for _, want := range []string{`data-testid="prompt"`, `data-testid="run"`, `data-testid="view-request"`, `data-testid="share"`,
		`4001 / 4000 characters`, `prompt-count over`, `Describe an image and press Run`} {
		if !strings.Contains(html, want) {
			t.Errorf("image run area lacks %s:\n%s", want, html)
		}
	}

	emb := embeddedForm(t, "text-embedding-3-small")
	html = render(t, &embeddingRun{Iform: emb, Ibuild: builder(emb), Ifirst: "a cat"})
	for _, want := range []string{`data-testid="embed-input-0"`, `data-testid="embed-input-1"`, `data-testid="embed-add"`, `value="a cat"`} {
		if !strings.Contains(html, want) {
			t.Errorf("embeddings run area lacks %s:\n%s", want, html)
		}
	}

	video := embeddedForm(t, "google/veo3")
	html = render(t, &notRunnable{Iform: video, Ibuild: builder(video)})
	if !strings.Contains(html, "is a video model (POST /v2/video/generations)") || !strings.Contains(html, "no request schema is known") ||
		strings.Contains(html, `data-testid="run"`) {
		t.Errorf("not-runnable note:\n%s", html)
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
	if firstValues([]float64{1, 2, 3}, 2) != "[1.0000, 2.0000, …]" {
		t.Errorf("firstValues = %s", firstValues([]float64{1, 2, 3}, 2))
	}
	if sdkOf("/v1/embeddings") != "embeddings.create" || sdkOf("/v1/messages") != "-" || sdkOf("/v2/video/generations") != "-" {
		t.Error("sdkOf")
	}
	if !kindRuns("") || !kindRuns(kind.Images.Name()) || kindRuns("video") {
		t.Error("kindRuns")
	}
}
