// Package replicas holds the tests of several playground servers sharing one Postgres, as
// replicas behind a load balancer do: budgets that hold under concurrent streams from one user
// spread over two servers, also when clients leave mid-stream. Each server is a server.Server of
// its own (its own connection pool, limiter and listener) in the test process, in front of one
// fake upstream that records what it billed.
//
// They need Postgres: run them through the Makefile (make test or make test-host), which starts a
// throwaway one, or with scripts/postgres-test.sh run go test ./server/replicas/. Without it they
// fail, never skip.
package replicas
