-- The local day of every stored event of the counties whose time zone a boundary load has just set or
-- changed ($1, GEOIDs): the date of its time in the county's zone (docs/adr/0021-local-days.md), as
-- geoors_local_day gives it. Only the events whose day moves are written. Returns how many moved;
-- the load then rebuilds the aggregates and cells, which are keyed by these days.
WITH changed AS (
    SELECT c.geoid, c.time_zone FROM counties c WHERE c.geoid = ANY ($1::bpchar[]) AND c.time_zone IS NOT NULL
),
overdoses AS (
    UPDATE overdose_events e SET local_day = (e.occurred_at AT TIME ZONE c.time_zone)::date
    FROM changed c
    WHERE e.county_fips = c.geoid AND e.local_day <> (e.occurred_at AT TIME ZONE c.time_zone)::date
    RETURNING 1
),
seizures AS (
    UPDATE seizure_events e SET local_day = (e.seized_at AT TIME ZONE c.time_zone)::date
    FROM changed c
    WHERE e.county_fips = c.geoid AND e.local_day <> (e.seized_at AT TIME ZONE c.time_zone)::date
    RETURNING 1
)
SELECT (SELECT count(*) FROM overdoses) + (SELECT count(*) FROM seizures);
