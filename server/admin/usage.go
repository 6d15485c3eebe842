package admin

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"playground/server/team"
)

// parseTime reads a -since or -until: an RFC 3339 time, a date (UTC), or a duration before now.
func parseTime(flagName, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, time.DateTime, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, team.Errorf(team.EInvalid, "%s: %q is neither a time (2026-12-01, 2026-12-01T10:00:00Z) nor a duration before now (24h)", flagName, s)
}

func usageExport(ctx context.Context, c *cmd, args []string) error {
	since := c.fs.String("since", "", "from this time (2026-12-01, RFC 3339, or 24h ago)")
	until := c.fs.String("until", "", "to this time, excluded")
	email := c.fs.String("user", "", "one user's calls")
	teamName := c.fs.String("team", "", "one team's calls")
	model := c.fs.String("model", "", "one model's calls")
	format := c.fs.String("format", "csv", "csv or jsonl")
	return withStore(c, args, 0, "no argument", func([]string) error {
		if !IsExportFormat(*format) {
			return usagef("-format: %q is not csv or jsonl", *format)
		}
		now := c.now()
		var f team.UsageFilter
		var err error
		if f.Since, err = parseTime("since", *since, now); err != nil {
			return err
		}
		if f.Until, err = parseTime("until", *until, now); err != nil {
			return err
		}
		f.Model = *model
		if *email != "" {
			u, err := c.store.FindUserByEmail(ctx, *email)
			if err != nil {
				return err
			}
			f.UserID = u.ID
		}
		if *teamName != "" {
			t, err := c.store.FindTeamByName(ctx, *teamName)
			if err != nil {
				return err
			}
			f.TeamID = t.ID
		}
		return ExportUsage(ctx, c.store, f, *format, c.Stdout)
	})
}

// IsExportFormat reports whether format is one ExportUsage writes: csv or jsonl.
func IsExportFormat(format string) bool { return format == "csv" || format == "jsonl" }

// ExportContentType is the media type of an export in format.
func ExportContentType(format string) string {
	if format == "jsonl" {
		return "application/jsonl; charset=utf-8"
	}
	return "text/csv; charset=utf-8"
}

// usageColumns are the export's columns; prompt and answer are empty unless the server kept them
// (-usage-content), and JSON lines then leave them out.
var usageColumns = []string{"time", "request_id", "user_id", "team_id", "token_id", "provider", "model", "operation", "kind",
	"input_tokens", "output_tokens", "cost_usd", "cost_nano_usd", "cost_source", "status", "duration_ms", "expired",
	"prompt", "answer"}

// ExportUsage writes the usage records f selects, oldest first, as CSV (format "csv", with a
// header) or JSON lines ("jsonl"): the command line's usage export and the usage dashboard's.
func ExportUsage(ctx context.Context, s team.UsageLog, f team.UsageFilter, format string, out io.Writer) error {
	if !IsExportFormat(format) {
		return team.Errorf(team.EInvalid, "%q is not an export format (csv or jsonl)", format)
	}
	cw := csv.NewWriter(out)
	enc := json.NewEncoder(out)
	if format == "csv" {
		if err := cw.Write(usageColumns); err != nil {
			return err
		}
	}
	err := s.ExportUsage(ctx, f, func(u team.Usage) error {
		row := []string{u.Time.Format(time.RFC3339Nano), u.RequestID, itoa(u.UserID), itoa(u.TeamID), itoa(u.TokenID), u.Provider, u.Model,
			u.Operation, u.Kind, itoa(u.InputTokens), itoa(u.OutputTokens), usdText(u.Cost), itoa(u.Cost.Nano()), string(u.CostSource),
			strconv.Itoa(u.Status), itoa(u.Duration.Milliseconds()), strconv.FormatBool(u.Expired), u.Prompt, u.Answer}
		if format == "csv" {
			return cw.Write(row)
		}
		obj := map[string]any{}
		for i, col := range usageColumns {
			obj[col] = row[i]
		}
		for _, col := range []string{"user_id", "team_id", "token_id", "input_tokens", "output_tokens", "cost_nano_usd", "status", "duration_ms"} {
			n, _ := strconv.ParseInt(obj[col].(string), 10, 64)
			obj[col] = n
		}
		obj["expired"] = u.Expired
		if u.Prompt == "" && u.Answer == "" {
			delete(obj, "prompt") // kept only under -usage-content
			delete(obj, "answer")
		}
		return enc.Encode(obj)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// usdText is an amount in dollars with its nine decimals, for spreadsheets: "0.000123000".
func usdText(m team.Money) string {
	n := m.Nano()
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%09d", sign, n/int64(team.USD), n%int64(team.USD))
}

func usagePrune(ctx context.Context, c *cmd, args []string) error {
	before := c.fs.String("before", "", "delete the records older than this (2026-09-01, RFC 3339, or a duration before now: 2160h)")
	return withStore(c, args, 0, "no argument (use -before)", func([]string) error {
		if *before == "" {
			return usagef("-before is required")
		}
		t, err := parseTime("before", *before, c.now())
		if err != nil {
			return &FieldError{Field: "before", Err: err}
		}
		n, err := c.actions().PruneUsage(ctx, t)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "deleted %d usage records before %s; the daily sums stay\n", n, t.Format(time.RFC3339))
		return nil
	})
}

func auditList(ctx context.Context, c *cmd, args []string) error {
	limit := c.fs.Int("limit", 50, "how many entries, newest first")
	return withStore(c, args, 0, "no argument", func([]string) error {
		es, err := c.store.ListAudit(ctx, team.AuditFilter{Limit: *limit})
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(c.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "TIME\tACTION\tTARGET\tDETAIL")
		for _, e := range es {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", e.Time.Format(time.DateTime), e.Action, e.Target, e.Detail)
		}
		return w.Flush()
	})
}
