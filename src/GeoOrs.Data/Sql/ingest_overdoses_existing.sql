-- Which of a chunk's (agency, external id) pairs are already stored: those are duplicates; and
-- whether the stored event is flagged for agency review (migration 0014), which holds the key.
-- $1: agencies, $2: external ids (parallel arrays). One unique-index probe per key (LATERAL … LIMIT 1
-- keeps the planner from joining the other way round while the table's statistics lag behind a load).
SELECT k.agency, k.external_id, stored.agency_flagged
FROM unnest($1::text[], $2::text[]) AS k (agency, external_id)
CROSS JOIN LATERAL (
    SELECT e.agency_flagged FROM overdose_events e WHERE e.source_agency = k.agency AND e.external_id = k.external_id LIMIT 1
) AS stored;
