package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"playground/server/team"
)

// usageRecordColumns are the columns scanUsage takes.
const usageRecordColumns = `usage_log.id, usage_log.request_id, user_id, team_id, token_id, provider, model, operation, kind,
  input_tokens, output_tokens, cost, cost_source, status, expired, duration_ns, started_at`

// usageSelect reads the records without their content; usageExportSelect with it (scanUsage's
// content argument).
const (
	usageSelect       = `SELECT ` + usageRecordColumns + ` FROM usage_log`
	usageExportSelect = `SELECT ` + usageRecordColumns + `, COALESCE(c.prompt, ''), COALESCE(c.answer, '')
  FROM usage_log LEFT JOIN usage_content c ON c.request_id = usage_log.request_id`
)

// usageWhere is the WHERE clause (empty or starting with " WHERE") and arguments of f, without
// its BeforeID.
func usageWhere(f team.UsageFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) { conds, args = append(conds, cond), append(args, arg) }
	if !f.Since.IsZero() {
		add("started_at >= ?", ts(f.Since))
	}
	if !f.Until.IsZero() {
		add("started_at < ?", ts(f.Until))
	}
	if f.UserID != 0 {
		add("user_id = ?", f.UserID)
	}
	if f.TeamID != 0 {
		add("team_id = ?", f.TeamID)
	}
	if f.TokenID != 0 {
		add("token_id = ?", f.TokenID)
	}
	if f.Provider != "" {
		add("provider = ?", f.Provider)
	}
	if f.Model != "" {
		add("model = ?", f.Model)
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListUsage returns a page of usage records, newest first; see team.UsageLog.
func (db *DB) ListUsage(ctx context.Context, f team.UsageFilter) ([]team.Usage, error) {
	where, args := usageWhere(f)
	rows, err := db.r.QueryContext(ctx, usageSelect+where+` ORDER BY started_at DESC, id DESC LIMIT ?`, append(args, team.PageLimit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the usage: %w", err)
	}
	defer rows.Close()
	var out []team.Usage
	for rows.Next() {
		u, err := scanUsage(rows, false)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing the usage: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: listing the usage: %w", err)
	}
	return out, nil
}

// ExportUsage streams the usage records, oldest first; see team.UsageLog.
func (db *DB) ExportUsage(ctx context.Context, f team.UsageFilter, fn func(team.Usage) error) error {
	where, args := usageWhere(f)
	rows, err := db.r.QueryContext(ctx, usageExportSelect+where+` ORDER BY started_at, usage_log.id`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: exporting the usage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUsage(rows, true)
		if err != nil {
			return fmt.Errorf("sqlite: exporting the usage: %w", err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: exporting the usage: %w", err)
	}
	return nil
}

// TotalUsage sums the usage records; see team.UsageLog.
func (db *DB) TotalUsage(ctx context.Context, f team.UsageFilter) (team.UsageTotal, error) {
	where, args := usageWhere(f)
	var t team.UsageTotal
	var cost int64
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), COALESCE(SUM(cost), 0) FROM usage_log`+where, args...).
		Scan(&t.Calls, &t.InputTokens, &t.OutputTokens, &cost)
	if err != nil {
		return team.UsageTotal{}, fmt.Errorf("sqlite: summing the usage: %w", err)
	}
	t.Cost = team.Money(cost)
	return t, nil
}

func scanUsage(rows *sql.Rows, content bool) (team.Usage, error) {
	var u team.Usage
	var userID, teamID, tokenID sql.NullInt64
	var cost, duration, started int64
	var source string
	var expired int
	dest := []any{&u.ID, &u.RequestID, &userID, &teamID, &tokenID, &u.Provider, &u.Model, &u.Operation, &u.Kind,
		&u.InputTokens, &u.OutputTokens, &cost, &source, &u.Status, &expired, &duration, &started}
	if content {
		dest = append(dest, &u.Prompt, &u.Answer)
	}
	err := rows.Scan(dest...)
	u.UserID, u.TeamID, u.TokenID = userID.Int64, teamID.Int64, tokenID.Int64
	u.CostSource = team.CostSource(source)
	u.Cost, u.Expired, u.Duration, u.Time = team.Money(cost), expired != 0, time.Duration(duration), fromTS(started)
	return u, err
}

// AppendAudit appends an entry to the audit log; see team.Audit.
func (db *DB) AppendAudit(ctx context.Context, e *team.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	stamp(&e.Time, time.Now())
	return db.write(ctx, "appending "+e.Action+" to the audit log", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor_id, action, target, detail) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			ts(e.Time), nullID(e.ActorID), e.Action, e.Target, e.Detail).Scan(&e.ID)
	})
}

// ListAudit returns a page of audit entries, newest first; see team.Audit.
func (db *DB) ListAudit(ctx context.Context, f team.AuditFilter) ([]team.AuditEntry, error) {
	var conds []string
	var args []any
	add := func(cond string, arg any) { conds, args = append(conds, cond), append(args, arg) }
	if !f.Since.IsZero() {
		add("at >= ?", ts(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < ?", ts(f.Until))
	}
	if f.ActorID != 0 {
		add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, at, actor_id, action, target, detail FROM audit_log`+where+` ORDER BY id DESC LIMIT ?`,
		append(args, team.PageLimit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the audit log: %w", err)
	}
	defer rows.Close()
	var out []team.AuditEntry
	for rows.Next() {
		var e team.AuditEntry
		var at int64
		var actor sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("sqlite: listing the audit log: %w", err)
		}
		e.Time, e.ActorID = fromTS(at), actor.Int64
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: listing the audit log: %w", err)
	}
	return out, nil
}

// rollupKeys are the column of the daily rollup each group sums by, and the order of its buckets.
var rollupKeys = map[team.UsageGroup]struct{ column, order string }{
	team.GroupDay:   {"day", "day"},
	team.GroupUser:  {"user_id", "SUM(cost) DESC, user_id"},
	team.GroupTeam:  {"team_id", "SUM(cost) DESC, team_id"},
	team.GroupModel: {"model", "SUM(cost) DESC, model"},
}

// rollupWhere is the WHERE clause (empty or starting with " WHERE") and arguments of f on the
// daily rollup, at day precision (see team.UsageDays).
func rollupWhere(f team.UsageFilter) (string, []any, error) {
	if f.TokenID != 0 {
		return "", nil, team.Errorf(team.EInvalid, "the daily usage is not kept per token (export the usage log for token %d)", f.TokenID)
	}
	var conds []string
	var args []any
	add := func(cond string, arg any) { conds, args = append(conds, cond), append(args, arg) }
	from, to := team.UsageDays(f)
	if !from.IsZero() {
		add("day >= ?", ts(from))
	}
	if !to.IsZero() {
		add("day < ?", ts(to))
	}
	if f.UserID != 0 {
		add("user_id = ?", f.UserID)
	}
	if f.TeamID != 0 {
		add("team_id = ?", f.TeamID)
	}
	if f.Provider != "" {
		add("provider = ?", f.Provider)
	}
	if f.Model != "" {
		add("model = ?", f.Model)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// UsageByDay sums the daily rollup by day, user, team or model; see team.UsageLog.
func (db *DB) UsageByDay(ctx context.Context, f team.UsageFilter, by team.UsageGroup) ([]team.UsageBucket, error) {
	if err := by.Validate(); err != nil {
		return nil, err
	}
	where, args, err := rollupWhere(f)
	if err != nil {
		return nil, err
	}
	k := rollupKeys[by]
	rows, err := db.r.QueryContext(ctx, `SELECT `+k.column+`, SUM(calls), SUM(input_tokens), SUM(output_tokens), SUM(cost) FROM usage_daily`+
		where+` GROUP BY `+k.column+` ORDER BY `+k.order, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: summing the daily usage by %s: %w", by, err)
	}
	defer rows.Close()
	var out []team.UsageBucket
	for rows.Next() {
		var b team.UsageBucket
		var key any
		var cost int64
		if err := rows.Scan(&key, &b.Calls, &b.InputTokens, &b.OutputTokens, &cost); err != nil {
			return nil, fmt.Errorf("sqlite: summing the daily usage by %s: %w", by, err)
		}
		b.Cost = team.Money(cost)
		switch v := key.(type) {
		case int64:
			switch by {
			case team.GroupDay:
				b.Day = fromTS(v)
			case team.GroupUser:
				b.UserID = v
			case team.GroupTeam:
				b.TeamID = v
			}
		case string:
			b.Model = v
		case []byte:
			b.Model = string(v)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: summing the daily usage by %s: %w", by, err)
	}
	return out, nil
}

// DeleteUsageBefore deletes the usage records older than before, a batch per transaction; see
// team.UsageLog.
func (db *DB) DeleteUsageBefore(ctx context.Context, before time.Time, batch int) (int, error) {
	if before.IsZero() {
		return 0, team.Errorf(team.EInvalid, "deleting the usage needs a time to delete it before")
	}
	if batch <= 0 {
		batch = team.DefaultPruneBatch
	}
	what := "deleting the usage before " + before.UTC().Format(time.RFC3339)
	total := 0
	for {
		var n int64
		err := db.write(ctx, what, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM usage_log WHERE id IN (SELECT id FROM usage_log WHERE started_at < ? ORDER BY started_at, id LIMIT ?)`,
				ts(before), batch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, err
		}
		total += int(n)
		if n < int64(batch) {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("sqlite: %s: %w", what, err)
		}
	}
}
