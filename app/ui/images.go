package ui

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/chat"
	"playground/app/convo"
	"playground/app/kind"
	"playground/app/schema"
)

// imageRun is the run area of image models: the prompt, Run, and a gallery of what came back,
// newest run first. It owns what is typed and the runs; the parameters are the page's.
type imageRun struct {
	app.Compo

	Iform    *catalog.Form
	Ibackend Backend
	Iclient  *chat.Client
	Ibuild   requestBuilder
	Iprompt  *string                         // the page's prompt: share links, presets and ?prompt= reach it
	Ishare   func() (convo.ShareLink, error) // the link of the model, the parameters and the prompt (nil: no Share)
	Ilog     runLog                          // the page's history of runs
	// Ican reports whether an image can be used as the input of an edit; Iuse does it (the page's,
	// see useinput.go); Iinput says what it did.
	Ican   func(kind.Image) bool
	Iuse   func(ctx app.Context, im kind.Image, n int)
	Iinput string

	running  bool
	cancel   context.CancelFunc
	err      string
	runs     []imageRunResult // newest first
	done     int              // runs finished (data-runs, for tests)
	showCode bool
	full     string // the image shown full size, by its display source
	seq      int    // the Ilog.seq the gallery was last filled from
	fullIm   kind.Image
	fullN    int
}

// imageRunResult is one finished images call.
type imageRunResult struct {
	prompt string
	res    kind.ImageResult
	rec    runRecord
	kept   bool // read back from the history
	inline int  // images that came inline (base64) and were not kept in the history
}

// OnInit and OnUpdate fill the gallery from the history entry the page opened.
func (c *imageRun) OnInit()                  { c.fromLog() }
func (c *imageRun) OnUpdate(ctx app.Context) { c.fromLog() }

func (c *imageRun) fromLog() {
	if c.seq != c.Ilog.seq {
		c.seq, c.runs, c.full = c.Ilog.seq, restoreImageRuns(c.Ilog.runs), ""
	}
}

// page is what the run area fills: the prompt.
func (c *imageRun) page() schema.Values {
	v, _ := json.Marshal(*c.Iprompt)
	return schema.Values{"prompt": v}
}

func (c *imageRun) Render() app.UI {
	promptField := formField(c.Iform, "prompt")
	return app.Section().Class("run run-images").Aria("label", "Images").OnKeyDown(runKeys(c.run, c.stopOrClose)).Body(
		app.Div().Class("gallery-runs").DataSet("testid", "transcript").DataSet("runs", c.done).Aria("live", "polite").Body(
			app.If(len(c.runs) == 0 && !c.running, func() app.UI {
				return app.P().Class("muted transcript-empty").Text("Describe an image and press Run (Ctrl+Enter).")
			}),
			app.If(c.running, func() app.UI {
				return app.P().Class("muted").DataSet("testid", "generating").Text("Generating…")
			}),
			app.Range(c.runs).Slice(func(i int) app.UI { return c.renderRun(&c.runs[i]) }),
		),
		runErrorBox(c.err),
		app.Div().Class("composer").Body(
			boundArea("prompt-box", "prompt", "sr-only", "Prompt", "Describe the image — Ctrl+Enter (⌘+Enter) runs", 3, c.Iprompt),
			promptCounter(promptField, *c.Iprompt),
			app.Div().Class("composer-actions").Body(
				c.runButton(),
				viewCodeButton(&c.showCode),
				clearButton("Remove the images shown", c.running || len(c.runs) == 0, c.clear),
				shareControlOf(c.Ishare),
			),
		),
		app.If(c.Iinput != "", func() app.UI {
			return app.P().Class("msg-note").DataSet("testid", "input-note").Aria("live", "polite").Text(c.Iinput)
		}),
		app.If(c.showCode, func() app.UI {
			body, err := c.Ibuild(c.page())
			return kindCodeView(c.Iform, c.Ibackend, body, err)
		}),
		app.If(c.full != "", func() app.UI {
			return app.Div().Class("lightbox").DataSet("testid", "lightbox").Role("dialog").Aria("label", "Image, full size").
				OnClick(func(ctx app.Context, e app.Event) { c.full = "" }).Body(
				app.Img().Src(c.full).Alt("Generated image, full size"),
				app.Div().Class("gallery-actions").Body(
					c.useButton(c.fullIm, c.fullN, "lightbox-use"),
					app.Button().Class("btn").DataSet("testid", "lightbox-close").Text("Close").OnClick(func(ctx app.Context, e app.Event) { c.full = "" }),
				),
			)
		}),
	)
}

func (c *imageRun) runButton() app.UI {
	return runOrStop(c.running, c.run, c.stop)
}

// stopOrClose is Esc: it closes the full view, else stops a run.
func (c *imageRun) stopOrClose() {
	if c.full != "" {
		c.full = ""
		return
	}
	c.stop()
}

// clear removes the images shown; the next run starts a new history entry.
func (c *imageRun) clear() {
	c.runs, c.full = nil, ""
	if c.Ilog.fresh != nil {
		c.Ilog.fresh()
	}
}

func (c *imageRun) stop() {
	cancelIf(c.cancel)
}

// run sends the prompt with the parameters. An empty prompt, or parameters that break their
// rules, are said before anything is sent; nothing typed is lost.
func (c *imageRun) run(ctx app.Context) {
	if c.running {
		return
	}
	c.err = ""
	if f := formField(c.Iform, "prompt"); f != nil && f.Required && len([]rune(*c.Iprompt)) == 0 {
		c.err = "prompt: is required — describe the image first."
		return
	}
	body, why := buildRun(c.Ibuild, c.page(), c.Iclient)
	if why != "" {
		c.err = why
		return
	}
	c.running = true
	prompt := *c.Iprompt
	c.cancel = post(ctx, c.Iclient, c.Iform, body, func(ctx app.Context, answer []byte, rec runRecord) {
		c.running, c.cancel = false, nil
		c.done++
		r := imageRunResult{prompt: prompt, rec: rec}
		if rec.err == "" {
			res, err := kind.ParseImages(answer)
			if err != nil {
				r.rec.err = err.Error()
			}
			r.res = res
		}
		c.runs = append([]imageRunResult{r}, c.runs...)
		if c.Ilog.save != nil {
			c.Ilog.save(keptRun(r.rec, prompt, nil, kind.KeepImages(r.res)))
		}
	})
}

// renderRun draws one run: its prompt, its images (or its error) and its facts.
func (c *imageRun) renderRun(r *imageRunResult) app.UI {
	var extra []string
	extra = append(extra, plural(len(r.res.Images), "image", "images"))
	if r.res.Seed != nil {
		extra = append(extra, "seed "+strconv.FormatInt(*r.res.Seed, 10))
	}
	return app.Div().Class("gallery-run").DataSet("testid", "image-run").Body(
		app.P().Class("gallery-prompt").Text(r.prompt),
		app.If(r.rec.err != "", func() app.UI {
			return app.Div().Class("pg-error").DataSet("testid", "run-error").Text(r.rec.err)
		}),
		app.Div().Class("gallery").Body(
			app.Range(r.res.Images).Slice(func(i int) app.UI { return c.renderImage(r.res.Images[i], i+1) }),
		),
		app.If(r.inline > 0, func() app.UI {
			verb := map[bool]string{true: " is", false: " are"}[r.inline == 1]
			return app.P().Class("muted").DataSet("testid", "image-not-kept").Text(plural(r.inline, "image", "images") +
				" sent inline (base64)" + verb + " not kept in the history, to keep it small.")
		}),
		app.If(r.kept && len(r.res.Images) > 0, func() app.UI {
			return app.P().Class("muted").Text("From the history: media links last an hour, then Run again (Copy URL gives the provider's own link).")
		}),
		app.If(r.rec.err == "", func() app.UI { return runStats(r.rec, r.res.Usage, extra...) }),
	)
}

// renderImage draws one image with its actions: full view, download, copy URL. A 3D model is a
// download, never an <img>; a URL the server did not relay is only linked (the page loads nothing
// from other hosts).
func (c *imageRun) renderImage(im kind.Image, n int) app.UI {
	display := im.Display()
	name := im.FileName(n)
	fig := app.Figure().Class("gallery-item").DataSet("testid", "image-result")
	var media app.UI
	switch {
	case im.Is3D():
		media = app.P().Class("gallery-3d").DataSet("testid", "model-3d").Text("3D model (" + name + "): download it to open it in a 3D viewer.")
	case display != "":
		media = app.Img().Src(display).Alt(firstNonEmpty(im.RevisedPrompt, "Generated image "+strconv.Itoa(n))).
			DataSet("testid", "image").Attr("loading", "lazy").
			OnClick(func(ctx app.Context, e app.Event) { c.show(im, n) })
	default:
		media = app.P().Class("gallery-3d").Text("The image is on the provider's host; the page loads nothing from other hosts: open it from the link.")
	}
	href := display
	if href == "" {
		href = im.URL
	}
	return fig.Body(
		media,
		app.If(im.RevisedPrompt != "", func() app.UI { return app.FigCaption().Class("msg-note").Text(im.RevisedPrompt) }),
		app.Div().Class("gallery-actions").Body(
			app.If(display != "" && !im.Is3D(), func() app.UI {
				return app.Button().Class("btn btn-small").Text("Full size").OnClick(func(ctx app.Context, e app.Event) { c.show(im, n) })
			}),
			c.useButton(im, n, "image-use"),
			app.A().Class("btn btn-small").DataSet("testid", "image-download").Href(href).Attr("download", name).
				Attr("rel", "noopener noreferrer").Attr("target", "_blank").Text("Download"),
			app.If(im.URL != "", func() app.UI {
				return app.Button().Class("btn btn-small").DataSet("testid", "image-copy-url").Text("Copy URL").
					OnClick(func(ctx app.Context, e app.Event) { copyText(im.URL) })
			}),
		),
	)
}

// show opens an image in the full view.
func (c *imageRun) show(im kind.Image, n int) {
	c.full, c.fullIm, c.fullN = im.Display(), im, n
}

// useButton is "Use as input" for an image, or nothing when no operation of the model takes it.
func (c *imageRun) useButton(im kind.Image, n int, testid string) app.UI {
	if c.Ican == nil || c.Iuse == nil || !c.Ican(im) {
		return nil
	}
	return app.Button().Class("btn btn-small").DataSet("testid", testid).Text("Use as input").
		Title("Put this image into the image input of the model's edit operation").
		OnClick(func(ctx app.Context, e app.Event) {
			c.full = ""
			c.Iuse(ctx, im, n)
		}, app.EventScope(im.URL, len(im.B64), n))
}

// firstNonEmpty returns the first of its arguments that is not "".
func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
