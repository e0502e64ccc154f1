-- Which of a chunk's (agency, external id) pairs are already stored: those are duplicates; and
-- whether the stored event is flagged for agency review (migration 0014), which holds the key.
-- $1: agencies, $2: external ids (parallel arrays). One primary-key probe of event_keys per key,
-- which holds every month's keys (migration 0025), then the event itself by its id and time: one
-- partition. (LATERAL … LIMIT 1 keeps the planner from joining the other way round while the
-- tables' statistics lag behind a load.)
SELECT k.agency, k.external_id, stored.agency_flagged
FROM unnest($1::text[], $2::text[]) AS k (agency, external_id)
CROSS JOIN LATERAL (
    SELECT e.agency_flagged
    FROM event_keys x JOIN seizure_events e ON e.id = x.event_id AND e.seized_at = x.at
    WHERE x.kind = 'seizures' AND x.agency = k.agency AND x.external_id = k.external_id LIMIT 1
) AS stored;
