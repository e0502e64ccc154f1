-- The scheduled per-county totals are summed from the monthly aggregates that ingest keeps (at most
-- counties × months rows) instead of scanning every event each time the job runs.
DROP MATERIALIZED VIEW county_event_totals;
CREATE MATERIALIZED VIEW county_event_totals AS
SELECT c.geoid,
       coalesce(o.overdoses, 0) AS overdoses,
       coalesce(o.fatal, 0)     AS fatal_overdoses,
       coalesce(s.seizures, 0)  AS seizures
FROM counties c
LEFT JOIN (SELECT county_fips, sum(events[1])::bigint AS overdoses, sum(fatal[1])::bigint AS fatal
           FROM overdose_monthly GROUP BY county_fips) o ON o.county_fips = c.geoid
LEFT JOIN (SELECT county_fips, sum(events[1])::bigint AS seizures
           FROM seizure_monthly GROUP BY county_fips) s ON s.county_fips = c.geoid;
CREATE UNIQUE INDEX county_event_totals_geoid_idx ON county_event_totals (geoid);
