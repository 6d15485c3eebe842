//go:build !wasm

package ui

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/form"
	"playground/app/imagefile"
	"playground/app/kind"
	"playground/app/schema"
)

// fileForm is the form of model id from a schema file of testdata (a copy from the shared corpus),
// on operation op ("" for its main one).
func fileForm(t *testing.T, file, id, op string) *catalog.Form {
	t.Helper()
	// The schemas are the shared corpus's (../shared beside the project, which CI has too).
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "aimlapi-schemas", "image-models", file))
	if err != nil {
		t.Fatalf("the shared schema corpus: %v", err)
	}
	c := &catalog.Catalog{}
	if _, err := catalog.LoadDir(c, fstest.MapFS{file: {Data: b}}, ".", "aimlapi"); err != nil {
		t.Fatal(err)
	}
	e, ok := c.Lookup(id, "aimlapi")
	if !ok {
		t.Fatalf("%s is not in %s", id, file)
	}
	f, ok := e.FormOf(op)
	if !ok {
		t.Fatalf("%s has no operation %s", id, op)
	}
	return &f
}

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// editPage is a playground on gpt-image-2's edit operation.
func editPage(t *testing.T) *playground {
	t.Helper()
	p := newPlayground(Deps{})
	p.form = fileForm(t, "OpenAI/gpt-image-2-EDIT_local_changes.json", "openai/gpt-image-2", "")
	if p.form.Kind != kind.Images.Name() || p.form.Path != "/v1/images/edits" {
		t.Fatalf("form of %s %s", p.form.Kind, p.form.Path)
	}
	return p
}

// fieldNamed returns the form's field called name.
func fieldNamed(t *testing.T, p *playground, name string) schema.Field {
	t.Helper()
	f := p.field(name)
	if f == nil {
		t.Fatalf("no field %s", name)
	}
	return *f
}

// TestImageInputChecks checks the image inputs' problems before a run: a mask of another size than
// its image, a mask that is not a PNG, a file that is no image; each names its field, refuses the
// request and leaves the values as they were.
func TestImageInputChecks(t *testing.T) {
	p := editPage(t)
	img, mask := fieldNamed(t, p, "image"), fieldNamed(t, p, "mask")
	if img.Control != schema.Choice || mask.Control != schema.File {
		t.Fatalf("image is a %s, mask a %s", img.Control, mask.Control)
	}
	src := form.FileValue("src.png", "image/png", testPNG(t, 64, 64))
	p.st.Values["image"] = src
	prompt := jsonString("a hat")
	if _, err := p.buildBody(schema.Values{"prompt": prompt}); err != nil {
		t.Fatalf("an image alone: %v", err)
	}
	var jb bytes.Buffer
	_ = jpeg.Encode(&jb, image.NewNRGBA(image.Rect(0, 0, 64, 64)), nil)
	tests := []struct {
		name string
		v    json.RawMessage
		want string
	}{
		{"a mask of another size", form.FileValue("m.png", "image/png", testPNG(t, 32, 16)),
			"mask: the mask is 32×16 but the image is 64×64: a mask must have the image's size"},
		{"a JPEG mask", form.FileValue("m.jpg", "image/jpeg", jb.Bytes()), "mask: the file is a JPEG image; this field takes PNG images"},
		{"a text file", form.FileValue("m.png", "image/png", []byte("hello")), "mask: the file is not a PNG, JPEG, WebP or GIF image"},
	}
	for _, tt := range tests {
		p.st.Values["mask"] = tt.v
		_, err := p.buildBody(schema.Values{"prompt": prompt})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
		if rs := p.rowStateOf(mask); !rs.at("mask") {
			t.Errorf("%s: the mask row shows no problem: %+v", tt.name, rs.issues)
		}
		if !bytes.Equal(p.st.Values["mask"], tt.v) || !bytes.Equal(p.st.Values["image"], src) {
			t.Errorf("%s: the values changed", tt.name)
		}
	}
	p.st.Values["mask"] = form.FileValue("m.png", "image/png", testPNG(t, 64, 64))
	if _, err := p.buildBody(schema.Values{"prompt": prompt}); err != nil {
		t.Errorf("a mask of the image's size: %v", err)
	}
	p.st.Values["image"] = json.RawMessage("[" + string(form.FileValue("b.png", "image/png", testPNG(t, 32, 16))) + "]")
	if _, err := p.buildBody(schema.Values{"prompt": prompt}); err == nil || !strings.Contains(err.Error(), "mask: the mask is 64×64 but the image is 32×16") {
		t.Errorf("a list of images, the first of another size: %v", err)
	}
}

// TestImageFileChecks checks what a picked file is refused for before it is read: the lowest of
// the schema's stated limit and what the playground sends in the field, and the types the field
// names.
func TestImageFileChecks(t *testing.T) {
	p := editPage(t)
	maskNode := node{top: fieldNamed(t, p, "mask"), f: fieldNamed(t, p, "mask"), key: "mask"}
	check := p.fileCheck(maskNode)
	if err := check("big.png", "image/png", 5_000_000); err == nil || err.Error() != "big.png is 5.0 MB, over the limit of 4.0 MB (the playground's cap for a mask)" {
		t.Errorf("a large mask: %v", err)
	}
	if err := check("m.webp", "image/webp", 100); err == nil || err.Error() != "m.webp is image/webp; this field takes PNG images" {
		t.Errorf("a WebP mask: %v", err)
	}
	if err := check("m.png", "image/png", 100); err != nil {
		t.Errorf("a small PNG mask: %v", err)
	}
	imgNode := node{top: fieldNamed(t, p, "image"), f: fieldNamed(t, p, "image").Choices[0], key: "image"}
	if err := p.fileCheck(imgNode)("photo.bmp", "image/bmp", 100); err == nil || !strings.Contains(err.Error(), "this field takes PNG, JPEG or WebP images") {
		t.Errorf("a BMP image: %v", err)
	}

	up := newPlayground(Deps{})
	up.form = fileForm(t, "ByteDance/dreamina-creative-upscale.json", "bytedance/dreamina-creative-upscale", "")
	f := fieldNamed(t, up, "image_url")
	err := up.fileCheck(node{top: f, f: f, key: f.Name})("x.png", "image/png", 5<<20)
	if err == nil || err.Error() != `x.png is 5.2 MB, over the limit of 4.9 MB (the schema says "Maximum file size: 4.7 MB")` {
		t.Errorf("the schema's stated limit: %v", err)
	}
	if err := sizeLimit(10)("a.txt", "", 11); err == nil || !strings.Contains(err.Error(), "a.txt is 11 B") {
		t.Errorf("sizeLimit: %v", err)
	}
}

// TestUseAsInput checks which generated images can become an edit's input, and what the input
// gets.
func TestUseAsInput(t *testing.T) {
	p := editPage(t)
	pngData := testPNG(t, 8, 8)
	b64 := kind.Image{B64: form.DataURL("image/png", pngData)[len("data:image/png;base64,"):]}
	proxied := kind.Image{URL: "https://files.example/a.png", Proxied: "/api/media/x"}
	remote := kind.Image{URL: "https://files.example/a.png"}
	mesh := kind.Image{URL: "https://files.example/a.glb"}
	for _, tt := range []struct {
		name string
		im   kind.Image
		want bool
	}{{"base64", b64, true}, {"relayed", proxied, true}, {"not relayed", remote, false}, {"3D", mesh, false}} {
		if got := p.canUseAsInput(tt.im); got != tt.want {
			t.Errorf("%s image on a file input: %v", tt.name, got)
		}
	}
	p.fillInput(app.Context{}, b64, "image-1.png")
	files, err := imagefile.Files(p.st.Values["image"])
	if err != nil || len(files) != 1 || !bytes.Equal(files[0].Data, pngData) || !strings.Contains(p.inputNote, "image-1.png is now the input image (image)") {
		t.Fatalf("the input after Use as input: %d files, %v; note %q", len(files), err, p.inputNote)
	}
	if _, _, ok := p.sourceImage(); !ok {
		t.Error("no source image for the mask painter")
	}

	// A URL input gets the provider's URL; a model with no image input and no edit has no button.
	up := newPlayground(Deps{})
	up.form = fileForm(t, "ByteDance/dreamina-creative-upscale.json", "bytedance/dreamina-creative-upscale", "")
	up.fillInput(app.Context{}, proxied, "a.png")
	if got := string(up.st.Values["image_url"]); got != `"https://files.example/a.png"` {
		t.Errorf("a URL input holds %s", got)
	}
	gen := newPlayground(Deps{})
	gen.form = embeddedForm(t, "flux/schnell")
	if gen.canUseAsInput(b64) {
		t.Error("a model with no image input offers Use as input")
	}
	gen.form.Operations = []catalog.OperationRef{{Method: "POST", Path: gen.form.Path, Kind: "images"}, {Method: "POST", Path: "/v1/images/edits", Kind: "images"}}
	if !gen.canUseAsInput(b64) || gen.editOperation() != "/v1/images/edits" {
		t.Error("a model with an edit operation does not offer Use as input")
	}

	run := &imageRun{Iform: gen.form, Ibuild: builder(gen.form), Iprompt: new(string), Ican: gen.canUseAsInput, Iuse: func(app.Context, kind.Image, int) {}}
	run.runs = []imageRunResult{{prompt: "x", res: kind.ImageResult{Images: []kind.Image{b64, remote}}}}
	html := render(t, run)
	if n := strings.Count(html, `data-testid="image-use"`); n != 2 {
		t.Errorf("%d Use as input buttons for a base64 and an unrelayed image with an edit operation:\n%s", n, html)
	}
	none := &imageRun{Iform: gen.form, Ibuild: builder(gen.form), Iprompt: new(string), Ican: func(kind.Image) bool { return false }, Iuse: run.Iuse}
	none.runs = run.runs
	if html := render(t, none); strings.Contains(html, `data-testid="image-use"`) {
		t.Error("Use as input shown where no operation takes the image")
	}
}

// wrap renders a piece of the page's UI as a component.
type wrap struct {
	app.Compo
	ui func() app.UI
}

func (w *wrap) Render() app.UI { return app.Div().Body(w.ui()) }

// TestMaskTools checks that Paint mask is offered once the image to edit is set, and opens the
// painter at the image's natural size.
func TestMaskTools(t *testing.T) {
	p := editPage(t)
	mask := fieldNamed(t, p, "mask")
	n := node{top: mask, f: mask, path: []form.Step{form.K("mask")}, key: "mask", rs: &rowState{}}
	if html := render(t, &wrap{ui: func() app.UI { return p.maskTools(n) }}); !strings.Contains(html, "Set the image to edit first") {
		t.Errorf("without an image:\n%s", html)
	}
	p.st.Values["image"] = form.FileValue("src.png", "image/png", testPNG(t, 300, 200))
	html := render(t, &wrap{ui: func() app.UI { return p.maskTools(n) }})
	if !strings.Contains(html, `data-testid="param-mask-paint"`) || strings.Contains(html, "mask-painter") {
		t.Errorf("with an image:\n%s", html)
	}
	p.painting = true
	html = render(t, &wrap{ui: func() app.UI { return p.maskTools(n) }})
	for _, want := range []string{`data-testid="mask-painter"`, `width="300"`, `height="200"`, `src="data:image/png;base64,`, `The mask is 300×200`, `data-testid="mask-apply"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the painter lacks %s:\n%s", want, html)
		}
	}
}
