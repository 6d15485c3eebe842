package replicas

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"playground/app/kind"
	"playground/server/team"
)

// TestJobsAcrossReplicas: a video job made through one server is polled through the other by
// its user; another user with its id gets 404 there, and the provider never hears of it.
func TestJobsAcrossReplicas(t *testing.T) {
	c := newCluster(t, withEmbeddedCatalogue)
	ctx := context.Background()
	bob := &team.User{Email: "bob@example.org"}
	if err := c.db.AddUser(ctx, bob); err != nil {
		t.Fatal(err)
	}
	bobSecret, tok, err := team.NewToken(bob.ID, 0, "bob", time.Now(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.db.CreateToken(ctx, &tok); err != nil {
		t.Fatal(err)
	}
	do := func(method, url, token, body string) (int, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := do("POST", c.urls[0]+"/api/v2/video/generations", c.token, `{"model":"google/veo3","prompt":"a wave"}`)
	job := kind.ReadJob([]byte(body))
	if status != 200 || job.ID == "" {
		t.Fatalf("creating the job on the first server: %d %s", status, body)
	}
	poll := "/api" + kind.Video.(kind.Poller).PollPath("/v2/video/generations", job.ID)
	polls := func() int {
		n := 0
		for _, r := range c.fake.Requests() {
			if r.Method == "GET" && strings.Contains(r.Path, "/video/generations") {
				n++
			}
		}
		return n
	}
	if status, body := do("GET", c.urls[1]+poll, bobSecret, ""); status != 404 || !strings.Contains(body, "job_not_found") {
		t.Errorf("another user's poll on the second server: %d %s", status, body)
	}
	if polls() != 0 {
		t.Error("another user's poll reached the provider")
	}
	if status, body := do("GET", c.urls[1]+poll, c.token, ""); status != 200 || kind.ReadJob([]byte(body)).ID != job.ID {
		t.Errorf("the user's poll on the second server: %d %s", status, body)
	}
	if polls() != 1 {
		t.Errorf("the provider got %d polls", polls())
	}
}
