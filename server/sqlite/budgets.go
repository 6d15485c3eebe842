package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"playground/server/team"
)

// usageColumns is the usage_log column naming each scope kind's id.
var usageColumns = map[team.ScopeKind]string{team.ScopeUser: "user_id", team.ScopeTeam: "team_id", team.ScopeToken: "token_id"}

// SetBudget sets a scope's budget for a period; see team.Budgets.
func (db *DB) SetBudget(ctx context.Context, b *team.Budget) error {
	if err := b.Validate(); err != nil {
		return err
	}
	stamp(&b.UpdatedAt, time.Now())
	return db.write(ctx, fmt.Sprintf("setting the %s budget per %s", b.Scope, b.Period), func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, b.Scope); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO budgets (scope_kind, scope_id, period, limit_nano, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (scope_kind, scope_id, period) DO UPDATE SET limit_nano = excluded.limit_nano, updated_at = excluded.updated_at`,
			string(b.Scope.Kind), b.Scope.ID, string(b.Period), b.Limit.Nano(), ts(b.UpdatedAt))
		return err
	})
}

// DeleteBudget removes a scope's budget for a period, with its counters; the reservations that
// held it no longer do. See team.Budgets.
func (db *DB) DeleteBudget(ctx context.Context, scope team.Scope, period team.Period) error {
	if err := scope.Validate(); err != nil {
		return err
	}
	if err := period.Validate(); err != nil {
		return err
	}
	return db.write(ctx, fmt.Sprintf("deleting the %s budget per %s", scope, period), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM budgets WHERE scope_kind = ? AND scope_id = ? AND period = ?`,
			string(scope.Kind), scope.ID, string(period))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = team.Errorf(team.ENotFound, "the %s has no budget per %s", scope, period)
			}
			return err
		}
		return nil
	})
}

// ListBudgets returns budgets with their current periods' counters; see team.Budgets.
func (db *DB) ListBudgets(ctx context.Context, now time.Time, scopes ...team.Scope) ([]team.BudgetStatus, error) {
	for _, s := range scopes {
		if err := s.Validate(); err != nil {
			return nil, err
		}
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the budgets: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT b.scope_kind, b.scope_id, b.period, b.limit_nano, b.updated_at, c.spent, c.reserved
FROM budgets b LEFT JOIN budget_counters c
  ON c.scope_kind = b.scope_kind AND c.scope_id = b.scope_id AND c.period = b.period
 AND c.period_start = CASE b.period WHEN 'day' THEN ? WHEN 'week' THEN ? ELSE ? END
ORDER BY b.scope_kind, b.scope_id, CASE b.period WHEN 'day' THEN 1 WHEN 'week' THEN 2 ELSE 3 END`,
		ts(team.Day.Start(now)), ts(team.Week.Start(now)), ts(team.Month.Start(now)))
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the budgets: %w", err)
	}
	want := map[team.Scope]bool{}
	for _, s := range scopes {
		want[s] = true
	}
	var out []team.BudgetStatus
	var unseeded []int // budgets whose period has no counter yet
	for rows.Next() {
		var st team.BudgetStatus
		var kind, period string
		var limit, updated int64
		var spent, reserved sql.NullInt64
		if err := rows.Scan(&kind, &st.Scope.ID, &period, &limit, &updated, &spent, &reserved); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: listing the budgets: %w", err)
		}
		st.Scope.Kind, st.Period, st.Limit, st.UpdatedAt = team.ScopeKind(kind), team.Period(period), team.Money(limit), fromTS(updated)
		if len(want) > 0 && !want[st.Scope] {
			continue
		}
		st.Start, st.ResetsAt = st.Period.Start(now), st.Period.Next(now)
		st.Spent, st.Reserved = team.Money(spent.Int64), team.Money(reserved.Int64)
		if !spent.Valid {
			unseeded = append(unseeded, len(out))
		}
		out = append(out, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: listing the budgets: %w", err)
	}
	for _, i := range unseeded { // what the period's first reservation will find spent
		st := &out[i]
		var spent int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(cost), 0) FROM usage_log WHERE `+usageColumns[st.Scope.Kind]+` = ? AND started_at >= ? AND started_at < ?`,
			st.Scope.ID, ts(st.Start), ts(st.ResetsAt)).Scan(&spent); err != nil {
			return nil, fmt.Errorf("sqlite: listing the budgets: %w", err)
		}
		st.Spent = team.Money(spent)
	}
	return out, nil
}

// budgetRow is one budget of a scope, read inside a reservation.
type budgetRow struct {
	period team.Period
	limit  team.Money
}

// Reserve holds a call's largest cost against every budget of its scopes in one transaction;
// see team.Budgets.
//
// For each budget, the period's counter row is made when missing (its spent seeded from the usage
// log, so a budget set mid-period counts what was spent before it), then one conditional UPDATE
// takes the amount: UPDATE … SET reserved = reserved + n WHERE spent + reserved + n <= limit. An
// UPDATE that changes no row is the refusal, and the transaction is rolled back whole.
func (db *DB) Reserve(ctx context.Context, requestID string, scopes []team.Scope, amount team.Money, now time.Time) error {
	if err := team.ValidateRequestID(requestID); err != nil {
		return err
	}
	if err := amount.Validate("the amount to reserve"); err != nil {
		return err
	}
	scopes, err := team.NormalizeScopes(scopes)
	if err != nil {
		return err
	}
	now = now.UTC()
	return db.write(ctx, fmt.Sprintf("reserving %s for the request %q", amount, requestID), func(tx *sql.Tx) error {
		if err := requestIDFree(ctx, tx, requestID); err != nil {
			return err
		}
		ids := map[team.ScopeKind]int64{}
		for _, s := range scopes {
			if err := mustExist(ctx, tx, s); err != nil {
				return err
			}
			ids[s.Kind] = s.ID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reservations (request_id, amount, user_id, team_id, token_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			requestID, amount.Nano(), nullID(ids[team.ScopeUser]), nullID(ids[team.ScopeTeam]), nullID(ids[team.ScopeToken]), ts(now)); err != nil {
			return err
		}
		for _, s := range scopes {
			budgets, err := scopeBudgets(ctx, tx, s)
			if err != nil {
				return err
			}
			for _, b := range budgets {
				if err := hold(ctx, tx, requestID, s, b, amount, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// requestIDFree returns an EConflict error when requestID was reserved or settled already.
func requestIDFree(ctx context.Context, tx *sql.Tx, requestID string) error {
	reserved, err := exists(ctx, tx, `SELECT 1 FROM reservations WHERE request_id = ?`, requestID)
	if err != nil {
		return err
	}
	if reserved {
		return team.Errorf(team.EConflict, "the request %q has a reservation already", requestID)
	}
	settled, err := exists(ctx, tx, `SELECT 1 FROM usage_log WHERE request_id = ?`, requestID)
	if err != nil {
		return err
	}
	if settled {
		return team.Errorf(team.EConflict, "the request %q was settled already", requestID)
	}
	return nil
}

// scopeBudgets reads a scope's budgets, shortest period first.
func scopeBudgets(ctx context.Context, tx *sql.Tx, s team.Scope) ([]budgetRow, error) {
	rows, err := tx.QueryContext(ctx, `SELECT period, limit_nano FROM budgets WHERE scope_kind = ? AND scope_id = ?
ORDER BY CASE period WHEN 'day' THEN 1 WHEN 'week' THEN 2 ELSE 3 END`, string(s.Kind), s.ID)
	if err != nil {
		return nil, fmt.Errorf("reading the budgets of the %s: %w", s, err)
	}
	defer rows.Close()
	var out []budgetRow
	for rows.Next() {
		var period string
		var limit int64
		if err := rows.Scan(&period, &limit); err != nil {
			return nil, fmt.Errorf("reading the budgets of the %s: %w", s, err)
		}
		out = append(out, budgetRow{team.Period(period), team.Money(limit)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the budgets of the %s: %w", s, err)
	}
	return out, nil
}

// hold takes amount from one budget's current counter, or returns the refusal.
func hold(ctx context.Context, tx *sql.Tx, requestID string, s team.Scope, b budgetRow, amount team.Money, now time.Time) error {
	start, next := b.period.Start(now), b.period.Next(now)
	key := []any{string(s.Kind), s.ID, string(b.period), ts(start)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO budget_counters (scope_kind, scope_id, period, period_start, spent, reserved)
SELECT ?, ?, ?, ?, COALESCE(SUM(cost), 0), 0 FROM usage_log WHERE `+usageColumns[s.Kind]+` = ? AND started_at >= ? AND started_at < ?
ON CONFLICT (scope_kind, scope_id, period, period_start) DO NOTHING`,
		append(key, s.ID, ts(start), ts(next))...); err != nil {
		return fmt.Errorf("making the %s counter per %s: %w", s, b.period, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE budget_counters SET reserved = reserved + ?
WHERE scope_kind = ? AND scope_id = ? AND period = ? AND period_start = ? AND spent + reserved + ? <= ?`,
		append(append([]any{amount.Nano()}, key...), amount.Nano(), b.limit.Nano())...)
	if err != nil {
		return fmt.Errorf("reserving from the %s budget per %s: %w", s, b.period, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("reserving from the %s budget per %s: %w", s, b.period, err)
	}
	if n == 0 {
		var spent, reserved int64
		if err := tx.QueryRowContext(ctx, `SELECT spent, reserved FROM budget_counters
WHERE scope_kind = ? AND scope_id = ? AND period = ? AND period_start = ?`, key...).Scan(&spent, &reserved); err != nil {
			return fmt.Errorf("reading the %s counter per %s: %w", s, b.period, err)
		}
		return team.BudgetExceeded(team.Refusal{
			Scope: s, Period: b.period, Limit: b.limit, Wanted: amount, ResetsAt: next,
			Left: max(b.limit-team.Money(spent)-team.Money(reserved), 0),
		})
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO reservation_holds (request_id, scope_kind, scope_id, period, period_start) VALUES (?, ?, ?, ?, ?)`,
		append([]any{requestID}, key...)...)
	if err != nil {
		return fmt.Errorf("recording the hold on the %s budget per %s: %w", s, b.period, err)
	}
	return nil
}

// Settle charges a call's real cost and releases the rest of its reservation; see team.Budgets.
func (db *DB) Settle(ctx context.Context, requestID string, cost team.Money, u team.Usage) error {
	if err := team.ValidateRequestID(requestID); err != nil {
		return err
	}
	u.RequestID, u.Cost, u.Expired = requestID, cost, false
	if err := u.Validate(); err != nil {
		return err
	}
	return db.write(ctx, fmt.Sprintf("settling the request %q at %s", requestID, cost), func(tx *sql.Tx) error {
		_, err := settle(ctx, tx, u)
		return err
	})
}

// ExpireReservations charges the reservations left unsettled in full; see team.Budgets.
func (db *DB) ExpireReservations(ctx context.Context, olderThan time.Duration, now time.Time) (int, error) {
	if olderThan < 0 {
		return 0, team.Errorf(team.EInvalid, "reservations cannot expire after a negative time (%s)", olderThan)
	}
	n := 0
	err := db.write(ctx, "expiring the reservations", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT request_id, amount FROM reservations WHERE created_at <= ? ORDER BY created_at, request_id`,
			ts(now.Add(-olderThan)))
		if err != nil {
			return err
		}
		var due []team.Usage
		for rows.Next() {
			var u team.Usage
			var amount int64
			if err := rows.Scan(&u.RequestID, &amount); err != nil {
				rows.Close()
				return err
			}
			u.Cost, u.Expired, u.CostSource = team.Money(amount), true, team.CostReservation
			due = append(due, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, u := range due {
			if _, err := settle(ctx, tx, u); err != nil {
				return fmt.Errorf("expiring the request %q: %w", u.RequestID, err)
			}
		}
		n = len(due)
		return nil
	})
	return n, err
}

// rollupUpsert adds one call to its row of the daily rollup, making the row when missing.
const rollupUpsert = `INSERT INTO usage_daily (day, user_id, team_id, model, provider, calls, input_tokens, output_tokens, cost)
VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
ON CONFLICT (day, user_id, team_id, model, provider) DO UPDATE SET calls = usage_daily.calls + 1,
  input_tokens = usage_daily.input_tokens + excluded.input_tokens, output_tokens = usage_daily.output_tokens + excluded.output_tokens,
  cost = usage_daily.cost + excluded.cost`

// settle charges u.Cost to the budgets u.RequestID's reservation holds, writes u to the usage log,
// adds it to the daily rollup and removes the reservation. It reports false, changing nothing,
// when the request was settled already; a request never reserved is ENotFound.
func settle(ctx context.Context, tx *sql.Tx, u team.Usage) (bool, error) {
	var amount, created int64
	var userID, teamID, tokenID sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT amount, user_id, team_id, token_id, created_at FROM reservations WHERE request_id = ?`, u.RequestID).
		Scan(&amount, &userID, &teamID, &tokenID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		done, err := exists(ctx, tx, `SELECT 1 FROM usage_log WHERE request_id = ?`, u.RequestID)
		if err != nil || done {
			return false, err
		}
		return false, team.Errorf(team.ENotFound, "the request %q has no reservation to settle (reserve first)", u.RequestID)
	}
	if err != nil {
		return false, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT scope_kind, scope_id, period, period_start FROM reservation_holds WHERE request_id = ?`, u.RequestID)
	if err != nil {
		return false, err
	}
	var holds [][]any
	for rows.Next() {
		var kind, period string
		var id, start int64
		if err := rows.Scan(&kind, &id, &period, &start); err != nil {
			rows.Close()
			return false, err
		}
		holds = append(holds, []any{kind, id, period, start})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, key := range holds {
		if _, err := tx.ExecContext(ctx, `UPDATE budget_counters SET reserved = reserved - ?, spent = spent + ?
WHERE scope_kind = ? AND scope_id = ? AND period = ? AND period_start = ?`,
			append([]any{amount, u.Cost.Nano()}, key...)...); err != nil {
			return false, fmt.Errorf("charging the %s %d budget per %s: %w", key[0], key[1], key[2], err)
		}
	}
	if u.UserID == 0 {
		u.UserID = userID.Int64
	}
	if u.TeamID == 0 {
		u.TeamID = teamID.Int64
	}
	if u.TokenID == 0 {
		u.TokenID = tokenID.Int64
	}
	if u.Time.IsZero() {
		u.Time = fromTS(created)
	}
	expired := 0
	if u.Expired {
		expired = 1
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO usage_log (request_id, user_id, team_id, token_id, provider, model, operation, kind,
  input_tokens, output_tokens, cost, cost_source, status, expired, duration_ns, started_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.RequestID, nullID(u.UserID), nullID(u.TeamID), nullID(u.TokenID), u.Provider, u.Model, u.Operation, u.Kind,
		u.InputTokens, u.OutputTokens, u.Cost.Nano(), string(u.CostSource), u.Status, expired, int64(u.Duration), ts(u.Time)); err != nil {
		return false, fmt.Errorf("writing the usage: %w", err)
	}
	if u.Prompt != "" || u.Answer != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO usage_content (request_id, prompt, answer) VALUES (?, ?, ?)`, u.RequestID, u.Prompt, u.Answer); err != nil {
			return false, fmt.Errorf("writing the usage's content: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, rollupUpsert, ts(team.Day.Start(u.Time)), u.UserID, u.TeamID, u.Model, u.Provider,
		u.InputTokens, u.OutputTokens, u.Cost.Nano()); err != nil {
		return false, fmt.Errorf("adding the usage to the daily rollup: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM reservations WHERE request_id = ?`, u.RequestID); err != nil {
		return false, fmt.Errorf("removing the reservation: %w", err)
	}
	return true, nil
}
