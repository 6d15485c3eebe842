package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "data", "p.db"))
	if err != nil {
		t.Fatalf("an SQLite file: %v", err)
	}
	s.Close()
	if _, err := Open(context.Background(), " "); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("an empty value: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Nothing listens on port 1: the error says so and never shows the password.
	_, err = Open(ctx, "postgres://ada:s3cret@127.0.0.1:1/playground?connect_timeout=2")
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.HasPrefix(err.Error(), "database: ") {
		t.Errorf("an unreachable Postgres: %v", err)
	}
	if !IsPostgres("postgresql://h/db") || IsPostgres("data/p.db") {
		t.Error("IsPostgres")
	}
}
