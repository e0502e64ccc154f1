-- The per-county all-time totals had no reader: every panel, tile and collection that shows a
-- county's events sums the daily or monthly aggregates over the window it was asked for, which
-- ingest keeps current, while this view was up to one refresh interval stale. It goes, with the
-- job that refreshed it (its recurring entry in Hangfire's storage is removed at start).
DROP MATERIALIZED VIEW IF EXISTS county_event_totals;
