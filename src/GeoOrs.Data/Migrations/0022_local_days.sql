-- Local days (issue "local days", docs/adr/0021-local-days.md): every event counts on the calendar
-- day of its county's own time zone, `(occurred_at AT TIME ZONE counties.time_zone)::date`. An event
-- outside every county, or in a county whose zone is not loaded yet, keeps its UTC date. A day with a
-- DST change (23 or 25 hours) is one day: an instant has one local date whatever the offset.
--
-- The day is stored with each event (local_day), written by ingest (which computes it in C# from the
-- county's zone in its county index) and, for rows written by other means, by a trigger. The daily
-- and monthly aggregates and the cluster cells' months are keyed by it, and every window (from/to)
-- compares it. A boundary load that changes a county's zone (or gives the zones for the first time)
-- recounts that county's events' days and rebuilds the aggregates and cells in its transaction
-- (src/GeoOrs.Data/Sql/boundaries_recount_local_days.sql), so this migration need not know the zones.

-- An event's local date: in its county's zone, or UTC. PL/pgSQL, which keeps its plan, as
-- geoors_mask_event (a SQL function with a subquery is planned afresh at every call).
CREATE FUNCTION geoors_local_day(at timestamptz, county_fips char(5)) RETURNS date
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (at AT TIME ZONE coalesce((SELECT c.time_zone FROM counties c WHERE c.geoid = county_fips), 'UTC'))::date;
END
$$;

-- Added empty, then filled by rewriting each table once (a column type change with USING, as
-- migration 0015 filled masked_geom): an UPDATE of every row would leave the table twice its size.
ALTER TABLE overdose_events ADD COLUMN local_day date;
ALTER TABLE overdose_events
    ALTER COLUMN local_day TYPE date USING geoors_local_day(occurred_at, county_fips),
    ALTER COLUMN local_day SET NOT NULL;
ALTER TABLE seizure_events ADD COLUMN local_day date;
ALTER TABLE seizure_events
    ALTER COLUMN local_day TYPE date USING geoors_local_day(seized_at, county_fips),
    ALTER COLUMN local_day SET NOT NULL;
COMMENT ON COLUMN overdose_events.local_day IS 'The date of occurred_at in the county''s time zone (UTC outside every county)';
COMMENT ON COLUMN seizure_events.local_day IS 'The date of seized_at in the county''s time zone (UTC outside every county)';

-- Windows filter on the local day: by itself (point tiles, the days at a cluster window's ends) and
-- per county (the areas' hidden agencies, planning). The time indexes stay for the OGC datetime
-- filter and the collections' temporal extents (instants); the (county, time) ones give way to
-- (county, local_day), which serves the per-county lookups as well.
DROP INDEX overdose_events_county_idx;
DROP INDEX seizure_events_county_idx;
CREATE INDEX overdose_events_local_day_idx ON overdose_events (local_day);
CREATE INDEX overdose_events_county_day_idx ON overdose_events (county_fips, local_day);
CREATE INDEX seizure_events_local_day_idx ON seizure_events (local_day);
CREATE INDEX seizure_events_county_day_idx ON seizure_events (county_fips, local_day);

-- Ingest writes the day itself; rows written by other means (psql, fixtures, bench loads) get it here.
-- The WHEN clause is checked without calling the function: ingest pays nothing.
CREATE FUNCTION geoors_fill_local_day() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'seizure_events' THEN
        NEW.local_day := geoors_local_day(NEW.seized_at, NEW.county_fips);
    ELSE
        NEW.local_day := geoors_local_day(NEW.occurred_at, NEW.county_fips);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER overdose_events_local_day BEFORE INSERT ON overdose_events
    FOR EACH ROW WHEN (NEW.local_day IS NULL) EXECUTE FUNCTION geoors_fill_local_day();
CREATE TRIGGER seizure_events_local_day BEFORE INSERT ON seizure_events
    FOR EACH ROW WHEN (NEW.local_day IS NULL) EXECUTE FUNCTION geoors_fill_local_day();

-- The recount, keyed by the local day (and its month). Otherwise as in migration 0016.
CREATE OR REPLACE FUNCTION geoors_rebuild_aggregates() RETURNS void
LANGUAGE sql AS $$
    TRUNCATE overdose_daily, overdose_monthly, seizure_daily, seizure_monthly;

    INSERT INTO overdose_daily (county_fips, day, events, fatal, naloxone, fatal_naloxone)
    SELECT county_fips, day,
           geoors_place(array_agg(slot), array_agg(n), size), geoors_place(array_agg(slot), array_agg(f), size),
           geoors_place(array_agg(slot), array_agg(x), size), geoors_place(array_agg(slot), array_agg(fx), size)
    FROM (
        SELECT e.county_fips, e.local_day AS day, s.slot,
               count(*)::integer AS n,
               (count(*) FILTER (WHERE e.fatal))::integer AS f,
               (count(*) FILTER (WHERE e.naloxone_administered))::integer AS x,
               (count(*) FILTER (WHERE e.fatal AND e.naloxone_administered))::integer AS fx
        FROM overdose_events e
        CROSS JOIN LATERAL (SELECT 1 AS slot UNION ALL
                            SELECT d.slot FROM aggregate_drugs d WHERE d.drug = ANY (e.suspected_drugs)) s
        WHERE e.county_fips IS NOT NULL
        GROUP BY 1, 2, 3
    ) per_slot, (SELECT max(slot)::integer AS size FROM aggregate_drugs) sizes
    GROUP BY county_fips, day, size;

    INSERT INTO overdose_monthly (county_fips, month, events, fatal, naloxone, fatal_naloxone,
                                  events_key, fatal_key, naloxone_key, fatal_naloxone_key)
    SELECT county_fips, month,
           geoors_place(array_agg(slot), array_agg(n), size), geoors_place(array_agg(slot), array_agg(f), size),
           geoors_place(array_agg(slot), array_agg(x), size), geoors_place(array_agg(slot), array_agg(fx), size),
           geoors_place(array_agg(slot), array_agg(kn), size), geoors_place(array_agg(slot), array_agg(kf), size),
           geoors_place(array_agg(slot), array_agg(kx), size), geoors_place(array_agg(slot), array_agg(kfx), size)
    FROM (
        SELECT e.county_fips, date_trunc('month', e.local_day)::date AS month, s.slot,
               count(*)::integer AS n,
               (count(*) FILTER (WHERE e.fatal))::integer AS f,
               (count(*) FILTER (WHERE e.naloxone_administered))::integer AS x,
               (count(*) FILTER (WHERE e.fatal AND e.naloxone_administered))::integer AS fx,
               sum(e.rkey::bigint) AS kn,
               coalesce(sum(e.rkey::bigint) FILTER (WHERE e.fatal), 0) AS kf,
               coalesce(sum(e.rkey::bigint) FILTER (WHERE e.naloxone_administered), 0) AS kx,
               coalesce(sum(e.rkey::bigint) FILTER (WHERE e.fatal AND e.naloxone_administered), 0) AS kfx
        FROM overdose_events e
        CROSS JOIN LATERAL (SELECT 1 AS slot UNION ALL
                            SELECT d.slot FROM aggregate_drugs d WHERE d.drug = ANY (e.suspected_drugs)) s
        WHERE e.county_fips IS NOT NULL
        GROUP BY 1, 2, 3
    ) per_slot, (SELECT max(slot)::integer AS size FROM aggregate_drugs) sizes
    GROUP BY county_fips, month, size;

    INSERT INTO seizure_daily (county_fips, day, events, grams, dosage_units)
    SELECT county_fips, day,
           geoors_place(array_agg(slot), array_agg(n), size), geoors_place(array_agg(slot), array_agg(g), size),
           geoors_place(array_agg(slot), array_agg(u), size)
    FROM (
        SELECT e.county_fips, e.local_day AS day, s.slot,
               count(*)::integer AS n,
               coalesce(sum(e.quantity_grams), 0)::double precision AS g,
               coalesce(sum(e.dosage_units), 0)::double precision AS u
        FROM seizure_events e
        CROSS JOIN LATERAL (SELECT 1 AS slot UNION ALL
                            SELECT d.slot FROM aggregate_drugs d WHERE d.drug = e.drug) s
        WHERE e.county_fips IS NOT NULL
        GROUP BY 1, 2, 3
    ) per_slot, (SELECT max(slot)::integer AS size FROM aggregate_drugs) sizes
    GROUP BY county_fips, day, size;

    INSERT INTO seizure_monthly (county_fips, month, events, grams, dosage_units, events_key)
    SELECT county_fips, month,
           geoors_place(array_agg(slot), array_agg(n), size), geoors_place(array_agg(slot), array_agg(g), size),
           geoors_place(array_agg(slot), array_agg(u), size), geoors_place(array_agg(slot), array_agg(k), size)
    FROM (
        SELECT e.county_fips, date_trunc('month', e.local_day)::date AS month, s.slot,
               count(*)::integer AS n,
               coalesce(sum(e.quantity_grams), 0)::double precision AS g,
               coalesce(sum(e.dosage_units), 0)::double precision AS u,
               sum(e.rkey::bigint) AS k
        FROM seizure_events e
        CROSS JOIN LATERAL (SELECT 1 AS slot UNION ALL
                            SELECT d.slot FROM aggregate_drugs d WHERE d.drug = e.drug) s
        WHERE e.county_fips IS NOT NULL
        GROUP BY 1, 2, 3
    ) per_slot, (SELECT max(slot)::integer AS size FROM aggregate_drugs) sizes
    GROUP BY county_fips, month, size;
$$;

-- The cells, by the month of the local day. Otherwise as in migration 0015.
CREATE OR REPLACE FUNCTION geoors_rebuild_cells() RETURNS void
LANGUAGE sql SET work_mem = '256MB' AS $$
    TRUNCATE overdose_cells, seizure_cells;

    INSERT INTO overdose_cells (cell, month, n, f, x, fx, sx, sy, fsx, fsy)
    SELECT c.cell, date_trunc('month', e.local_day)::date,
           count(*), count(*) FILTER (WHERE e.fatal), count(*) FILTER (WHERE e.naloxone_administered),
           count(*) FILTER (WHERE e.fatal AND e.naloxone_administered),
           sum(c.px), sum(c.py), coalesce(sum(c.px) FILTER (WHERE e.fatal), 0), coalesce(sum(c.py) FILTER (WHERE e.fatal), 0)
    FROM overdose_events e
    CROSS JOIN (VALUES (false), (true)) AS k(masked)
    CROSS JOIN (VALUES (1), (3), (5), (7), (9)) AS l(level)
    CROSS JOIN LATERAL geoors_event_cell(ST_X(CASE WHEN k.masked THEN e.masked_geom ELSE e.geom END),
                                         ST_Y(CASE WHEN k.masked THEN e.masked_geom ELSE e.geom END), l.level, k.masked) c
    GROUP BY 1, 2;

    INSERT INTO seizure_cells (cell, month, n, g, sx, sy)
    SELECT c.cell, date_trunc('month', e.local_day)::date,
           count(*), coalesce(sum(e.quantity_grams), 0), sum(c.px), sum(c.py)
    FROM seizure_events e
    CROSS JOIN (VALUES (false), (true)) AS k(masked)
    CROSS JOIN (VALUES (1), (3), (5), (7), (9)) AS l(level)
    CROSS JOIN LATERAL geoors_event_cell(ST_X(CASE WHEN k.masked THEN e.masked_geom ELSE e.geom END),
                                         ST_Y(CASE WHEN k.masked THEN e.masked_geom ELSE e.geom END), l.level, k.masked) c
    GROUP BY 1, 2;
$$;

-- Days moved only where a zone was known already; the rebuilds run when they did (an empty or
-- zoneless database has nothing to recount), and the layers built on events drop their caches.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM overdose_events WHERE local_day <> (occurred_at AT TIME ZONE 'UTC')::date)
       OR EXISTS (SELECT 1 FROM seizure_events WHERE local_day <> (seized_at AT TIME ZONE 'UTC')::date) THEN
        PERFORM geoors_rebuild_aggregates();
        PERFORM geoors_rebuild_cells();
        PERFORM geoors_bump('overdoses');
        PERFORM geoors_bump('seizures');
    END IF;
END
$$;
