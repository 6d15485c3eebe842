// Package replicas holds the tests of several playground servers sharing one Postgres, as
// replicas behind a load balancer do: budgets that hold under concurrent streams from one user
// spread over two servers, also when clients leave mid-stream, and rate limits that hold across
// them through one Redis. Each server is a server.Server of
// its own (its own connection pool, limiter and listener) in the test process, in front of one
// fake upstream that records what it billed.
//
// They need Postgres and Redis: run them through the Makefile (make test or make test-host), which
// starts throwaway ones, or with
//
//	scripts/postgres-test.sh run scripts/redis-test.sh run go test ./server/replicas/
//
// Without them they fail, never skip.
package replicas
