// Package store opens the store a -database value names: a postgres:// (or postgresql://) URL
// is Postgres (server/postgres), for several replicas behind a load balancer; anything else is an
// SQLite file (server/sqlite), created on first use. The server and the admin commands open it the
// same way.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"playground/server/postgres"
	"playground/server/sqlite"
	"playground/server/team"
)

// Store is a team.Store that can be closed.
type Store interface {
	team.Store
	Close() error
}

// IsPostgres reports whether database names a Postgres database.
func IsPostgres(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// Open opens the store database names.
func Open(ctx context.Context, database string) (Store, error) {
	switch {
	case strings.TrimSpace(database) == "":
		return nil, errors.New("database: empty; give an SQLite file or a postgres:// URL")
	case IsPostgres(database):
		db, err := postgres.Open(ctx, database)
		if err != nil {
			return nil, fmt.Errorf("database: %w", err)
		}
		return db, nil
	}
	db, err := sqlite.Open(database)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", database, err)
	}
	return db, nil
}
