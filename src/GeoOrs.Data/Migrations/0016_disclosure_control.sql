-- Disclosure control of public figures by cell-key perturbation (ADR 0011, docs/ACCESS.md).
--
-- Every event gets a record key: 32 random bits, drawn once when it is stored and never changed.
-- A public count (a cell: an area, a window of whole months, a measure, a drug) is perturbed by an
-- amount looked up from its cell key, the sum of its events' record keys modulo 2^32 (the method of
-- the Australian Bureau of Statistics' TableBuilder, Fraser & Wooton 2005; Thompson, Broadfoot &
-- Elazar 2013). The same events always give the same cell key, so the same cell always gets the
-- same perturbation whichever query, area or path asks for it: repeating or rephrasing a query
-- cannot average the noise away.
ALTER TABLE overdose_events ADD COLUMN rkey integer;
ALTER TABLE seizure_events ADD COLUMN rkey integer;
-- Keys for the events already stored: 32 strongly random bits each (gen_random_uuid draws from the
-- server's strong random source).
UPDATE overdose_events SET rkey = ('x' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 8))::bit(32)::integer;
UPDATE seizure_events SET rkey = ('x' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 8))::bit(32)::integer;
-- Ingest writes its own (from the same strong source); the default keeps any other writer keyed.
ALTER TABLE overdose_events ALTER COLUMN rkey SET NOT NULL,
    ALTER COLUMN rkey SET DEFAULT ('x' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 8))::bit(32)::integer;
ALTER TABLE seizure_events ALTER COLUMN rkey SET NOT NULL,
    ALTER COLUMN rkey SET DEFAULT ('x' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 8))::bit(32)::integer;

-- The monthly aggregates carry, beside each count, the sum of the record keys of the events it
-- counts (per drug slot; plain sums, reduced modulo 2^32 when read), so a window of whole months has
-- its cell keys as cheaply as its counts. Daily rows need none: public windows are whole months.
ALTER TABLE overdose_monthly
    ADD COLUMN events_key         bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN fatal_key          bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN naloxone_key       bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN fatal_naloxone_key bigint[] NOT NULL DEFAULT '{}';
ALTER TABLE seizure_monthly ADD COLUMN events_key bigint[] NOT NULL DEFAULT '{}';

CREATE FUNCTION geoors_add(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i)
    FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$$;
CREATE AGGREGATE geoors_sum(bigint[]) (SFUNC = geoors_add, STYPE = bigint[]);

-- Recomputes every aggregate from the event tables. Days are UTC days; events outside every county
-- are in no county aggregate. Monthly rows are counted from the events (not from the daily rows) so
-- that they carry the record-key sums.
CREATE OR REPLACE FUNCTION geoors_rebuild_aggregates() RETURNS void
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

    INSERT INTO overdose_monthly (county_fips, month, events, fatal, naloxone, fatal_naloxone,
                                  events_key, fatal_key, naloxone_key, fatal_naloxone_key)
    SELECT county_fips, month,
           geoors_place(array_agg(slot), array_agg(n), size), geoors_place(array_agg(slot), array_agg(f), size),
           geoors_place(array_agg(slot), array_agg(x), size), geoors_place(array_agg(slot), array_agg(fx), size),
           geoors_place(array_agg(slot), array_agg(kn), size), geoors_place(array_agg(slot), array_agg(kf), size),
           geoors_place(array_agg(slot), array_agg(kx), size), geoors_place(array_agg(slot), array_agg(kfx), size)
    FROM (
        SELECT e.county_fips, date_trunc('month', e.occurred_at AT TIME ZONE 'UTC')::date AS month, s.slot,
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

    INSERT INTO seizure_monthly (county_fips, month, events, grams, dosage_units, events_key)
    SELECT county_fips, month,
           geoors_place(array_agg(slot), array_agg(n), size), geoors_place(array_agg(slot), array_agg(g), size),
           geoors_place(array_agg(slot), array_agg(u), size), geoors_place(array_agg(slot), array_agg(k), size)
    FROM (
        SELECT e.county_fips, date_trunc('month', e.seized_at AT TIME ZONE 'UTC')::date AS month, s.slot,
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

SELECT geoors_rebuild_aggregates();

-- The secret that keys the perturbation of cells that count no event (whose record-key sum is 0,
-- whatever the cell): 256 strongly random bits, made here once per database.
INSERT INTO access_secrets (name, secret)
VALUES ('cellkey', sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())))
ON CONFLICT (name) DO NOTHING;

-- The perturbation table (GeoOrs.Analysis.Privacy.CellKeyPerturbation holds the same numbers, and a
-- test holds the two equal). u is the cell key as a fraction of 2^32.
--   a cell counting n >= 1 events: noise -4..+4 with probabilities .04 .07 .13 .16 .20 .16 .13 .07 .04
--     (mean 0, variance 3.9), and the published value is max(0, n + noise);
--   a cell counting no event: 0 with probability .80, else 1, 2, 3, 4 (.08 .06 .04 .02), so a withheld
--     cell may hold no event at all.
CREATE FUNCTION geoors_perturb(n bigint, u double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE WHEN n = 0 THEN
               CASE WHEN u < 0.80 THEN 0 WHEN u < 0.88 THEN 1 WHEN u < 0.94 THEN 2 WHEN u < 0.98 THEN 3 ELSE 4 END
           ELSE greatest(0, n +
               CASE WHEN u < 0.04 THEN -4 WHEN u < 0.11 THEN -3 WHEN u < 0.24 THEN -2 WHEN u < 0.40 THEN -1
                    WHEN u < 0.60 THEN 0 WHEN u < 0.76 THEN 1 WHEN u < 0.89 THEN 2 WHEN u < 0.96 THEN 3 ELSE 4 END)
           END
$$;

-- A public count: n events whose record keys sum to key_sum; cell names the cell (layer, area,
-- window, measure, drug) and keys, with the secret, the cells that count no event.
CREATE FUNCTION geoors_public_count(n bigint, key_sum bigint, cell text, secret bytea) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT geoors_perturb(n, CASE
        WHEN n > 0 THEN (((key_sum % 4294967296) + 4294967296) % 4294967296)::double precision / 4294967296
        ELSE ('x' || encode(substr(sha256(secret || convert_to(cell, 'UTF8')), 1, 4), 'hex'))::bit(32)::bigint::double precision / 4294967296
    END)
$$;
