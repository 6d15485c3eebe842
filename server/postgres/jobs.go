package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"playground/server/team"
)

// BindJob records a job's binding; see team.Jobs.
func (db *DB) BindJob(ctx context.Context, j *team.Job) error {
	if err := j.Validate(); err != nil {
		return err
	}
	stamp(&j.Created, time.Now())
	return db.write(ctx, "binding the job "+j.ID, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO jobs (id, client, provider, kind, path, created_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO NOTHING`, j.ID, j.Client, j.Provider, j.Kind, j.Path, ts(j.Created)); err != nil {
			return err
		}
		var client, provider string
		if err := tx.QueryRow(ctx, `SELECT client, provider FROM jobs WHERE id = $1`, j.ID).Scan(&client, &provider); err != nil {
			return err
		}
		if client != j.Client || provider != j.Provider {
			return team.Errorf(team.EConflict, "the job %s is bound to another client", j.ID)
		}
		return nil
	})
}

// FindJob returns a job's binding; see team.Jobs.
func (db *DB) FindJob(ctx context.Context, id string) (*team.Job, error) {
	j := team.Job{ID: id}
	var created int64
	err := db.pool.QueryRow(ctx, `SELECT client, provider, kind, path, created_at FROM jobs WHERE id = $1`, id).
		Scan(&j.Client, &j.Provider, &j.Kind, &j.Path, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, team.Errorf(team.ENotFound, "no job has the id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: finding the job %q: %w", id, err)
	}
	j.Created = fromTS(created)
	return &j, nil
}

// DeleteJobsBefore removes old jobs' bindings; see team.Jobs.
func (db *DB) DeleteJobsBefore(ctx context.Context, t time.Time) (int, error) {
	var n int64
	err := db.write(ctx, "deleting old jobs", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM jobs WHERE created_at < $1`, ts(t))
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
