package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"playground/server/team"
)

// AddUser adds u; see team.Users.
func (db *DB) AddUser(ctx context.Context, u *team.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	stamp(&u.CreatedAt, time.Now())
	return db.write(ctx, "adding the user "+u.Email, func(tx *sql.Tx) error {
		taken, err := exists(ctx, tx, `SELECT 1 FROM users WHERE email = ?`, u.Email)
		if err != nil {
			return err
		}
		if taken {
			return team.Errorf(team.EConflict, "a user with the email %s exists already", u.Email)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO users (email, name, admin, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			u.Email, u.Name, u.Admin, ts(u.CreatedAt)).Scan(&u.ID)
	})
}

// FindUser returns the user with id; see team.Users.
func (db *DB) FindUser(ctx context.Context, id int64) (*team.User, error) {
	return db.findUser(ctx, db.r, `id = ?`, id, fmt.Sprintf("no user has the id %d", id))
}

// FindUserByEmail returns the user with email; see team.Users.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*team.User, error) {
	email = team.NormalizeEmail(email)
	return db.findUser(ctx, db.r, `email = ?`, email, fmt.Sprintf("no user has the email %s", email))
}

func (db *DB) findUser(ctx context.Context, q querier, where string, arg any, missing string) (*team.User, error) {
	users, err := scanUsers(q.QueryContext(ctx, `SELECT id, email, name, admin, created_at FROM users WHERE `+where, arg))
	if err != nil {
		return nil, fmt.Errorf("sqlite: finding a user: %w", err)
	}
	if len(users) == 0 {
		return nil, team.Errorf(team.ENotFound, "%s", missing)
	}
	return &users[0], nil
}

// ListUsers returns every user; see team.Users.
func (db *DB) ListUsers(ctx context.Context) ([]team.User, error) {
	users, err := scanUsers(db.r.QueryContext(ctx, `SELECT id, email, name, admin, created_at FROM users ORDER BY id`))
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the users: %w", err)
	}
	return users, nil
}

// SetAdmin makes the user an admin or not; see team.Users.
func (db *DB) SetAdmin(ctx context.Context, userID int64, admin bool) error {
	return db.write(ctx, fmt.Sprintf("setting the admin flag of the user %d", userID), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET admin = ? WHERE id = ?`, admin, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = team.Errorf(team.ENotFound, "no user has the id %d", userID)
			}
			return err
		}
		return nil
	})
}

func scanUsers(rows *sql.Rows, err error) ([]team.User, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []team.User
	for rows.Next() {
		var u team.User
		var created int64
		if err := rows.Scan(&u.ID, &u.Email, &u.Name, &u.Admin, &created); err != nil {
			return nil, err
		}
		u.CreatedAt = fromTS(created)
		out = append(out, u)
	}
	return out, rows.Err()
}

// AddTeam adds t; see team.Teams.
func (db *DB) AddTeam(ctx context.Context, t *team.Team) error {
	if err := t.Validate(); err != nil {
		return err
	}
	stamp(&t.CreatedAt, time.Now())
	return db.write(ctx, "adding the team "+t.Name, func(tx *sql.Tx) error {
		taken, err := exists(ctx, tx, `SELECT 1 FROM teams WHERE name = ?`, t.Name)
		if err != nil {
			return err
		}
		if taken {
			return team.Errorf(team.EConflict, "a team named %q exists already", t.Name)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO teams (name, created_at) VALUES (?, ?) RETURNING id`,
			t.Name, ts(t.CreatedAt)).Scan(&t.ID)
	})
}

// FindTeam returns the team with id; see team.Teams.
func (db *DB) FindTeam(ctx context.Context, id int64) (*team.Team, error) {
	var t team.Team
	var created int64
	err := db.r.QueryRowContext(ctx, `SELECT id, name, created_at FROM teams WHERE id = ?`, id).Scan(&t.ID, &t.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, team.Errorf(team.ENotFound, "no team has the id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: finding the team %d: %w", id, err)
	}
	t.CreatedAt = fromTS(created)
	return &t, nil
}

// FindTeamByName returns the team called name; see team.Teams.
func (db *DB) FindTeamByName(ctx context.Context, name string) (*team.Team, error) {
	name = strings.TrimSpace(name)
	var t team.Team
	var created int64
	err := db.r.QueryRowContext(ctx, `SELECT id, name, created_at FROM teams WHERE name = ?`, name).Scan(&t.ID, &t.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, team.Errorf(team.ENotFound, "no team is called %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: finding the team %q: %w", name, err)
	}
	t.CreatedAt = fromTS(created)
	return &t, nil
}

// ListTeams returns every team; see team.Teams.
func (db *DB) ListTeams(ctx context.Context) ([]team.Team, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, created_at FROM teams ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the teams: %w", err)
	}
	defer rows.Close()
	var out []team.Team
	for rows.Next() {
		var t team.Team
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			return nil, fmt.Errorf("sqlite: listing the teams: %w", err)
		}
		t.CreatedAt = fromTS(created)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: listing the teams: %w", err)
	}
	return out, nil
}

// AddMember adds a user to a team; see team.Teams.
func (db *DB) AddMember(ctx context.Context, m *team.Membership) error {
	if err := m.Role.Validate(); err != nil {
		return err
	}
	stamp(&m.CreatedAt, time.Now())
	return db.write(ctx, fmt.Sprintf("adding the user %d to the team %d", m.UserID, m.TeamID), func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, team.TeamScope(m.TeamID)); err != nil {
			return err
		}
		if err := mustExist(ctx, tx, team.UserScope(m.UserID)); err != nil {
			return err
		}
		in, err := exists(ctx, tx, `SELECT 1 FROM memberships WHERE team_id = ? AND user_id = ?`, m.TeamID, m.UserID)
		if err != nil {
			return err
		}
		if in {
			return team.Errorf(team.EConflict, "the user %d is in the team %d already", m.UserID, m.TeamID)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO memberships (team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
			m.TeamID, m.UserID, string(m.Role), ts(m.CreatedAt))
		return err
	})
}

// RemoveMember takes a user out of a team and revokes their tokens that bill it; see team.Teams.
func (db *DB) RemoveMember(ctx context.Context, teamID, userID int64) error {
	now := time.Now().UTC()
	return db.write(ctx, fmt.Sprintf("removing the user %d from the team %d", userID, teamID), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE team_id = ? AND user_id = ?`, teamID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = team.Errorf(team.ENotFound, "the user %d is not in the team %d", userID, teamID)
			}
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND team_id = ? AND revoked_at IS NULL`,
			ts(now), userID, teamID)
		return err
	})
}

// SetMemberRole changes a member's role; see team.Teams.
func (db *DB) SetMemberRole(ctx context.Context, teamID, userID int64, role team.Role) error {
	if err := role.Validate(); err != nil {
		return err
	}
	return db.write(ctx, fmt.Sprintf("setting the role of the user %d in the team %d", userID, teamID), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE memberships SET role = ? WHERE team_id = ? AND user_id = ?`, string(role), teamID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = team.Errorf(team.ENotFound, "the user %d is not in the team %d", userID, teamID)
			}
			return err
		}
		return nil
	})
}

// FindMembership returns a user's membership of a team; see team.Teams.
func (db *DB) FindMembership(ctx context.Context, teamID, userID int64) (*team.Membership, error) {
	ms, err := scanMemberships(db.r.QueryContext(ctx,
		`SELECT team_id, user_id, role, created_at FROM memberships WHERE team_id = ? AND user_id = ?`, teamID, userID))
	if err != nil {
		return nil, fmt.Errorf("sqlite: finding the user %d in the team %d: %w", userID, teamID, err)
	}
	if len(ms) == 0 {
		return nil, team.Errorf(team.ENotFound, "the user %d is not in the team %d", userID, teamID)
	}
	return &ms[0], nil
}

// ListMembers returns a team's members; see team.Teams.
func (db *DB) ListMembers(ctx context.Context, teamID int64) ([]team.Membership, error) {
	return db.listMemberships(ctx, team.TeamScope(teamID),
		`SELECT team_id, user_id, role, created_at FROM memberships WHERE team_id = ? ORDER BY user_id`)
}

// ListMemberships returns the teams a user is in; see team.Teams.
func (db *DB) ListMemberships(ctx context.Context, userID int64) ([]team.Membership, error) {
	return db.listMemberships(ctx, team.UserScope(userID),
		`SELECT team_id, user_id, role, created_at FROM memberships WHERE user_id = ? ORDER BY team_id`)
}

// listMemberships reads the memberships of one team or user in one read transaction, so "no such
// team" and the list agree.
func (db *DB) listMemberships(ctx context.Context, of team.Scope, query string) ([]team.Membership, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the memberships of the %s: %w", of, err)
	}
	defer tx.Rollback()
	if err := mustExist(ctx, tx, of); err != nil {
		return nil, wrap("listing the memberships of the "+of.String(), err)
	}
	ms, err := scanMemberships(tx.QueryContext(ctx, query, of.ID))
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing the memberships of the %s: %w", of, err)
	}
	return ms, nil
}

func scanMemberships(rows *sql.Rows, err error) ([]team.Membership, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []team.Membership
	for rows.Next() {
		var m team.Membership
		var role string
		var created int64
		if err := rows.Scan(&m.TeamID, &m.UserID, &role, &created); err != nil {
			return nil, err
		}
		m.Role, m.CreatedAt = team.Role(role), fromTS(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// scopeTables is the table of each scope kind's ids.
var scopeTables = map[team.ScopeKind]string{team.ScopeUser: "users", team.ScopeTeam: "teams", team.ScopeToken: "tokens"}

// mustExist returns an ENotFound error when the user, team or token s names does not exist.
func mustExist(ctx context.Context, q querier, s team.Scope) error {
	table, ok := scopeTables[s.Kind]
	if !ok {
		return s.Validate()
	}
	found, err := exists(ctx, q, `SELECT 1 FROM `+table+` WHERE id = ?`, s.ID)
	if err != nil {
		return fmt.Errorf("looking for the %s: %w", s, err)
	}
	if !found {
		return team.Errorf(team.ENotFound, "no %s has the id %d", s.Kind, s.ID)
	}
	return nil
}

// SetPassword sets the user's password hash; see team.Passwords.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	return db.write(ctx, fmt.Sprintf("setting the password of the user %d", userID), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password = ? WHERE id = ?`, hash, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return team.Errorf(team.ENotFound, "no user has the id %d", userID)
		}
		return nil
	})
}

// PasswordHash returns the user with email and their password hash; see team.Passwords.
func (db *DB) PasswordHash(ctx context.Context, email string) (*team.User, string, error) {
	u, err := db.FindUserByEmail(ctx, email)
	if err != nil {
		return nil, "", err
	}
	var hash string
	if err := db.r.QueryRowContext(ctx, `SELECT password FROM users WHERE id = ?`, u.ID).Scan(&hash); err != nil {
		return nil, "", fmt.Errorf("sqlite: reading the password of %s: %w", u.Email, err)
	}
	return u, hash, nil
}
