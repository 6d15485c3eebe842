package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"playground/server/team"
)

// tokenColumns are the columns scanToken reads.
const tokenColumns = `id, user_id, team_id, name, hash, display, created_at, expires_at, revoked_at`

// CreateToken stores t; see team.Tokens.
func (db *DB) CreateToken(ctx context.Context, t *team.Token) error {
	stamp(&t.CreatedAt, time.Now())
	if err := t.Validate(); err != nil {
		return err
	}
	return db.write(ctx, fmt.Sprintf("creating a token for the user %d", t.UserID), func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, team.UserScope(t.UserID)); err != nil {
			return err
		}
		if t.TeamID != 0 {
			if err := mustExist(ctx, tx, team.TeamScope(t.TeamID)); err != nil {
				return err
			}
			in, err := exists(ctx, tx, `SELECT 1 FROM memberships WHERE team_id = ? AND user_id = ?`, t.TeamID, t.UserID)
			if err != nil {
				return err
			}
			if !in {
				return team.Errorf(team.EInvalid, "the user %d is not in the team %d, so a token cannot bill it", t.UserID, t.TeamID)
			}
		}
		taken, err := exists(ctx, tx, `SELECT 1 FROM tokens WHERE hash = ?`, t.Hash)
		if err != nil {
			return err
		}
		if taken {
			return team.Errorf(team.EConflict, "a token with this hash exists already")
		}
		return tx.QueryRowContext(ctx, `INSERT INTO tokens (user_id, team_id, name, hash, display, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.UserID, nullID(t.TeamID), t.Name, t.Hash, t.Display, ts(t.CreatedAt), nullTS(t.ExpiresAt)).Scan(&t.ID)
	})
}

// FindToken returns the token with id; see team.Tokens.
func (db *DB) FindToken(ctx context.Context, id int64) (*team.Token, error) {
	found, err := scanTokens(db.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("sqlite: finding the token %d: %w", id, err)
	}
	if len(found) == 0 {
		return nil, team.Errorf(team.ENotFound, "no token has the id %d", id)
	}
	return &found[0], nil
}

// FindTokenByHash returns the live token whose secret has hash; see team.Tokens.
func (db *DB) FindTokenByHash(ctx context.Context, hash string, now time.Time) (*team.Token, error) {
	found, err := scanTokens(db.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hash))
	if err != nil {
		return nil, fmt.Errorf("sqlite: finding a token by its hash: %w", err)
	}
	if len(found) == 0 {
		return nil, team.Errorf(team.ENotFound, "no token has this secret")
	}
	if err := found[0].Check(now); err != nil {
		return nil, err
	}
	return &found[0], nil
}

// RevokeToken revokes the token with id; see team.Tokens.
func (db *DB) RevokeToken(ctx context.Context, id int64, now time.Time) error {
	return db.write(ctx, fmt.Sprintf("revoking the token %d", id), func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, team.TokenScope(id)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ts(now), id)
		return err
	})
}

// ListTokens returns a user's tokens; see team.Tokens.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]team.Token, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the tokens of the user %d: %w", userID, err)
	}
	defer tx.Rollback()
	if err := mustExist(ctx, tx, team.UserScope(userID)); err != nil {
		return nil, wrap(fmt.Sprintf("listing the tokens of the user %d", userID), err)
	}
	out, err := scanTokens(tx.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE user_id = ? ORDER BY id`, userID))
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the tokens of the user %d: %w", userID, err)
	}
	return out, nil
}

func scanTokens(rows *sql.Rows, err error) ([]team.Token, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []team.Token
	for rows.Next() {
		var t team.Token
		var teamID, expires, revoked sql.NullInt64
		var created int64
		if err := rows.Scan(&t.ID, &t.UserID, &teamID, &t.Name, &t.Hash, &t.Display, &created, &expires, &revoked); err != nil {
			return nil, err
		}
		t.TeamID, t.CreatedAt, t.ExpiresAt, t.RevokedAt = teamID.Int64, fromTS(created), fromNullTS(expires), fromNullTS(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// CreateSession stores s; see team.Sessions.
func (db *DB) CreateSession(ctx context.Context, s *team.Session) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.CreatedAt, s.SeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.SeenAt.UTC(), s.ExpiresAt.UTC()
	if s.SeenAt.IsZero() {
		s.SeenAt = s.CreatedAt
	}
	return db.write(ctx, fmt.Sprintf("creating a session for the user %d", s.UserID), func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, team.UserScope(s.UserID)); err != nil {
			return err
		}
		taken, err := exists(ctx, tx, `SELECT 1 FROM sessions WHERE hash = ?`, s.Hash)
		if err != nil {
			return err
		}
		if taken {
			return team.Errorf(team.EConflict, "a session with this hash exists already")
		}
		return tx.QueryRowContext(ctx, `INSERT INTO sessions (hash, user_id, created_at, seen_at, idle_ns, expires_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			s.Hash, s.UserID, ts(s.CreatedAt), ts(s.SeenAt), int64(s.Idle), ts(s.ExpiresAt)).Scan(&s.ID)
	})
}

// FindSession returns the live session whose secret has hash; see team.Sessions.
func (db *DB) FindSession(ctx context.Context, hash string, now time.Time) (*team.Session, error) {
	s, err := findSession(ctx, db.r, hash)
	if err != nil {
		return nil, err
	}
	if err := s.Check(now); err != nil {
		return nil, err
	}
	return s, nil
}

func findSession(ctx context.Context, q querier, hash string) (*team.Session, error) {
	var s team.Session
	var created, seen, idle, expires int64
	rows, err := q.QueryContext(ctx, `SELECT id, hash, user_id, created_at, seen_at, idle_ns, expires_at FROM sessions WHERE hash = ?`, hash)
	if err != nil {
		return nil, fmt.Errorf("sqlite: finding a session: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlite: finding a session: %w", err)
		}
		return nil, team.Errorf(team.ENotFound, "no session has this secret; sign in")
	}
	if err := rows.Scan(&s.ID, &s.Hash, &s.UserID, &created, &seen, &idle, &expires); err != nil {
		return nil, fmt.Errorf("sqlite: finding a session: %w", err)
	}
	s.CreatedAt, s.SeenAt, s.Idle, s.ExpiresAt = fromTS(created), fromTS(seen), time.Duration(idle), fromTS(expires)
	return &s, nil
}

// TouchSession marks a session used at now; see team.Sessions.
func (db *DB) TouchSession(ctx context.Context, hash string, now time.Time) error {
	return db.write(ctx, "touching a session", func(tx *sql.Tx) error {
		s, err := findSession(ctx, tx, hash)
		if err != nil {
			return err
		}
		if err := s.Check(now); err != nil {
			return err
		}
		if !now.After(s.SeenAt) {
			return nil // never back in time
		}
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET seen_at = ? WHERE id = ?`, ts(now), s.ID)
		return err
	})
}

// DeleteSession ends a session; see team.Sessions.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	return db.write(ctx, "deleting a session", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
		return err
	})
}

// DeleteUserSessions ends a user's sessions; see team.Sessions.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	var n int64
	err := db.write(ctx, fmt.Sprintf("deleting the sessions of the user %d", userID), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return int(n), err
}

// DeleteExpiredSessions removes the sessions ended at now; see team.Sessions.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := db.write(ctx, "deleting the ended sessions", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR seen_at + idle_ns <= ?`, ts(now), ts(now))
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return int(n), err
}
