-- An event's county, HIDTA and batch are assigned by ingest (from the in-memory county index and
-- the batch it is running), not typed in by a sender. As foreign keys they cost a referential check
-- and a row lock per inserted event, a third of ingest's time, and guard nothing ingest does not
-- already guarantee. HIDTA membership changes re-assign events in the boundary loader instead of
-- ON DELETE SET NULL.
ALTER TABLE overdose_events
    DROP CONSTRAINT overdose_events_county_fips_fkey,
    DROP CONSTRAINT overdose_events_hidta_id_fkey,
    DROP CONSTRAINT overdose_events_batch_id_fkey;
ALTER TABLE seizure_events
    DROP CONSTRAINT seizure_events_county_fips_fkey,
    DROP CONSTRAINT seizure_events_hidta_id_fkey,
    DROP CONSTRAINT seizure_events_batch_id_fkey;
