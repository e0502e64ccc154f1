-- The event tables partitioned by the month of the event's time, in UTC (occurred_at, seized_at),
-- and a retention that drops whole months (docs/adr/0025-partitioned-events.md). A storage choice:
-- every count still goes by the local day (local_day, docs/adr/0021-local-days.md), which this
-- migration leaves as it is.
--
-- * One partition per UTC month (overdose_events_y2025m01: [2025-01-01 00:00Z, 2025-02-01 00:00Z)),
--   made ahead by the partitions job and on demand by ingest before it stores an event of a month
--   without one (geoors_event_partitions). No DEFAULT partition: a default partition holding rows of
--   a month blocks creating that month's partition later, and would quietly hold what retention
--   cannot drop.
-- * A unique index of a partitioned table must hold its partition key, so (agency, external_id)
--   cannot stay unique on the event tables: the keys move to event_keys, one primary key across
--   both kinds and every month, kept by triggers on the event tables for every writer (ingest's
--   COPY, a fixture's INSERT, a re-attribution's UPDATE). Ingest looks its duplicates up there.
-- * The primary key is (id, time); ids still come from one identity sequence per table.
-- * The (agency, external_id) index served the events of agencies hidden from a caller (the areas'
--   and cluster tiles' take-offs) as well; (agency, local_day) serves them now, window and all.
-- * Every index, CHECK constraint and trigger is made on the parents, so each partition gets them.

-- The keys: each event's agency and external id, unique per kind, with where the event is (its id
-- and time, the partition key, so that a lookup of the event reads one partition).
CREATE TABLE event_keys (
    kind        text        NOT NULL CHECK (kind IN ('overdoses', 'seizures')),
    agency      text        NOT NULL,
    external_id text        NOT NULL,
    event_id    bigint      NOT NULL,
    at          timestamptz NOT NULL
);
COMMENT ON TABLE event_keys IS 'Each stored event''s (kind, agency, external id): unique across every partition; kept by triggers on the event tables';

-- A month's partition name: overdose_events_y2025m01.
CREATE FUNCTION geoors_event_partition_name(parent text, month date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT parent || '_' || to_char(month, '"y"YYYY"m"MM')
$$;

-- Makes the partitions of the given months (any day of each) that do not exist yet; returns how many
-- it made. The table is made on its own, then attached: ATTACH PARTITION takes a SHARE UPDATE
-- EXCLUSIVE lock on the parent, which lets readers and writers (an ingest already running) go on,
-- where CREATE TABLE ... PARTITION OF would wait for them and block everyone behind it. Makers of
-- partitions queue on one advisory lock, so two cannot make the same month.
CREATE FUNCTION geoors_event_partitions(parent text, months date[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    m date;
    name text;
    made integer := 0;
BEGIN
    IF parent NOT IN ('overdose_events', 'seizure_events') THEN
        RAISE EXCEPTION 'not an event table: %', parent;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('geoors_event_partitions', 0));
    FOR m IN SELECT DISTINCT date_trunc('month', x::timestamp)::date FROM unnest(months) AS x WHERE x IS NOT NULL ORDER BY 1 LOOP
        name := geoors_event_partition_name(parent, m);
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)', name, parent);
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, name,
                       m::timestamp AT TIME ZONE 'UTC', (m + interval '1 month') AT TIME ZONE 'UTC');
        made := made + 1;
    END LOOP;
    RETURN made;
END
$$;

-- The keys follow the events: inserted with them (one statement for a whole COPY, from its
-- transition table), changed with an event's agency (a re-attribution), removed with them.
-- A second event with a stored key fails on event_keys' primary key, as it failed on the unique
-- constraint before.
CREATE FUNCTION geoors_event_keys_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'seizures' THEN
        INSERT INTO event_keys (kind, agency, external_id, event_id, at)
        SELECT 'seizures', n.agency, n.external_id, n.id, n.seized_at FROM new_rows n;
    ELSE
        INSERT INTO event_keys (kind, agency, external_id, event_id, at)
        SELECT 'overdoses', n.source_agency, n.external_id, n.id, n.occurred_at FROM new_rows n;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION geoors_event_keys_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'seizures' THEN
        DELETE FROM event_keys k USING old_rows o
        WHERE k.kind = 'seizures' AND k.agency = o.agency AND k.external_id = o.external_id AND k.event_id = o.id;
    ELSE
        DELETE FROM event_keys k USING old_rows o
        WHERE k.kind = 'overdoses' AND k.agency = o.source_agency AND k.external_id = o.external_id AND k.event_id = o.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION geoors_event_keys_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'seizures' THEN
        UPDATE event_keys SET agency = NEW.agency, external_id = NEW.external_id, at = NEW.seized_at
        WHERE kind = 'seizures' AND agency = OLD.agency AND external_id = OLD.external_id;
    ELSE
        UPDATE event_keys SET agency = NEW.source_agency, external_id = NEW.external_id, at = NEW.occurred_at
        WHERE kind = 'overdoses' AND agency = OLD.source_agency AND external_id = OLD.external_id;
    END IF;
    RETURN NULL;
END
$$;

-- The move, one table at a time: the old table renamed, the partitioned one made like it (columns,
-- defaults, CHECK constraints, identity, comments), a partition for every month that holds events
-- and for this month and the next two, the rows copied, the counts compared, the old table dropped,
-- then the keys, indexes and triggers built once over the moved rows.
DO $$
DECLARE
    t record;
    moved bigint;
    kept bigint;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('overdose_events', 'occurred_at', 'source_agency', 'overdoses'),
                                   ('seizure_events', 'seized_at', 'agency', 'seizures')) AS v (name, at, agency, kind) LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', t.name, t.name || '_unpartitioned');
        EXECUTE format('ALTER SEQUENCE %I RENAME TO %I', t.name || '_id_seq', t.name || '_unpartitioned_id_seq');
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY '
                       'INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE (%I)',
                       t.name, t.name || '_unpartitioned', t.at);
        EXECUTE format('SELECT geoors_event_partitions(%L, ARRAY(SELECT DISTINCT date_trunc(''month'', %I AT TIME ZONE ''UTC'')::date FROM %I))',
                       t.name, t.at, t.name || '_unpartitioned');
        PERFORM geoors_event_partitions(t.name, ARRAY[date_trunc('month', now() AT TIME ZONE 'UTC')::date,
                                                      (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month')::date,
                                                      (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months')::date]);
        EXECUTE format('INSERT INTO %I OVERRIDING SYSTEM VALUE SELECT * FROM %I', t.name, t.name || '_unpartitioned');
        GET DIAGNOSTICS moved = ROW_COUNT;
        EXECUTE format('SELECT count(*) FROM %I', t.name || '_unpartitioned') INTO kept;
        IF moved <> kept THEN
            RAISE EXCEPTION '% moved % events of %', t.name, moved, kept;
        END IF;
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), greatest((SELECT last_value FROM %I), 1), '
                       '(SELECT is_called FROM %I))', t.name, t.name || '_unpartitioned_id_seq', t.name || '_unpartitioned_id_seq');
        EXECUTE format('INSERT INTO event_keys (kind, agency, external_id, event_id, at) SELECT %L, %I, external_id, id, %I FROM %I',
                       t.kind, t.agency, t.at, t.name);
        EXECUTE format('DROP TABLE %I', t.name || '_unpartitioned');
    END LOOP;
END
$$;

ALTER TABLE event_keys ADD PRIMARY KEY (kind, agency, external_id);

ALTER TABLE overdose_events ADD PRIMARY KEY (id, occurred_at);
CREATE INDEX overdose_events_geom_gix ON overdose_events USING gist (geom);
CREATE INDEX overdose_events_masked_geom_gix ON overdose_events USING gist (masked_geom);
CREATE INDEX overdose_events_occurred_at_idx ON overdose_events (occurred_at);
CREATE INDEX overdose_events_local_day_idx ON overdose_events (local_day);
CREATE INDEX overdose_events_county_day_idx ON overdose_events (county_fips, local_day);
CREATE INDEX overdose_events_agency_day_idx ON overdose_events (source_agency, local_day);
ALTER TABLE seizure_events ADD PRIMARY KEY (id, seized_at);
CREATE INDEX seizure_events_geom_gix ON seizure_events USING gist (geom);
CREATE INDEX seizure_events_masked_geom_gix ON seizure_events USING gist (masked_geom);
CREATE INDEX seizure_events_seized_at_idx ON seizure_events (seized_at);
CREATE INDEX seizure_events_local_day_idx ON seizure_events (local_day);
CREATE INDEX seizure_events_county_day_idx ON seizure_events (county_fips, local_day);
CREATE INDEX seizure_events_agency_day_idx ON seizure_events (agency, local_day);

-- As migrations 0022 and 0015 made them (BEFORE ROW triggers of a partitioned table are each
-- partition's). A row trigger fires on the partition, whose name is not the table's: the kind is
-- the trigger's argument, not TG_TABLE_NAME.
CREATE OR REPLACE FUNCTION geoors_fill_local_day() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'seizures' THEN
        NEW.local_day := geoors_local_day(NEW.seized_at, NEW.county_fips);
    ELSE
        NEW.local_day := geoors_local_day(NEW.occurred_at, NEW.county_fips);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER overdose_events_local_day BEFORE INSERT ON overdose_events
    FOR EACH ROW WHEN (NEW.local_day IS NULL) EXECUTE FUNCTION geoors_fill_local_day('overdoses');
CREATE TRIGGER seizure_events_local_day BEFORE INSERT ON seizure_events
    FOR EACH ROW WHEN (NEW.local_day IS NULL) EXECUTE FUNCTION geoors_fill_local_day('seizures');
CREATE TRIGGER overdose_events_masked_geom BEFORE INSERT ON overdose_events
    FOR EACH ROW WHEN (NEW.masked_geom IS NULL) EXECUTE FUNCTION geoors_fill_masked_geom();
CREATE TRIGGER seizure_events_masked_geom BEFORE INSERT ON seizure_events
    FOR EACH ROW WHEN (NEW.masked_geom IS NULL) EXECUTE FUNCTION geoors_fill_masked_geom();

CREATE TRIGGER overdose_events_keys_insert AFTER INSERT ON overdose_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoors_event_keys_insert('overdoses');
CREATE TRIGGER seizure_events_keys_insert AFTER INSERT ON seizure_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION geoors_event_keys_insert('seizures');
CREATE TRIGGER overdose_events_keys_delete AFTER DELETE ON overdose_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION geoors_event_keys_delete('overdoses');
CREATE TRIGGER seizure_events_keys_delete AFTER DELETE ON seizure_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION geoors_event_keys_delete('seizures');
-- Row by row (a statement trigger with transition tables cannot name columns, and would capture
-- every row of a boundary load's recount of local days): only an UPDATE that sets these columns.
CREATE TRIGGER overdose_events_keys_update AFTER UPDATE OF source_agency, external_id, occurred_at ON overdose_events
    FOR EACH ROW WHEN (OLD.source_agency IS DISTINCT FROM NEW.source_agency OR OLD.external_id IS DISTINCT FROM NEW.external_id
                       OR OLD.occurred_at IS DISTINCT FROM NEW.occurred_at)
    EXECUTE FUNCTION geoors_event_keys_update('overdoses');
CREATE TRIGGER seizure_events_keys_update AFTER UPDATE OF agency, external_id, seized_at ON seizure_events
    FOR EACH ROW WHEN (OLD.agency IS DISTINCT FROM NEW.agency OR OLD.external_id IS DISTINCT FROM NEW.external_id
                       OR OLD.seized_at IS DISTINCT FROM NEW.seized_at)
    EXECUTE FUNCTION geoors_event_keys_update('seizures');

-- Recounts the daily and monthly aggregates and the cluster cells of one kind for the local days of
-- the months m_from..m_to (half-open, first days of months), as geoors_rebuild_aggregates and
-- geoors_rebuild_cells count all of them (migration 0022): the rows of those months are deleted
-- and counted again from the events. A local day D lies within [D - 1 day, D + 2 days) in UTC in
-- every zone, which bounds the event time so that only those months' partitions are read.
CREATE FUNCTION geoors_recount_months(k text, m_from date, m_to date) RETURNS void
LANGUAGE plpgsql SET work_mem = '256MB' AS $$
DECLARE
    t_from timestamptz := (m_from - 1)::timestamp AT TIME ZONE 'UTC';
    t_to timestamptz := (m_to + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
    IF k = 'overdoses' THEN
        DELETE FROM overdose_daily WHERE day >= m_from AND day < m_to;
        DELETE FROM overdose_monthly WHERE month >= m_from AND month < m_to;
        DELETE FROM overdose_cells WHERE month >= m_from AND month < m_to;

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
            WHERE e.county_fips IS NOT NULL AND e.local_day >= m_from AND e.local_day < m_to
              AND e.occurred_at >= t_from AND e.occurred_at < t_to
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
            WHERE e.county_fips IS NOT NULL AND e.local_day >= m_from AND e.local_day < m_to
              AND e.occurred_at >= t_from AND e.occurred_at < t_to
            GROUP BY 1, 2, 3
        ) per_slot, (SELECT max(slot)::integer AS size FROM aggregate_drugs) sizes
        GROUP BY county_fips, month, size;

        INSERT INTO overdose_cells (cell, month, n, f, x, fx, sx, sy, fsx, fsy)
        SELECT c.cell, date_trunc('month', e.local_day)::date,
               count(*), count(*) FILTER (WHERE e.fatal), count(*) FILTER (WHERE e.naloxone_administered),
               count(*) FILTER (WHERE e.fatal AND e.naloxone_administered),
               sum(c.px), sum(c.py), coalesce(sum(c.px) FILTER (WHERE e.fatal), 0), coalesce(sum(c.py) FILTER (WHERE e.fatal), 0)
        FROM overdose_events e
        CROSS JOIN (VALUES (false), (true)) AS km(masked)
        CROSS JOIN (VALUES (1), (3), (5), (7), (9)) AS l(level)
        CROSS JOIN LATERAL geoors_event_cell(ST_X(CASE WHEN km.masked THEN e.masked_geom ELSE e.geom END),
                                             ST_Y(CASE WHEN km.masked THEN e.masked_geom ELSE e.geom END), l.level, km.masked) c
        WHERE e.local_day >= m_from AND e.local_day < m_to AND e.occurred_at >= t_from AND e.occurred_at < t_to
        GROUP BY 1, 2;
    ELSIF k = 'seizures' THEN
        DELETE FROM seizure_daily WHERE day >= m_from AND day < m_to;
        DELETE FROM seizure_monthly WHERE month >= m_from AND month < m_to;
        DELETE FROM seizure_cells WHERE month >= m_from AND month < m_to;

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
            WHERE e.county_fips IS NOT NULL AND e.local_day >= m_from AND e.local_day < m_to
              AND e.seized_at >= t_from AND e.seized_at < t_to
            GROUP BY 1, 2, 3
        ) per_slot, (SELECT max(slot)::integer AS size FROM aggregate_drugs) sizes
        GROUP BY county_fips, day, size;

        INSERT INTO seizure_monthly (county_fips, month, events, grams, dosage_units, events_key)
        SELECT county_fips, month,
               geoors_place(array_agg(slot), array_agg(n), size), geoors_place(array_agg(slot), array_agg(g), size),
               geoors_place(array_agg(slot), array_agg(u), size), geoors_place(array_agg(slot), array_agg(kk), size)
        FROM (
            SELECT e.county_fips, date_trunc('month', e.local_day)::date AS month, s.slot,
                   count(*)::integer AS n,
                   coalesce(sum(e.quantity_grams), 0)::double precision AS g,
                   coalesce(sum(e.dosage_units), 0)::double precision AS u,
                   sum(e.rkey::bigint) AS kk
            FROM seizure_events e
            CROSS JOIN LATERAL (SELECT 1 AS slot UNION ALL
                                SELECT d.slot FROM aggregate_drugs d WHERE d.drug = e.drug) s
            WHERE e.county_fips IS NOT NULL AND e.local_day >= m_from AND e.local_day < m_to
              AND e.seized_at >= t_from AND e.seized_at < t_to
            GROUP BY 1, 2, 3
        ) per_slot, (SELECT max(slot)::integer AS size FROM aggregate_drugs) sizes
        GROUP BY county_fips, month, size;

        INSERT INTO seizure_cells (cell, month, n, g, sx, sy)
        SELECT c.cell, date_trunc('month', e.local_day)::date,
               count(*), coalesce(sum(e.quantity_grams), 0), sum(c.px), sum(c.py)
        FROM seizure_events e
        CROSS JOIN (VALUES (false), (true)) AS km(masked)
        CROSS JOIN (VALUES (1), (3), (5), (7), (9)) AS l(level)
        CROSS JOIN LATERAL geoors_event_cell(ST_X(CASE WHEN km.masked THEN e.masked_geom ELSE e.geom END),
                                             ST_Y(CASE WHEN km.masked THEN e.masked_geom ELSE e.geom END), l.level, km.masked) c
        WHERE e.local_day >= m_from AND e.local_day < m_to AND e.seized_at >= t_from AND e.seized_at < t_to
        GROUP BY 1, 2;
    ELSE
        RAISE EXCEPTION 'not a kind of event: %', k;
    END IF;
END
$$;

-- Retention: detaches and drops the partitions of one kind wholly before `before` (the first day of
-- a month, UTC), with their events' keys and agency reviews, and makes the aggregates and cells
-- a recount of what is left: every row of a month before the month ahead of `before` goes (no event
-- left can count on it: the earliest is on day before - 1), and that month and `before`'s own are
-- recounted (an event of the last dropped month may have counted on either, by its zone). Then the
-- kind's version moves on, so every server drops its cached tiles. Runs under the boundary zones'
-- lock, exclusively: ingest holds it shared for a batch, so no batch stores events of a month that
-- is being dropped or counts them into aggregates being recounted. Returns the partitions dropped.
CREATE FUNCTION geoors_drop_event_months(k text, before date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    parent text;
    p record;
    dropped integer := 0;
BEGIN
    IF k = 'overdoses' THEN parent := 'overdose_events';
    ELSIF k = 'seizures' THEN parent := 'seizure_events';
    ELSE RAISE EXCEPTION 'not a kind of event: %', k;
    END IF;
    IF before IS NULL OR before <> date_trunc('month', before)::date THEN
        RAISE EXCEPTION 'retention ends at the first day of a month, not %', before;
    END IF;
    PERFORM pg_advisory_xact_lock(20096252095132506); -- BoundaryLoader.ZoneLockKey, 0x47656f4f72735a ("GeoOrsZ")
    FOR p IN
        SELECT c.relname AS name
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = parent::regclass
          AND c.relname ~ ('^' || parent || '_y[0-9]{4}m[0-9]{2}$')
          AND to_date(substring(c.relname FROM '_y([0-9]{4}m[0-9]{2})$'), 'YYYY"m"MM') + interval '1 month' <= before
        ORDER BY c.relname
    LOOP
        IF k = 'overdoses' THEN
            EXECUTE format('DELETE FROM event_keys x USING %I e WHERE x.kind = %L AND x.agency = e.source_agency AND x.external_id = e.external_id',
                           p.name, k);
        ELSE
            EXECUTE format('DELETE FROM event_keys x USING %I e WHERE x.kind = %L AND x.agency = e.agency AND x.external_id = e.external_id',
                           p.name, k);
        END IF;
        EXECUTE format('DELETE FROM agency_review r USING %I e WHERE r.kind = %L AND r.event_id = e.id', p.name, k);
        EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, p.name);
        EXECUTE format('DROP TABLE %I', p.name);
        dropped := dropped + 1;
    END LOOP;
    IF dropped > 0 THEN
        IF k = 'overdoses' THEN
            DELETE FROM overdose_daily WHERE day < (before - interval '1 month')::date;
            DELETE FROM overdose_monthly WHERE month < (before - interval '1 month')::date;
            DELETE FROM overdose_cells WHERE month < (before - interval '1 month')::date;
        ELSE
            DELETE FROM seizure_daily WHERE day < (before - interval '1 month')::date;
            DELETE FROM seizure_monthly WHERE month < (before - interval '1 month')::date;
            DELETE FROM seizure_cells WHERE month < (before - interval '1 month')::date;
        END IF;
        PERFORM geoors_recount_months(k, (before - interval '1 month')::date, (before + interval '1 month')::date);
        PERFORM geoors_bump(k);
    END IF;
    RETURN dropped;
END
$$;

-- No JIT compilation in this database. The planner sums the costs of every partition a statement
-- may read, and a partition made this month and not analysed yet counts as ten pages, so a statement
-- over a few hundred sparse months passes jit_above_cost (100,000) and jit_optimize_above_cost while it
-- reads a few thousand rows: 4.8 s of a 5 s query went to compiling 1,167 functions (a test's
-- count over 232 months of 13,000 events). GeoOrs's statements are short; the live path had turned JIT
-- off already (ADR 0023). New sessions take the setting; an owner who is not the migrating role
-- sets it by hand (docs/OPERATIONS.md).
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'jit stays on: only the owner of database % may turn it off (ALTER DATABASE ... SET jit = off)', current_database();
END
$$;
SET LOCAL jit = off;

-- Planner statistics of the parents (autovacuum analyses each partition as its rows change, never a parent).
ANALYZE overdose_events;
ANALYZE seizure_events;
ANALYZE event_keys;
