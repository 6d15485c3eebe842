-- Users, teams, tokens, sessions, budgets, the usage log and the audit log (server/team).
-- Times are INTEGER unix nanoseconds in UTC; money is INTEGER nano-dollars; a missing id or time is
-- NULL. The statements stay within what SQLite and Postgres both accept, but for INTEGER PRIMARY
-- KEY (an identity column there) and the audit log's triggers.

CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	email      TEXT    NOT NULL UNIQUE,
	name       TEXT    NOT NULL DEFAULT '',
	admin      INTEGER NOT NULL DEFAULT 0,
	password   TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);

CREATE TABLE teams (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
	team_id    INTEGER NOT NULL REFERENCES teams (id),
	user_id    INTEGER NOT NULL REFERENCES users (id),
	role       TEXT    NOT NULL CHECK (role IN ('admin', 'member')),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id, team_id);

CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	team_id    INTEGER REFERENCES teams (id),
	name       TEXT    NOT NULL DEFAULT '',
	hash       TEXT    NOT NULL UNIQUE,
	display    TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER,
	revoked_at INTEGER
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE sessions (
	id         INTEGER PRIMARY KEY,
	hash       TEXT    NOT NULL UNIQUE,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	created_at INTEGER NOT NULL,
	seen_at    INTEGER NOT NULL,
	idle_ns    INTEGER NOT NULL CHECK (idle_ns > 0),
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- A scope's limit per period. scope_id is a user's, team's or token's id, by scope_kind.
CREATE TABLE budgets (
	scope_kind TEXT    NOT NULL CHECK (scope_kind IN ('user', 'team', 'token')),
	scope_id   INTEGER NOT NULL,
	period     TEXT    NOT NULL CHECK (period IN ('day', 'week', 'month')),
	limit_nano INTEGER NOT NULL CHECK (limit_nano >= 0),
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (scope_kind, scope_id, period)
);

-- What a budget's period has spent and holds: one row per budget and period start, made by the
-- first reservation of the period. A reservation is one conditional UPDATE of these rows.
CREATE TABLE budget_counters (
	scope_kind   TEXT    NOT NULL,
	scope_id     INTEGER NOT NULL,
	period       TEXT    NOT NULL,
	period_start INTEGER NOT NULL,
	spent        INTEGER NOT NULL DEFAULT 0 CHECK (spent >= 0),
	reserved     INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
	PRIMARY KEY (scope_kind, scope_id, period, period_start),
	FOREIGN KEY (scope_kind, scope_id, period) REFERENCES budgets (scope_kind, scope_id, period) ON DELETE CASCADE
);

-- A call's reservation, until it is settled or expires; its holds are the counters it holds
-- amount in.
CREATE TABLE reservations (
	request_id TEXT    PRIMARY KEY,
	amount     INTEGER NOT NULL CHECK (amount >= 0),
	user_id    INTEGER,
	team_id    INTEGER,
	token_id   INTEGER,
	created_at INTEGER NOT NULL
);
CREATE INDEX reservations_created ON reservations (created_at);

CREATE TABLE reservation_holds (
	request_id   TEXT    NOT NULL REFERENCES reservations (request_id) ON DELETE CASCADE,
	scope_kind   TEXT    NOT NULL,
	scope_id     INTEGER NOT NULL,
	period       TEXT    NOT NULL,
	period_start INTEGER NOT NULL,
	PRIMARY KEY (request_id, scope_kind, scope_id, period),
	FOREIGN KEY (scope_kind, scope_id, period, period_start)
		REFERENCES budget_counters (scope_kind, scope_id, period, period_start) ON DELETE CASCADE
);
CREATE INDEX reservation_holds_counter ON reservation_holds (scope_kind, scope_id, period, period_start);

-- One row per settled (or expired) call. No foreign keys: the log outlives what it names.
CREATE TABLE usage_log (
	id            INTEGER PRIMARY KEY,
	request_id    TEXT    NOT NULL UNIQUE,
	user_id       INTEGER,
	team_id       INTEGER,
	token_id      INTEGER,
	provider      TEXT    NOT NULL DEFAULT '',
	model         TEXT    NOT NULL DEFAULT '',
	operation     TEXT    NOT NULL DEFAULT '',
	kind          TEXT    NOT NULL DEFAULT '',
	input_tokens  INTEGER NOT NULL DEFAULT 0,
	output_tokens INTEGER NOT NULL DEFAULT 0,
	cost          INTEGER NOT NULL CHECK (cost >= 0),
	status        INTEGER NOT NULL DEFAULT 0,
	expired       INTEGER NOT NULL DEFAULT 0 CHECK (expired IN (0, 1)),
	duration_ns   INTEGER NOT NULL DEFAULT 0,
	started_at    INTEGER NOT NULL
);
CREATE INDEX usage_log_time ON usage_log (started_at);
CREATE INDEX usage_log_user ON usage_log (user_id, started_at);
CREATE INDEX usage_log_team ON usage_log (team_id, started_at);
CREATE INDEX usage_log_token ON usage_log (token_id, started_at);
CREATE INDEX usage_log_model ON usage_log (model, started_at);

-- Append-only: the triggers refuse every change to a written entry.
CREATE TABLE audit_log (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,
	actor_id INTEGER,
	action   TEXT    NOT NULL,
	target   TEXT    NOT NULL DEFAULT '',
	detail   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_time ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
