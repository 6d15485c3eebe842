package team

import (
	"context"
	"strings"
	"time"
)

// Job is a generation (a video, music or transcript job) bound to the client whose call made it,
// shared by the replicas so that a poll reaching any of them finds whose it is.
type Job struct {
	// ID is the provider's generation id.
	ID string
	// Client is whom the job is bound to: "user:N" for a signed-in user.
	Client string
	// Provider, Kind and Path are where and how it is polled.
	Provider, Kind, Path string
	// Created is when it was made (BindJob sets it to now when zero).
	Created time.Time
}

// Validate refuses a job without an id, client, provider or path with an EInvalid error.
func (j *Job) Validate() error {
	for _, f := range []struct{ name, v string }{{"id", j.ID}, {"client", j.Client}, {"provider", j.Provider}, {"path", j.Path}} {
		if strings.TrimSpace(f.v) == "" {
			return Errorf(EInvalid, "the job's %s is empty", f.name)
		}
	}
	return nil
}

// Jobs keeps the jobs' bindings.
type Jobs interface {
	// BindJob records j (validated). An id already bound to another client or provider is
	// EConflict; binding it again to the same one changes nothing.
	BindJob(ctx context.Context, j *Job) error
	// FindJob returns the job with id; ENotFound when there is none.
	FindJob(ctx context.Context, id string) (*Job, error)
	// DeleteJobsBefore removes the jobs made before t and returns how many.
	DeleteJobsBefore(ctx context.Context, t time.Time) (int, error)
}
