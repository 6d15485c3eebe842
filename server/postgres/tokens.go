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

// tokenColumns are the columns scanTokens reads.
const tokenColumns = `id, user_id, team_id, name, hash, display, created_at, expires_at, revoked_at`

// CreateToken stores t; see team.Tokens.
func (db *DB) CreateToken(ctx context.Context, t *team.Token) error {
	stamp(&t.CreatedAt, time.Now())
	if err := t.Validate(); err != nil {
		return err
	}
	return db.write(ctx, fmt.Sprintf("creating a token for the user %d", t.UserID), func(tx pgx.Tx) error {
		if err := mustExist(ctx, tx, team.UserScope(t.UserID)); err != nil {
			return err
		}
		if t.TeamID != 0 {
			if err := mustExist(ctx, tx, team.TeamScope(t.TeamID)); err != nil {
				return err
			}
			in, err := exists(ctx, tx, `SELECT 1 FROM memberships WHERE team_id = $1 AND user_id = $2`, t.TeamID, t.UserID)
			if err != nil {
				return err
			}
			if !in {
				return team.Errorf(team.EInvalid, "the user %d is not in the team %d, so a token cannot bill it", t.UserID, t.TeamID)
			}
		}
		err := tx.QueryRow(ctx, `INSERT INTO tokens (user_id, team_id, name, hash, display, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING RETURNING id`,
			t.UserID, nullID(t.TeamID), t.Name, t.Hash, t.Display, ts(t.CreatedAt), nullTS(t.ExpiresAt)).Scan(&t.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return team.Errorf(team.EConflict, "a token with this hash exists already")
		}
		return err
	})
}

// FindToken returns the token with id; see team.Tokens.
func (db *DB) FindToken(ctx context.Context, id int64) (*team.Token, error) {
	found, err := scanTokens(db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("postgres: finding the token %d: %w", id, err)
	}
	if len(found) == 0 {
		return nil, team.Errorf(team.ENotFound, "no token has the id %d", id)
	}
	return &found[0], nil
}

// FindTokenByHash returns the live token whose secret has hash; see team.Tokens.
func (db *DB) FindTokenByHash(ctx context.Context, hash string, now time.Time) (*team.Token, error) {
	found, err := scanTokens(db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1`, hash))
	if err != nil {
		return nil, wrap("finding a token by its hash", err)
	}
	if len(found) == 0 {
		return nil, team.Errorf(team.ENotFound, "no token has this secret")
	}
	if err := found[0].Check(now); err != nil {
		return nil, err
	}
	return &found[0], nil
}

// RevokeToken revokes the token with id; see team.Tokens. Revoking twice keeps the first time.
func (db *DB) RevokeToken(ctx context.Context, id int64, now time.Time) error {
	return db.write(ctx, fmt.Sprintf("revoking the token %d", id), func(tx pgx.Tx) error {
		if err := mustExist(ctx, tx, team.TokenScope(id)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, ts(now), id)
		return err
	})
}

// ListTokens returns a user's tokens; see team.Tokens.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]team.Token, error) {
	var out []team.Token
	err := db.read(ctx, fmt.Sprintf("listing the tokens of the user %d", userID), func(tx pgx.Tx) error {
		if err := mustExist(ctx, tx, team.UserScope(userID)); err != nil {
			return err
		}
		var err error
		out, err = scanTokens(tx.Query(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE user_id = $1 ORDER BY id`, userID))
		return err
	})
	return out, err
}

// scanTokens reads the rows of a SELECT tokenColumns FROM tokens.
func scanTokens(rows pgx.Rows, err error) ([]team.Token, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []team.Token
	for rows.Next() {
		var t team.Token
		var teamID, expires, revoked pgtype.Int8
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
	return db.write(ctx, fmt.Sprintf("creating a session for the user %d", s.UserID), func(tx pgx.Tx) error {
		if err := mustExist(ctx, tx, team.UserScope(s.UserID)); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO sessions (hash, user_id, created_at, seen_at, idle_ns, expires_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO NOTHING RETURNING id`,
			s.Hash, s.UserID, ts(s.CreatedAt), ts(s.SeenAt), int64(s.Idle), ts(s.ExpiresAt)).Scan(&s.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return team.Errorf(team.EConflict, "a session with this hash exists already")
		}
		return err
	})
}

// FindSession returns the live session whose secret has hash; see team.Sessions.
func (db *DB) FindSession(ctx context.Context, hash string, now time.Time) (*team.Session, error) {
	s, err := findSession(ctx, db.pool, hash, false)
	if err != nil {
		return nil, err
	}
	if err := s.Check(now); err != nil {
		return nil, err
	}
	return s, nil
}

// findSession returns the session whose secret has hash, its row locked until the transaction
// ends when lock; an ENotFound error when there is none.
func findSession(ctx context.Context, q querier, hash string, lock bool) (*team.Session, error) {
	query := `SELECT id, hash, user_id, created_at, seen_at, idle_ns, expires_at FROM sessions WHERE hash = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	var s team.Session
	var created, seen, idle, expires int64
	err := q.QueryRow(ctx, query, hash).Scan(&s.ID, &s.Hash, &s.UserID, &created, &seen, &idle, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, team.Errorf(team.ENotFound, "no session has this secret; sign in")
	}
	if err != nil {
		return nil, wrap("finding a session", err)
	}
	s.CreatedAt, s.SeenAt, s.Idle, s.ExpiresAt = fromTS(created), fromTS(seen), time.Duration(idle), fromTS(expires)
	return &s, nil
}

// TouchSession marks a session used at now; see team.Sessions. The session's row is locked while
// it is checked, so a replica touching it never moves seen_at back in time.
func (db *DB) TouchSession(ctx context.Context, hash string, now time.Time) error {
	return db.write(ctx, "touching a session", func(tx pgx.Tx) error {
		s, err := findSession(ctx, tx, hash, true)
		if err != nil {
			return err
		}
		if err := s.Check(now); err != nil {
			return err
		}
		if !now.After(s.SeenAt) {
			return nil // never back in time
		}
		_, err = tx.Exec(ctx, `UPDATE sessions SET seen_at = $1 WHERE id = $2`, ts(now), s.ID)
		return err
	})
}

// DeleteSession ends a session; see team.Sessions.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	return db.write(ctx, "deleting a session", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
		return err
	})
}

// DeleteUserSessions ends a user's sessions; see team.Sessions.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	var n int64
	err := db.write(ctx, fmt.Sprintf("deleting the sessions of the user %d", userID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// DeleteExpiredSessions removes the sessions ended at now; see team.Sessions.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := db.write(ctx, "deleting the ended sessions", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR seen_at + idle_ns <= $1`, ts(now))
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
