package storetest

import (
	"context"
	"testing"
	"time"

	"playground/server/team"
)

// testJobs: a job's binding is found by id, binds once, refuses another client, and old ones are
// deleted.
func testJobs(t *testing.T, open Open) {
	ctx := context.Background()
	db, replica := open(t)
	other := replica(t)
	j := &team.Job{ID: "gen-1", Client: "user:1", Provider: "aimlapi", Kind: "video", Path: "/v2/video/generations", Created: T0}
	must(t, db.BindJob(ctx, j))
	must(t, db.BindJob(ctx, &team.Job{ID: "gen-1", Client: "user:1", Provider: "aimlapi", Path: "/v2/video/generations"})) // again: nothing changes
	wantCode(t, other.BindJob(ctx, &team.Job{ID: "gen-1", Client: "user:2", Provider: "aimlapi", Path: "/v2/video/generations"}), team.EConflict)
	got, err := other.FindJob(ctx, "gen-1") // the replica sees it
	must(t, err)
	if *got != *j {
		t.Errorf("found %+v, want %+v", got, j)
	}
	_, err = db.FindJob(ctx, "gen-2")
	wantCode(t, err, team.ENotFound)
	wantCode(t, db.BindJob(ctx, &team.Job{ID: "gen-3", Provider: "aimlapi", Path: "/x"}), team.EInvalid)
	must(t, db.BindJob(ctx, &team.Job{ID: "gen-4", Client: "user:1", Provider: "aimlapi", Path: "/x", Created: T0.Add(time.Hour)}))
	n, err := db.DeleteJobsBefore(ctx, T0.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	if _, err := db.FindJob(ctx, "gen-4"); err != nil {
		t.Errorf("a young job was deleted: %v", err)
	}
}
