package e2e

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"playground/app/imagefile"
	"playground/server"
	"playground/server/fakeupstream"
)

// withEditSchemas serves the embedded catalogue plus, from the shared corpus, gpt-image-2's edit
// operation (its only one) and gpt-image-1's generation, and gives gpt-image-1 the same edit
// operation (a copy naming it), so that it has both.
func withEditSchemas(t *testing.T) func(*server.Config) {
	t.Helper()
	dir := t.TempDir()
	corpus := filepath.Join(corpusDir(t), "image-models", "OpenAI")
	edit, err := os.ReadFile(filepath.Join(corpus, "gpt-image-2-EDIT_local_changes.json"))
	if err != nil {
		t.Fatal(err)
	}
	gen, err := os.ReadFile(filepath.Join(corpus, "gpt-image-1-GENERATE.json"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"gpt-image-2-EDIT.json": edit,
		"gpt-image-1.json":      gen,
		"gpt-image-1-EDIT.json": bytes.ReplaceAll(edit, []byte(`"openai/gpt-image-2"`), []byte(`"openai/gpt-image-1"`)),
	}
	if err := os.MkdirAll(filepath.Join(dir, "OpenAI"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, "OpenAI", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return func(c *server.Config) {
		c.Providers[0].Catalog.Live = false
		c.SchemasDir = dir
	}
}

// pngFile is a PNG of w×h opaque pixels.
func pngFile(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sentFile reads the file object a request body holds in field name (the first of a list).
func sentFile(t *testing.T, req fakeupstream.Request, name string) []byte {
	t.Helper()
	if !strings.HasPrefix(req.Header.Get("Content-Type"), "multipart/form-data") {
		t.Fatalf("the edit was sent as %q, not as a multipart upload", req.Header.Get("Content-Type"))
	}
	for _, p := range req.Parts {
		if p.Name == name && p.FileName != "" {
			return p.Data
		}
	}
	t.Fatalf("the request has no file part %s: %+v", name, req.Parts)
	return nil
}

// openEdit opens gpt-image-2's edit form, picks src as its image and types a prompt.
func openEdit(t *testing.T, tb *tab, base string, src []byte) {
	t.Helper()
	openKind(tb, base, "openai/gpt-image-2", "run")
	pick(tb, "param-image", "one file")
	tb.waitJS("the image's file picker", jsSel("param-image-value"), 15*time.Second)
	setFile(tb, "param-image-value", filepath.Join(t.TempDir(), "source.png"), src)
	tb.waitJS("the image picked", jsSel("param-image-value-info")+` && `+jsSel("param-image-value-info")+`.innerText.includes("source.png")`, 10*time.Second)
	tb.do("typing a prompt", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "a red hat"))
}

// runRefused clicks Run and waits for the run area's error to say want.
func runRefused(tb *tab, want string) {
	tb.t.Helper()
	tb.do("clicking Run", chromedp.Click(chromedp.CSS(sel("run"))))
	tb.waitJS("Run refused with "+want, `document.querySelector('.run-error [data-testid="error"]')?.innerText.includes(`+jsString(want)+`)`, 15*time.Second)
}

func TestImagesEdit(t *testing.T) {
	e := newEnv(t, true, withEditSchemas(t), withMedia)
	b := startBrowser(t)

	t.Run("PaintMask", func(t *testing.T) {
		tb := b.newTab(t)
		openEdit(t, tb, e.URL, pngFile(t, 96, 64))
		tb.do("opening the mask painter", chromedp.Click(chromedp.CSS(sel("param-mask-paint"))))
		tb.waitJS("the painter", jsSel("mask-canvas"), 15*time.Second)
		if w := eval[int](tb, jsSel("mask-canvas")+`.width`); w != 96 {
			t.Errorf("the canvas is %d pixels wide, want the source's 96", w)
		}
		r := eval[map[string]float64](tb, `(() => { const r = `+jsSel("mask-canvas")+`.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; })()`)
		if r["w"] <= 96 {
			t.Errorf("the canvas is shown %v wide: not scaled up, so the test does not tell natural from shown size", r["w"])
		}
		// stroke drags across the canvas from x0 to x1 (fractions of its width) at y (of its height).
		stroke := func(what string, x0, x1, yf float64) {
			y := r["y"] + r["h"]*yf
			tb.do(what,
				chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, r["x"]+r["w"]*x0, y),
				chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, r["x"]+r["w"]*x0, y, chromedp.ButtonLeft),
				chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, r["x"]+r["w"]*(x0+x1)/2, y, chromedp.ButtonLeft),
				chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, r["x"]+r["w"]*x1, y, chromedp.ButtonLeft),
				chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, r["x"]+r["w"]*x1, y, chromedp.ButtonLeft))
		}
		// Clear takes back what was painted.
		stroke("painting a stroke to clear", 0.6, 0.9, 0.5)
		tb.waitJS("Use mask enabled", `!`+jsSel("mask-apply")+`.disabled`, 15*time.Second)
		tb.do("clearing it", chromedp.Click(chromedp.CSS(sel("mask-clear"))))
		tb.waitJS("Use mask disabled again", jsSel("mask-apply")+`.disabled`, 15*time.Second)
		// A stroke across the left quarter, a third of the way down; another on the right, two thirds
		// down, erased again.
		stroke("painting a stroke", 0.05, 0.25, 1.0/3)
		stroke("painting a second stroke", 0.6, 0.9, 2.0/3)
		tb.do("switching to erase", chromedp.Click(chromedp.CSS(sel("mask-erase"))))
		tb.waitJS("erase on", jsSel("mask-erase")+`.getAttribute("aria-pressed") === "true"`, 15*time.Second)
		stroke("erasing the second stroke", 0.55, 0.95, 2.0/3)
		tb.waitJS("Use mask enabled", `!`+jsSel("mask-apply")+`.disabled`, 15*time.Second)
		saveScreenshot(t, tb, "images-mask-painter.png")
		tb.do("using the mask", chromedp.Click(chromedp.CSS(sel("mask-apply"))))
		tb.waitJS("the mask set", jsSel("mask-painter")+` === null && `+jsSel("param-mask-info")+` && `+jsSel("param-mask-info")+`.innerText.includes("mask.png")`, 15*time.Second)
		tb.do("clicking Run", chromedp.Click(chromedp.CSS(sel("run"))))
		waitKindRun(tb, 1)
		reqs := requestsTo(e, "/v1/images/edits")
		if len(reqs) != 1 {
			t.Fatalf("%d edit requests reached the provider", len(reqs))
		}
		mask := sentFile(t, reqs[0], "mask")
		m, err := png.Decode(bytes.NewReader(mask))
		if err != nil {
			t.Fatalf("the mask sent is not a PNG: %v", err)
		}
		if b := m.Bounds(); b.Dx() != 96 || b.Dy() != 64 {
			t.Fatalf("the mask is %v, want the source's 96×64", b)
		}
		alpha := func(x, y int) uint8 { return color.NRGBAModel.Convert(m.At(x, y)).(color.NRGBA).A }
		if a := alpha(14, 21); a != 0 {
			t.Errorf("a painted pixel has alpha %d, want 0 (transparent: edit here)", a)
		}
		if a := alpha(80, 60); a != 255 {
			t.Errorf("an unpainted pixel has alpha %d, want 255", a)
		}
		if a := alpha(72, 43); a != 255 {
			t.Errorf("an erased pixel has alpha %d, want 255 (kept)", a)
		}
		if a := alpha(72, 32); a != 255 {
			t.Errorf("a pixel painted then cleared has alpha %d, want 255 (kept)", a)
		}
		if src := sentFile(t, reqs[0], "image"); !bytes.Equal(src, pngFile(t, 96, 64)) {
			t.Error("the image sent is not the file picked")
		}
		tb.checkConsole()
	})

	t.Run("BadInput", func(t *testing.T) {
		tb := b.newTab(t)
		before := len(requestsTo(e, "/v1/images/edits"))
		openEdit(t, tb, e.URL, pngFile(t, 64, 48))
		setFile(tb, "param-mask", filepath.Join(t.TempDir(), "small-mask.png"), pngFile(t, 32, 32))
		runRefused(tb, "mask: the mask is 32×32 but the image is 64×48")
		// n above the schema's maximum is the form's own rule, named.
		tb.do("typing n = 11", chromedp.SendKeys(chromedp.CSS(sel("param-n-number")), "11"))
		runRefused(tb, "n: must be ≤ 10")
		tb.do("clearing n", chromedp.Click(chromedp.CSS(sel("param-reset-n"))))
		// A file of the wrong type, and one too large, are refused when picked, naming the field;
		// the image picked before stays.
		setFile(tb, "param-image-value", filepath.Join(t.TempDir(), "photo.gif"), []byte("GIF89a\x01\x00\x01\x00"))
		tb.waitJS("the GIF refused", jsSel("error")+` && [...document.querySelectorAll('[data-testid="error"]')].some(e => e.innerText.includes("image: photo.gif is image/gif; this field takes PNG, JPEG or WebP images"))`, 15*time.Second)
		// Over the playground's cap for an image to edit (50 MB): refused by its size, unread.
		big := filepath.Join(t.TempDir(), "huge.png")
		if err := os.WriteFile(big, pngFile(t, 8, 8), 0o644); err != nil || os.Truncate(big, 51_000_000) != nil {
			t.Fatal("writing a 51 MB file failed")
		}
		tb.do("picking a 51 MB image", chromedp.SetUploadFiles(chromedp.CSS(sel("param-image-value")), []string{big}))
		tb.waitJS("the large file refused", `[...document.querySelectorAll('[data-testid="error"]')].some(e => e.innerText.includes("image: huge.png is 51.0 MB, over the limit of 50.0 MB (the playground's cap for an image to edit)"))`, 15*time.Second)
		if info := eval[string](tb, jsSel("param-image-value-info")+`.innerText`); !strings.Contains(info, "source.png") {
			t.Errorf("the image picked before is gone: %q", info)
		}
		runRefused(tb, "image: huge.png is 51.0 MB")
		if got := eval[string](tb, jsSel("prompt")+`.value`); got != "a red hat" {
			t.Errorf("the prompt box holds %q", got)
		}
		if n := len(requestsTo(e, "/v1/images/edits")) - before; n != 0 {
			t.Errorf("%d requests reached the provider with bad input", n)
		}
		tb.checkConsole()
	})

	t.Run("UseAsInput", func(t *testing.T) {
		tb := b.newTab(t)
		before := len(requestsTo(e, "/v1/images/edits"))
		openKind(tb, e.URL, "openai/gpt-image-1", "run")
		tb.waitJS("the API choice", jsSel("operation")+` && `+jsSel("operation")+`.value === "/v1/images/generations"`, 10*time.Second)
		pick(tb, "param-response_format", "b64_json")
		tb.do("a prompt", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "a cat"))
		tb.waitJS("the prompt typed", jsSel("prompt")+`.value === "a cat"`, 15*time.Second)
		eval[bool](tb, `(b => { b.click(); return true; })(`+jsSel("run")+`)`) // by script: the page may redraw the button meanwhile
		waitKindRun(tb, 1)
		shown := eval[string](tb, jsSel("image")+`.src`)
		tb.do("opening it full size", chromedp.Click(chromedp.CSS(sel("image"))))
		tb.waitJS("Use as input in the full view", jsSel("lightbox-use"), 15*time.Second)
		tb.do("using it as input", chromedp.Click(chromedp.CSS(sel("lightbox-use"))))
		tb.waitJS("the edit operation", jsSel("operation")+`.value === "/v1/images/edits" && `+jsSel("input-note")+` && `+jsSel("input-note")+`.innerText.includes("is now the input image")`, 10*time.Second)
		if eval[string](tb, jsSel("param-image")+`.selectedOptions[0].text`) != "one file" {
			t.Error("the image input does not show the file")
		}
		if eval[int](tb, `document.querySelectorAll('[data-testid="image-run"]').length`) != 1 {
			t.Error("the gallery was lost when switching to the edit operation")
		}
		tb.do("editing it", chromedp.Click(chromedp.CSS(sel("run"))))
		waitKindRun(tb, 2)
		reqs := requestsTo(e, "/v1/images/edits")
		if len(reqs) != before+1 {
			t.Fatalf("%d edit requests", len(reqs)-before)
		}
		sent := sentFile(t, reqs[len(reqs)-1], "image")
		if !strings.HasSuffix(shown, base64Of(sent)) {
			t.Error("the image sent is not the generated one")
		}
		if info, err := imagefile.Decode(sent); err != nil || info.Size() != "64×64" {
			t.Errorf("the image sent: %+v, %v", info, err)
		}
		// On the edit operation, Use as input replaces the input with another result.
		if eval[int](tb, `document.querySelectorAll('[data-testid="image-use"]').length`) != 2 {
			t.Error("each image of both runs has no Use as input")
		}
		tb.checkConsole()
	})

	t.Run("UseAsInputFromTheMediaRoute", func(t *testing.T) {
		// The generated image is on the provider's host: the page shows it through the media route
		// and, for the edit's file input, fetches the file from there (same origin).
		tb := b.newTab(t)
		before := len(requestsTo(e, "/v1/images/edits"))
		openKind(tb, e.URL, "openai/gpt-image-1", "run")
		tb.waitJS("the API choice", jsSel("operation")+` && `+jsSel("operation")+`.value === "/v1/images/generations"`, 10*time.Second)
		tb.do("a prompt", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "a fox"))
		tb.waitJS("the prompt typed", jsSel("prompt")+`.value === "a fox"`, 15*time.Second)
		eval[bool](tb, `(b => { b.click(); return true; })(`+jsSel("run")+`)`)
		waitKindRun(tb, 1)
		shown := eval[string](tb, jsSel("image")+`.src`)
		if !strings.HasPrefix(shown, e.URL+"/api/media/") {
			t.Fatalf("the image is shown from %q, want the media route", shown)
		}
		tb.do("reading the shown file", chromedp.Evaluate[chromedp.Void](`window.__shown = null; fetch(`+jsString(shown)+`).then(r => r.arrayBuffer()).then(b => window.__shown = btoa(String.fromCharCode(...new Uint8Array(b))))`))
		tb.waitJS("the shown file read", `window.__shown !== null`, 15*time.Second)
		tb.do("using it as input", chromedp.Click(chromedp.CSS(sel("image-use"))))
		tb.waitJS("the edit operation", jsSel("operation")+`.value === "/v1/images/edits" && `+jsSel("input-note")+` && `+jsSel("input-note")+`.innerText.includes("is now the input image")`, 15*time.Second)
		eval[bool](tb, `(b => { b.click(); return true; })(`+jsSel("run")+`)`)
		waitKindRun(tb, 2)
		reqs := requestsTo(e, "/v1/images/edits")
		if len(reqs) != before+1 {
			t.Fatalf("%d edit requests", len(reqs)-before)
		}
		if sent := base64Of(sentFile(t, reqs[len(reqs)-1], "image")); sent != eval[string](tb, `window.__shown`) {
			t.Errorf("the file sent (%d base64 characters) is not the one shown", len(sent))
		}
		tb.checkConsole()
	})

	t.Run("NoImageInput", func(t *testing.T) {
		tb := b.newTab(t)
		openKind(tb, e.URL, "flux/schnell", "run")
		pick(tb, "param-response_format", "b64_json")
		tb.do("a prompt", chromedp.SendKeys(chromedp.CSS(sel("prompt")), "a dog"))
		tb.waitJS("the prompt typed", jsSel("prompt")+`.value === "a dog"`, 15*time.Second)
		eval[bool](tb, `(b => { b.click(); return true; })(`+jsSel("run")+`)`) // by script: the page may redraw the button meanwhile
		waitKindRun(tb, 1)
		if eval[bool](tb, jsSel("image-use")+` !== null`) {
			t.Error("Use as input on a model no operation of which takes an image")
		}
	})
}

func base64Of(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
