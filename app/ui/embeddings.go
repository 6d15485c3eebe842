package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/catalog"
	"playground/app/chat"
	"playground/app/convo"
	"playground/app/kind"
	"playground/app/schema"
)

// embeddingRun is the run area of embedding models: several texts, Run, and per vector its
// dimension, norm, first values and a sparkline, with the cosine similarity of every pair of
// inputs (computed in the browser). It owns the texts and the last result.
type embeddingRun struct {
	app.Compo

	Iform    *catalog.Form
	Ibackend Backend
	Iclient  *chat.Client
	Ibuild   requestBuilder
	Ifirst   string                                        // the page's prompt (?prompt= of a link): the first text, when the area opens
	Ilog     runLog                                        // the page's history of runs
	Ishare   func(texts []string) (convo.ShareLink, error) // the link of the model, the parameters and the texts (nil: no Share)

	inputs   []string
	running  bool
	cancel   context.CancelFunc
	err      string
	done     int
	showCode bool
	res      *kind.EmbeddingResult  // the last answer; nil when read back from the history
	sum      *kind.EmbeddingSummary // what is shown of it
	sent     []string               // the inputs of sum
	rec      runRecord
	copied   bool
	seq      int // the Ilog.seq the result was last read from
}

// OnInit starts with two texts to compare, the first one the page's prompt, or with the last run
// of the history entry the page opened.
func (c *embeddingRun) OnInit() {
	c.inputs = []string{c.Ifirst, ""}
	c.fromLog()
}

// OnUpdate shows the last run of a history entry the page opened.
func (c *embeddingRun) OnUpdate(ctx app.Context) { c.fromLog() }

func (c *embeddingRun) fromLog() {
	if c.seq == c.Ilog.seq {
		return
	}
	c.seq, c.res, c.sum, c.sent, c.rec, c.copied = c.Ilog.seq, nil, nil, nil, runRecord{}, false
	if len(c.Ilog.runs) == 0 {
		return
	}
	last := c.Ilog.runs[len(c.Ilog.runs)-1]
	c.rec, c.sent = keptRecord(last), last.Inputs
	if len(last.Inputs) > 0 {
		c.inputs = append([]string(nil), last.Inputs...)
	}
	if len(last.Result) > 0 {
		sum, err := kind.ReadSummary(last.Result)
		if err != nil {
			c.rec.err = "This run could not be read back from the history: " + err.Error()
			return
		}
		c.sum = &sum
	}
}

// texts are the inputs that hold something.
func (c *embeddingRun) texts() []string {
	var out []string
	for _, t := range c.inputs {
		if strings.TrimSpace(t) != "" {
			out = append(out, t)
		}
	}
	return out
}

// page is what the run area fills: input, a string for one text (or where the schema takes only
// a string), else the list.
func (c *embeddingRun) page() schema.Values {
	texts := c.texts()
	var v json.RawMessage
	f := formField(c.Iform, "input")
	switch {
	case len(texts) == 0:
		v, _ = json.Marshal("(your text)")
	case len(texts) == 1 || f != nil && f.Type == "string":
		v, _ = json.Marshal(strings.Join(texts, "\n"))
	default:
		v, _ = json.Marshal(texts)
	}
	return schema.Values{"input": v}
}

func (c *embeddingRun) Render() app.UI {
	return app.Section().Class("run run-embeddings").Aria("label", "Embeddings").OnKeyDown(runKeys(c.run, c.stop)).Body(
		app.Div().Class("embed-inputs").Body(
			app.Range(c.inputs).Slice(func(i int) app.UI {
				id := "embed-input-" + strconv.Itoa(i)
				return app.Div().Class("embed-input").Body(
					boundArea("prompt-box", id, "field-label", "Text "+strconv.Itoa(i+1), "Text to embed", 2, &c.inputs[i]),
					app.If(len(c.inputs) > 1, func() app.UI {
						return app.Button().Class("btn btn-small").DataSet("testid", "embed-remove-"+strconv.Itoa(i)).Text("Remove").
							Aria("label", "Remove text "+strconv.Itoa(i+1)).
							OnClick(func(ctx app.Context, e app.Event) { c.inputs = append(c.inputs[:i:i], c.inputs[i+1:]...) })
					}),
				)
			}),
		),
		runErrorBox(c.err),
		app.Div().Class("composer-actions").Body(
			c.runButton(),
			app.Button().Class("btn").DataSet("testid", "embed-add").Text("Add text").
				OnClick(func(ctx app.Context, e app.Event) { c.inputs = append(c.inputs, "") }),
			app.Button().Class("btn").DataSet("testid", "view-request").Text(viewRequestLabel(c.showCode)).Aria("expanded", c.showCode).
				OnClick(func(ctx app.Context, e app.Event) { c.showCode = !c.showCode }),
			app.If(c.Ishare != nil, func() app.UI {
				return shareControlOf(func() (convo.ShareLink, error) { return c.Ishare(c.texts()) })
			}),
		),
		app.If(c.showCode, func() app.UI {
			body, err := c.Ibuild(c.page())
			return kindCodeView(c.Iform, c.Ibackend, body, err)
		}),
		app.Div().Class("embed-result").DataSet("testid", "transcript").DataSet("runs", c.done).Aria("live", "polite").Body(
			app.If(c.running, func() app.UI { return app.P().Class("muted").Text("Embedding…") }),
			app.If(c.rec.err != "", func() app.UI {
				return app.Div().Class("pg-error").DataSet("testid", "run-error").Text(c.rec.err)
			}),
			app.If(c.sum != nil, c.renderResult),
		),
	)
}

func (c *embeddingRun) runButton() app.UI {
	return runOrStop(c.running, c.run, c.stop)
}

func (c *embeddingRun) stop() {
	cancelIf(c.cancel)
}

// run embeds the texts. With none typed it says so; nothing typed is lost.
func (c *embeddingRun) run(ctx app.Context) {
	if c.running {
		return
	}
	c.err = ""
	texts := c.texts()
	if len(texts) == 0 {
		c.err = "input: is required — type a text to embed first."
		return
	}
	body, why := buildRun(c.Ibuild, c.page(), c.Iclient)
	if why != "" {
		c.err = why
		return
	}
	c.running = true
	c.cancel = post(ctx, c.Iclient, c.Iform, body, func(ctx app.Context, answer []byte, rec runRecord) {
		c.running, c.cancel = false, nil
		c.done++
		c.rec, c.res, c.sum, c.sent, c.copied = rec, nil, nil, texts, false
		var kept []byte
		if rec.err == "" {
			res, err := kind.ParseEmbeddings(answer)
			if err != nil {
				c.rec.err = err.Error()
			} else {
				sum := kind.Summarize(res)
				c.res, c.sum = &res, &sum
				kept, _ = json.Marshal(sum)
			}
		}
		if c.Ilog.save != nil {
			c.Ilog.save(keptRun(c.rec, "", texts, kept))
		}
	})
}

// renderResult draws the vectors and the similarity matrix, from the summary (an answer read back
// from the history has no vectors to copy).
func (c *embeddingRun) renderResult() app.UI {
	vs := c.sum.Vectors
	label := func(i int) string {
		if i < len(c.sent) {
			return shorten(c.sent[i], 40)
		}
		return "input " + strconv.Itoa(i)
	}
	sim := c.sum.Similarity
	return app.Div().Body(
		runStats(c.rec, c.sum.Usage, plural(len(vs), "vector", "vectors")),
		app.Table().Class("vectors").DataSet("testid", "vectors").Body(
			app.THead().Body(app.Tr().Body(app.Th().Text("Input"), app.Th().Text("Dimension"), app.Th().Text("Norm"),
				app.Th().Text("First values"), app.Th().Text("Shape"))),
			app.TBody().Body(app.Range(vs).Slice(func(i int) app.UI {
				v := vs[i]
				return app.Tr().DataSet("testid", "vector").Body(
					app.Td().Text(label(v.Index)),
					app.Td().DataSet("testid", "vector-dim").Text(strconv.Itoa(v.Dimension)),
					app.Td().Text(strconv.FormatFloat(v.Norm, 'f', 4, 64)),
					app.Td().Class("mono").Text(firstValues(v.First, v.Dimension)),
					app.Td().Body(app.Raw(sparkline(v.Shape, 120, 24))),
				)
			})),
		),
		app.If(len(sim) > 1, func() app.UI {
			return app.Table().Class("similarity").DataSet("testid", "similarity").Body(
				app.Caption().Text("Cosine similarity"),
				app.THead().Body(app.Tr().Body(app.Th(), app.Range(vs).Slice(func(j int) app.UI { return app.Th().Text(strconv.Itoa(j + 1)) }))),
				app.TBody().Body(app.Range(vs).Slice(func(i int) app.UI {
					return app.Tr().Body(
						app.Th().Title(label(vs[i].Index)).Text(strconv.Itoa(i+1)),
						app.Range(vs).Slice(func(j int) app.UI {
							return app.Td().DataSet("testid", fmt.Sprintf("sim-%d-%d", i, j)).Text(strconv.FormatFloat(sim[i][j], 'f', 3, 64))
						}),
					)
				})),
			)
		}),
		app.If(c.res != nil, func() app.UI {
			return app.Button().Class("btn btn-small").DataSet("testid", "embed-copy").Text(map[bool]string{false: "Copy as JSON", true: "Copied"}[c.copied]).
				OnClick(func(ctx app.Context, e app.Event) {
					b, _ := json.Marshal(vectorsJSON(c.res.Vectors))
					c.copied = copyText(string(b))
				})
		}).Else(func() app.UI {
			return app.P().Class("muted").DataSet("testid", "embed-not-kept").Text("From the history: the vectors are not kept (only what is shown); Run again to copy them.")
		}),
	)
}

// vectorsJSON is what Copy as JSON copies: the vectors as lists of numbers, in input order.
func vectorsJSON(vs []kind.Vector) [][]float64 {
	out := make([][]float64, len(vs))
	for i, v := range vs {
		out[i] = v.Values
	}
	return out
}

// firstValues writes a vector's first values, with an ellipsis when it has more (dim).
func firstValues(first []float64, dim int) string {
	parts := make([]string, 0, len(first)+1)
	for _, x := range first {
		parts = append(parts, strconv.FormatFloat(x, 'f', 4, 64))
	}
	if dim > len(first) {
		parts = append(parts, "…")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// sparkline is an inline SVG of a vector's values (at most 200 points), built from numbers only.
func sparkline(v []float64, w, h int) string {
	if len(v) == 0 {
		return `<svg class="spark"></svg>`
	}
	step := 1
	if len(v) > 200 {
		step = (len(v) + 199) / 200
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	if hi == lo {
		hi = lo + 1
	}
	var pts strings.Builder
	n := (len(v) + step - 1) / step
	for i, k := 0, 0; i < len(v); i, k = i+step, k+1 {
		x := 0.0
		if n > 1 {
			x = float64(k) * float64(w) / float64(n-1)
		}
		y := float64(h) - (v[i]-lo)/(hi-lo)*float64(h)
		fmt.Fprintf(&pts, "%.1f,%.1f ", x, y)
	}
	return fmt.Sprintf(`<svg class="spark" width="%d" height="%d" viewBox="0 0 %d %d" aria-hidden="true"><polyline fill="none" stroke="currentColor" stroke-width="1" points="%s"/></svg>`,
		w, h, w, h, strings.TrimSpace(pts.String()))
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
