-- Users, teams, tokens, sessions, budgets, the usage log and the audit log (server/team): the tables,
-- columns and indexes of server/sqlite's 0001_team.sql in Postgres types. Ids are BIGINT identity
-- columns; times are BIGINT unix nanoseconds in UTC; money is BIGINT nano-dollars; flags are
-- BOOLEAN; a missing id or time is NULL. The tables are made in the first schema of the
-- connection's search_path.

CREATE TABLE users (
	id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email      TEXT    NOT NULL UNIQUE,
	name       TEXT    NOT NULL DEFAULT '',
	admin      BOOLEAN NOT NULL DEFAULT FALSE,
	password   TEXT    NOT NULL DEFAULT '',
	created_at BIGINT  NOT NULL
);

CREATE TABLE teams (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       TEXT   NOT NULL UNIQUE,
	created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
	team_id    BIGINT NOT NULL REFERENCES teams (id),
	user_id    BIGINT NOT NULL REFERENCES users (id),
	role       TEXT   NOT NULL CHECK (role IN ('admin', 'member')),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id, team_id);

CREATE TABLE tokens (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES users (id),
	team_id    BIGINT REFERENCES teams (id),
	name       TEXT   NOT NULL DEFAULT '',
	hash       TEXT   NOT NULL UNIQUE,
	display    TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT,
	revoked_at BIGINT
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE sessions (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	hash       TEXT   NOT NULL UNIQUE,
	user_id    BIGINT NOT NULL REFERENCES users (id),
	created_at BIGINT NOT NULL,
	seen_at    BIGINT NOT NULL,
	idle_ns    BIGINT NOT NULL CHECK (idle_ns > 0),
	expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- A scope's limit per period. scope_id is a user's, team's or token's id, by scope_kind.
CREATE TABLE budgets (
	scope_kind TEXT   NOT NULL CHECK (scope_kind IN ('user', 'team', 'token')),
	scope_id   BIGINT NOT NULL,
	period     TEXT   NOT NULL CHECK (period IN ('day', 'week', 'month')),
	limit_nano BIGINT NOT NULL CHECK (limit_nano >= 0),
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (scope_kind, scope_id, period)
);

-- What a budget's period has spent and holds: one row per budget and period start, made by the
-- first reservation of the period (INSERT … ON CONFLICT DO NOTHING). A reservation is one
-- conditional UPDATE of these rows (… WHERE spent + reserved + $n <= limit), which READ COMMITTED
-- re-checks on the row's newest version after waiting for its lock: exact across replicas.
CREATE TABLE budget_counters (
	scope_kind   TEXT   NOT NULL,
	scope_id     BIGINT NOT NULL,
	period       TEXT   NOT NULL,
	period_start BIGINT NOT NULL,
	spent        BIGINT NOT NULL DEFAULT 0 CHECK (spent >= 0),
	reserved     BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
	PRIMARY KEY (scope_kind, scope_id, period, period_start),
	FOREIGN KEY (scope_kind, scope_id, period) REFERENCES budgets (scope_kind, scope_id, period) ON DELETE CASCADE
);

-- A call's reservation, until it is settled or expires; its holds are the counters it holds
-- amount in.
CREATE TABLE reservations (
	request_id TEXT   PRIMARY KEY,
	amount     BIGINT NOT NULL CHECK (amount >= 0),
	user_id    BIGINT,
	team_id    BIGINT,
	token_id   BIGINT,
	created_at BIGINT NOT NULL
);
CREATE INDEX reservations_created ON reservations (created_at);

CREATE TABLE reservation_holds (
	request_id   TEXT   NOT NULL REFERENCES reservations (request_id) ON DELETE CASCADE,
	scope_kind   TEXT   NOT NULL,
	scope_id     BIGINT NOT NULL,
	period       TEXT   NOT NULL,
	period_start BIGINT NOT NULL,
	PRIMARY KEY (request_id, scope_kind, scope_id, period),
	FOREIGN KEY (scope_kind, scope_id, period, period_start)
		REFERENCES budget_counters (scope_kind, scope_id, period, period_start) ON DELETE CASCADE
);
CREATE INDEX reservation_holds_counter ON reservation_holds (scope_kind, scope_id, period, period_start);

-- One row per settled (or expired) call. No foreign keys: the log outlives what it names.
CREATE TABLE usage_log (
	id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	request_id    TEXT    NOT NULL UNIQUE,
	user_id       BIGINT,
	team_id       BIGINT,
	token_id      BIGINT,
	provider      TEXT    NOT NULL DEFAULT '',
	model         TEXT    NOT NULL DEFAULT '',
	operation     TEXT    NOT NULL DEFAULT '',
	kind          TEXT    NOT NULL DEFAULT '',
	input_tokens  BIGINT  NOT NULL DEFAULT 0,
	output_tokens BIGINT  NOT NULL DEFAULT 0,
	cost          BIGINT  NOT NULL CHECK (cost >= 0),
	status        INTEGER NOT NULL DEFAULT 0,
	expired       BOOLEAN NOT NULL DEFAULT FALSE,
	duration_ns   BIGINT  NOT NULL DEFAULT 0,
	started_at    BIGINT  NOT NULL
);
CREATE INDEX usage_log_time ON usage_log (started_at);
CREATE INDEX usage_log_user ON usage_log (user_id, started_at);
CREATE INDEX usage_log_team ON usage_log (team_id, started_at);
CREATE INDEX usage_log_token ON usage_log (token_id, started_at);
CREATE INDEX usage_log_model ON usage_log (model, started_at);

-- Append-only: the triggers refuse every change to a written entry, and emptying the table.
CREATE TABLE audit_log (
	id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at       BIGINT NOT NULL,
	actor_id BIGINT,
	action   TEXT   NOT NULL,
	target   TEXT   NOT NULL DEFAULT '',
	detail   TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_time ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
