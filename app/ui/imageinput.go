package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/form"
	"playground/app/imagefile"
	"playground/app/kind"
	"playground/app/schema"
	"playground/app/upload"
)

// The image inputs of an images operation (an edit's image and mask, a reference image's URL):
// a file is refused when it is picked if its size or type breaks the field's rules (its schema's
// stated limit and types, see imagefile.RulesOf), and the content the form holds is checked again
// before a run, with a mask against its image's size. Problems are shown next to the field and
// refuse the run; the values stay in the form.

// imageRules are an image field's rules, its limit lowered to the playground's cap for the field
// (see upload.CapFor).
func imageRules(f schema.Field) imagefile.Rules {
	c := upload.CapFor(kind.Images.Name(), f.Name, "")
	return imagefile.RulesOf(f).Cap(c.Bytes, "the playground's cap for "+c.Why)
}

// fileCheck is the check of a file picked, dropped or pasted into a node, before it is read: the
// image rules of an image input (see imageRules), the kind's cap for the field and the file's type
// (see upload.CapFor), the cap on the number of files, and, for a file the request carries as
// base64 in its JSON body (no multipart), the server's body limit counted at 4/3 of the file.
func (p *editor) fileCheck(n node) fileCheck {
	kindName := ""
	var fields []schema.Field
	if p.form != nil {
		kindName, fields = p.form.Kind, p.form.Fields
	}
	multipart := upload.Multipart(fields) && upload.TakesFile(n.top)
	image := p.imagesForm() && imagefile.Takes(n.top)
	return func(name, mime string, size int64) error {
		if image {
			if err := imageRules(n.top).CheckFile(name, mime, size); err != nil {
				return err
			}
		}
		if err := upload.CapFor(kindName, n.top.Name, mime).Check(name, size); err != nil {
			return err
		}
		if held := p.fileCount() - countFiles(n.v); held >= upload.MaxFiles {
			return fmt.Errorf("%s: the form holds %d files already, the most the playground sends at once; remove one first", name, held)
		}
		if multipart {
			return nil
		}
		return upload.FitBody(name, size, p.bodyBytes()-int64(len(n.v)), upload.BodyLimit(kindName, maxBody()))
	}
}

// fileCount is how many files the form's values hold.
func (p *editor) fileCount() int {
	n := 0
	for _, v := range p.st.Values {
		n += countFiles(v)
	}
	return n
}

// countFiles is how many files (data URLs, file objects) a value holds, at its top level or in a
// list.
func countFiles(v json.RawMessage) int {
	if !bytes.Contains(v, []byte(`"data:`)) && !bytes.Contains(v, []byte(`"buffer"`)) {
		return 0
	}
	fs, _ := imagefile.Files(v)
	return len(fs)
}

// bodyBytes is about what the form's values weigh in the request body.
func (p *editor) bodyBytes() int64 {
	n := int64(2)
	for k, v := range p.st.Values {
		n += int64(len(k)+len(v)) + 4
	}
	return n
}

// maxBody is the server's request body limit, which it publishes in the page's environment
// (PLAYGROUND_MAX_BODY), else its default.
func maxBody() int64 {
	if n, err := strconv.ParseInt(app.Getenv("PLAYGROUND_MAX_BODY"), 10, 64); err == nil && n > 0 {
		return n
	}
	return 32 << 20
}

// imageChecks returns what the content of an image field's value breaks, once per value.
func (p *editor) imageChecks(f schema.Field) []imagefile.Checked {
	v, ok := p.st.Values[f.Name]
	if !ok || form.IsNull(v) {
		return nil
	}
	model := ""
	if p.form != nil {
		model = p.form.Model.ID
	}
	return p.memo("image|"+f.Name+"|"+model, v, func() any { return imagefile.Check(f, v, imageRules(f)) }).([]imagefile.Checked)
}

// imageIssues lists the problems of the form's image inputs, by form key: a file of the wrong type
// or too large, and a mask whose size is not its image's.
func (p *editor) imageIssues() map[string]string {
	if !p.imagesForm() {
		return nil
	}
	out := map[string]string{}
	var input, mask []imagefile.Checked
	in := imagefile.Input(p.form.Fields)
	for _, f := range p.form.Fields {
		if !imagefile.Takes(f) {
			continue
		}
		cs := p.imageChecks(f)
		for _, c := range cs {
			if c.Err != nil {
				out[c.Key] = c.Err.Error()
			}
		}
		switch {
		case f.Name == "mask":
			mask = cs
		case in != nil && f.Name == in.Name:
			input = cs
		}
	}
	if err := imagefile.MaskProblem(input, mask); err != nil {
		out["mask"] = err.Error()
	}
	return out
}

// imagesForm reports whether the form is of an images operation: the only one whose image inputs
// are checked here (a chat model's image URL parameter is the provider's to judge).
func (p *editor) imagesForm() bool {
	return p.form != nil && p.form.Kind == kind.Images.Name()
}

// imageIssuesUnder lists the image problems inside a top-level field as issues, by key.
func imageIssuesUnder(all map[string]string, name string) []issue {
	var keys []string
	for k := range all {
		if form.Under(k, name) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]issue, len(keys))
	for i, k := range keys {
		out[i] = issue{key: k, rule: all[k]}
	}
	return out
}

// sourceImage is the image an edit works on: the first file of the form's image input, its data
// URL and what its header says; ok is false when the form holds none the page can draw.
func (p *editor) sourceImage() (dataURL string, info imagefile.Info, ok bool) {
	if p.form == nil {
		return "", info, false
	}
	in := imagefile.Input(p.form.Fields)
	if in == nil {
		return "", info, false
	}
	cs := p.imageChecks(*in)
	if len(cs) == 0 || cs[0].Err != nil {
		return "", info, false
	}
	v := p.st.Values[in.Name]
	type src struct {
		url string
		ok  bool
	}
	s := p.memo("image-src|"+in.Name, v, func() any {
		files, err := imagefile.Files(v)
		if err != nil || len(files) == 0 {
			return src{}
		}
		return src{form.DataURL(cs[0].Info.Type, files[0].Data), true}
	}).(src)
	return s.url, cs[0].Info, s.ok
}

// redraw draws the page again after a change made from a child component's handler.
func (p *editor) redraw() {
	if p.hasPage {
		p.page.Dispatch(func(app.Context) {})
	}
}

// maskTools offers to paint an edit's mask over its source image, under the mask field; the
// painted mask (a PNG of the source's size) is stored as the field stores a picked file.
func (p *editor) maskTools(n node) app.UI {
	if n.top.Name != "mask" || len(n.path) != 1 || p.form == nil || p.form.Kind != kind.Images.Name() {
		return nil
	}
	src, info, ok := p.sourceImage()
	if !ok {
		return app.P().Class("muted param-note").DataSet("testid", "param-mask-paint-none").
			Text("Set the image to edit first to paint a mask over it.")
	}
	return app.Span().Body(
		app.Button().Class("btn btn-small").DataSet("testid", "param-mask-paint").Text("Paint mask").
			Title("Paint where the image should change, over the image").
			OnClick(func(ctx app.Context, e app.Event) { p.painting = true }, p.scope(n, "paint")),
		app.If(p.painting, func() app.UI {
			return &maskPainter{Isrc: src, Iw: info.Width, Ih: info.Height,
				Idone: func(png []byte) {
					p.setValue(n, form.FileValue("mask.png", "image/png", png))
					p.st.Files[n.key] = "mask.png"
					p.painting = false
					p.redraw()
				},
				Iclose: func() { p.painting = false; p.redraw() }}
		}),
	)
}
