package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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

// conds gathers the conditions of a WHERE clause and their arguments, numbered $1, $2, … in order.
type conds struct {
	list []string
	args []any
}

// add appends cond, whose one argument is written "$?", with arg.
func (c *conds) add(cond string, arg any) {
	c.args = append(c.args, arg)
	c.list = append(c.list, strings.Replace(cond, "$?", fmt.Sprintf("$%d", len(c.args)), 1))
}

// where is the WHERE clause, empty or starting with " WHERE".
func (c *conds) where() string {
	if len(c.list) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.list, " AND ")
}

// next is the placeholder of the next argument, for a LIMIT after the conditions.
func (c *conds) next() string { return fmt.Sprintf("$%d", len(c.args)+1) }

// usageWhere is the conditions of f, its BeforeID too.
func usageWhere(f team.UsageFilter) *conds {
	c := &conds{}
	if !f.Since.IsZero() {
		c.add("started_at >= $?", ts(f.Since))
	}
	if !f.Until.IsZero() {
		c.add("started_at < $?", ts(f.Until))
	}
	if f.UserID != 0 {
		c.add("user_id = $?", f.UserID)
	}
	if f.TeamID != 0 {
		c.add("team_id = $?", f.TeamID)
	}
	if f.TokenID != 0 {
		c.add("token_id = $?", f.TokenID)
	}
	if f.Provider != "" {
		c.add("provider = $?", f.Provider)
	}
	if f.Model != "" {
		c.add("model = $?", f.Model)
	}
	if f.BeforeID > 0 {
		c.add("id < $?", f.BeforeID)
	}
	return c
}

// ListUsage returns a page of usage records, newest first; see team.UsageLog.
func (db *DB) ListUsage(ctx context.Context, f team.UsageFilter) ([]team.Usage, error) {
	c := usageWhere(f)
	rows, err := db.pool.Query(ctx, usageSelect+c.where()+` ORDER BY started_at DESC, id DESC LIMIT `+c.next(),
		append(c.args, team.PageLimit(f.Limit))...)
	if err != nil {
		return nil, wrap("listing the usage", err)
	}
	defer rows.Close()
	var out []team.Usage
	for rows.Next() {
		u, err := scanUsage(rows, false)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing the usage: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("listing the usage", err)
	}
	return out, nil
}

// ExportUsage streams the usage records, oldest first; see team.UsageLog. The records are read
// in one snapshot (one query), however long fn takes.
func (db *DB) ExportUsage(ctx context.Context, f team.UsageFilter, fn func(team.Usage) error) error {
	c := usageWhere(f)
	rows, err := db.pool.Query(ctx, usageExportSelect+c.where()+` ORDER BY started_at, usage_log.id`, c.args...)
	if err != nil {
		return wrap("exporting the usage", err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUsage(rows, true)
		if err != nil {
			return fmt.Errorf("postgres: exporting the usage: %w", err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return wrap("exporting the usage", err)
	}
	return nil
}

// TotalUsage sums the usage records; see team.UsageLog.
func (db *DB) TotalUsage(ctx context.Context, f team.UsageFilter) (team.UsageTotal, error) {
	c := usageWhere(f)
	var t team.UsageTotal
	var cost int64
	err := db.pool.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(input_tokens), 0)::bigint, COALESCE(SUM(output_tokens), 0)::bigint,
  COALESCE(SUM(cost), 0)::bigint FROM usage_log`+c.where(), c.args...).
		Scan(&t.Calls, &t.InputTokens, &t.OutputTokens, &cost)
	if err != nil {
		return team.UsageTotal{}, wrap("summing the usage", err)
	}
	t.Cost = team.Money(cost)
	return t, nil
}

// scanUsage reads a row of usageSelect.
func scanUsage(rows pgx.Rows, content bool) (team.Usage, error) {
	var u team.Usage
	var userID, teamID, tokenID pgtype.Int8
	var cost, duration, started int64
	var source string
	dest := []any{&u.ID, &u.RequestID, &userID, &teamID, &tokenID, &u.Provider, &u.Model, &u.Operation, &u.Kind,
		&u.InputTokens, &u.OutputTokens, &cost, &source, &u.Status, &u.Expired, &duration, &started}
	if content {
		dest = append(dest, &u.Prompt, &u.Answer)
	}
	err := rows.Scan(dest...)
	u.UserID, u.TeamID, u.TokenID = userID.Int64, teamID.Int64, tokenID.Int64
	u.Cost, u.CostSource, u.Duration, u.Time = team.Money(cost), team.CostSource(source), time.Duration(duration), fromTS(started)
	return u, err
}

// AppendAudit appends an entry to the audit log; see team.Audit.
func (db *DB) AppendAudit(ctx context.Context, e *team.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	stamp(&e.Time, time.Now())
	return db.write(ctx, "appending "+e.Action+" to the audit log", func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO audit_log (at, actor_id, action, target, detail) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			ts(e.Time), nullID(e.ActorID), e.Action, e.Target, e.Detail).Scan(&e.ID)
	})
}

// ListAudit returns a page of audit entries, newest first; see team.Audit.
func (db *DB) ListAudit(ctx context.Context, f team.AuditFilter) ([]team.AuditEntry, error) {
	c := &conds{}
	if !f.Since.IsZero() {
		c.add("at >= $?", ts(f.Since))
	}
	if !f.Until.IsZero() {
		c.add("at < $?", ts(f.Until))
	}
	if f.ActorID != 0 {
		c.add("actor_id = $?", f.ActorID)
	}
	if f.Action != "" {
		c.add("action = $?", f.Action)
	}
	if f.BeforeID > 0 {
		c.add("id < $?", f.BeforeID)
	}
	rows, err := db.pool.Query(ctx, `SELECT id, at, actor_id, action, target, detail FROM audit_log`+c.where()+` ORDER BY id DESC LIMIT `+c.next(),
		append(c.args, team.PageLimit(f.Limit))...)
	if err != nil {
		return nil, wrap("listing the audit log", err)
	}
	defer rows.Close()
	var out []team.AuditEntry
	for rows.Next() {
		var e team.AuditEntry
		var at int64
		var actor pgtype.Int8
		if err := rows.Scan(&e.ID, &at, &actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("postgres: listing the audit log: %w", err)
		}
		e.Time, e.ActorID = fromTS(at), actor.Int64
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("listing the audit log", err)
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

// rollupWhere is the conditions of f on the daily rollup, at day precision (see team.UsageDays).
func rollupWhere(f team.UsageFilter) (*conds, error) {
	if f.TokenID != 0 {
		return nil, team.Errorf(team.EInvalid, "the daily usage is not kept per token (export the usage log for token %d)", f.TokenID)
	}
	c := &conds{}
	from, to := team.UsageDays(f)
	if !from.IsZero() {
		c.add("day >= $?", ts(from))
	}
	if !to.IsZero() {
		c.add("day < $?", ts(to))
	}
	if f.UserID != 0 {
		c.add("user_id = $?", f.UserID)
	}
	if f.TeamID != 0 {
		c.add("team_id = $?", f.TeamID)
	}
	if f.Provider != "" {
		c.add("provider = $?", f.Provider)
	}
	if f.Model != "" {
		c.add("model = $?", f.Model)
	}
	return c, nil
}

// UsageByDay sums the daily rollup by day, user, team or model; see team.UsageLog.
func (db *DB) UsageByDay(ctx context.Context, f team.UsageFilter, by team.UsageGroup) ([]team.UsageBucket, error) {
	if err := by.Validate(); err != nil {
		return nil, err
	}
	c, err := rollupWhere(f)
	if err != nil {
		return nil, err
	}
	k := rollupKeys[by]
	key := k.column
	if by == team.GroupModel {
		key = "0::bigint, " + key
	} else {
		key += ", ''::text"
	}
	rows, err := db.pool.Query(ctx, `SELECT `+key+`, SUM(calls)::bigint, SUM(input_tokens)::bigint, SUM(output_tokens)::bigint, SUM(cost)::bigint
FROM usage_daily`+c.where()+` GROUP BY `+k.column+` ORDER BY `+k.order, c.args...)
	if err != nil {
		return nil, wrap("summing the daily usage by "+string(by), err)
	}
	defer rows.Close()
	var out []team.UsageBucket
	for rows.Next() {
		var b team.UsageBucket
		var id, cost int64
		if err := rows.Scan(&id, &b.Model, &b.Calls, &b.InputTokens, &b.OutputTokens, &cost); err != nil {
			return nil, fmt.Errorf("postgres: summing the daily usage by %s: %w", by, err)
		}
		b.Cost = team.Money(cost)
		switch by {
		case team.GroupDay:
			b.Day = fromTS(id)
		case team.GroupUser:
			b.UserID = id
		case team.GroupTeam:
			b.TeamID = id
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("summing the daily usage by "+string(by), err)
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
		err := db.write(ctx, what, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `DELETE FROM usage_log WHERE id IN (SELECT id FROM usage_log WHERE started_at < $1 ORDER BY started_at, id LIMIT $2)`,
				ts(before), batch)
			n = tag.RowsAffected()
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
			return total, fmt.Errorf("postgres: %s: %w", what, err)
		}
	}
}
