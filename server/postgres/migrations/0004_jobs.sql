-- The jobs' bindings (server/team.Job): which client made a generation, so that a poll reaching
-- any replica finds whose it is.
CREATE TABLE jobs (
	id         TEXT   NOT NULL PRIMARY KEY,
	client     TEXT   NOT NULL,
	provider   TEXT   NOT NULL,
	kind       TEXT   NOT NULL DEFAULT '',
	path       TEXT   NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX jobs_created ON jobs (created_at);
