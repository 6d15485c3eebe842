-- A scope's policy (server/team.Policy): the model patterns it may run (comma-separated, '' for
-- any) and its limits a minute and at once (0 for none).
CREATE TABLE policies (
	scope_kind TEXT    NOT NULL CHECK (scope_kind IN ('user', 'team', 'token')),
	scope_id   INTEGER NOT NULL,
	models     TEXT    NOT NULL DEFAULT '',
	rpm        INTEGER NOT NULL DEFAULT 0 CHECK (rpm >= 0),
	tpm        INTEGER NOT NULL DEFAULT 0 CHECK (tpm >= 0),
	concurrent INTEGER NOT NULL DEFAULT 0 CHECK (concurrent >= 0),
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (scope_kind, scope_id)
);

-- Where a usage row's cost came from (server/team.CostSource): provider, price, estimate or
-- reservation; '' for the rows written before it was recorded.
ALTER TABLE usage_log ADD COLUMN cost_source TEXT NOT NULL DEFAULT '';
