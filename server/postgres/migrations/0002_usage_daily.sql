-- The daily rollup of the usage log (server/sqlite's 0002_usage_daily.sql in Postgres types): one
-- row per UTC day, user, team, model and provider, with its calls, tokens and cost. Settle and
-- ExpireReservations add to it in the transaction that writes the usage row; it outlives the rows
-- (DeleteUsageBefore) and is what the usage dashboard reads. day is the day's midnight in unix
-- nanoseconds (UTC); a call of no user or no team has 0 there, not NULL, so that the key is one.

CREATE TABLE usage_daily (
	day           BIGINT  NOT NULL,
	user_id       BIGINT  NOT NULL DEFAULT 0,
	team_id       BIGINT  NOT NULL DEFAULT 0,
	model         TEXT    NOT NULL DEFAULT '',
	provider      TEXT    NOT NULL DEFAULT '',
	calls         BIGINT  NOT NULL DEFAULT 0 CHECK (calls >= 0),
	input_tokens  BIGINT  NOT NULL DEFAULT 0,
	output_tokens BIGINT  NOT NULL DEFAULT 0,
	cost          BIGINT  NOT NULL DEFAULT 0 CHECK (cost >= 0),
	PRIMARY KEY (day, user_id, team_id, model, provider)
);
CREATE INDEX usage_daily_user ON usage_daily (user_id, day);
CREATE INDEX usage_daily_team ON usage_daily (team_id, day);
CREATE INDEX usage_daily_model ON usage_daily (model, day);

-- The rows written before this migration: 86400000000000 nanoseconds a day.
INSERT INTO usage_daily (day, user_id, team_id, model, provider, calls, input_tokens, output_tokens, cost)
SELECT started_at - (((started_at % 86400000000000) + 86400000000000) % 86400000000000),
       COALESCE(user_id, 0), COALESCE(team_id, 0), model, provider,
       COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cost)
FROM usage_log
GROUP BY 1, 2, 3, 4, 5;
