package server

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"playground/app/kind"
	"playground/server/fakeupstream"
)

// jobsEnv is a kindsEnv whose fake runs jobs on a clock the test moves, whose file host the
// media route may fetch from, and whose clients are told apart by X-Forwarded-For.
func runJobs(t *testing.T, adjust func(*Config)) (*kindsEnv, *fakeupstream.FakeClock) {
	t.Helper()
	clock := fakeupstream.NewFakeClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	e := runKindsWith(t, "", func(c *Config, f *fakeupstream.Server) {
		f.Clock = clock.Now
		p := &c.Providers[0]
		p.MediaHosts, p.MediaAllowInsecure = []string{"127.0.0.1:*"}, true
		c.Limits.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		if adjust != nil {
			adjust(c)
		}
	})
	return e, clock
}

// as is the header of a client at addr.
func as(addr string) map[string]string { return map[string]string{"X-Forwarded-For": addr} }

// TestJobLifecycle: a video job made by one client is polled by it through the server to the
// end, its video then served by the media route with range requests; another client's poll of
// the same id, and a poll on another path, are 404 and never reach the provider.
func TestJobLifecycle(t *testing.T) {
	e, clock := runJobs(t, nil)
	resp, body := e.do(t, "POST", "/api/v2/video/generations", `{"model":"google/veo3","prompt":"a wave"}`, as("192.0.2.1"))
	job := kind.ReadJob(body)
	if resp.StatusCode != 200 || job.ID == "" || job.Status != kind.StatusQueued {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	poll := kind.Video.(kind.Poller).PollPath("/v2/video/generations", job.ID)
	n := len(e.fake.Requests())
	for _, tt := range []struct {
		name, path, client string
	}{
		{"another client", poll, "192.0.2.2"},
		{"another path", "/v2/generate/audio?generation_id=" + job.ID, "192.0.2.1"},
		{"an unknown id", "/v2/video/generations?generation_id=nope", "192.0.2.1"},
		{"an id that cannot be one", "/v2/video/generations?generation_id=a%2Fb", "192.0.2.1"},
	} {
		resp, body := e.do(t, "GET", "/api"+tt.path, "", as(tt.client))
		if _, code := errorMessage(t, body); resp.StatusCode != 404 || code != "job_not_found" {
			t.Errorf("%s: %d %s", tt.name, resp.StatusCode, body)
		}
	}
	if resp, _ := e.do(t, "GET", "/api/v1/models", "", nil); resp.StatusCode != 404 {
		t.Errorf("GET /api/v1/models: %d, want 404 (only polls are routed)", resp.StatusCode)
	}
	if got := len(e.fake.Requests()) - n; got != 0 {
		t.Fatalf("refused polls reached the provider %d times", got)
	}
	clock.Advance(fakeupstream.DefaultQueueFor + fakeupstream.DefaultGenerateFor)
	resp, body = e.do(t, "GET", "/api"+poll, "", as("192.0.2.1"))
	done := kind.ReadJob(body)
	if resp.StatusCode != 200 || done.Status != kind.StatusCompleted || len(done.Media) != 1 {
		t.Fatalf("poll: %d %s", resp.StatusCode, body)
	}
	calls := e.fake.Requests()[n:]
	if len(calls) != 1 || calls[0].Method != "GET" || calls[0].Header.Get("Authorization") != "Bearer "+canary || len(calls[0].Body) != 0 {
		t.Fatalf("upstream polls %+v", calls)
	}
	res, err := done.Outcome()
	if err != nil || !strings.HasPrefix(res.Media[0].Proxied, "/api/media/") || res.Usage.USD <= 0 {
		t.Fatalf("outcome %+v, %v", res, err)
	}
	resp, video := e.do(t, "GET", res.Media[0].Proxied, "", map[string]string{"Range": "bytes=0-9"})
	if resp.StatusCode != 206 || len(video) != 10 || resp.Header.Get("Content-Type") != "video/webm" || !strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes 0-9/") {
		t.Fatalf("the video through the media route: %d %q %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Range"), len(video))
	}
}

// TestJobLimits: polls are paced rather than counted against the call limit; a client's open
// jobs are capped, and an ended job frees its place (the lifetime is tested in server/jobs).
func TestJobLimits(t *testing.T) {
	e, clock := runJobs(t, func(c *Config) {
		c.MaxOpenJobs = 2
		c.Limits.RatePerMinute, c.Limits.Burst = 1, 3
	})
	create := func(prompt string) (int, string) {
		resp, body := e.do(t, "POST", "/api/v2/video/generations", `{"model":"google/veo3","prompt":"`+prompt+`"}`, as("192.0.2.7"))
		if resp.StatusCode != 200 {
			_, code := errorMessage(t, body)
			return resp.StatusCode, code
		}
		return 200, kind.Video.(kind.Poller).PollPath("/v2/video/generations", kind.ReadJob(body).ID)
	}
	_, first := create("one")
	_, second := create("fake:job-never")
	if st, code := create("three"); st != 429 || code != "too_many_jobs" {
		t.Fatalf("a third open job: %d %s", st, code)
	}
	// The rate limit (a burst of 3, 1 a minute) is spent, yet polls go on, paced.
	start := time.Now()
	for i := range 2 {
		if resp, body := e.do(t, "GET", "/api"+second, "", as("192.0.2.7")); resp.StatusCode != 200 {
			t.Fatalf("poll %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	if waited := time.Since(start); waited < 1500*time.Millisecond {
		t.Errorf("two polls of one job took %v: the second did not wait for its turn", waited)
	}
	clock.Advance(time.Minute)
	if resp, body := e.do(t, "GET", "/api"+first, "", as("192.0.2.7")); resp.StatusCode != 200 || !kind.ReadJob(body).Done() {
		t.Fatalf("the first job's poll: %d %s", resp.StatusCode, body)
	}
	// The first job has ended: its place is free (the rate limit refuses the call itself now).
	if st, code := create("four"); st != 429 || code != "rate_limited" {
		t.Fatalf("after a job ended: %d %s, want the rate limit's refusal", st, code)
	}
	if resp, body := e.do(t, "GET", "/api"+second, "", as("192.0.2.7")); resp.StatusCode != 200 {
		t.Fatalf("a poll within the lifetime: %d %s", resp.StatusCode, body)
	}
}
