-- Batches left 'running' by a server that is gone (its database session no longer exists, or it never
-- got one within a minute) are failed: their rows were never committed.
UPDATE ingest_batches
SET status = 'failed', finished_at = now(), error = 'the server stopped before the batch was committed; no row of it was stored'
WHERE status = 'running'
  AND ((backend_pid IS NULL AND received_at < now() - interval '1 minute')
       OR (backend_pid IS NOT NULL AND backend_pid NOT IN (SELECT pid FROM pg_stat_activity)));
