package replicas

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"playground/server/team"
)

// envRedis names the variable that holds the URL of the test Redis (scripts/redis-test.sh).
const envRedis = "PLAYGROUND_TEST_REDIS"

// testRedis is the URL of a database of the test Redis for this package alone, emptied first.
func testRedis(t *testing.T) string {
	t.Helper()
	raw := os.Getenv(envRedis)
	if raw == "" {
		t.Fatalf(`the limits across replicas need a Redis and %s is not set: run the tests through the
Makefile (make test, or make test-host), or with scripts/redis-test.sh run go test ./server/replicas/`, envRedis)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s: %v", envRedis, err)
	}
	u.Path = "/3" // server/redis's tests use another database of the same Redis
	opts, err := goredis.ParseURL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("emptying the test Redis's database: %v", err)
	}
	return u.String()
}

// TestRateLimitsAcrossReplicas: a user's limit of calls a minute holds over two servers that
// share a Redis — in memory, each would let the user make that many.
func TestRateLimitsAcrossReplicas(t *testing.T) {
	redisURL := testRedis(t)
	c := newCluster(t, withFlags("-redis", redisURL))
	const rpm = 4
	if err := c.db.SetPolicy(context.Background(), &team.Policy{Scope: team.UserScope(c.user.ID), RPM: rpm}); err != nil {
		t.Fatal(err)
	}
	admitted := 0
	for i := range 10 {
		o := c.call(c.urls[i%2], false)
		switch {
		case o.status == 200:
			admitted++
		case o.status == 429 && o.code == "rate_limited" && strings.Contains(o.msg, fmt.Sprintf("user %d", c.user.ID)):
		default:
			t.Errorf("call %d ended %+v", i, o)
		}
	}
	if admitted != rpm {
		t.Errorf("%d calls admitted over two servers, want the user's %d a minute", admitted, rpm)
	}
}
