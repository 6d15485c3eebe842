package ui

import (
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/form"
	"playground/app/imagefile"
	"playground/app/kind"
	"playground/app/schema"
)

// "Use as input" puts a generated image into the image input of the model's edit operation
// (switching to it) or, when the model has none, of the current operation. A field that takes
// URLs gets the image's URL as the provider gave it (for an image the server relayed, the
// original URL, which the provider can fetch, not the same-origin media path), or its data URL
// where the field takes uploads; a file field gets the file's content, fetched from the server's
// media route when the provider sent a URL.

// editOperation is the path of the model's edit operation when it is not the current one, or "".
func (p *playground) editOperation() string {
	if p.form == nil {
		return ""
	}
	for _, o := range p.form.Operations {
		if o.Path != p.form.Path && o.Kind == kind.Images.Name() && strings.Contains(o.Path, "/edits") {
			return o.Path
		}
	}
	return ""
}

// inputField is the current operation's image input, or nil.
func (p *playground) inputField() *schema.Field {
	if p.form == nil || p.form.Kind != kind.Images.Name() {
		return nil
	}
	return imagefile.Input(p.form.Fields)
}

// canUseAsInput reports whether an image can be put into an image input of the model: an edit
// operation to switch to (an edit takes an image by definition; its fields are read once it is
// loaded), or the current one's input when it can take this image.
func (p *playground) canUseAsInput(im kind.Image) bool {
	if im.Is3D() || p.form == nil || p.form.Kind != kind.Images.Name() {
		return false
	}
	if p.editOperation() != "" {
		return im.URL != "" || im.Display() != ""
	}
	f := p.inputField()
	if f == nil {
		return false
	}
	if imagefile.NeedsBytes(*f) {
		return im.Display() != ""
	}
	src := imagefile.Source{URL: im.URL}
	if im.URL == "" {
		src.DataURL = "data:," // it has content: whether the field takes a data URL is what counts
	}
	_, ok := imagefile.InputValue(*f, src)
	return ok
}

// useAsInput puts image n of a run into the image input, switching to the edit operation first
// when the model has one.
func (p *playground) useAsInput(ctx app.Context, im kind.Image, n int) {
	ctx = p.pageCtx(ctx)
	name := im.FileName(n)
	if op := p.editOperation(); op != "" && !p.running {
		p.inputNote = "Opening the edit operation…"
		p.afterForm = func(ctx app.Context) { p.fillInput(ctx, im, name) }
		p.loadOperation(ctx, p.form.Model.ID, p.form.Model.Provider, op, false)
	} else {
		p.fillInput(ctx, im, name)
	}
	p.redraw()
}

// fillInput puts an image into the current operation's image input.
func (p *playground) fillInput(ctx app.Context, im kind.Image, name string) {
	f := p.inputField()
	if f == nil {
		p.inputNote = "This operation takes no image."
		return
	}
	src := imagefile.Source{URL: im.URL, Name: name}
	if im.URL == "" {
		src.DataURL = im.Source()
	}
	field := *f
	put := func(src imagefile.Source) {
		v, ok := imagefile.InputValue(field, src)
		if !ok {
			p.inputNote = field.Name + " cannot take this image (it takes " + takesWhat(field) + ")."
			return
		}
		n := node{top: field, f: field, path: []form.Step{form.K(field.Name)}, key: field.Name}
		p.setValue(n, v)
		p.st.Files[field.Name] = name
		p.inputNote = name + " is now the input image (" + field.Name + ")."
	}
	if src.DataURL == "" && imagefile.NeedsBytes(field) {
		path := im.Display()
		if path == "" {
			p.inputNote = field.Name + " takes the file itself, and the page cannot fetch it from the provider's host."
			return
		}
		p.inputNote = "Fetching " + name + "…"
		fetchBytes(path, func(data []byte, err error) {
			ctx.Dispatch(func(ctx app.Context) {
				if err != nil {
					p.inputNote = "Cannot fetch " + name + ": " + err.Error()
					return
				}
				src.DataURL = form.DataURL(firstNonEmpty(imagefile.Sniff(data), im.ContentType, "image/png"), data)
				put(src)
			})
		})
		return
	}
	put(src)
}

// takesWhat says what an image input takes, for a message.
func takesWhat(f schema.Field) string {
	if imagefile.NeedsBytes(f) {
		return "files"
	}
	return "URLs the provider can fetch"
}

// fetchBytes fetches a same-origin path and hands its bytes (or the error) to done.
func fetchBytes(path string, done func([]byte, error)) {
	app.Window().Call("fetch", path).Then(func(resp app.Value) {
		if !resp.Get("ok").Bool() {
			done(nil, fmt.Errorf("the server answered %d", resp.Get("status").Int()))
			return
		}
		resp.Call("arrayBuffer").Then(func(buf app.Value) {
			arr := app.Window().Get("Uint8Array").New(buf)
			data := make([]byte, arr.Length())
			app.CopyBytesToGo(data, arr)
			done(data, nil)
		})
	})
}
