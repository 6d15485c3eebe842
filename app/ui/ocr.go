package ui

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/chat"
	"playground/app/convo"
	"playground/app/form"
	"playground/app/kind"
	"playground/app/markdown"
	"playground/app/schema"
	"playground/app/upload"
)

// ocrRun is the run area of OCR models: the document's URL (a PDF, or an image), Run, and the
// pages as tabs — each page's markdown rendered safely by the one goldmark instance, its
// extracted images drawn in their boxes over a frame of the page's size — and the raw JSON. The
// pages to read and whether to include the images are the schema's parameters.
type ocrRun struct {
	app.Compo

	Iform    *catalog.Form
	Ibackend Backend
	Iclient  *chat.Client
	Ibuild   requestBuilder
	Iprompt  *string                         // the page's prompt: the document's URL
	Ishare   func() (convo.ShareLink, error) // nil: no Share
	Ilog     runLog

	running  bool
	cancel   func()
	err      string
	res      *kind.OCRResult
	raw      string
	rec      runRecord
	doc      string
	tab      string // "json" or a page's index
	showCode bool
	done     int
	ctx      app.Context // the component's own, for the upload read later
	file     *ocrFile    // a document uploaded instead of the URL
}

// ocrFile is a document uploaded: sent as a data URL in the JSON body (the providers read
// base64 PDFs and images), so it counts at 4/3 against the server's body limit.
type ocrFile struct {
	name, mime string
	size       int
	dataURL    string
}

func (c *ocrRun) OnMount(ctx app.Context) { c.ctx = ctx }

// pick reads the document picked in the upload input: a PDF up to 50 MB or an image up to
// 10 MB (upload.CapFor), that fits the server's body limit as base64, whose first bytes are what
// it says it is. A refusal names the file and keeps the URL and the parameters.
func (c *ocrRun) pick(ctx app.Context, e app.Event) {
	limit := upload.BodyLimit(kind.OCR.Name(), maxBody())
	readUpload(ctx, c.ctx, func(name, mime string, size int64) error {
		if err := upload.CapFor(kind.OCR.Name(), "document", mime).Check(name, size); err != nil {
			return err
		}
		return upload.FitBody(name, size, 1<<10, limit)
	}, func(name, mime string, data []byte) {
		got, err := upload.CheckType(name, mime, data[:min(len(data), upload.SniffLen)])
		if err == nil && got != "application/pdf" && !strings.HasPrefix(got, "image/") {
			err = fmt.Errorf("%s is %s; OCR reads a PDF or an image", name, upload.Describe(got))
		}
		if err == nil {
			err = upload.CapFor(kind.OCR.Name(), "document", got).Check(name, int64(len(data)))
		}
		if err != nil {
			c.err = err.Error()
			return
		}
		c.err = ""
		c.file = &ocrFile{name: name, mime: got, size: len(data), dataURL: form.DataURL(got, data)}
	}, func(err error) { c.err = err.Error() })
}

// documentOf is the request's document for a URL: an image_url for a picture's extension, else a
// document_url (a PDF).
func documentOf(raw string) json.RawMessage {
	u, _ := url.Parse(raw)
	typ, key := "document_url", "document_url"
	if u != nil {
		p := strings.ToLower(u.Path)
		for _, ext := range []string{".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif", ".bmp", ".tif", ".tiff"} {
			if strings.HasSuffix(p, ext) {
				typ, key = "image_url", "image_url"
			}
		}
	}
	b, _ := json.Marshal(map[string]string{"type": typ, key: raw})
	return b
}

func (c *ocrRun) page() schema.Values {
	v := schema.Values{}
	if c.file != nil {
		typ := "document_url"
		if strings.HasPrefix(c.file.mime, "image/") {
			typ = "image_url"
		}
		v["document"], _ = json.Marshal(map[string]string{"type": typ, typ: c.file.dataURL})
		return v
	}
	if *c.Iprompt != "" {
		v["document"] = documentOf(*c.Iprompt)
	}
	return v
}

func (c *ocrRun) Render() app.UI {
	return app.Section().Class("run run-ocr").Aria("label", "OCR").OnKeyDown(runKeys(c.run, c.stop)).Body(
		app.Div().Class("job-cards").DataSet("testid", "transcript").DataSet("runs", c.done).Aria("live", "polite").Body(
			app.If(c.res == nil && c.rec.err == "" && !c.running, func() app.UI {
				return app.P().Class("muted transcript-empty").Text("Give the URL of a PDF or an image (the provider fetches it), or upload one, and press Run (Ctrl+Enter).")
			}),
			app.If(c.running, func() app.UI { return app.P().Class("muted").DataSet("testid", "generating").Text("Reading…") }),
			app.If(c.rec.err != "", func() app.UI {
				return app.Div().Class("pg-error").DataSet("testid", "run-error").Text(c.rec.err)
			}),
			app.If(c.res != nil, func() app.UI { return c.renderResult() }),
		),
		runErrorBox(c.err),
		app.Div().Class("composer").Body(
			app.If(c.file == nil, func() app.UI {
				return app.Div().Class("stt-url").Body(
					app.Label().For("ocr-url").Text("Document URL (PDF or image)"),
					app.Input().ID("ocr-url").Type("url").Class("input").DataSet("testid", "ocr-url").
						Placeholder("https://…/paper.pdf").Value(*c.Iprompt).
						OnInput(func(ctx app.Context, e app.Event) { *c.Iprompt = ctx.JSSrc().Get("value").String() }),
				)
			}),
			c.renderUpload(),
			app.Div().Class("composer-actions").Body(
				c.runButton(),
				viewCodeButton(&c.showCode),
				shareControlOf(c.Ishare),
			),
		),
		app.If(c.showCode, func() app.UI {
			body, err := c.Ibuild(c.page())
			return kindCodeView(c.Iform, c.Ibackend, body, err)
		}),
	)
}

// renderUpload is the document upload, or the file that will be sent.
func (c *ocrRun) renderUpload() app.UI {
	if c.file != nil {
		return app.Div().Class("stt-file").Body(
			app.Span().Class("file-info").DataSet("testid", "ocr-file").
				Text(c.file.name+" · "+upload.Size(int64(c.file.size))+" — sent instead of the URL"),
			app.Button().Class("btn btn-tiny").DataSet("testid", "ocr-file-remove").Text("remove").
				Aria("label", "Remove the document").OnClick(func(ctx app.Context, e app.Event) { c.file = nil }),
		)
	}
	return app.Div().Class("stt-file").Body(
		app.Span().Class("file-pick").Body(
			app.Input().Type("file").Class("file-input").ID("ocr-upload").DataSet("testid", "ocr-upload").
				Accept("application/pdf,image/png,image/jpeg,image/webp,.pdf").Aria("label", "Upload a PDF or an image").OnChange(c.pick),
			app.Label().For("ocr-upload").Class("btn btn-small").Aria("hidden", "true").Text("Upload PDF or image…"),
		),
		app.Span().Class("muted").Text("Instead of a URL: a PDF up to "+upload.Size(upload.CapFor(kind.OCR.Name(), "document", "application/pdf").Bytes)+
			" or an image up to "+upload.Size(upload.CapFor(kind.OCR.Name(), "document", "image/png").Bytes)+"."),
	)
}

func (c *ocrRun) runButton() app.UI {
	return runOrStop(c.running, c.run, c.stop)
}

func (c *ocrRun) stop() {
	cancelIf(c.cancel)
}

// run reads the document. A missing or malformed URL is said before anything is sent; what was
// typed is kept.
func (c *ocrRun) run(ctx app.Context) {
	if c.running {
		return
	}
	c.err = ""
	doc := strings.TrimSpace(*c.Iprompt)
	if c.file != nil {
		doc = c.file.name // the file is not kept; its name says what was read
	} else if u, err := url.Parse(doc); doc == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		c.err = "document: give the http(s) URL of a PDF or an image, which the provider fetches, or upload one."
		return
	}
	body, why := buildRun(c.Ibuild, c.page(), c.Iclient)
	if why != "" {
		c.err = why
		return
	}
	c.running = true
	cancel := post(ctx, c.Iclient, c.Iform, body, func(ctx app.Context, answer []byte, rec runRecord) {
		c.running, c.cancel = false, nil
		c.done++
		c.rec, c.res, c.raw, c.doc = rec, nil, "", doc
		if rec.err == "" {
			res, err := kind.ParseOCR(answer)
			if err != nil {
				c.rec.err = err.Error()
			} else {
				c.res, c.raw, c.tab = &res, form.Preview(answer), "0"
			}
		}
		if c.Ilog.save != nil {
			c.Ilog.save(keptRun(c.rec, doc, nil, nil))
		}
	})
	c.cancel = cancel
}

// renderResult draws the page tabs, the chosen page (or the raw JSON) and the facts.
func (c *ocrRun) renderResult() app.UI {
	res := c.res
	tabs := []app.UI{}
	for i, p := range res.Pages {
		id := strconv.Itoa(i)
		tabs = append(tabs, app.Button().Class("code-tab").Role("tab").DataSet("testid", "ocr-tab-"+id).
			Aria("selected", c.tab == id).Text(fmt.Sprintf("Page %d", p.Index+1)).
			OnClick(func(ctx app.Context, e app.Event) { c.tab = id }, app.EventScope(id)))
	}
	tabs = append(tabs, app.Button().Class("code-tab").Role("tab").DataSet("testid", "ocr-tab-json").
		Aria("selected", c.tab == "json").Text("Raw JSON").OnClick(func(ctx app.Context, e app.Event) { c.tab = "json" }))
	var body app.UI
	if c.tab == "json" {
		body = app.Pre().Class("code").DataSet("testid", "ocr-json").Text(c.raw)
	} else if i, err := strconv.Atoi(c.tab); err == nil && i < len(res.Pages) {
		body = &ocrPageView{Ipage: res.Pages[i]}
	}
	return app.Div().Class("ocr-result").DataSet("testid", "ocr-result").Body(
		app.P().Class("gallery-prompt").Text(c.doc),
		app.Div().Class("code-tabs").Role("tablist").Body(tabs...),
		body,
		runStats(c.rec, res.Usage, plural(len(res.Pages), "page", "pages")),
	)
}

// ocrPageView draws a page: its markdown, and a frame of its size with the extracted images in
// their boxes (as outlines when the answer did not include the images).
type ocrPageView struct {
	app.Compo

	Ipage kind.OCRPage
}

func (v *ocrPageView) Render() app.UI {
	p := v.Ipage
	var layout app.UI
	if p.Width > 0 && p.Height > 0 && len(p.Images) > 0 {
		boxes := []app.UI{}
		for _, im := range p.Images {
			if !im.HasBox(p.Width, p.Height) {
				continue
			}
			style := fmt.Sprintf("left:%.2f%%;top:%.2f%%;width:%.2f%%;height:%.2f%%",
				100*float64(im.X0)/float64(p.Width), 100*float64(im.Y0)/float64(p.Height),
				100*float64(im.X1-im.X0)/float64(p.Width), 100*float64(im.Y1-im.Y0)/float64(p.Height))
			var inner app.UI = app.Span().Class("muted").Text(im.ID)
			if im.Data != "" {
				inner = app.Img().Src(im.Data).Alt(im.ID).DataSet("testid", "ocr-image")
			}
			boxes = append(boxes, app.Div().Class("ocr-box").DataSet("testid", "ocr-box").Attr("style", style).Title(im.ID).Body(inner))
		}
		layout = app.Div().Class("ocr-page").DataSet("testid", "ocr-page").
			Attr("style", fmt.Sprintf("aspect-ratio:%d/%d", p.Width, p.Height)).
			Aria("label", fmt.Sprintf("Page %d, %d×%d px: where its images are", p.Index+1, p.Width, p.Height)).Body(boxes...)
	}
	return app.Div().Class("ocr-view").Body(
		app.Div().Class("ocr-text").DataSet("testid", "ocr-markdown").Body(app.Raw(markdown.HTML(p.SafeMarkdown()))),
		layout,
	)
}
