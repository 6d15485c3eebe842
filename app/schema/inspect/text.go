package inspect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report as a table per file: the path, then each operation as
// `METHOD path (N models)` followed by one line per field (name, control, type, flags, range,
// default), the unsupported fields and any invalid example; and last one summary line.
func WriteText(w io.Writer, rep *Report) error {
	var buf bytes.Buffer
	for _, f := range rep.Files {
		buf.WriteString(f.Path + "\n")
		switch {
		case f.Error != nil:
			buf.WriteString("  error: " + *f.Error + "\n")
		case len(f.Operations) == 0:
			buf.WriteString("  no operation with a JSON request body\n")
		}
		for _, op := range f.Operations {
			fmt.Fprintf(&buf, "  %s %s (%s)\n", op.Method, op.Path, plural(len(op.Models), "model"))
			tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
			for _, fl := range op.Fields {
				fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\t%s\n", fl.Name, fl.Control, dash(fl.Type), flags(fl), numberRange(fl), dash(brief(fl.Default)))
			}
			if err := tw.Flush(); err != nil {
				return fmt.Errorf("formatting %s %s %s: %w", f.Path, op.Method, op.Path, err)
			}
			if len(op.Unsupported) > 0 {
				buf.WriteString("    unsupported: " + strings.Join(op.Unsupported, ", ") + "\n")
			}
			if op.ExampleError != nil {
				buf.WriteString("    invalid: " + *op.ExampleError + "\n")
			}
		}
	}
	buf.WriteString(SummaryLine(rep.Summary) + "\n")
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// SummaryLine is the last line of the text report, e.g.
// "526 files, 628 operations, 10,987 fields, 0 unsupported, 0 invalid".
func SummaryLine(s Summary) string {
	return fmt.Sprintf("%s files, %s operations, %s fields, %s unsupported, %s invalid",
		thousands(s.Files), thousands(s.Operations), thousands(s.Fields), thousands(s.Unsupported), thousands(s.Invalid))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(n) + " " + word + "s"
}

// thousands formats n with comma separators: 10987 → "10,987".
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func flags(f FieldReport) string {
	var out []string
	if f.Required {
		out = append(out, "required")
	}
	if f.Nullable {
		out = append(out, "nullable")
	}
	return dash(strings.Join(out, ","))
}

// numberRange writes a number's bounds in interval notation, e.g. "[0, 2]", "(0, 1]", "[1, ∞)".
func numberRange(f FieldReport) string {
	if f.Min == nil && f.Max == nil {
		return "-"
	}
	lo, hi := "(-∞", "∞)"
	if f.Min != nil {
		lo = "[" + strconv.FormatFloat(*f.Min, 'g', -1, 64)
		if f.exclusiveMin {
			lo = "(" + lo[1:]
		}
	}
	if f.Max != nil {
		hi = strconv.FormatFloat(*f.Max, 'g', -1, 64) + "]"
		if f.exclusiveMax {
			hi = hi[:len(hi)-1] + ")"
		}
	}
	return lo + ", " + hi
}

// brief is a value as compact JSON, cut to 40 characters.
func brief(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var c bytes.Buffer
	if json.Compact(&c, v) != nil {
		c.Reset()
		c.Write(v)
	}
	r := []rune(c.String())
	if len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return string(r)
}
