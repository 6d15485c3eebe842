package ui

import (
	"fmt"
	"math"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/imagefile"
)

// maskPainter paints an edit's mask over its source image: what is painted becomes transparent in
// the mask (OpenAI's convention: transparent is where the image is edited), the rest opaque black.
// The canvas has the source's natural size, whatever size it is shown at, and so has the mask it
// exports: a PNG handed to Idone.
type maskPainter struct {
	app.Compo

	Isrc   string // the source image, as a data URL
	Iw, Ih int    // its natural size in pixels
	Idone  func(png []byte)
	Iclose func()

	brush   int  // the brush's diameter, in percent of the image's longer side
	erase   bool // the brush erases what was painted
	painted bool // something was painted since the last clear
	err     string

	drawing bool
	lastX   float64
	lastY   float64
	funcs   []app.Func
	off     func()
}

const maskCanvasID = "mask-canvas"

func (c *maskPainter) OnMount(ctx app.Context) {
	if c.brush == 0 {
		c.brush = 8
	}
	ctx.Defer(func(ctx app.Context) { c.listen(ctx) })
}

func (c *maskPainter) OnDismount() {
	if c.off != nil {
		c.off()
	}
	for _, f := range c.funcs {
		f.Release()
	}
	c.funcs, c.off = nil, nil
}

// listen draws with the pointer through the canvas's own listeners: pointer moves come many times
// a frame and change nothing the component draws, so they are not go-app events (which would draw
// the component again for each).
func (c *maskPainter) listen(ctx app.Context) {
	canvas := app.Window().GetElementByID(maskCanvasID)
	if !canvas.Truthy() || c.off != nil {
		return
	}
	point := func(e app.Value) (float64, float64) {
		r := canvas.Call("getBoundingClientRect")
		w, h := r.Get("width").Float(), r.Get("height").Float()
		if w == 0 || h == 0 {
			return 0, 0
		}
		return (e.Get("clientX").Float() - r.Get("left").Float()) * float64(c.Iw) / w,
			(e.Get("clientY").Float() - r.Get("top").Float()) * float64(c.Ih) / h
	}
	down := app.FuncOf(func(this app.Value, args []app.Value) any {
		e := args[0]
		e.Call("preventDefault")
		c.drawing = true
		c.lastX, c.lastY = point(e)
		c.stroke(canvas, c.lastX, c.lastY)
		if !c.painted && !c.erase {
			ctx.Dispatch(func(app.Context) { c.painted = true })
		}
		return nil
	})
	move := app.FuncOf(func(this app.Value, args []app.Value) any {
		if c.drawing {
			x, y := point(args[0])
			c.stroke(canvas, x, y)
			c.lastX, c.lastY = x, y
		}
		return nil
	})
	up := app.FuncOf(func(this app.Value, args []app.Value) any {
		c.drawing = false
		return nil
	})
	c.funcs = []app.Func{down, move, up}
	canvas.Call("addEventListener", "pointerdown", down)
	canvas.Call("addEventListener", "pointermove", move)
	app.Window().Call("addEventListener", "pointerup", up)
	app.Window().Call("addEventListener", "pointercancel", up)
	c.off = func() {
		canvas.Call("removeEventListener", "pointerdown", down)
		canvas.Call("removeEventListener", "pointermove", move)
		app.Window().Call("removeEventListener", "pointerup", up)
		app.Window().Call("removeEventListener", "pointercancel", up)
	}
}

// brushPixels is the brush's diameter in image pixels.
func (c *maskPainter) brushPixels() float64 {
	return math.Max(1, float64(c.brush)*float64(max(c.Iw, c.Ih))/100)
}

// stroke paints (or erases) a round-capped line from the last point to x, y.
func (c *maskPainter) stroke(canvas app.Value, x, y float64) {
	g := canvas.Call("getContext", "2d")
	op := "source-over"
	if c.erase {
		op = "destination-out"
	}
	g.Set("globalCompositeOperation", op)
	g.Set("strokeStyle", "rgb(255, 0, 90)")
	g.Set("lineWidth", c.brushPixels())
	g.Set("lineCap", "round")
	g.Set("lineJoin", "round")
	g.Call("beginPath")
	g.Call("moveTo", c.lastX, c.lastY)
	g.Call("lineTo", x, y)
	g.Call("stroke")
}

// clear removes everything painted.
func (c *maskPainter) clear() {
	if canvas := app.Window().GetElementByID(maskCanvasID); canvas.Truthy() {
		canvas.Call("getContext", "2d").Call("clearRect", 0, 0, c.Iw, c.Ih)
	}
	c.painted = false
}

// export makes the mask: opaque black with what was painted cut out, at the canvas's (the
// source's) size, as PNG bytes.
func (c *maskPainter) export() ([]byte, error) {
	canvas := app.Window().GetElementByID(maskCanvasID)
	out := app.Window().Get("document").Call("createElement", "canvas")
	out.Set("width", c.Iw)
	out.Set("height", c.Ih)
	g := out.Call("getContext", "2d")
	g.Set("fillStyle", "#000")
	g.Call("fillRect", 0, 0, c.Iw, c.Ih)
	g.Set("globalCompositeOperation", "destination-out")
	g.Call("drawImage", canvas, 0, 0)
	_, data, err := imagefile.DecodeDataURL(out.Call("toDataURL", "image/png").String())
	return data, err
}

func (c *maskPainter) Render() app.UI {
	mode := "Painting"
	if c.erase {
		mode = "Erasing"
	}
	return app.Div().Class("lightbox mask-dialog").DataSet("testid", "mask-painter").Role("dialog").Aria("label", "Paint the mask").Body(
		app.P().Class("mask-help").Text("Paint where the image should change: painted areas become transparent in the mask. "+
			"The mask is "+strconv.Itoa(c.Iw)+"×"+strconv.Itoa(c.Ih)+", the size of the image."),
		app.Div().Class("mask-stage").
			Style("width", fmt.Sprintf("min(90vw, 640px, calc(70vh * %d / %d))", c.Iw, c.Ih)).
			Style("aspect-ratio", fmt.Sprintf("%d / %d", c.Iw, c.Ih)).Body(
			app.Img().Src(c.Isrc).Alt("The image to edit").Attr("draggable", "false"),
			// A generic element: go-app's typed canvas brings ~200 methods into the web app.
			app.Elem("canvas").ID(maskCanvasID).Class("mask-canvas").DataSet("testid", "mask-canvas").
				Attr("width", c.Iw).Attr("height", c.Ih).Aria("label", "Mask: paint with the pointer"),
		),
		app.Div().Class("mask-tools").Body(
			app.Label().For("mask-brush").Text("Brush "+strconv.Itoa(c.brush)+"%"),
			app.Input().Type("range").ID("mask-brush").DataSet("testid", "mask-brush").Min(1).Max(40).Step(1).Value(c.brush).
				OnInput(func(ctx app.Context, e app.Event) {
					if n, err := strconv.Atoi(ctx.JSSrc().Get("value").String()); err == nil {
						c.brush = n
					}
				}),
			app.Button().Class("btn btn-small").DataSet("testid", "mask-erase").Aria("pressed", c.erase).
				Text(mode+" (switch)").Title("Switch between painting and erasing").
				OnClick(func(ctx app.Context, e app.Event) { c.erase = !c.erase }),
			app.Button().Class("btn btn-small").DataSet("testid", "mask-clear").Text("Clear").
				OnClick(func(ctx app.Context, e app.Event) { c.clear() }),
			app.Button().Class("btn btn-primary").DataSet("testid", "mask-apply").Text("Use mask").Disabled(!c.painted).
				OnClick(func(ctx app.Context, e app.Event) {
					data, err := c.export()
					if err != nil {
						c.err = "Cannot make the mask: " + err.Error()
						return
					}
					c.Idone(data)
				}),
			app.Button().Class("btn").DataSet("testid", "mask-cancel").Text("Cancel").
				OnClick(func(ctx app.Context, e app.Event) { c.Iclose() }),
		),
		app.If(c.err != "", func() app.UI { return app.P().Class("pg-error").Text(c.err) }),
	)
}
