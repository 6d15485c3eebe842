package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"playground/server/team"
)

// AddUser adds u; see team.Users. Two replicas adding one email at once: ON CONFLICT lets one in
// and tells the other it exists.
func (db *DB) AddUser(ctx context.Context, u *team.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	stamp(&u.CreatedAt, time.Now())
	return db.write(ctx, "adding the user "+u.Email, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users (email, name, admin, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (email) DO NOTHING RETURNING id`,
			u.Email, u.Name, u.Admin, ts(u.CreatedAt)).Scan(&u.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return team.Errorf(team.EConflict, "a user with the email %s exists already", u.Email)
		}
		return err
	})
}

// FindUser returns the user with id; see team.Users.
func (db *DB) FindUser(ctx context.Context, id int64) (*team.User, error) {
	return db.findUser(ctx, `id = $1`, id, fmt.Sprintf("no user has the id %d", id))
}

// FindUserByEmail returns the user with email; see team.Users.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*team.User, error) {
	email = team.NormalizeEmail(email)
	return db.findUser(ctx, `email = $1`, email, fmt.Sprintf("no user has the email %s", email))
}

// findUser returns the user where selects, or an ENotFound error saying missing.
func (db *DB) findUser(ctx context.Context, where string, arg any, missing string) (*team.User, error) {
	users, err := scanUsers(db.pool.Query(ctx, `SELECT id, email, name, admin, created_at FROM users WHERE `+where, arg))
	if err != nil {
		return nil, wrap("finding a user", err)
	}
	if len(users) == 0 {
		return nil, team.Errorf(team.ENotFound, "%s", missing)
	}
	return &users[0], nil
}

// ListUsers returns every user; see team.Users.
func (db *DB) ListUsers(ctx context.Context) ([]team.User, error) {
	users, err := scanUsers(db.pool.Query(ctx, `SELECT id, email, name, admin, created_at FROM users ORDER BY id`))
	if err != nil {
		return nil, fmt.Errorf("postgres: listing the users: %w", err)
	}
	return users, nil
}

// scanUsers reads the rows of a SELECT id, email, name, admin, created_at FROM users.
// SetAdmin makes the user an admin or not; see team.Users.
func (db *DB) SetAdmin(ctx context.Context, userID int64, admin bool) error {
	return db.write(ctx, fmt.Sprintf("setting the admin flag of the user %d", userID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET admin = $1 WHERE id = $2`, admin, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return team.Errorf(team.ENotFound, "no user has the id %d", userID)
		}
		return nil
	})
}

func scanUsers(rows pgx.Rows, err error) ([]team.User, error) {
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
	return db.write(ctx, "adding the team "+t.Name, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO teams (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id`,
			t.Name, ts(t.CreatedAt)).Scan(&t.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return team.Errorf(team.EConflict, "a team named %q exists already", t.Name)
		}
		return err
	})
}

// FindTeam returns the team with id; see team.Teams.
func (db *DB) FindTeam(ctx context.Context, id int64) (*team.Team, error) {
	t, err := db.findTeam(ctx, `id = $1`, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, team.Errorf(team.ENotFound, "no team has the id %d", id)
	}
	if err != nil {
		return nil, wrap(fmt.Sprintf("finding the team %d", id), err)
	}
	return t, nil
}

// FindTeamByName returns the team called name; see team.Teams.
func (db *DB) FindTeamByName(ctx context.Context, name string) (*team.Team, error) {
	name = strings.TrimSpace(name)
	t, err := db.findTeam(ctx, `name = $1`, name)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, team.Errorf(team.ENotFound, "no team is called %q", name)
	}
	if err != nil {
		return nil, wrap(fmt.Sprintf("finding the team %q", name), err)
	}
	return t, nil
}

// findTeam returns the team where selects; pgx.ErrNoRows when there is none.
func (db *DB) findTeam(ctx context.Context, where string, arg any) (*team.Team, error) {
	var t team.Team
	var created int64
	if err := db.pool.QueryRow(ctx, `SELECT id, name, created_at FROM teams WHERE `+where, arg).Scan(&t.ID, &t.Name, &created); err != nil {
		return nil, err
	}
	t.CreatedAt = fromTS(created)
	return &t, nil
}

// ListTeams returns every team; see team.Teams.
func (db *DB) ListTeams(ctx context.Context) ([]team.Team, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, name, created_at FROM teams ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing the teams: %w", err)
	}
	defer rows.Close()
	var out []team.Team
	for rows.Next() {
		var t team.Team
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			return nil, fmt.Errorf("postgres: listing the teams: %w", err)
		}
		t.CreatedAt = fromTS(created)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: listing the teams: %w", err)
	}
	return out, nil
}

// AddMember adds a user to a team; see team.Teams.
func (db *DB) AddMember(ctx context.Context, m *team.Membership) error {
	if err := m.Role.Validate(); err != nil {
		return err
	}
	stamp(&m.CreatedAt, time.Now())
	return db.write(ctx, fmt.Sprintf("adding the user %d to the team %d", m.UserID, m.TeamID), func(tx pgx.Tx) error {
		if err := mustExist(ctx, tx, team.TeamScope(m.TeamID)); err != nil {
			return err
		}
		if err := mustExist(ctx, tx, team.UserScope(m.UserID)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (team_id, user_id) DO NOTHING`,
			m.TeamID, m.UserID, string(m.Role), ts(m.CreatedAt))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return team.Errorf(team.EConflict, "the user %d is in the team %d already", m.UserID, m.TeamID)
		}
		return nil
	})
}

// RemoveMember takes a user out of a team and revokes their tokens that bill it; see team.Teams.
func (db *DB) RemoveMember(ctx context.Context, teamID, userID int64) error {
	now := time.Now().UTC()
	return db.write(ctx, fmt.Sprintf("removing the user %d from the team %d", userID, teamID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM memberships WHERE team_id = $1 AND user_id = $2`, teamID, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return team.Errorf(team.ENotFound, "the user %d is not in the team %d", userID, teamID)
		}
		_, err = tx.Exec(ctx, `UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND team_id = $3 AND revoked_at IS NULL`,
			ts(now), userID, teamID)
		return err
	})
}

// SetMemberRole changes a member's role; see team.Teams.
func (db *DB) SetMemberRole(ctx context.Context, teamID, userID int64, role team.Role) error {
	if err := role.Validate(); err != nil {
		return err
	}
	return db.write(ctx, fmt.Sprintf("setting the role of the user %d in the team %d", userID, teamID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE memberships SET role = $1 WHERE team_id = $2 AND user_id = $3`, string(role), teamID, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return team.Errorf(team.ENotFound, "the user %d is not in the team %d", userID, teamID)
		}
		return nil
	})
}

// FindMembership returns a user's membership of a team; see team.Teams.
func (db *DB) FindMembership(ctx context.Context, teamID, userID int64) (*team.Membership, error) {
	ms, err := scanMemberships(db.pool.Query(ctx,
		`SELECT team_id, user_id, role, created_at FROM memberships WHERE team_id = $1 AND user_id = $2`, teamID, userID))
	if err != nil {
		return nil, fmt.Errorf("postgres: finding the user %d in the team %d: %w", userID, teamID, err)
	}
	if len(ms) == 0 {
		return nil, team.Errorf(team.ENotFound, "the user %d is not in the team %d", userID, teamID)
	}
	return &ms[0], nil
}

// ListMembers returns a team's members; see team.Teams.
func (db *DB) ListMembers(ctx context.Context, teamID int64) ([]team.Membership, error) {
	return db.listMemberships(ctx, team.TeamScope(teamID),
		`SELECT team_id, user_id, role, created_at FROM memberships WHERE team_id = $1 ORDER BY user_id`)
}

// ListMemberships returns the teams a user is in; see team.Teams.
func (db *DB) ListMemberships(ctx context.Context, userID int64) ([]team.Membership, error) {
	return db.listMemberships(ctx, team.UserScope(userID),
		`SELECT team_id, user_id, role, created_at FROM memberships WHERE user_id = $1 ORDER BY team_id`)
}

// listMemberships reads the memberships of one team or user in one read transaction, so "no such
// team" and the list agree.
func (db *DB) listMemberships(ctx context.Context, of team.Scope, query string) ([]team.Membership, error) {
	var ms []team.Membership
	err := db.read(ctx, "listing the memberships of the "+of.String(), func(tx pgx.Tx) error {
		if err := mustExist(ctx, tx, of); err != nil {
			return err
		}
		var err error
		ms, err = scanMemberships(tx.Query(ctx, query, of.ID))
		return err
	})
	return ms, err
}

// scanMemberships reads the rows of a SELECT team_id, user_id, role, created_at FROM memberships.
func scanMemberships(rows pgx.Rows, err error) ([]team.Membership, error) {
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
	found, err := exists(ctx, q, `SELECT 1 FROM `+table+` WHERE id = $1`, s.ID)
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
	return db.write(ctx, fmt.Sprintf("setting the password of the user %d", userID), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
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
	if err := db.pool.QueryRow(ctx, `SELECT password FROM users WHERE id = $1`, u.ID).Scan(&hash); err != nil {
		return nil, "", fmt.Errorf("postgres: reading the password of %s: %w", u.Email, err)
	}
	return u, hash, nil
}
