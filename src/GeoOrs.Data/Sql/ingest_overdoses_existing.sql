-- Which of a chunk's (agency, external id) pairs are already stored: those are duplicates.
-- $1: agencies, $2: external ids (parallel arrays). Uses the unique index on (source_agency, external_id).
SELECT e.source_agency, e.external_id
FROM unnest($1::text[], $2::text[]) AS k (agency, external_id)
JOIN overdose_events e ON e.source_agency = k.agency AND e.external_id = k.external_id;
