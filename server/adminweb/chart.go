package adminweb

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// chart is a bar chart drawn by the page itself, as inline SVG: bars by day (vertical) or by
// category (horizontal, the largest first), with an accessible title and summary, and the same
// numbers as a table for those who cannot see it.
type chart struct {
	// ID is the chart's id on the page (its title's and summary's ids start with it).
	ID string
	// Title names the chart; Summary says what it shows in a sentence.
	Title, Summary string
	// Width and Height are its viewBox.
	Width, Height int
	// ByDay says the bars are days (vertical); else categories (horizontal).
	ByDay bool
	// Bars are the bars.
	Bars []bar
	// Grid are the value axis's lines and labels (ByDay).
	Grid []gridLine
	// Ticks are the day axis's labels (ByDay).
	Ticks []tick
	// Empty says there is nothing to draw; MidX and MidY are where to say so.
	Empty      bool
	MidX, MidY string
	// PlotX0, PlotX1 and BaseY are the plot's left and right and its baseline (ByDay).
	PlotX0, PlotX1, BaseY string
	// LabelHead and ValueHead head the table's columns.
	LabelHead, ValueHead string
}

// bar is one bar: its rectangle, its tooltip, and (horizontal) its label and value.
type bar struct {
	X, Y, W, H string
	// Label names the bar, Value is its value written out; Title is the two, for its tooltip.
	Label, Value, Title string
	// ShortLabel is Label cut to fit; LabelY and ValueX place the texts (horizontal).
	ShortLabel, LabelY, ValueX string
}

// gridLine is a line of the value axis, with its label.
type gridLine struct {
	Y, LabelY, Label string
}

// tick is a label of the day axis.
type tick struct {
	X, Label string
}

// Geometry of the charts, in viewBox units.
const (
	chartWidth = 720
	// Day charts.
	dayHeight, dayLeft, dayRight, dayTop, dayBottom = 220, 72, 10, 14, 30
	// Category charts.
	rowHeight, rowTop, labelRight, barLeft, valueRoom = 26, 6, 182, 190, 120
	labelChars                                        = 26
	// maxCategories is how many categories a chart draws; the rest are summed in one bar.
	maxCategories = 10
)

// coord writes a coordinate with one decimal: enough, and the same on every machine.
func coord(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// dayChart draws values per day (days and values side by side), each written by format.
func dayChart(id, title, valueHead string, days []time.Time, values []int64, format func(int64) string) chart {
	c := chart{ID: id, Title: title, Width: chartWidth, Height: dayHeight, ByDay: true, LabelHead: "Day", ValueHead: valueHead}
	plotW := float64(chartWidth - dayLeft - dayRight)
	plotH := float64(dayHeight - dayTop - dayBottom)
	base := float64(dayHeight - dayBottom)
	c.PlotX0, c.PlotX1, c.BaseY = coord(dayLeft), coord(chartWidth-dayRight), coord(base)
	var top, total int64
	topAt := -1
	for i, v := range values {
		total += v
		if v > top {
			top, topAt = v, i
		}
	}
	c.Empty = top == 0
	c.MidX, c.MidY = coord(dayLeft+plotW/2), coord(dayTop+plotH/2)
	n := len(days)
	step := plotW / float64(max(n, 1))
	for i, d := range days {
		v := values[i]
		h := 0.0
		if top > 0 {
			h = float64(v) / float64(top) * plotH
		}
		label := d.Format(time.DateOnly)
		c.Bars = append(c.Bars, bar{
			X: coord(dayLeft + float64(i)*step + step*0.1), Y: coord(base - h), W: coord(max(step*0.8, 1)), H: coord(h),
			Label: label, Value: format(v), Title: label + ": " + format(v),
		})
	}
	every := max((n+6)/7, 1)
	for i, d := range days {
		if i%every == 0 {
			c.Ticks = append(c.Ticks, tick{X: coord(dayLeft + (float64(i)+0.5)*step), Label: d.Format("01-02")})
		}
	}
	for _, frac := range []int64{0, 1, 2} {
		y := base - float64(frac)/2*plotH
		v := top * frac / 2
		c.Grid = append(c.Grid, gridLine{Y: coord(y), LabelY: coord(y + 4), Label: format(v)})
	}
	switch {
	case c.Empty:
		c.Summary = fmt.Sprintf("Nothing in the %d days shown.", n)
	default:
		c.Summary = fmt.Sprintf("%s in total over %d days; the most, %s, on %s.", format(total), n, format(top), days[topAt].Format(time.DateOnly))
	}
	return c
}

// categoryChart draws values per category (labels and values side by side, the largest first),
// each written by format; past maxCategories, the rest are summed in one bar.
func categoryChart(id, title, labelHead, valueHead string, labels []string, values []int64, format func(int64) string) chart {
	c := chart{ID: id, Title: title, Width: chartWidth, LabelHead: labelHead, ValueHead: valueHead}
	if len(labels) > maxCategories {
		var rest int64
		for _, v := range values[maxCategories-1:] {
			rest += v
		}
		n := len(labels) - (maxCategories - 1)
		labels = append(labels[:maxCategories-1:maxCategories-1], fmt.Sprintf("%d others", n))
		values = append(values[:maxCategories-1:maxCategories-1], rest)
	}
	var top, total int64
	topAt := 0
	for i, v := range values {
		total += v
		if v > top {
			top, topAt = v, i
		}
	}
	c.Empty = len(values) == 0 || top == 0
	c.Height = rowTop*2 + max(len(labels), 1)*rowHeight
	c.MidX, c.MidY = coord(chartWidth/2), coord(float64(c.Height)/2+4)
	room := float64(chartWidth - barLeft - valueRoom)
	for i, label := range labels {
		v := values[i]
		w := 0.0
		if top > 0 {
			w = float64(v) / float64(top) * room
		}
		y := float64(rowTop + i*rowHeight)
		c.Bars = append(c.Bars, bar{
			X: coord(barLeft), Y: coord(y + 4), W: coord(w), H: coord(rowHeight - 8),
			Label: label, Value: format(v), Title: label + ": " + format(v),
			ShortLabel: shorten(label, labelChars), LabelY: coord(y + 17), ValueX: coord(barLeft + w + 6),
		})
	}
	switch {
	case c.Empty:
		c.Summary = "Nothing in the period shown."
	default:
		c.Summary = fmt.Sprintf("%s in total; the most, %s, for %s.", format(total), format(top), labels[topAt])
	}
	return c
}

// shorten cuts s to n characters, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
