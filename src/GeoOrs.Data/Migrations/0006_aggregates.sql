-- Aggregates the map layers sum over, kept current inside every ingest batch's transaction.
--
-- One row per county and UTC day (and one per county and month, so a long window sums a few
-- monthly rows plus the days at its two ends). Each measure is an array indexed by drug slot:
-- slot 1 counts every event, slot 1 + n the events naming drug n of aggregate_drugs. A layer for
-- drug d and a window is then sum(measure[slot]) over the rows in the window: one row per county
-- and day whatever the drugs, instead of one row per county, day, drug and flag (which for sparse
-- data is about as many rows as events).
CREATE TABLE aggregate_drugs (
    drug  text     PRIMARY KEY,
    slot  smallint NOT NULL UNIQUE CHECK (slot >= 2)
);
-- Append-only: a slot, once given, never changes meaning.
INSERT INTO aggregate_drugs (drug, slot) VALUES
    ('fentanyl', 2), ('heroin', 3), ('prescription_opioid', 4), ('other_opioid', 5), ('cocaine', 6),
    ('methamphetamine', 7), ('xylazine', 8), ('benzodiazepine', 9), ('other', 10), ('unknown', 11),
    ('marijuana', 12);

-- Element-wise sum of two measure arrays (missing elements count as 0).
CREATE FUNCTION geoors_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i)
    FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$$;
CREATE FUNCTION geoors_add(a double precision[], b double precision[]) RETURNS double precision[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i)
    FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$$;

-- Sums measure arrays element-wise, as an aggregate.
CREATE AGGREGATE geoors_sum(integer[]) (SFUNC = geoors_add, STYPE = integer[]);
CREATE AGGREGATE geoors_sum(double precision[]) (SFUNC = geoors_add, STYPE = double precision[]);

-- A measure array of every slot from (slot, value) pairs, 0 where no pair names the slot.
CREATE FUNCTION geoors_place(slots integer[], vals anyarray, size integer, OUT placed anyarray)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(coalesce(u.v, 0) ORDER BY g)
    FROM generate_series(1, size) g LEFT JOIN unnest(slots, vals) AS u(s, v) ON u.s = g
$$;

-- Overdoses: events, fatal, naloxone administered, and fatal with naloxone, per drug slot.
CREATE TABLE overdose_daily (
    county_fips     char(5)   NOT NULL,
    day             date      NOT NULL,
    events          integer[] NOT NULL,
    fatal           integer[] NOT NULL,
    naloxone        integer[] NOT NULL,
    fatal_naloxone  integer[] NOT NULL,
    PRIMARY KEY (county_fips, day)
);
CREATE INDEX overdose_daily_day_idx ON overdose_daily (day);
CREATE TABLE overdose_monthly (LIKE overdose_daily INCLUDING ALL);
ALTER TABLE overdose_monthly RENAME COLUMN day TO month;

-- Seizures: events, grams (mass and volume normalised to grams) and dosage units, per drug slot.
CREATE TABLE seizure_daily (
    county_fips     char(5)            NOT NULL,
    day             date               NOT NULL,
    events          integer[]          NOT NULL,
    grams           double precision[] NOT NULL,
    dosage_units    double precision[] NOT NULL,
    PRIMARY KEY (county_fips, day)
);
CREATE INDEX seizure_daily_day_idx ON seizure_daily (day);
CREATE TABLE seizure_monthly (LIKE seizure_daily INCLUDING ALL);
ALTER TABLE seizure_monthly RENAME COLUMN day TO month;

-- Recomputes every aggregate from the event tables (after this migration, and on demand). Days are
-- UTC days; events outside every county are in no county aggregate.
CREATE FUNCTION geoors_rebuild_aggregates() RETURNS void
LANGUAGE sql AS $$
    TRUNCATE overdose_daily, overdose_monthly, seizure_daily, seizure_monthly;

    INSERT INTO overdose_daily (county_fips, day, events, fatal, naloxone, fatal_naloxone)
    SELECT county_fips, day,
           geoors_place(array_agg(slot), array_agg(n), size), geoors_place(array_agg(slot), array_agg(f), size),
           geoors_place(array_agg(slot), array_agg(x), size), geoors_place(array_agg(slot), array_agg(fx), size)
    FROM (
        SELECT e.county_fips, (e.occurred_at AT TIME ZONE 'UTC')::date AS day, s.slot,
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

    INSERT INTO seizure_daily (county_fips, day, events, grams, dosage_units)
    SELECT county_fips, day,
           geoors_place(array_agg(slot), array_agg(n), size), geoors_place(array_agg(slot), array_agg(g), size),
           geoors_place(array_agg(slot), array_agg(u), size)
    FROM (
        SELECT e.county_fips, (e.seized_at AT TIME ZONE 'UTC')::date AS day, s.slot,
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

    INSERT INTO overdose_monthly (county_fips, month, events, fatal, naloxone, fatal_naloxone)
    SELECT county_fips, date_trunc('month', day)::date,
           geoors_sum(events), geoors_sum(fatal), geoors_sum(naloxone), geoors_sum(fatal_naloxone)
    FROM overdose_daily GROUP BY 1, 2;

    INSERT INTO seizure_monthly (county_fips, month, events, grams, dosage_units)
    SELECT county_fips, date_trunc('month', day)::date, geoors_sum(events), geoors_sum(grams), geoors_sum(dosage_units)
    FROM seizure_daily GROUP BY 1, 2;
$$;

SELECT geoors_rebuild_aggregates();

-- Each kind of data has a version, bumped in the transaction that changes it and announced on
-- the geoors_data channel at commit, so every server drops what it cached of the layers built on it.
CREATE TABLE data_versions (
    kind        text        PRIMARY KEY CHECK (kind IN ('boundaries', 'overdoses', 'seizures')),
    version     bigint      NOT NULL DEFAULT 1,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO data_versions (kind) VALUES ('boundaries'), ('overdoses'), ('seizures');

CREATE FUNCTION geoors_bump(k text) RETURNS bigint
LANGUAGE sql AS $$
    SELECT pg_notify('geoors_data', k);
    UPDATE data_versions SET version = version + 1, changed_at = now() WHERE kind = k RETURNING version;
$$;

-- Boundary polygons for tiles: in EPSG:3857 and simplified once per zoom band, so a tile neither
-- transforms nor carries detail finer than its pixels. Refreshed by every boundary load.
CREATE TABLE tile_shapes (
    layer   text     NOT NULL CHECK (layer IN ('counties', 'states', 'hidta')),
    band    smallint NOT NULL,
    id      text     NOT NULL,
    geom    geometry(MultiPolygon, 3857) NOT NULL,
    PRIMARY KEY (layer, band, id)
);
CREATE INDEX tile_shapes_geom_gix ON tile_shapes USING gist (geom);

-- Band b serves zooms up to 4, 7, 10 and beyond; a band is simplified to two tile units (of 4096)
-- at its highest zoom, below what MVT's integer grid keeps anyway; the last band is not simplified.
CREATE FUNCTION geoors_tile_band(z integer) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE WHEN z <= 4 THEN 0 WHEN z <= 7 THEN 1 WHEN z <= 10 THEN 2 ELSE 3 END)::smallint
$$;

CREATE FUNCTION geoors_refresh_tile_shapes() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM tile_shapes;
    INSERT INTO tile_shapes (layer, band, id, geom)
    SELECT s.layer, b.band, s.id,
           CASE WHEN b.top IS NULL THEN s.geom
                ELSE ST_Multi(ST_SimplifyPreserveTopology(s.geom, 2 * 40075016.6856 / (4096 * 2 ^ b.top))) END
    FROM (SELECT 'counties' AS layer, geoid::text AS id, ST_Transform(geom, 3857) AS geom FROM counties
          UNION ALL
          SELECT 'states', statefp::text, ST_Transform(geom, 3857) FROM states
          UNION ALL
          SELECT 'hidta', id, ST_Transform(geom, 3857) FROM hidta_regions WHERE geom IS NOT NULL) s
    CROSS JOIN (VALUES (0, 4), (1, 7), (2, 10), (3, NULL)) AS b(band, top);
$$;

SELECT geoors_refresh_tile_shapes();
