package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"playground/server/team"
)

// BindJob records a job's binding; see team.Jobs.
func (db *DB) BindJob(ctx context.Context, j *team.Job) error {
	if err := j.Validate(); err != nil {
		return err
	}
	stamp(&j.Created, time.Now())
	return db.write(ctx, "binding the job "+j.ID, func(tx *sql.Tx) error {
		var client, provider string
		err := tx.QueryRowContext(ctx, `SELECT client, provider FROM jobs WHERE id = ?`, j.ID).Scan(&client, &provider)
		switch {
		case err == nil:
			if client != j.Client || provider != j.Provider {
				return team.Errorf(team.EConflict, "the job %s is bound to another client", j.ID)
			}
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO jobs (id, client, provider, kind, path, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			j.ID, j.Client, j.Provider, j.Kind, j.Path, ts(j.Created))
		return err
	})
}

// FindJob returns a job's binding; see team.Jobs.
func (db *DB) FindJob(ctx context.Context, id string) (*team.Job, error) {
	j := team.Job{ID: id}
	var created int64
	err := db.r.QueryRowContext(ctx, `SELECT client, provider, kind, path, created_at FROM jobs WHERE id = ?`, id).
		Scan(&j.Client, &j.Provider, &j.Kind, &j.Path, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, team.Errorf(team.ENotFound, "no job has the id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: finding the job %q: %w", id, err)
	}
	j.Created = fromTS(created)
	return &j, nil
}

// DeleteJobsBefore removes old jobs' bindings; see team.Jobs.
func (db *DB) DeleteJobsBefore(ctx context.Context, t time.Time) (int, error) {
	var n int64
	err := db.write(ctx, "deleting old jobs", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE created_at < ?`, ts(t))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
