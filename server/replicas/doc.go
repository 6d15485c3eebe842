// Package replicas holds the tests of several playground servers sharing one Postgres, as
// replicas behind a load balancer do: budgets that hold under concurrent streams from one user
// spread over two servers, also when clients leave mid-stream, and rate limits that hold across
// them through one Redis, jobs polled through either, and the database going away mid-stream.
// Each server is a process of its own (the playground binary, built once by TestMain, run for a
// team with -auth local), in front of one fake upstream in the test process that records what it
// billed; BenchmarkChokePoint runs servers in the test process.
//
// They need Postgres and Redis: run them through the Makefile (make test or make test-host), which
// starts throwaway ones, or with
//
//	scripts/postgres-test.sh run scripts/redis-test.sh run go test ./server/replicas/
//
// Without them they fail, never skip.
package replicas
