package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"playground/server/team"
)

// SetPolicy sets a scope's policy; see team.Policies.
func (db *DB) SetPolicy(ctx context.Context, p *team.Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	stamp(&p.UpdatedAt, time.Now())
	return db.write(ctx, fmt.Sprintf("setting the %s's policy", p.Scope), func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, p.Scope); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO policies (scope_kind, scope_id, models, rpm, tpm, concurrent, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (scope_kind, scope_id) DO UPDATE SET models = excluded.models, rpm = excluded.rpm, tpm = excluded.tpm,
  concurrent = excluded.concurrent, updated_at = excluded.updated_at`,
			string(p.Scope.Kind), p.Scope.ID, strings.Join(p.Models, ","), p.RPM, p.TPM, p.Concurrent, ts(p.UpdatedAt))
		return err
	})
}

// DeletePolicy removes a scope's policy; see team.Policies.
func (db *DB) DeletePolicy(ctx context.Context, scope team.Scope) error {
	if err := scope.Validate(); err != nil {
		return err
	}
	return db.write(ctx, fmt.Sprintf("deleting the %s's policy", scope), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM policies WHERE scope_kind = ? AND scope_id = ?`, string(scope.Kind), scope.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = team.Errorf(team.ENotFound, "the %s has no policy", scope)
			}
			return err
		}
		return nil
	})
}

// ListPolicies returns the scopes' policies; see team.Policies.
func (db *DB) ListPolicies(ctx context.Context, scopes ...team.Scope) ([]team.Policy, error) {
	where, args, err := team.ScopeCondition(scopes, func(int) string { return "?" })
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT scope_kind, scope_id, models, rpm, tpm, concurrent, updated_at FROM policies`+where+
		` ORDER BY scope_kind, scope_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the policies: %w", err)
	}
	defer rows.Close()
	var out []team.Policy
	for rows.Next() {
		var p team.Policy
		var kind, models string
		var updated int64
		if err := rows.Scan(&kind, &p.Scope.ID, &models, &p.RPM, &p.TPM, &p.Concurrent, &updated); err != nil {
			return nil, fmt.Errorf("sqlite: listing the policies: %w", err)
		}
		p.Scope.Kind, p.UpdatedAt = team.ScopeKind(kind), fromTS(updated)
		if models != "" {
			p.Models = strings.Split(models, ",")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: listing the policies: %w", err)
	}
	return out, nil
}
