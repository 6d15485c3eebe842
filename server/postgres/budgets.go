package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"playground/server/team"
)

// usageColumns is the usage_log column naming each scope kind's id.
var usageColumns = map[team.ScopeKind]string{team.ScopeUser: "user_id", team.ScopeTeam: "team_id", team.ScopeToken: "token_id"}

// periodRank orders a period column shortest first (day, week, month): the order in which a
// reservation locks a scope's counters, and settlements too, so that they never deadlock.
const periodRank = `CASE period WHEN 'day' THEN 1 WHEN 'week' THEN 2 ELSE 3 END`

// SetBudget sets a scope's budget for a period; see team.Budgets.
func (db *DB) SetBudget(ctx context.Context, b *team.Budget) error {
	if err := b.Validate(); err != nil {
		return err
	}
	stamp(&b.UpdatedAt, time.Now())
	return db.write(ctx, fmt.Sprintf("setting the %s budget per %s", b.Scope, b.Period), func(tx pgx.Tx) error {
		if err := mustExist(ctx, tx, b.Scope); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO budgets (scope_kind, scope_id, period, limit_nano, updated_at) VALUES ($1, $2, $3, $4, $5)
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
	return db.write(ctx, fmt.Sprintf("deleting the %s budget per %s", scope, period), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM budgets WHERE scope_kind = $1 AND scope_id = $2 AND period = $3`,
			string(scope.Kind), scope.ID, string(period))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return team.Errorf(team.ENotFound, "the %s has no budget per %s", scope, period)
		}
		return nil
	})
}

// ListBudgets returns budgets with their current periods' counters, read in one snapshot; see
// team.Budgets.
func (db *DB) ListBudgets(ctx context.Context, now time.Time, scopes ...team.Scope) ([]team.BudgetStatus, error) {
	for _, s := range scopes {
		if err := s.Validate(); err != nil {
			return nil, err
		}
	}
	want := map[team.Scope]bool{}
	for _, s := range scopes {
		want[s] = true
	}
	var out []team.BudgetStatus
	err := db.read(ctx, "listing the budgets", func(tx pgx.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT b.scope_kind, b.scope_id, b.period, b.limit_nano, b.updated_at, c.spent, c.reserved
FROM budgets b LEFT JOIN budget_counters c
  ON c.scope_kind = b.scope_kind AND c.scope_id = b.scope_id AND c.period = b.period
 AND c.period_start = CASE b.period WHEN 'day' THEN $1::bigint WHEN 'week' THEN $2::bigint ELSE $3::bigint END
ORDER BY b.scope_kind, b.scope_id, CASE b.period WHEN 'day' THEN 1 WHEN 'week' THEN 2 ELSE 3 END`,
			ts(team.Day.Start(now)), ts(team.Week.Start(now)), ts(team.Month.Start(now)))
		if err != nil {
			return err
		}
		var unseeded []int // budgets whose period has no counter yet
		for rows.Next() {
			var st team.BudgetStatus
			var kind, period string
			var limit, updated int64
			var spent, reserved pgtype.Int8
			if err := rows.Scan(&kind, &st.Scope.ID, &period, &limit, &updated, &spent, &reserved); err != nil {
				rows.Close()
				return err
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
			return err
		}
		for _, i := range unseeded { // what the period's first reservation will find spent
			st := &out[i]
			var spent int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(cost), 0)::bigint FROM usage_log WHERE `+usageColumns[st.Scope.Kind]+` = $1 AND started_at >= $2 AND started_at < $3`,
				st.Scope.ID, ts(st.Start), ts(st.ResetsAt)).Scan(&spent); err != nil {
				return err
			}
			st.Spent = team.Money(spent)
		}
		return nil
	})
	if err != nil {
		return nil, err
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
// For each budget, in the order of the sorted scopes and then shortest period first, the period's
// counter row is made when missing (INSERT … ON CONFLICT DO NOTHING; its spent seeded from the
// usage log, so a budget set mid-period counts what was spent before it), then one conditional
// UPDATE takes the amount: UPDATE … SET reserved = reserved + $n WHERE spent + reserved + $n <=
// limit. At READ COMMITTED, an UPDATE that meets a row another transaction is changing waits for
// it and evaluates its condition again on the row's new version, so across any number of replicas
// no budget goes over. An UPDATE that changes no row is the refusal, and the transaction is
// rolled back whole.
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
	return db.write(ctx, fmt.Sprintf("reserving %s for the request %q", amount, requestID), func(tx pgx.Tx) error {
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
		// A reservation of the same id by another replica, not committed yet, makes this insert
		// wait for it; once it is committed, the insert does nothing.
		tag, err := tx.Exec(ctx, `INSERT INTO reservations (request_id, amount, user_id, team_id, token_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (request_id) DO NOTHING`,
			requestID, amount.Nano(), nullID(ids[team.ScopeUser]), nullID(ids[team.ScopeTeam]), nullID(ids[team.ScopeToken]), ts(now))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return team.Errorf(team.EConflict, "the request %q has a reservation already", requestID)
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
func requestIDFree(ctx context.Context, tx pgx.Tx, requestID string) error {
	reserved, err := exists(ctx, tx, `SELECT 1 FROM reservations WHERE request_id = $1`, requestID)
	if err != nil {
		return err
	}
	if reserved {
		return team.Errorf(team.EConflict, "the request %q has a reservation already", requestID)
	}
	settled, err := exists(ctx, tx, `SELECT 1 FROM usage_log WHERE request_id = $1`, requestID)
	if err != nil {
		return err
	}
	if settled {
		return team.Errorf(team.EConflict, "the request %q was settled already", requestID)
	}
	return nil
}

// scopeBudgets reads a scope's budgets, shortest period first.
func scopeBudgets(ctx context.Context, tx pgx.Tx, s team.Scope) ([]budgetRow, error) {
	rows, err := tx.Query(ctx, `SELECT period, limit_nano FROM budgets WHERE scope_kind = $1 AND scope_id = $2 ORDER BY `+periodRank,
		string(s.Kind), s.ID)
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
func hold(ctx context.Context, tx pgx.Tx, requestID string, s team.Scope, b budgetRow, amount team.Money, now time.Time) error {
	start, next := b.period.Start(now), b.period.Next(now)
	kind, period := string(s.Kind), string(b.period)
	if _, err := tx.Exec(ctx, `INSERT INTO budget_counters (scope_kind, scope_id, period, period_start, spent, reserved)
SELECT $1::text, $2::bigint, $3::text, $4::bigint, COALESCE(SUM(cost), 0)::bigint, 0
  FROM usage_log WHERE `+usageColumns[s.Kind]+` = $2 AND started_at >= $4 AND started_at < $5
ON CONFLICT (scope_kind, scope_id, period, period_start) DO NOTHING`,
		kind, s.ID, period, ts(start), ts(next)); err != nil {
		return fmt.Errorf("making the %s counter per %s: %w", s, b.period, err)
	}
	tag, err := tx.Exec(ctx, `UPDATE budget_counters SET reserved = reserved + $1
WHERE scope_kind = $2 AND scope_id = $3 AND period = $4 AND period_start = $5 AND spent + reserved + $1 <= $6`,
		amount.Nano(), kind, s.ID, period, ts(start), b.limit.Nano())
	if err != nil {
		return fmt.Errorf("reserving from the %s budget per %s: %w", s, b.period, err)
	}
	if tag.RowsAffected() == 0 {
		var spent, reserved int64
		if err := tx.QueryRow(ctx, `SELECT spent, reserved FROM budget_counters
WHERE scope_kind = $1 AND scope_id = $2 AND period = $3 AND period_start = $4`, kind, s.ID, period, ts(start)).Scan(&spent, &reserved); err != nil {
			return fmt.Errorf("reading the %s counter per %s: %w", s, b.period, err)
		}
		return team.BudgetExceeded(team.Refusal{
			Scope: s, Period: b.period, Limit: b.limit, Wanted: amount, ResetsAt: next,
			Left: max(b.limit-team.Money(spent)-team.Money(reserved), 0),
		})
	}
	if _, err := tx.Exec(ctx, `INSERT INTO reservation_holds (request_id, scope_kind, scope_id, period, period_start) VALUES ($1, $2, $3, $4, $5)`,
		requestID, kind, s.ID, period, ts(start)); err != nil {
		return fmt.Errorf("recording the hold on the %s budget per %s: %w", s, b.period, err)
	}
	return nil
}

// Settle charges a call's real cost and releases the rest of its reservation; see team.Budgets.
// Two replicas settling one request at once charge it once: the reservation's row is locked
// first, and the one that waited for it finds it gone and the usage written.
func (db *DB) Settle(ctx context.Context, requestID string, cost team.Money, u team.Usage) error {
	if err := team.ValidateRequestID(requestID); err != nil {
		return err
	}
	u.RequestID, u.Cost, u.Expired = requestID, cost, false
	if err := u.Validate(); err != nil {
		return err
	}
	return db.write(ctx, fmt.Sprintf("settling the request %q at %s", requestID, cost), func(tx pgx.Tx) error {
		_, err := settle(ctx, tx, u)
		return err
	})
}

// ExpireReservations charges the reservations left unsettled in full; see team.Budgets. Each is
// settled in a transaction of its own, so an expiry never holds many budgets' rows at once; one
// that a replica settles meanwhile is not counted.
func (db *DB) ExpireReservations(ctx context.Context, olderThan time.Duration, now time.Time) (int, error) {
	if olderThan < 0 {
		return 0, team.Errorf(team.EInvalid, "reservations cannot expire after a negative time (%s)", olderThan)
	}
	var due []team.Usage
	rows, err := db.pool.Query(ctx, `SELECT request_id, amount FROM reservations WHERE created_at <= $1 ORDER BY created_at, request_id`,
		ts(now.Add(-olderThan)))
	if err != nil {
		return 0, fmt.Errorf("postgres: expiring the reservations: %w", err)
	}
	for rows.Next() {
		var u team.Usage
		var amount int64
		if err := rows.Scan(&u.RequestID, &amount); err != nil {
			rows.Close()
			return 0, fmt.Errorf("postgres: expiring the reservations: %w", err)
		}
		u.Cost, u.Expired, u.CostSource = team.Money(amount), true, team.CostReservation
		due = append(due, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("postgres: expiring the reservations: %w", err)
	}
	n := 0
	for _, u := range due {
		var done bool
		err := db.write(ctx, fmt.Sprintf("expiring the request %q", u.RequestID), func(tx pgx.Tx) error {
			var err error
			done, err = settle(ctx, tx, u)
			return err
		})
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// rollupUpsert adds one call to its row of the daily rollup, making the row when missing. Two
// settlements of one day's row meet on its lock, taken after their counters' (one order).
const rollupUpsert = `INSERT INTO usage_daily (day, user_id, team_id, model, provider, calls, input_tokens, output_tokens, cost)
VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8)
ON CONFLICT (day, user_id, team_id, model, provider) DO UPDATE SET calls = usage_daily.calls + 1,
  input_tokens = usage_daily.input_tokens + excluded.input_tokens, output_tokens = usage_daily.output_tokens + excluded.output_tokens,
  cost = usage_daily.cost + excluded.cost`

// settle charges the cost to the budgets u.RequestID's reservation holds (for an expired one, u.Cost
// is its whole amount), writes u to the usage log, adds it to the daily rollup and removes the
// reservation. It reports false, changing nothing, when the request was settled already; a request
// never reserved is ENotFound.
func settle(ctx context.Context, tx pgx.Tx, u team.Usage) (bool, error) {
	var amount, created int64
	var userID, teamID, tokenID pgtype.Int8
	err := tx.QueryRow(ctx, `SELECT amount, user_id, team_id, token_id, created_at FROM reservations WHERE request_id = $1 FOR UPDATE`, u.RequestID).
		Scan(&amount, &userID, &teamID, &tokenID, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		// At READ COMMITTED this statement sees what a settlement that held the row committed.
		done, err := exists(ctx, tx, `SELECT 1 FROM usage_log WHERE request_id = $1`, u.RequestID)
		if err != nil || done {
			return false, err
		}
		return false, team.Errorf(team.ENotFound, "the request %q has no reservation to settle (reserve first)", u.RequestID)
	}
	if err != nil {
		return false, err
	}
	type counter struct {
		kind, period string
		id, start    int64
	}
	rows, err := tx.Query(ctx, `SELECT scope_kind, scope_id, period, period_start FROM reservation_holds WHERE request_id = $1
ORDER BY scope_kind, scope_id, `+periodRank+`, period_start`, u.RequestID)
	if err != nil {
		return false, err
	}
	var holds []counter
	for rows.Next() {
		var c counter
		if err := rows.Scan(&c.kind, &c.id, &c.period, &c.start); err != nil {
			rows.Close()
			return false, err
		}
		holds = append(holds, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, c := range holds {
		if _, err := tx.Exec(ctx, `UPDATE budget_counters SET reserved = reserved - $1, spent = spent + $2
WHERE scope_kind = $3 AND scope_id = $4 AND period = $5 AND period_start = $6`,
			amount, u.Cost.Nano(), c.kind, c.id, c.period, c.start); err != nil {
			return false, fmt.Errorf("charging the %s %d budget per %s: %w", c.kind, c.id, c.period, err)
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
	if _, err := tx.Exec(ctx, `INSERT INTO usage_log (request_id, user_id, team_id, token_id, provider, model, operation, kind,
  input_tokens, output_tokens, cost, cost_source, status, expired, duration_ns, started_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		u.RequestID, nullID(u.UserID), nullID(u.TeamID), nullID(u.TokenID), u.Provider, u.Model, u.Operation, u.Kind,
		u.InputTokens, u.OutputTokens, u.Cost.Nano(), string(u.CostSource), u.Status, u.Expired, int64(u.Duration), ts(u.Time)); err != nil {
		return false, fmt.Errorf("writing the usage: %w", err)
	}
	if u.Prompt != "" || u.Answer != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO usage_content (request_id, prompt, answer) VALUES ($1, $2, $3)`, u.RequestID, u.Prompt, u.Answer); err != nil {
			return false, fmt.Errorf("writing the usage's content: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, rollupUpsert, ts(team.Day.Start(u.Time)), u.UserID, u.TeamID, u.Model, u.Provider,
		u.InputTokens, u.OutputTokens, u.Cost.Nano()); err != nil {
		return false, fmt.Errorf("adding the usage to the daily rollup: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM reservations WHERE request_id = $1`, u.RequestID); err != nil {
		return false, fmt.Errorf("removing the reservation: %w", err)
	}
	return true, nil
}
