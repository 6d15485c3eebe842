-- What a call sent and what it answered (server/team.Usage's Prompt and Answer), kept only when the
-- operator turns it on (-usage-content); apart from usage_log so that the log's scans stay narrow,
-- and deleted with its row.
CREATE TABLE usage_content (
	request_id TEXT NOT NULL PRIMARY KEY REFERENCES usage_log (request_id) ON DELETE CASCADE,
	prompt     TEXT NOT NULL,
	answer     TEXT NOT NULL
);
