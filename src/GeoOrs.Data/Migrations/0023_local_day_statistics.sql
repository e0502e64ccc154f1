-- Migration 0022 filled local_day by rewriting the event tables (ALTER COLUMN ... TYPE ... USING),
-- which leaves the new column without planner statistics, and a rewrite is not a change that
-- autovacuum counts, so nothing would gather them. Without them PostgreSQL takes any window on
-- local_day (`local_day >= $1 AND local_day <= $2`) for a highly selective one and walks the
-- local_day index instead of the tile's box on the geometry index: point tiles over 1,000,000
-- events ran ten times slower (docs/BENCHMARKS.md). Gathered once here; ingest and the recount
-- after a zone change are row changes, which autovacuum analyses as before.
ANALYZE overdose_events;
ANALYZE seizure_events;
