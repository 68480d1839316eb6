-- Up Migration
-- GET /api/v1/logs?q= searches messages with ILIKE; a trigram index keeps it fast at depth.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX logs_message_trgm_idx ON logs USING gin (message gin_trgm_ops);

-- Down Migration
DROP INDEX logs_message_trgm_idx;
